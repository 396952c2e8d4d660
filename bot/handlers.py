"""Telegram handlers: small adapters from updates to `Service.process` and back to messages.

No flow logic lives here: the dialogs decide what to say, the service stores it, and this
module only turns updates into events and replies into Telegram calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import re
import sqlite3
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import staff
from bot.flow import LangCache, RateLimiter
from bot.markup import TELEGRAM_LIMIT, split_html, utf16_len
from bot.report_file import render_report
from bot.service import Outcome, Service
from bot.settings import Settings
from bot.tg_render import answered_html, keyboard, text_chunks
from dialogs import Event, QuestionReply, Reply, TextReply
from dialogs.live import ButtonPress, question_tag
from dialogs.messages import t

log = logging.getLogger(__name__)
# `api_call` goes through Bot.do_api_request on purpose; the library suggests its typed method.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

T = TypeVar("T")
Context = CallbackContext[Any, Any, Any, Any]
# Telegram's /start deep-link payload: up to 64 of these characters (anything else is dropped).
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEND_ATTEMPTS = 3


@dataclass
class Runtime:
    """What the handlers share inside one process (no conversation state: that is in the database)."""

    settings: Settings
    service: Service
    limiter: RateLimiter
    langs: LangCache
    executor: ThreadPoolExecutor
    delivered: DeliveredLog = field(default_factory=lambda: DeliveredLog())
    # Slow work (PDF reports, lead exports) runs here so it never holds up the dialog steps.
    slow_executor: ThreadPoolExecutor | None = None
    # Updates whose handling failed in this attempt, by update_id: the caller must not confirm them.
    failures: dict[int, BaseException] = field(default_factory=dict)
    # Chats told "系统繁忙" during the current outage: told once, until one of their steps succeeds.
    busy_chats: set[int] = field(default_factory=set)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking (database) function in the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def call_slow(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a long blocking function (rendering a file) in its own pool, if there is one."""
        loop = asyncio.get_running_loop()
        executor = self.slow_executor or self.executor
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    def is_staff(self, user_id: int | None) -> bool:
        """Tell whether a Telegram user is BDA staff."""
        return user_id is not None and user_id in self.settings.staff_user_ids


