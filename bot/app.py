"""One bot process at work: the Telegram Application (bot/tg_app.py) fed by long polling or a webhook.

Updates are fetched by bot/polling.py (or received by bot/webhook.py) rather than by PTB's
Updater so that an update is acknowledged to Telegram only after it has been processed and stored:
a process killed at any moment loses nothing, because Telegram re-delivers and the database
de-duplicates by update_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot import staff_store
from bot.flow import ChatScheduler
from bot.handlers import dead_letter_text, is_transient
from bot.polling import Poller
from bot.runtime import Runtime
from bot.service import Service
from bot.settings import Settings
from bot.tg_app import ALLOWED_UPDATES, build_application, set_commands

log = logging.getLogger(__name__)


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
        await set_commands(self.application.bot, self.settings)
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

    # --- feeding updates -------------------------------------------------------------------------

    async def feed(self, data: dict[str, Any], *, patient: bool = True) -> str:
        """Process one raw update in its chat's order; return DONE, DEAD, BUSY or FAILED.

        Patient (polling): retry with backoff, holding the chat's place so its later updates wait,
        until the step commits or the update is kept as a dead letter (or the process stops).
        Impatient (webhook): one attempt; Telegram delivers a failed update again.
        A malformed update is logged and dropped.
        """
        try:
            parsed: Update | None = Update.de_json(data, self.application.bot)
        except Exception as error:
            log.warning("malformed update %r dropped: %s", data.get("update_id"), type(error).__name__)
            return DONE
        result = DONE

        async def work() -> None:
            nonlocal result
            result = await self._settle(data, parsed, patient=patient)

        await self.scheduler.run(update_chat_id(data), work)
        update_id = data.get("update_id")
        if result not in (DONE, DEAD) and patient and isinstance(update_id, int):
            self.poller.unsettled.add(update_id)
        return result

    async def _settle(self, data: dict[str, Any], parsed: Update | None, *, patient: bool) -> str:
        """Attempt an update, and when patient keep retrying with backoff until it settles or we stop."""
        delay = RETRY_FIRST_DELAY
        while True:
            result = await self._attempt(data, parsed)
            parsed = None  # a retry starts from the raw update again
            if result in (DONE, DEAD) or not patient:
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return result
            delay = min(delay * 2, RETRY_MAX_DELAY)

    async def _attempt(self, data: dict[str, Any], parsed: Update | None = None) -> str:
        """Run the handlers once on the update (parsed on arrival, or afresh); dead-letter repeated bugs."""
        update = parsed if parsed is not None else Update.de_json(data, self.application.bot)
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
