"""The Telegram bot process: a python-telegram-bot 22 Application fed by long polling or a webhook.

Updates are fetched (or received) here rather than by PTB's Updater so that an update is
acknowledged to Telegram only after it has been processed and stored: a process killed at any
moment loses nothing, because Telegram re-delivers and the database de-duplicates by update_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.flow import ChatScheduler, LangCache, RateLimiter
from bot.handlers import Runtime, add_handlers
from bot.logs import setup_logging
from bot.service import Service
from bot.settings import Settings
from bot.tg_http import BotRequest

log = logging.getLogger(__name__)


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
PRUNE_EVERY_SECONDS = 6 * 3600
# How long a stop waits for updates being processed before cutting them off.
GRACE_SECONDS = 15.0
# Telegram's updates are a few kilobytes; a bigger webhook body is refused (413) unread.
MAX_WEBHOOK_BODY = 1 << 20
# Updates nest about six levels; anything far deeper is not from Telegram (400).
MAX_JSON_DEPTH = 64
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

USER_COMMANDS = {
    "zh": [
        ("start", "开始 / 回到菜单"),
        ("summary", "查看测评结果"),
        ("change", "修改某个回答"),
        ("back", "返回上一题"),
        ("skip", "跳过本题"),
        ("contact", "留下联系方式"),
        ("pdf", "下载报告"),
        ("lang", "切换语言 English"),
        ("restart", "重新开始"),
        ("delete", "删除我的个人数据"),
        ("cancel", "取消当前操作"),
        ("help", "帮助"),
    ],
    "en": [
        ("start", "Start / back to the menu"),
        ("summary", "Show the result"),
        ("change", "Change an answer"),
        ("back", "Previous question"),
        ("skip", "Skip this question"),
        ("contact", "Leave my contact"),
        ("pdf", "Download the report"),
        ("lang", "切换到中文"),
        ("restart", "Start over"),
        ("delete", "Delete my personal data"),
        ("cancel", "Cancel the current step"),
        ("help", "Help"),
    ],
}
STAFF_COMMANDS = {
    "zh": [
        ("leads", "最近的线索（可加条号、日期）"),
        ("export", "导出线索 CSV / XLSX"),
        ("stats", "统计"),
        ("misses", "未答上的问题"),
        ("questions", "待答复的用户提问"),
        ("reply", "答复用户：/reply 编号 内容"),
        ("lead", "线索跟进：/lead 编号"),
        ("faq", "工作人员写的问答"),
    ],
    "en": [
        ("leads", "Recent leads (measure, date)"),
        ("export", "Export leads as CSV / XLSX"),
        ("stats", "Statistics"),
        ("misses", "Unanswered questions"),
        ("questions", "Users' questions waiting"),
        ("reply", "Answer a user: /reply N text"),
        ("lead", "Follow up a lead: /lead N"),
        ("faq", "FAQ entries written by staff"),
    ],
}


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


class BotRunner:
    """One bot process: the Application plus polling or a webhook server."""

    def __init__(self, settings: Settings, service: Service | None = None) -> None:
        """Prepare (nothing is contacted until `start`)."""
        self.settings = settings
        self._own_service = service is None
        self.service = service or Service(
            settings.effective_database_url(),
            default_lang=settings.bot_lang,
            office_hours=settings.office_hours(),
        )
        self.application = build_application(settings, self.service)
        self.scheduler = ChatScheduler(settings.max_concurrent_updates)
        self._tasks: list[asyncio.Task[None]] = []
        self._server: Any = None
        self._stopping = asyncio.Event()
        self.processed = 0
        # Polling: updates being processed by id, the offset to send, the newest id seen.
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._offset: int | None = None
        self._highest: int | None = None
        # Webhook requests being processed.
        self._in_flight = 0

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
            self._tasks.append(asyncio.create_task(self._poll(), name="etown-poll"))
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
        await self._confirm_offset()
        for task in self._inflight.values():
            task.cancel()
        for task in list(self._inflight.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
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
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=seconds)
        while self._in_flight and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def _confirm_offset(self) -> None:
        """Tell Telegram what is finished, so a restart does not receive it again."""
        self._inflight = {k: t for k, t in self._inflight.items() if not t.done()}
        self._offset = self._next_offset()
        if self._offset is None or self.settings.webhook_url:
            return
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
            await self.application.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self._offset, "timeout": 0, "limit": 1}
            )

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

    async def feed(self, data: dict[str, Any]) -> None:
        """Process one raw update in its chat's order; a malformed one is logged and dropped."""
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:
            log.warning("malformed update %r dropped: %s", data.get("update_id"), type(error).__name__)
            return
        await self.scheduler.run(update_chat_id(data), lambda: self._process(update))

    async def _process(self, update: Update) -> None:
        """Run the handlers on one update."""
        await self.application.process_update(update)
        self.processed += 1

    async def _poll(self) -> None:
        """Long-poll getUpdates, processing updates as they come; confirm only what is finished.

        Telegram forgets updates below the offset we send, so the offset stays at the oldest
        update still being processed: a crash at any moment leaves every unfinished update with
        Telegram, to be delivered again. Updates already running are recognised when they come
        back and not started twice; one slow update (a long flood wait) holds back only its chat.
        """
        bot = self.application.bot
        finished: set[int] = set()
        delay = 1.0
        while not self._stopping.is_set():
            params: dict[str, Any] = {
                # While work is running, ask without waiting: we return here when some of it ends.
                "timeout": 0 if self._inflight else self.settings.poll_timeout,
                "allowed_updates": ALLOWED_UPDATES,
            }
            if self._offset is not None:
                params["offset"] = self._offset
            try:
                with warnings.catch_warnings():
                    # Raw getUpdates on purpose: each update is parsed on its own, so one malformed
                    # update cannot block the queue; PTB warns about that use.
                    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
                    batch = await bot.do_api_request(
                        "getUpdates", api_kwargs=params, read_timeout=self.settings.poll_timeout + 15
                    )
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.error("Telegram rejected the bot token; stopping")
                self._stopping.set()
                return
            except Conflict as error:
                log.warning("another getUpdates or a webhook is active (%s); retrying", error.message)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except (NetworkError, TelegramError) as error:
                log.warning("getUpdates failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            fresh = 0
            for item in batch if isinstance(batch, list) else []:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int) or update_id in self._inflight or update_id in finished:
                    continue
                fresh += 1
                self._highest = update_id if self._highest is None else max(self._highest, update_id)
                # Tasks start in update order and each chat's lock is first-in first-out.
                self._inflight[update_id] = asyncio.create_task(self.feed(item), name=f"update-{update_id}")
            if self._inflight:
                await self._some_finished(0.05 if fresh else 0.25)
            for update_id, task in list(self._inflight.items()):
                if task.done():
                    del self._inflight[update_id]
                    finished.add(update_id)
                    if not task.cancelled() and task.exception() is not None:
                        log.error(
                            "update %s failed outside the handlers", update_id, exc_info=task.exception()
                        )
            self._offset = self._next_offset()
            finished = {
                update_id for update_id in finished if self._offset is None or update_id >= self._offset
            }

    async def _some_finished(self, timeout: float) -> None:
        """Wait (at most `timeout`) until a quarter of the running updates, and at least one, end.

        Each getUpdates returns the whole window from the oldest unfinished update, up to 100 of
        them, already running or not; asking again after every single completion made a backlog
        download and parse that window ~0.8 times per update (bench/bot.py).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pending = set(self._inflight.values())
        target = max(1, len(pending) // 4)
        finished = 0
        while finished < target:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                return
            finished += len(done)

    def _next_offset(self) -> int | None:
        """Return the offset that confirms everything finished before the oldest running update."""
        if self._inflight:
            return min(self._inflight)
        return None if self._highest is None else self._highest + 1

    async def _start_webhook(self) -> None:
        """Register the webhook with its secret and serve it with tornado."""
        from tornado.httpserver import HTTPServer
        from tornado.web import Application as WebApplication

        path = self.settings.webhook_path
        web = WebApplication(
            [
                (path, _WebhookHandler, {"runner": self}),
                ("/healthz", _HealthHandler),
            ]
        )
        # The handler keeps at most MAX_WEBHOOK_BODY and answers 413 above it; the server closes
        # the connection on anything beyond 64 times that.
        server = HTTPServer(web, xheaders=True, max_body_size=64 * MAX_WEBHOOK_BODY)
        server.listen(self.settings.webhook_port, address=self.settings.webhook_listen)
        self._server = server
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
                await self.runner.feed(parsed)
            finally:
                self.runner._in_flight -= 1
            self.set_status(200)
            self.finish("ok")

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


_WebhookHandler, _HealthHandler = _webhook_handlers()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the bot until `stop` is set or a signal arrives; return the exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        runner = BotRunner(settings)
    except Exception as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        print(f"无法打开数据库 / Cannot open the database: {first}", flush=True)
        return 1
    try:
        await runner.start()
    except InvalidToken:
        print("Telegram 拒绝了 TELEGRAM_BOT_TOKEN / Telegram rejected TELEGRAM_BOT_TOKEN", flush=True)
        await runner.stop()
        return 2
    except OSError as error:
        print(f"无法监听 webhook 端口 / Cannot listen for the webhook: {error}", flush=True)
        await runner.stop()
        return 1
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


def run(settings: Settings) -> None:
    """`etownbot run`: polling by default, a webhook when WEBHOOK_URL is set."""
    setup_logging(settings.log_level, secrets=(settings.telegram_bot_token, settings.webhook_secret))
    code = asyncio.run(serve(settings))
    if code:
        raise SystemExit(code)
