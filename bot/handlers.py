"""Telegram handlers: small adapters from updates to `Service.process` and back to messages.

No flow logic lives here: the dialogs decide what to say, the service stores it, and this
module only turns updates into events and replies into Telegram calls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import sqlite3
import warnings
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc
from telegram import (
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import staff
from bot.runtime import Context, Runtime, chat_key, runtime, user_key
from bot.sending import deliver, handle_duplicate, polite_note, send_reply
from dialogs import Event
from dialogs.live import ButtonPress
from dialogs.messages import t

log = logging.getLogger(__name__)
# `api_call` goes through Bot.do_api_request on purpose; the library suggests its typed method.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

T = TypeVar("T")

# Telegram's /start deep-link payload: up to 64 of these characters (anything else is dropped).
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# --- the handlers ----------------------------------------------------------------------------------


def _sent_at(message: Message) -> float | None:
    """Return when the user sent a message (epoch seconds), if Telegram says."""
    date = message.date
    return date.timestamp() if isinstance(date, dt.datetime) else None


def _slow_down(lang: str) -> str:
    """Ask a flooding user to slow down."""
    return t("bot.slow_down", lang)


async def on_message(update: Update, context: Context) -> None:
    """Feed a private message to the dialogs: text (commands included) or a polite note for the rest."""
    rt = runtime(context)
    message, chat, user = update.message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    lang = rt.langs.get(chat.id)
    allowed, warn = rt.limiter.check(user.id, _sent_at(message))
    if not allowed:
        log.info("rate limit: update %s from user %s dropped", update.update_id, user.id)
        if warn:
            await polite_note(context.bot, chat.id, _slow_down(lang))
        return
    text = message.text if isinstance(message.text, str) else None
    if text is None or not text.strip():
        if not await rt.call(rt.service.mark_processed, update.update_id):
            return
        current = await rt.call(rt.service.current, chat_key(chat.id))
        note = t("bot.text_only", current.lang)
        await polite_note(context.bot, chat.id, note)
        if current.question is not None:
            await send_reply(context.bot, rt, chat.id, current.question, current.lang)
        return
    event = Event.from_text(text)
    if event.kind == "command" and event.command == "start":
        # The deep-link payload comes from any link on the internet: pass it on only if well-formed.
        payload = event.args if _START_PAYLOAD.match(event.args) else ""
        event = Event(kind="command", command="start", args=payload, text="/start")
    if rt.is_staff(user.id):
        # Staff get policy answers with the clause quoted in full, ready to copy.
        event = event.model_copy(update={"staff": True})
    outcome = await rt.call(
        rt.service.process, chat_key(chat.id), user_key(user.id), event, update_id=update.update_id
    )
    if outcome.duplicate:
        await handle_duplicate(context.bot, rt, chat.id, update.update_id, outcome)
        return
    rt.langs.set(chat.id, outcome.lang)
    await deliver(context.bot, rt, chat.id, outcome, typed=text)
    rt.delivered.add(update.update_id)


async def on_edited(update: Update, context: Context) -> None:
    """Explain that an edited message does not change an answer."""
    rt = runtime(context)
    chat = update.effective_chat
    if chat is None or not await rt.call(rt.service.mark_processed, update.update_id):
        return
    lang = rt.langs.get(chat.id)
    await polite_note(
        context.bot,
        chat.id,
        t("bot.edited", lang),
    )


async def on_callback(update: Update, context: Context) -> None:
    """Feed a button press to the dialogs, answering the callback query whatever happens."""
    rt = runtime(context)
    query = update.callback_query
    if query is None:
        return
    toast: str | None = None
    try:
        message = query.message
        user = query.from_user
        if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
            return
        chat_id = message.chat.id
        lang = rt.langs.get(chat_id)
        allowed, _ = rt.limiter.check(user.id)
        if not allowed:
            toast = _slow_down(lang)
            return
        # Data that is not ours (an old version, a forged update) is a press on no live question.
        press = ButtonPress.unpack(query.data or "") or ButtonPress("", -1)
        outcome = await rt.call(
            rt.service.process,
            chat_key(chat_id),
            user_key(user.id),
            Event(kind="button"),
            update_id=update.update_id,
            press=press,
        )
        if outcome.duplicate:
            await handle_duplicate(context.bot, rt, chat_id, update.update_id, outcome)
            return
        rt.langs.set(chat_id, outcome.lang)
        if outcome.stale:
            toast = t("bot.button_stale", outcome.lang)
        await deliver(context.bot, rt, chat_id, outcome, pressed=query)
        rt.delivered.add(update.update_id)
    except Exception as error:
        # Handled here rather than by on_error so the apology comes before the query's answer.
        toast = await report_failure(update, context, error)
    finally:
        try:
            await query.answer(text=toast)
        except TelegramError as error:  # an old or repeated query: nothing left to answer
            log.info("callback query %s not answered: %s", query.id, error)


# --- errors ----------------------------------------------------------------------------------------


def is_transient(error: BaseException | None) -> bool:
    """Tell whether retrying can cure a failure: the database or the network away for a while."""
    if isinstance(error, BadRequest):  # PTB counts it as a NetworkError; Telegram refused the content
        return False
    if isinstance(error, NetworkError | ConnectionError | TimeoutError | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        if isinstance(error.orig, sqlite3.Error):
            # SQLite: a lock held too long or a file that cannot be opened now; not a missing table.
            return any(word in str(error.orig) for word in ("locked", "busy", "unable to open", "disk I/O"))
        return True  # PostgreSQL: connection lost or refused, server shutting down, statement timeout
    return False


def busy_text(lang: str) -> str:
    """Say the system is busy and will carry on by itself (one short note per outage)."""
    return t("bot.busy", lang)


def dead_letter_text(lang: str) -> str:
    """Apologise for a message that could not be handled and was passed to staff."""
    return t("bot.dead_letter", lang)


async def report_failure(update: Update, context: Context, error: BaseException | None) -> str:
    """Record a failed update so it is not confirmed, log it, tell the user once per outage; return a toast."""
    rt = runtime(context)
    rt.failures[update.update_id] = error if error is not None else RuntimeError("unknown failure")
    chat = update.effective_chat
    user = update.effective_user
    kind = next(
        (name for name in ("message", "edited_message", "callback_query") if getattr(update, name)), "other"
    )
    transient = is_transient(error)
    log.log(
        logging.WARNING if transient else logging.ERROR,
        "update %s (%s, chat %s, user %s) failed: %s; %s",
        update.update_id,
        kind,
        chat.id if chat else None,
        user.id if user else None,
        type(error).__name__,
        "retried until the database or network is back" if transient else "retried a few times",
        # A whole traceback per update of an outage would bury the log; a bug gets one each time.
        exc_info=None if transient else error,
    )
    lang = rt.langs.get(chat.id) if chat else rt.settings.bot_lang
    if not transient:
        return dead_letter_text(lang)
    if chat is not None and chat.type == ChatType.PRIVATE and chat.id not in rt.busy_chats:
        rt.busy_chats.add(chat.id)
        try:
            await context.bot.send_message(chat.id, busy_text(lang))
        except TelegramError as send_error:
            log.info("could not tell chat %s the system is busy: %s", chat.id, send_error)
    return busy_text(lang)


async def on_error(update: object, context: Context) -> None:
    """Record and log a failure (the last resort for any handler); the runner retries the update."""
    if isinstance(update, Update):
        toast = await report_failure(update, context, context.error)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(text=toast)
    else:
        log.error("error outside an update: %s", type(context.error).__name__, exc_info=context.error)


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the handlers: staff commands, then one for messages and one for buttons."""
    from bot import desk
    from bot.staff_commands import on_staff_command

    desk.add_handlers(application)
    private = filters.ChatType.PRIVATE
    application.add_handler(
        CommandHandler(list(staff.STAFF_COMMANDS), on_staff_command, filters=filters.UpdateType.MESSAGE)
    )
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, on_edited))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & private, on_message))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_error_handler(on_error)


__all__ = ["ContextTypes", "Runtime", "add_handlers"]