class DeliveredLog:
    """Update ids whose replies this process has sent (bounded): a re-delivery of one is a true repeat."""

    def __init__(self, size: int = 20_000) -> None:
        """Start empty."""
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, update_id: int) -> None:
        """Remember an update as delivered."""
        self._ids[update_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def __contains__(self, update_id: object) -> bool:
        """Tell whether this process delivered the update's replies."""
        return update_id in self._ids


async def handle_duplicate(bot: Bot, rt: Runtime, chat_id: int, update_id: int, outcome: Outcome) -> None:
    """Re-send a step's replies when its update comes back after a crash; ignore a true repeat."""
    if update_id in rt.delivered or not (outcome.replies or outcome.staff_messages or outcome.staff_posts):
        log.info("update %s already processed; skipped", update_id)
        return
    # Processed and stored, but this process never sent the replies: the previous one died between
    # the commit and Telegram. Sending them again may repeat a message; never sending loses the step.
    log.info("update %s was processed before a restart; re-sending its replies", update_id)
    await deliver(bot, rt, chat_id, outcome)
    rt.delivered.add(update_id)


def runtime(context: Context) -> Runtime:
    """Return the process runtime stored on the application."""
    value = context.application.bot_data["etown"]
    assert isinstance(value, Runtime)
    return value


def chat_key(chat_id: int) -> str:
    """Return the storage key of a Telegram chat."""
    return f"tg:{chat_id}"


def user_key(user_id: int) -> str:
    """Return the storage key of a Telegram user."""
    return f"tg:{user_id}"


# --- sending, with Telegram's flood control honoured -----------------------------------------------


async def tg_call(what: str, make: Callable[[], Awaitable[T]]) -> T | None:
    """Make one Bot API call, waiting out 429s; a blocked chat or a lost message is logged, not raised."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await make()
        except RetryAfter as error:
            with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
                warnings.simplefilter("ignore")
                wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
            log.warning("%s: Telegram asks to wait %.1fs (attempt %d)", what, seconds, attempt)
            await asyncio.sleep(min(seconds, 30.0))
        except TimedOut:
            log.warning("%s: timed out (attempt %d)", what, attempt)
            if attempt == SEND_ATTEMPTS:
                raise
        except Forbidden as error:
            log.info("%s: not allowed (%s)", what, error.message)
            return None
        except BadRequest as error:
            if "not modified" in error.message:
                return None
            raise
    return None


async def api_call(bot: Bot, endpoint: str, params: dict[str, Any]) -> Any:
    """Make one Bot API call and return Telegram's answer as JSON, not as library objects.

    The typed methods (`send_message`, `edit_message_text`) parse the answer back into a Message
    with its text, entities and keyboard: about 60 % of the library's CPU per call, for an answer
    of which the channel keeps the message id at most. Same request path, errors and logging.
    """
    return await bot.do_api_request(endpoint, api_kwargs=params)


def _message_id(answer: Any) -> int | None:
    """Return the message id in Telegram's answer to a send, if there is one."""
    value = answer.get("message_id") if isinstance(answer, dict) else None
    return value if isinstance(value, int) else None


async def send_html(
    bot: Bot, chat_id: int, chunks: list[str], markup: InlineKeyboardMarkup | None = None
) -> int | None:
    """Send HTML chunks in order, the keyboard on the last one; fall back to plain text on an HTML refusal.

    Return the id of the last message sent (the one with the keyboard), if Telegram took it.
    """
    sent: int | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        params: dict[str, Any] = {"chat_id": chat_id}
        if last and markup is not None:
            params["reply_markup"] = markup
        try:
            sent = _message_id(
                await tg_call(
                    "sendMessage",
                    lambda params=params, chunk=chunk: api_call(  # type: ignore[misc]
                        bot, "sendMessage", {**params, "text": chunk, "parse_mode": ParseMode.HTML}
                    ),
                )
            )
        except BadRequest as error:
            if "parse entities" not in error.message:
                raise
            log.error("Telegram refused our HTML (%s); sending plain text", error.message)
            from bot.markup import to_plain

            plain = to_plain(re.sub(r"</?b>", "", chunk)).replace("&lt;", "<").replace("&gt;", ">")
            plain = plain.replace("&amp;", "&")
            sent = _message_id(
                await tg_call(
                    "sendMessage",
                    lambda params=params, plain=plain: api_call(  # type: ignore[misc]
                        bot, "sendMessage", {**params, "text": plain}
                    ),
                )
            )
    return sent


async def send_reply(
    bot: Bot, rt: Runtime, chat_id: int, reply: Reply, lang: str, lead: str | None = None
) -> int | None:
    """Show one visible reply: text, question with keyboard, or the report document.

    `lead` is HTML shown above a question in the same message (see `joined_note`).
    """
    if reply.kind == "text":
        await send_html(bot, chat_id, text_chunks(reply, lang))
    elif reply.kind == "question":
        chunks = text_chunks(reply, lang)
        if lead is not None:
            chunks = [f"{lead}\n\n{chunks[0]}", *chunks[1:]]
        return await send_html(bot, chat_id, chunks, keyboard(reply))
    elif reply.kind == "attachment":
        await tg_call("sendChatAction", lambda: bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT))
        report = await rt.call_slow(render_report, reply.payload)
        await tg_call(
            "sendDocument",
            lambda: bot.send_document(
                chat_id,
                InputFile(report.data, filename=report.filename),
                caption=report.caption,
            ),
        )
    return None


# A one-line note ("记下了：500 千瓦（装机容量）") right before a question goes above it in the same
# message: one Bot API call instead of two, the note as visible as before. Longer texts (answers,
# explanations) keep a message of their own, and so does a message of several paragraphs (the
# result, the welcome), which reads as a page of its own.
JOIN_NOTE_CHARS = 120


def joined_note(reply: Reply, following: Reply | None, lang: str) -> str | None:
    """Return a short text reply's HTML when it can go above the question that follows it, else None."""
    if not isinstance(reply, TextReply) or not isinstance(following, QuestionReply):
        return None
    if "\n" in reply.text.strip() or len(reply.text) > JOIN_NOTE_CHARS:
        return None
    if "\n\n" in following.text.strip():
        return None
    note, question = text_chunks(reply, lang), text_chunks(following, lang)
    if len(note) != 1 or len(question) != 1 or utf16_len(f"{note[0]}\n\n{question[0]}") > TELEGRAM_LIMIT:
        return None
    return note[0]


