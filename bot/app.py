"""The Telegram bot process: a python-telegram-bot 22 Application fed by long polling or a webhook.

Updates are fetched by bot/polling.py (or received by bot/webhook.py) rather than by PTB's
Updater so that an update is acknowledged to Telegram only after it has been processed and stored:
a process killed at any moment loses nothing, because Telegram re-delivers and the database
de-duplicates by update_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot import staff_store
from bot.flow import ChatScheduler, LangCache, RateLimiter
from bot.handlers import add_handlers, dead_letter_text, is_transient
from bot.logs import setup_logging
from bot.polling import Poller
from bot.runtime import Runtime
from bot.service import Service
from bot.settings import Settings
from bot.tg_http import BotRequest
from dialogs.commands import menu_names
from dialogs.messages import t

log = logging.getLogger(__name__)
T = TypeVar("T")


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
PRUNE_EVERY_SECONDS = 6 * 3600
# How long a stop waits for updates being processed before cutting them off.
GRACE_SECONDS = 15.0
# A failure retrying cannot cure (a bug, bad data) is tried this often, then kept as a dead letter.
DEAD_LETTER_AFTER = 3
# Polling retries a failed update after these waits (doubling); webhook mode leaves it to Telegram.
RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 5.0
# What became of one attempt at an update.
DONE, DEAD, BUSY, FAILED = "done", "dead", "busy", "failed"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# The Telegram menus: commands in menu order from the one command table (dialogs/commands.py);
# their descriptions are bot.menu.* and bot.staff_menu.* in the catalogue.
USER_COMMANDS = {lang: [(c, t(f"bot.menu.{c}", lang)) for c in menu_names("user")] for lang in ("zh", "en")}
STAFF_COMMANDS = {
    lang: [(c, t(f"bot.staff_menu.{c}", lang)) for c in menu_names("staff")] for lang in ("zh", "en")
}


def _operator(key: str, **params: object) -> str:
    """Return a note for the operator's console (one line in both languages, the same in each catalogue)."""
    return t(key, "zh", **params)


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    """Build BotCommand objects."""
    return [BotCommand(name, description) for name, description in pairs]


