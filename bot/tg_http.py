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
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import ssl
from typing import Any

import httpcore
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData


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


class BotRequest(HTTPXRequest):
    """PTB's HTTPXRequest with the cheap readability check and at most pool-size calls in flight."""

    def __init__(self, connection_pool_size: int = 1, **kwargs: Any) -> None:
        """Build the httpx client as HTTPXRequest does, then give its pool the cheaper backend."""
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self.tuned = tune_pool(self._client)
        self._pool = tuned_pool(self._client)
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._json_headers = {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"}
        # Per Bot API URL (one per method): the parsed URL and its Host header, for the pool.
        self._targets: dict[str, tuple[httpcore.URL, bytes]] = {}

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
            if request_data is not None and not request_data.contains_files:
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
        timeout = httpx.Timeout(connect=connect, read=read, write=write, pool=pool)
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
        if self._pool is not None:
            return await self._pool_request(self._pool, url, method, body, (connect, read, write, pool))
        try:
            response = await client.request(
                method=method, url=url, headers=self._json_headers, timeout=timeout, content=body
            )
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{error.__class__.__name__}: {error}") from error
        return response.status_code, response.content

    async def _pool_request(
        self,
        connections: httpcore.AsyncConnectionPool,
        url: str,
        method: str,
        body: bytes,
        timeouts: tuple[Any, Any, Any, Any],
    ) -> tuple[int, bytes]:
        """POST a JSON body through the connection pool itself, with httpx's errors mapped as PTB does."""
        target = self._targets.get(url)
        if target is None:
            parsed = httpx.URL(url)
            target = (
                httpcore.URL(
                    scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
                ),
                parsed.netloc,
            )
            if len(self._targets) < 256:
                self._targets[url] = target
        connect, read, write, pool = timeouts
        request = httpcore.Request(
            method.encode(),
            target[0],
            headers=[
                (b"Host", target[1]),
                (b"User-Agent", self.USER_AGENT.encode()),
                (b"Content-Type", b"application/json"),
                (b"Content-Length", str(len(body)).encode()),
            ],
            content=body,
            extensions={"timeout": {"connect": connect, "read": read, "write": write, "pool": pool}},
        )
        try:
            response = await connections.handle_async_request(request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except httpcore.TimeoutException as error:
            raise TimedOut from error
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
            raise NetworkError(f"httpcore.{error.__class__.__name__}: {error}") from error
        return response.status, content
