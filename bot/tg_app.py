"""The Telegram Application of one bot process: PTB without its Updater, the shared Runtime, handlers, menus.

bot/app.py (``BotRunner``) feeds it updates; the command menus come from the one command table
(dialogs/commands.py), their descriptions from the catalogue (``bot.menu.*``, ``bot.staff_menu.*``).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.flow import LangCache, RateLimiter
from bot.handlers import add_handlers
from bot.runtime import POSTGRESQL_STEP_THREADS, Runtime
from bot.service import Service
from bot.settings import Settings
from bot.tg_http import BotRequest
from dialogs.commands import menu_names
from dialogs.messages import t

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


# The Telegram menus: commands in menu order from the one command table (dialogs/commands.py);
# their descriptions are bot.menu.* and bot.staff_menu.* in the catalogue.
USER_COMMANDS = {lang: [(c, t(f"bot.menu.{c}", lang)) for c in menu_names("user")] for lang in ("zh", "en")}


STAFF_COMMANDS = {
    lang: [(c, t(f"bot.staff_menu.{c}", lang)) for c in menu_names("staff")] for lang in ("zh", "en")
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
    # Threads for the database steps. SQLite takes one writer anyway: two. A PostgreSQL step is
    # ~1 ms of Python and waits on ~4 round trips to the server, so more threads overlap the waits:
    # 6 (within the pool, storage/db.py) took one webhook process from 140–176 to 239–256 updates/s
    # (two processes: 160–237 to 182–244) in bench/bot.py's curve at load 5; when a step was ~2.5 ms
    # of Python, 16 threads had only queued for the GIL behind the event loop (94 vs ~160 updates/s).
    threads = 2 if service.engine.dialect.name == "sqlite" else POSTGRESQL_STEP_THREADS
    workers = min(threads, settings.max_concurrent_updates)
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


async def set_commands(bot: Bot, settings: Settings) -> None:
    """Publish the command menu in Chinese and English, with staff commands for staff only."""
    default_lang = settings.bot_lang
    try:
        for lang in ("zh", "en"):
            await bot.set_my_commands(_commands(USER_COMMANDS[lang]), language_code=lang)
        await bot.set_my_commands(_commands(USER_COMMANDS[default_lang]))
    except TelegramError as error:
        log.warning("could not set the command menu: %s", error)
    staff_menu = _commands(USER_COMMANDS[default_lang] + STAFF_COMMANDS[default_lang])
    targets = list(settings.staff_user_ids)
    if settings.staff_chat_id is not None:
        targets.append(settings.staff_chat_id)
    for chat_id in targets:
        menu = staff_menu if chat_id > 0 else _commands(STAFF_COMMANDS[default_lang])
        try:
            await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:  # a staff member who never opened the bot: no chat yet
            log.info("staff command menu not set for chat %s: %s", chat_id, error)
