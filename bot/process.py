"""The bot as an operating-system process: signals, opening the database, start-up, stop, replays.

``etownbot run`` calls ``run``; ``etownbot dead-letters --replay`` calls ``replay_dead_letters``.
The work of the process (updates fed, retried, kept as dead letters) is bot/app.py's ``BotRunner``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram.error import InvalidToken

from bot import staff_store
from bot.app import BotRunner, open_service
from bot.logs import setup_logging
from bot.runtime import freeze_startup_objects
from bot.settings import Settings
from dialogs.messages import t

log = logging.getLogger(__name__)
T = TypeVar("T")


def _operator(key: str, **params: object) -> str:
    """Return a note for the operator's console (one line in both languages, the same in each catalogue)."""
    return t(key, "zh", **params)


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """Await `work` unless `stop` is set first (then cancel it); return (finished, result)."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return True, task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return False, None


def _in_daemon_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """Run a blocking call in a daemon thread: a stop can leave it behind (a database that never answers)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = fn()
        except BaseException as error:
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=target, name="etown-open-database", daemon=True).start()
    return future


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the bot until `stop` is set or a signal arrives; return the exit code.

    SIGTERM and SIGINT are honoured at every stage: while the database is opened, while Telegram
    is unreachable at start-up, and while running.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        opened, service = await _unless_stopped(_in_daemon_thread(lambda: open_service(settings)), stop)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(_operator("bot.no_database", where=settings.describe_database(), error=first), flush=True)
        return 1
    if not opened or service is None:
        print(_operator("bot.stopped_connecting"), flush=True)
        return 0
    runner = BotRunner(settings, service)
    runner._own_service = True
    try:
        started, _ = await _unless_stopped(runner.start(), stop)
    except InvalidToken:
        print(_operator("bot.token_rejected"), flush=True)
        await runner.stop()
        return 2
    except OSError as error:
        print(_operator("bot.no_webhook_port", error=error), flush=True)
        await runner.stop()
        return 1
    if not started:
        log.info("stopped while starting (Telegram unreachable?)")
        await runner.stop()
        return 0
    freeze_startup_objects()
    try:
        stopping = asyncio.create_task(runner._stopping.wait())
        asked = asyncio.create_task(stop.wait())
        await asyncio.wait({stopping, asked}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopping, asked):
            task.cancel()
    finally:
        log.info("stopping")
        await runner.stop()
    return 0


async def replay_dead_letters(
    settings: Settings, database_url: str, letters: list[tuple[int, dict[str, Any]]]
) -> dict[int, bool]:
    """Feed kept updates to the handlers once more, marking each that succeeds as replayed."""
    service = open_service(settings.model_copy(update={"database_url": database_url}))
    runner = BotRunner(settings, service)
    runner._own_service = True
    results: dict[int, bool] = {}
    try:
        await runner.application.initialize()
        for letter_id, payload in letters:
            results[letter_id] = await runner.replay(payload)
            if results[letter_id]:
                await runner.runtime.call(staff_store.mark_replayed, service, letter_id)
    finally:
        await runner.stop()
    return results


def run(settings: Settings) -> None:
    """`etownbot run`: polling by default, a webhook when WEBHOOK_URL is set."""
    setup_logging(settings.log_level, secrets=(settings.telegram_bot_token, settings.webhook_secret))
    code = asyncio.run(serve(settings))
    if code:
        raise SystemExit(code)
