"""Keep-alive HTTP/1.1 connections of our own to the Bot API, for JSON POSTs (`LightPool`).

A JSON POST on a plain http(s) connection goes over a keep-alive HTTP/1.1 connection of our own,
an asyncio protocol that writes the request in one go and reads the answer by its Content-Length
(or chunks, or to the end of the stream). httpcore's pool, even tuned, spent most of a call's CPU on
its locks, cancel scopes and per-connection bookkeeping (anyio's, through sniffio, on every read and
write). An idle connection the server has closed is noticed before reuse (`socket_readable`), as
httpcore does. Nothing here knows of python-telegram-bot: `bot/tg_http.py` maps these errors
(TimeoutError, OSError) to the library's, and a proxy, HTTP/2 or a file upload goes through httpx.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from typing import NamedTuple

import httpx


def socket_readable(sock: socket.socket | None) -> bool:
    """Tell whether a socket has data (or an end of stream) to read now, without reading it.

    The question httpcore asks of a pooled connection before reusing it (its own helper is private):
    a socket that is gone counts as readable, as the next read would return the end of stream.
    """
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if getattr(select, "poll", None) is None:  # Windows
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))


# How long an idle connection is kept for reuse: httpx's default keep-alive expiry.
KEEPALIVE_SECONDS = 5.0
# The most a response's status line and headers may take (a Bot API answer's are a few hundred bytes).
MAX_HEAD_BYTES = 65536


class ResponseError(ConnectionError):
    """The server's answer could not be read as HTTP/1.1 (or it closed the connection before one)."""


