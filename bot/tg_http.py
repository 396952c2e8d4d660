"""The HTTP client under python-telegram-bot, tuned for many Bot API calls a second.

Same library (httpx over httpcore), same timeouts and pool size, same errors; two costs removed:

* httpcore asks every pooled connection, before and after each request, whether its socket has
  become readable (a server-side close). Through anyio that builds a dict of socket attributes and
  calls getpeername each time, about 20 µs a connection — with a 16-connection pool more CPU than
  the request itself. The stream below answers that one question from the socket it keeps.
* Requests beyond the pool size queue inside httpcore, which rescans the whole queue against every
  connection whenever one frees up. A semaphore of the pool's size in front keeps that queue empty:
  a request waits in a plain asyncio queue instead, and the pool's wait limit never runs out under
  a backlog (a Bot API call is not refused for want of a free connection).

And one cost changed: a call without files goes as a JSON body (the Bot API takes both) instead of
a form whose every value is JSON-encoded and then percent-encoded byte by byte by httpx — for
Chinese text nine bytes per character, in Python (docs/performance.md, Bot). That JSON request
goes straight to the tuned httpcore pool: httpx's client layer (building its Request, merging
URL, headers and cookies, the auth and redirect generators, reading cookies out of every answer)
took about two thirds of a call's HTTP CPU, for a fixed POST with nothing of that to do.

Then the pool itself went (`LightPool`): a JSON POST on a plain http(s) connection goes over a
keep-alive HTTP/1.1 connection of our own, an asyncio protocol that writes the request in one go
and reads the answer by its Content-Length (or chunks). httpcore's pool, even tuned, spent most of
a call's CPU on its locks, cancel scopes and per-connection bookkeeping (anyio's, through sniffio,
on every read and write). A proxy, HTTP/2 or a file upload still goes through httpx unchanged.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import ssl
from typing import Any, NamedTuple

import httpcore
import httpx
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

# The one private import: a request's parameters are RequestParameter objects (see json_request_data).
from telegram.request._requestparameter import RequestParameter


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


def is_default_timeout(value: Any) -> bool:
    """Tell whether a timeout is PTB's "use the client's default" marker rather than seconds or None."""
    return value is not None and not isinstance(value, int | float)


def tune_pool(client: httpx.AsyncClient) -> bool:
    """Give the client's connection pool the cheaper network backend; return whether it could.

    The one place that reaches inside httpx and httpcore (neither lets a client choose the
    network backend of its pool): the transport's ``_pool`` and the pool's ``_network_backend``.
    Both are checked first, so a future version without them simply runs untuned, and
    ``tests/bot/test_tg_http.py`` fails on the version where this stops working.
    """
    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    # Only the plain httpx transport is tuned (a proxy keeps its own).
    if not (
        isinstance(transport, httpx.AsyncHTTPTransport)
        and isinstance(pool, httpcore.AsyncConnectionPool)
        and isinstance(getattr(pool, "_network_backend", None), httpcore.AsyncNetworkBackend)
    ):
        return False
    pool._network_backend = _Backend()
    return True


def tuned_pool(client: httpx.AsyncClient) -> httpcore.AsyncConnectionPool | None:
    """Return the client's connection pool if `tune_pool` tuned it, else None."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and isinstance(
        getattr(pool, "_network_backend", None), _Backend
    ):
        return pool
    return None


class _Stream(httpcore.AsyncNetworkStream):
    """An anyio stream that answers "is_readable" from its raw socket directly."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        """Wrap a connected stream and keep its socket."""
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read from the stream."""
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write to the stream."""
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the stream."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade to TLS, keeping the cheap readability check."""
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        """Answer what httpcore asks; "is_readable" exactly as httpcore's anyio backend does."""
        if info == "is_readable":
            return socket_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, handing out `_Stream`s."""

    def __init__(self) -> None:
        """Use anyio, as httpcore does under asyncio."""
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection."""
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection."""
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        """Sleep."""
        await self._inner.sleep(seconds)


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


class BotRequest(HTTPXRequest):
    """PTB's HTTPXRequest with JSON calls on our own HTTP/1.1 connections and at most pool-size calls in flight."""

    def __init__(self, connection_pool_size: int = 1, **kwargs: Any) -> None:
        """Build the httpx client as HTTPXRequest does, then the light pool next to it where it can serve."""
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self.tuned = tune_pool(self._client)
        pool = tuned_pool(self._client)
        # Only for what the plain transport would carry: no proxy (given or from the environment), HTTP/1.1.
        plain = pool is not None and not getattr(self._client, "_mounts", None) and self.http_version == "1.1"
        context = getattr(pool, "_ssl_context", None)
        self.light = (
            LightPool(context if isinstance(context, ssl.SSLContext) else None, self.USER_AGENT)
            if plain
            else None
        )
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._json_headers = {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"}

    async def shutdown(self) -> None:
        """Close our connections, then httpx's client."""
        if self.light is not None:
            self.light.close()
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request once a connection is free."""
        async with self._slots:
            if method == "POST" and request_data is not None and not request_data.contains_files:
                timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
                return await self._json_request(url, method, request_data, timeouts)
            return await super().do_request(
                url,
                method,
                request_data=request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )

    async def _json_request(
        self, url: str, method: str, request_data: RequestData, timeouts: tuple[Any, Any, Any, Any]
    ) -> tuple[int, bytes]:
        """Send the parameters as one JSON body, with HTTPXRequest's timeouts and errors."""
        client = self._client
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        read, write, connect, pool = (
            default if is_default_timeout(given) else given
            for given, default in zip(
                timeouts,
                (client.timeout.read, client.timeout.write, client.timeout.connect, client.timeout.pool),
                strict=True,
            )
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
        if self.light is not None:
            try:
                return await self.light.post(self.light.target(url), body, (connect, read, write))
            except TimeoutError as error:
                raise TimedOut from error
            except OSError as error:
                raise NetworkError(f"{error.__class__.__name__}: {error}") from error
        timeout = httpx.Timeout(connect=connect, read=read, write=write, pool=pool)
        try:
            response = await client.request(
                method=method, url=url, headers=self._json_headers, timeout=timeout, content=body
            )
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{error.__class__.__name__}: {error}") from error
        return response.status_code, response.content


def json_request_data(params: dict[str, Any]) -> RequestData:
    """Wrap parameters that are JSON values already as the library's request data, nothing converted.

    The library's own path turns each value into a RequestParameter through `from_input`, which
    walks it for files and library objects; these values have neither.
    """
    return RequestData(
        [RequestParameter(name, value, None) for name, value in params.items() if value is not None]
    )


async def call(bot: Bot, endpoint: str, params: dict[str, Any]) -> Any:
    """Make one Bot API call with JSON-ready parameters; return Telegram's result as JSON, not as objects.

    Straight through the bot's request object, past `Bot.do_api_request`'s per-call work (a
    RequestParameter per parameter, library objects turned into dicts, default values, camel-case
    and "use the typed method" checks): same URL, same timeouts, and the same errors, as
    `BaseRequest.post` maps Telegram's answers to TelegramError for both. The typed methods
    (`send_message`, `edit_message_text`) would also parse the answer back into a Message with its
    entities and keyboard, of which a caller here needs the message id at most. Not for getUpdates
    (the bot keeps another request object for it).
    """
    request = bot.request
    if isinstance(request, BotRequest) and endpoint != "getUpdates":
        return await request.post(f"{bot.base_url}/{endpoint}", request_data=json_request_data(params))
    return await bot.do_api_request(endpoint, api_kwargs=params)
