"""The yardstick: a bare python-telegram-bot echo bot (no database, one sendMessage per update).

Same library and version as the project, PTB's own Application with its own Updater (long
polling) or its own webhook server, PTB's stock HTTPXRequest; the same concurrency (64 updates at
once) and HTTP pool size (16) as the project's bot, so only what the project adds is compared.

Run alone (what bench/startup.py times to its first getUpdates):
``.venv/bin/python bench/bare_bot.py --base-url http://127.0.0.1:PORT/bot --token T``
or as a webhook: add ``--webhook-port P --webhook-secret S``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

CONCURRENT_UPDATES = 64
POOL_SIZE = 16


class TimedApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, timing each update through process_update (as bench/bot.py times ours)."""

    timings: list[float]
    processed: int
    first_start: float | None
    last_end: float
    on_processed: Any

    async def process_update(self, update: object) -> None:
        """Process one update and record how long it took."""
        start = time.perf_counter()
        if self.first_start is None:
            self.first_start = start
        await super().process_update(update)
        self.last_end = time.perf_counter()
        self.timings.append(self.last_end - start)
        self.processed += 1
        if self.on_processed is not None:
            self.on_processed(self.processed)


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message with its own text: one sendMessage per update."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build(token: str, base_url: str, *, timed: bool = False) -> Application:  # type: ignore[type-arg]
    """Build the bare echo bot's Application."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(CONCURRENT_UPDATES)
        .connection_pool_size(POOL_SIZE)
    )
    if timed:
        builder = builder.application_class(TimedApplication)
    application = builder.build()
    if timed:
        assert isinstance(application, TimedApplication)
        application.timings = []
        application.processed = 0
        application.first_start = None
        application.last_end = 0.0
        application.on_processed = None
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def main() -> None:
    """Run the echo bot until interrupted (polling, or a webhook when a port is given)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--webhook-port", type=int)
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args()
    application = build(args.token, args.base_url)
    if args.webhook_port:
        application.run_webhook(
            listen="127.0.0.1",
            port=args.webhook_port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{args.webhook_port}/hook",
            secret_token=args.webhook_secret or None,
        )
    else:
        application.run_polling(timeout=30)


if __name__ == "__main__":
    main()
