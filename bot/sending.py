"""Sending to Telegram: flood control honoured, notes joined to questions, pressed and typed-over questions marked."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    InputFile,
    Message,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.markup import TELEGRAM_LIMIT, split_html, utf16_len
from bot.report_file import render_report
from bot.runtime import Runtime, chat_key
from bot.service import Outcome
from bot.tg_http import call
from bot.tg_render import answered_html, keyboard, text_chunks
from dialogs import QuestionReply, Reply, TextReply
from dialogs.live import ButtonPress, question_tag

log = logging.getLogger(__name__)
# `api_call` goes through Bot.do_api_request on purpose; the library suggests its typed method.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

T = TypeVar("T")
SEND_ATTEMPTS = 3


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
    Parameters are JSON values (a keyboard as `tg_render.keyboard` gives it), see `tg_http.call`.
    """
    return await call(bot, endpoint, params)


def _where(message: Message) -> dict[str, Any]:
    """Return the parameters that name a message to edit, as `Message.edit_text` sends them."""
    where: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id}
    if message.business_connection_id is not None:
        where["business_connection_id"] = message.business_connection_id
    return where


def _message_id(answer: Any) -> int | None:
    """Return the message id in Telegram's answer to a send, if there is one."""
    value = answer.get("message_id") if isinstance(answer, dict) else None
    return value if isinstance(value, int) else None


async def send_html(
    bot: Bot, chat_id: int, chunks: list[str], markup: dict[str, Any] | None = None
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


def _one_line(reply: Reply) -> bool:
    """Tell whether a reply is a short one-line note (such as the 记下了 echo of a typed answer)."""
    return (
        isinstance(reply, TextReply) and "\n" not in reply.text.strip() and len(reply.text) <= JOIN_NOTE_CHARS
    )


def joined_note(reply: Reply, following: Reply | None, lang: str) -> str | None:
    """Return a short text reply's HTML when it can go above the question that follows it, else None."""
    if not isinstance(reply, TextReply) or not _one_line(reply) or not isinstance(following, QuestionReply):
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
        # The step's one-line note ("记下了：500 千瓦（装机容量）") is marked on the question it
        # answers instead of sent again: the reading stays next to the question in the chat's
        # history, even after the next question (where it would otherwise sit) is edited in turn.
        echo = visible[0] if visible and isinstance(visible[0], TextReply) and _one_line(visible[0]) else None
        marked = await mark_typed_answer(
            bot,
            chat_id,
            outcome.typed_over,
            outcome.previous_question,
            typed or "",
            outcome.lang,
            echo_html=text_chunks(echo, outcome.lang)[0] if echo is not None else None,
        )
        if marked and echo is not None:
            visible = visible[1:]
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
            params = {
                **_where(message),
                "text": chunks[0],
                "parse_mode": ParseMode.HTML,
                "reply_markup": keyboard(question),
            }
            await tg_call("editMessageText", lambda: api_call(bot, "editMessageText", params))
            # The same message still shows the question: noted already when it was sent.
            visible = visible[1:]
        elif question is not None:
            # The question was answered: keep its text, show the choice, drop the buttons.
            text = answered_html(message.text_html if message.text else "", outcome.answer_label)
            if text is not None:
                params = {**_where(message), "text": text, "parse_mode": ParseMode.HTML}
                await tg_call("editMessageText", lambda: api_call(bot, "editMessageText", params))
            else:
                where = _where(message)
                await tg_call(
                    "editMessageReplyMarkup", lambda: api_call(bot, "editMessageReplyMarkup", where)
                )
    elif pressed is not None and isinstance(pressed.message, Message) and outcome.stale:
        stale = _where(pressed.message)
        await tg_call("editMessageReplyMarkup", lambda: api_call(bot, "editMessageReplyMarkup", stale))
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
    bot: Bot,
    chat_id: int,
    message_id: int,
    question: QuestionReply,
    typed: str,
    lang: str,
    *,
    echo_html: str | None = None,
) -> bool:
    """Show a typed answer on the question it answered and drop the buttons, so none goes stale.

    The answer shown is the step's note of what was understood when there is one, else the typed
    text. Return whether the question's text now shows it.
    """
    chunks = text_chunks(question, lang)
    text: str | None = None
    if chunks and echo_html is not None:
        text = f"{chunks[-1]}\n\n» {echo_html}"
        text = text if utf16_len(text) <= TELEGRAM_LIMIT else None
    label = typed.strip()[:60]
    if text is None and chunks and label:
        echo_html = None
        text = answered_html(chunks[-1], label)
    # An edit without reply_markup drops the buttons.
    where = {"chat_id": chat_id, "message_id": message_id}
    if text is not None:
        await tg_call(
            "editMessageText",
            lambda: api_call(bot, "editMessageText", {**where, "text": text, "parse_mode": ParseMode.HTML}),
        )
        return echo_html is not None
    await tg_call("editMessageReplyMarkup", lambda: api_call(bot, "editMessageReplyMarkup", where))
    return False


async def polite_note(bot: Bot, chat_id: int, text: str) -> None:
    """Send a short plain note."""
    await send_html(bot, chat_id, split_html(text))


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