def build_application(settings: Settings, service: Service) -> AnyApplication:
    """Build the Application: our own fetching (no Updater), handlers, and the shared runtime."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(settings.telegram_bot_token).updater(None)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url).base_file_url(settings.base_file_url)
    # A modest HTTP pool: httpcore scans every pooled connection on each request, so a big pool
    # costs CPU on every Bot API call (measured in bench/bot.py) while Telegram limits sending anyway.
    # BotRequest: PTB's httpx request with two per-call CPU costs removed (bot/tg_http.py).
    builder = builder.request(BotRequest(connection_pool_size=16)).get_updates_request(
        BotRequest(connection_pool_size=1, read_timeout=settings.poll_timeout + 15)
    )
    # Two threads for the database steps on either backend: each step is ~1-2 ms of Python, which
    # holds the GIL; more threads only queue for it behind the event loop (16 threads made
    # PostgreSQL slower: 94 vs ~160 updates/s in bench/bot.py). SQLite takes one writer anyway.
    workers = min(2, settings.max_concurrent_updates)
    application = builder.build()
    application.bot_data["etown"] = Runtime(
        settings=settings,
        service=service,
        limiter=RateLimiter(settings.rate_limit_burst, settings.rate_limit_per_minute),
        langs=LangCache(settings.bot_lang),
        executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="etown-db"),
        slow_executor=ThreadPoolExecutor(max_workers=2, thread_name_prefix="etown-files"),
    )
    add_handlers(application)
    return application


def update_chat_id(data: dict[str, Any]) -> int | None:
    """Return the chat an update belongs to, from its raw JSON (None when it has none)."""
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        chat = (data.get(key) or {}).get("chat") if isinstance(data.get(key), dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    query = data.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id = message["chat"].get("id")
            if isinstance(chat_id, int):
                return chat_id
        sender = query.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


class UpdateFailed(Exception):
    """An update whose step did not commit, or whose replies did not go out: it must not be confirmed."""

    def __init__(self, error: BaseException) -> None:
        """Keep the cause and whether retrying can cure it."""
        super().__init__(type(error).__name__)
        self.error = error
        self.transient = is_transient(error)


class BotRunner:
    """One bot process: the Application plus polling or a webhook server."""

    def __init__(self, settings: Settings, service: Service | None = None) -> None:
        """Prepare (nothing is contacted until `start`)."""
        self.settings = settings
        self._own_service = service is None
        self.service = service or open_service(settings)
        self.application = build_application(settings, self.service)
        self.scheduler = ChatScheduler(settings.max_concurrent_updates)
        self._tasks: list[asyncio.Task[None]] = []
        self._server: Any = None
        self._stopping = asyncio.Event()
        self.processed = 0
        # Polling that confirms an update only once it settled (bot/polling.py says why).
        self.poller = Poller(
            self.application.bot, self.feed, self._stopping, settings.poll_timeout, ALLOWED_UPDATES
        )
        # Webhook requests being processed.
        self._in_flight = 0
        # Failed attempts per update whose cause retrying cannot cure (bounded; see DEAD_LETTER_AFTER).
        self._failed_attempts: dict[int, int] = {}

    @property
    def runtime(self) -> Runtime:
        """Return the handlers' shared runtime."""
        value = self.application.bot_data["etown"]
        assert isinstance(value, Runtime)
        return value

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Contact Telegram, set the command menus, and begin polling or serving the webhook."""
        await self._initialize()
        await self.application.start()
        await self._set_commands()
        if self.settings.webhook_url:
            await self._start_webhook()
        else:
            await self.application.bot.delete_webhook(drop_pending_updates=False)
            self._tasks.append(asyncio.create_task(self.poller.run(), name="etown-poll"))
        self._tasks.append(asyncio.create_task(self._prune_loop(), name="etown-prune"))
        log.info(
            "bot @%s started (%s)",
            self.application.bot.username,
            "webhook " + self.settings.webhook_path if self.settings.webhook_url else "polling",
        )

    async def _initialize(self) -> None:
        """Call getMe, retrying while the network is down; a rejected token is fatal."""
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                return
            except InvalidToken:
                raise
            except NetworkError as error:
                log.warning("cannot reach Telegram (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        """Stop fetching, let work in progress finish, and close everything."""
        self._stopping.set()
        if self._server is not None:
            self._server.stop()  # no new webhook connections
        await self._drain(GRACE_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        # Confirm before cutting off what is still running: those stay with Telegram for next time.
        if not self.settings.webhook_url:
            await self.poller.confirm()
        await self.poller.cut_off()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.close_all_connections(), 5)
            self._server = None
        if self.application.running:
            await self.application.stop()
        with contextlib.suppress(Exception):
            await self.application.shutdown()
        self.runtime.executor.shutdown(wait=True)
        if self.runtime.slow_executor is not None:
            self.runtime.slow_executor.shutdown(wait=True)
        if self._own_service:
            self.service.close()

    async def _drain(self, seconds: float) -> None:
        """Wait (bounded) for the batch and webhook requests being processed to finish."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        await self.poller.drain(seconds)
        while self._in_flight and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def _set_commands(self) -> None:
        """Publish the command menu in Chinese and English, with staff commands for staff only."""
        bot = self.application.bot
        default_lang = self.settings.bot_lang
        try:
            for lang in ("zh", "en"):
                await bot.set_my_commands(_commands(USER_COMMANDS[lang]), language_code=lang)
            await bot.set_my_commands(_commands(USER_COMMANDS[default_lang]))
        except TelegramError as error:
            log.warning("could not set the command menu: %s", error)
        staff_menu = _commands(USER_COMMANDS[default_lang] + STAFF_COMMANDS[default_lang])
        targets = list(self.settings.staff_user_ids)
        if self.settings.staff_chat_id is not None:
            targets.append(self.settings.staff_chat_id)
        for chat_id in targets:
            menu = staff_menu if chat_id > 0 else _commands(STAFF_COMMANDS[default_lang])
            try:
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id))
            except TelegramError as error:  # a staff member who never opened the bot: no chat yet
                log.info("staff command menu not set for chat %s: %s", chat_id, error)

    # --- feeding updates -------------------------------------------------------------------------

    async def feed(self, data: dict[str, Any], *, patient: bool = True) -> str:
        """Process one raw update in its chat's order; return DONE, DEAD, BUSY or FAILED.

        Patient (polling): retry with backoff, holding the chat's place so its later updates wait,
        until the step commits or the update is kept as a dead letter (or the process stops).
        Impatient (webhook): one attempt; Telegram delivers a failed update again.
        A malformed update is logged and dropped.
        """
        try:
            Update.de_json(data, self.application.bot)
        except Exception as error:
            log.warning("malformed update %r dropped: %s", data.get("update_id"), type(error).__name__)
            return DONE
        result = DONE

        async def work() -> None:
            nonlocal result
            result = await self._settle(data, patient=patient)

        await self.scheduler.run(update_chat_id(data), work)
        update_id = data.get("update_id")
        if result not in (DONE, DEAD) and patient and isinstance(update_id, int):
            self.poller.unsettled.add(update_id)
        return result

    async def _settle(self, data: dict[str, Any], *, patient: bool) -> str:
        """Attempt an update, and when patient keep retrying with backoff until it settles or we stop."""
        delay = RETRY_FIRST_DELAY
        while True:
            result = await self._attempt(data)
            if result in (DONE, DEAD) or not patient:
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return result
            delay = min(delay * 2, RETRY_MAX_DELAY)

    async def _attempt(self, data: dict[str, Any]) -> str:
        """Run the handlers once on a freshly parsed update; keep it as a dead letter after repeated bugs."""
        update = Update.de_json(data, self.application.bot)
        try:
            await self._process(update)
        except UpdateFailed as failure:
            if failure.transient:
                return BUSY
            attempts = self._failed_attempts.pop(update.update_id, 0) + 1
            if attempts < DEAD_LETTER_AFTER:
                self._failed_attempts[update.update_id] = attempts
                while len(self._failed_attempts) > 10_000:
                    self._failed_attempts.pop(next(iter(self._failed_attempts)))
                return FAILED
            return await self._dead_letter(update, data, failure.error, attempts)
        self._failed_attempts.pop(update.update_id, None)
        chat_id = update_chat_id(data)
        if chat_id is not None:
            self.runtime.busy_chats.discard(chat_id)  # the outage is over for this chat
        return DONE

    async def _dead_letter(
        self, update: Update, data: dict[str, Any], error: BaseException, attempts: int
    ) -> str:
        """Keep an update that kept failing, whole, for staff; tell the user; BUSY if it cannot be kept now."""
        chat_id = update_chat_id(data)
        user = update.effective_user
        try:
            await self.runtime.call(
                staff_store.keep_dead_letter,
                self.service,
                update.update_id,
                data,
                type(error).__name__,
                attempts,
                None if chat_id is None else f"tg:{chat_id}",
                None if user is None else f"tg:{user.id}",
            )
        except Exception as keep_error:
            # Never dropped silently: not confirmed either, so it comes back and is tried again.
            log.error(
                "update %s could not be kept as a dead letter: %s",
                update.update_id,
                type(keep_error).__name__,
            )
            self._failed_attempts[update.update_id] = attempts - 1
            return BUSY
        log.error(
            "update %s failed %d times (%s); kept as a dead letter (etownbot dead-letters)",
            update.update_id,
            attempts,
            type(error).__name__,
        )
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            try:
                await self.application.bot.send_message(
                    chat.id, dead_letter_text(self.runtime.langs.get(chat.id))
                )
            except TelegramError as send_error:
                log.info("could not tell chat %s about a dead letter: %s", chat.id, send_error)
        return DEAD

    async def replay(self, data: dict[str, Any]) -> bool:
        """Run a kept update through the handlers once more; True when it succeeded this time."""
        try:
            await self._process(Update.de_json(data, self.application.bot))
        except UpdateFailed as failure:
            log.error("replay of update %s failed again: %s", data.get("update_id"), failure)
            return False
        return True

    async def _process(self, update: Update) -> None:
        """Run the handlers on one update; raise UpdateFailed when a handler failed."""
        await self.application.process_update(update)
        error = self.runtime.failures.pop(update.update_id, None)
        if error is not None:
            raise UpdateFailed(error)
        self.processed += 1

    async def _start_webhook(self) -> None:
        """Serve the webhook (bot/webhook.py, imported only in webhook mode) and register it."""
        from bot.webhook import start_webhook

        self._server = start_webhook(self)
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=min(100, self.settings.max_concurrent_updates),
        )

    async def _prune_loop(self) -> None:
        """Forget old processed update ids now and then."""
        while not self._stopping.is_set():
            try:
                removed = await self.runtime.call(self.service.prune)
                if removed:
                    log.info("forgot %d old processed update ids", removed)
            except Exception as error:
                log.warning("pruning processed updates failed: %s", type(error).__name__)
            await asyncio.sleep(PRUNE_EVERY_SECONDS)


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


def open_service(settings: Settings) -> Service:
    """Open and migrate the database with the configured timeouts."""
    return Service(
        settings.effective_database_url(),
        default_lang=settings.bot_lang,
        office_hours=settings.office_hours(),
        engine_options={
            "connect_timeout": settings.database_connect_timeout,
            "statement_timeout_ms": settings.database_statement_timeout * 1000,
        },
    )


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