class Http11(asyncio.Protocol):
    """One keep-alive HTTP/1.1 client connection: one request at a time, the answer read in full."""

    def __init__(self) -> None:
        """Start unconnected."""
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.idle_since = 0.0
        self._socket: socket.socket | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._writable: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        """Forget the last response's framing, ready for the next one."""
        self._status = 0
        self._length = -1
        self._chunked = False
        self._keep = True
        self._chunk_left = -1
        self._trailers = False
        self._body = bytearray()

    # --- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open = True
        self._socket = transport.get_extra_info("socket")

    def reusable(self, now: float) -> bool:
        """Tell whether an idle connection can take a request: open, fresh, nothing arrived unasked.

        A server closing an idle connection may not have been noticed by the event loop yet; its
        socket is readable then (the end of stream), as httpcore checks before reusing one.
        """
        return self.open and now - self.idle_since < KEEPALIVE_SECONDS and not socket_readable(self._socket)

    def data_received(self, data: bytes) -> None:
        """Collect the answer; bytes nobody asked for make the connection unusable."""
        if self._waiter is None or self._waiter.done():
            self.close()
            return
        self._buffer += data
        try:
            self._advance()
        except (ValueError, IndexError) as error:
            self._fail(ResponseError(f"malformed HTTP response: {error}"))
            self.close()

    def eof_received(self) -> bool:
        """The server closed its side: an answer read to the end of the stream is complete now."""
        self.open = False
        if self._waiter is not None and self._status and self._length < 0 and not self._chunked:
            self._finish(bytes(self._buffer))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail a request still waiting for its answer."""
        self.open = False
        self._fail(ResponseError("Server disconnected without sending a response.") if exc is None else exc)
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        """Note that the transport's buffer is full."""
        if self._writable is None or self._writable.done():
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        """Let a waiting write go on."""
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    # --- requests --------------------------------------------------------------------------------

    async def request(
        self, data: bytes, write_timeout: float | None, read_timeout: float | None
    ) -> tuple[int, bytes]:
        """Send one whole request and return the answer's status and body.

        A timeout raises TimeoutError; a lost or garbled connection ConnectionError (or the OSError
        of the socket). Any failure, or a cancellation, closes the connection.
        """
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._waiter = waiter
        self._reset()
        done = False
        timer: asyncio.TimerHandle | None = None
        try:
            self.transport.write(data)
            if self._writable is not None and not self._writable.done():
                await asyncio.wait_for(asyncio.shield(self._writable), write_timeout)
            if read_timeout is not None:
                timer = loop.call_later(read_timeout, self._time_out, waiter)
            result = await waiter
            done = True
            return result
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None
            if not done:
                self.close()

    def close(self) -> None:
        """Close the connection (it is not reused)."""
        self.open = False
        if self.transport is not None:
            self.transport.close()

    def _time_out(self, waiter: asyncio.Future[tuple[int, bytes]]) -> None:
        """Give up waiting for the answer."""
        if not waiter.done():
            waiter.set_exception(TimeoutError("no answer in time"))

    def _fail(self, error: BaseException) -> None:
        """Fail the waiting request, if any."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    def _finish(self, body: bytes) -> None:
        """Hand the answer over; keep the connection only if it may carry another request."""
        waiter, status = self._waiter, self._status
        if self._buffer or not self._keep:
            self.close()
        self._reset()
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def _advance(self) -> None:
        """Parse as much of the answer as has arrived."""
        buffer = self._buffer
        while not self._status:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    raise ValueError("headers too long")
                return
            lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[: end + 4]
            version, status = lines[0].split(" ", 2)[:2]
            code = int(status)
            if 100 <= code < 200:  # an interim answer (100 Continue): the real one follows
                continue
            self._keep = version == "HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    self._length = int(value)
                elif name == "transfer-encoding":
                    self._chunked = "chunked" in value.lower()
                elif name == "connection":
                    self._keep = self._keep and "close" not in value.lower()
            if code in (204, 304):  # never a body
                self._chunked, self._length = False, 0
            elif self._chunked:
                self._length = -1
            elif self._length < 0:
                self._keep = False  # the body runs to the end of the stream
            self._status = code
        if self._chunked:
            self._advance_chunks()
        elif self._length >= 0 and len(buffer) >= self._length:
            body = bytes(buffer[: self._length])
            del buffer[: self._length]
            self._finish(body)

    def _advance_chunks(self) -> None:
        """Parse a chunked body as far as it has arrived."""
        buffer = self._buffer
        while True:
            if self._trailers:
                if buffer.startswith(b"\r\n"):
                    del buffer[:2]
                    self._finish(bytes(self._body))
                    return
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                del buffer[: end + 4]
                self._finish(bytes(self._body))
                return
            if self._chunk_left < 0:
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                size = int(bytes(buffer[:end]).split(b";")[0].strip(), 16)
                del buffer[: end + 2]
                if size == 0:
                    self._trailers = True
                    continue
                self._chunk_left = size
            if self._chunk_left > 0:
                take = min(self._chunk_left, len(buffer))
                self._body += buffer[:take]
                del buffer[:take]
                self._chunk_left -= take
                if self._chunk_left:
                    return
            if len(buffer) < 2:
                return
            if buffer[:2] != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
            del buffer[:2]
            self._chunk_left = -1


class Target(NamedTuple):
    """Where a Bot API URL goes, and the start of every request to it."""

    scheme: str
    host: str
    port: int
    head: bytes


class LightPool:
    """Keep-alive HTTP/1.1 connections per origin, for JSON POSTs: at most as many as calls in flight."""

    def __init__(self, ssl_context: ssl.SSLContext | None, user_agent: str) -> None:
        """Start with no connections."""
        self._ssl_context = ssl_context
        self._user_agent = user_agent
        self._idle: dict[tuple[str, str, int], list[Http11]] = {}
        self._targets: dict[str, Target] = {}

    def target(self, url: str) -> Target:
        """Return the target of a URL (parsed once per URL, i.e. per Bot API method)."""
        found = self._targets.get(url)
        if found is None:
            parsed = httpx.URL(url)
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            head = (
                f"POST {parsed.raw_path.decode('ascii')} HTTP/1.1\r\n"
                f"Host: {parsed.netloc.decode('ascii')}\r\n"
                f"User-Agent: {self._user_agent}\r\n"
                "Accept: */*\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: "
            ).encode("latin-1")
            found = Target(parsed.scheme, parsed.host, port, head)
            if len(self._targets) < 256:
                self._targets[url] = found
        return found

    async def post(
        self, target: Target, body: bytes, timeouts: tuple[float | None, float | None, float | None]
    ) -> tuple[int, bytes]:
        """POST a JSON body on an idle connection to the target, or a new one; return status and body."""
        connect, read, write = timeouts
        loop = asyncio.get_running_loop()
        origin = (target.scheme, target.host, target.port)
        idle = self._idle.get(origin)
        if idle is None:
            idle = self._idle[origin] = []
        now = loop.time()
        connection: Http11 | None = None
        while idle:
            candidate = idle.pop()
            if candidate.reusable(now):
                connection = candidate
                break
            candidate.close()
        if connection is None:
            connection = await self._connect(target, connect)
        status, content = await connection.request(
            b"".join((target.head, str(len(body)).encode(), b"\r\n\r\n", body)), write, read
        )
        if connection.open:
            connection.idle_since = loop.time()
            idle.append(connection)
        return status, content

    async def _connect(self, target: Target, timeout: float | None) -> Http11:
        """Open a connection (TLS for https) within the connect timeout."""
        loop = asyncio.get_running_loop()
        secure = target.scheme == "https"
        if secure and self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        _, connection = await asyncio.wait_for(
            loop.create_connection(
                Http11,
                target.host,
                target.port,
                ssl=self._ssl_context if secure else None,
                server_hostname=target.host if secure else None,
            ),
            timeout,
        )
        return connection

    def close(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
            idle.clear()
