"""The HTTP client under python-telegram-bot (its request class), tuned for many Bot API calls a second.

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

Then the pool itself went: a JSON POST on a plain http(s) connection goes over a keep-alive
HTTP/1.1 connection of our own (`LightPool`, `bot/tg_conn.py`). A proxy, HTTP/2 or a file upload
still goes through httpx unchanged.

This module is the one adapter to python-telegram-bot's request layer and the only place in the
project with a private import of another library: `telegram.request._requestparameter.
RequestParameter` (PTB exports no public name for it), used by `json_request_data` alone and
checked by ``tests/bot/test_tg_http.py``. The httpx and httpcore internals `tune_pool` reaches
(``_transport``, ``_pool``, ``_network_backend``) are read with getattr and checked, not imported.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpcore
import httpx
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

# The one private import: a request's parameters are RequestParameter objects (see json_request_data).
from telegram.request._requestparameter import RequestParameter

from bot.tg_conn import LightPool, socket_readable


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