async def send_replies(
    bot: Bot, rt: Runtime, chat_id: int, replies: list[Reply], lang: str, *, join: bool = True
) -> int | None:
    """Show replies in order; with `join`, a short note goes into the question right after it.

    Return the message id of the last main (not aside) question sent, if any.
    """
    lead: str | None = None
    shown_id: int | None = None
    for index, reply in enumerate(replies):
        following = replies[index + 1] if index + 1 < len(replies) else None
        note = joined_note(reply, following, lang) if join else None
        if note is not None:
            lead = note
            continue
        sent = await send_reply(bot, rt, chat_id, reply, lang, lead)
        lead = None
        if sent is not None and isinstance(reply, QuestionReply) and not reply.aside:
            shown_id = sent
    return shown_id


async def post_to_staff(bot: Bot, rt: Runtime, texts: list[str]) -> None:
    """Post texts to the staff chat; a failure is logged (without the text) and never reaches the user."""
    target = rt.settings.staff_chat_id
    for text in texts:
        if target is None:
            log.warning("no STAFF_CHAT_ID set: a staff notice was stored but not posted")
            continue
        try:
            await send_html(bot, target, split_html(text))
        except TelegramError as error:
            log.error("could not post to the staff chat: %s", error)


async def deliver(
    bot: Bot,
    rt: Runtime,
    chat_id: int,
    outcome: Outcome,
    pressed: CallbackQuery | None = None,
    typed: str | None = None,
) -> None:
    """Show an outcome: edit the pressed question in place where it makes sense, send the rest."""
    visible = outcome.visible
    question = outcome.question
    shown_id: int | None = None
    if outcome.typed_over is not None and outcome.previous_question is not None:
        await mark_typed_answer(
            bot, chat_id, outcome.typed_over, outcome.previous_question, typed or "", outcome.lang
        )
    if pressed is not None and isinstance(pressed.message, Message) and not outcome.stale:
        message = pressed.message
        parsed = ButtonPress.unpack(pressed.data or "")
        same = (
            question is not None
            and visible
            and visible[0] is question
            and parsed is not None
            and question_tag(question) == parsed.tag
        )
        chunks = text_chunks(question, outcome.lang) if question is not None else []
        if same and question is not None and len(chunks) == 1:
            # A multi-select toggle (or the same question again): update the one message.
            await tg_call(
                "editMessageText",
                lambda: message.edit_text(
                    chunks[0], parse_mode=ParseMode.HTML, reply_markup=keyboard(question)
                ),
            )
            # The same message still shows the question: noted already when it was sent.
            visible = visible[1:]
        elif question is not None:
            # The question was answered: keep its text, show the choice, drop the buttons.
            text = answered_html(message.text_html if message.text else "", outcome.answer_label)
            if text is not None:
                await tg_call(
                    "editMessageText",
                    lambda: message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None),
                )
            else:
                await tg_call("editMessageReplyMarkup", lambda: message.edit_reply_markup(reply_markup=None))
    elif pressed is not None and isinstance(pressed.message, Message) and outcome.stale:
        stale_message = pressed.message
        await tg_call("editMessageReplyMarkup", lambda: stale_message.edit_reply_markup(reply_markup=None))
    # A stale press re-shows the current question as it was, under its explanation.
    sent_id = await send_replies(bot, rt, chat_id, list(visible), outcome.lang, join=not outcome.stale)
    shown_id = sent_id if sent_id is not None else shown_id
    if shown_id is not None and not outcome.deleted:
        # Noted so that a typed answer can mark this question answered (see mark_typed_answer).
        await rt.call(rt.service.note_question_message, chat_key(chat_id), shown_id)
    if outcome.staff_messages:
        await post_to_staff(bot, rt, outcome.staff_messages)
    if outcome.staff_posts:
        from bot import desk

        await desk.post_staff_items(bot, rt, outcome.staff_posts)


async def mark_typed_answer(
    bot: Bot, chat_id: int, message_id: int, question: QuestionReply, typed: str, lang: str
) -> None:
    """Show a typed answer on the question it answered and drop the buttons, so none goes stale."""
    chunks = text_chunks(question, lang)
    label = typed.strip()[:60]
    text = answered_html(chunks[-1], label) if chunks and label else None
    # An edit without reply_markup drops the buttons.
    where = {"chat_id": chat_id, "message_id": message_id}
    if text is not None:
        await tg_call(
            "editMessageText",
            lambda: api_call(bot, "editMessageText", {**where, "text": text, "parse_mode": ParseMode.HTML}),
        )
    else:
        await tg_call("editMessageReplyMarkup", lambda: api_call(bot, "editMessageReplyMarkup", where))


async def polite_note(bot: Bot, chat_id: int, text: str) -> None:
    """Send a short plain note."""
    await send_html(bot, chat_id, split_html(text))


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
