"""The webhook: a tornado server that answers Telegram 200 only after the update was processed.

Imported only in webhook mode (polling needs no tornado). A request needs the secret token; a body
over MAX_WEBHOOK_BODY, not JSON, or nested implausibly deep is refused before any processing;
an update not processed is answered 500/503 so that Telegram delivers it again.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from bot.app import BUSY, DEAD, DONE, FAILED

if TYPE_CHECKING:
    from bot.app import BotRunner

log = logging.getLogger(__name__)

# Telegram's updates are a few kilobytes; a bigger webhook body is refused (413) unread.
MAX_WEBHOOK_BODY = 1 << 20
# Updates nest about six levels; anything far deeper is not from Telegram (400).
MAX_JSON_DEPTH = 64


def _depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether a parsed JSON value nests no deeper than `limit` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def parse_webhook_body(body: bytes, content_type: str) -> tuple[int, dict[str, Any] | str]:
    """Check and parse a webhook body: (200, update) or (HTTP status, reason)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return 415, "unsupported media type: send application/json"
    if len(body) > MAX_WEBHOOK_BODY:
        return 413, "request body too large"
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):
        return 400, "bad json"
    if not isinstance(data, dict) or not _depth_ok(data):
        return 400, "bad update"
    return 200, data


def _webhook_handlers() -> tuple[type, type]:
    """Define the tornado handlers (imported lazily: tornado is only needed in webhook mode)."""
    from tornado.web import RequestHandler, stream_request_body

    @stream_request_body
    class WebhookHandler(RequestHandler):
        """Receive updates from Telegram; answer 200 only after processing."""

        def initialize(self, runner: BotRunner) -> None:
            """Keep the runner."""
            self.runner = runner
            self.chunks: list[bytes] = []
            self.size = 0

        def data_received(self, chunk: bytes) -> None:
            """Collect the body, keeping no more than the limit: a bigger one is read, dropped, and refused."""
            self.size += len(chunk)
            if self.size <= MAX_WEBHOOK_BODY + 1:
                self.chunks.append(chunk)

        async def post(self) -> None:
            """Check the secret token, parse, process, acknowledge."""
            expected = self.runner.settings.webhook_secret
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                log.warning(
                    "webhook request without the right secret token from %s refused", self.request.remote_ip
                )
                self.set_status(403)
                self.finish("forbidden")
                return
            body = b"".join(self.chunks) if self.size <= MAX_WEBHOOK_BODY else b"x" * (MAX_WEBHOOK_BODY + 1)
            status, parsed = parse_webhook_body(body, self.request.headers.get("Content-Type", ""))
            if not isinstance(parsed, dict):
                log.warning("webhook request refused with %d: %s", status, parsed)
                self.set_status(status)
                self.finish(parsed)
                return
            self.runner._in_flight += 1
            try:
                result = await self.runner.feed(parsed, patient=False)
            finally:
                self.runner._in_flight -= 1
            # Not processed: Telegram keeps the update and delivers it again.
            status = {DONE: 200, DEAD: 200, BUSY: 503, FAILED: 500}[result]
            self.set_status(status)
            self.finish("ok" if status == 200 else "not processed; deliver again")

        def get(self) -> None:
            """Telegram only POSTs."""
            self.set_status(405)
            self.finish("method not allowed")

    class HealthHandler(RequestHandler):
        """Say the process is alive (for a load balancer)."""

        def get(self) -> None:
            """Answer ok."""
            self.finish("ok")

    return WebhookHandler, HealthHandler


def start_webhook(runner: BotRunner) -> Any:
    """Listen for the webhook on the configured port; return the tornado server."""
    from tornado.httpserver import HTTPServer
    from tornado.web import Application as WebApplication

    webhook_handler, health_handler = _webhook_handlers()
    settings = runner.settings
    web = WebApplication(
        [(settings.webhook_path, webhook_handler, {"runner": runner}), ("/healthz", health_handler)]
    )
    # The handler keeps at most MAX_WEBHOOK_BODY and answers 413 above it; the server closes
    # the connection on anything beyond 64 times that.
    server = HTTPServer(web, xheaders=True, max_body_size=64 * MAX_WEBHOOK_BODY)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    return server
