"""The staff side in Telegram: questions passed to staff answered in the user's chat, reminders.

Nothing is kept in the process: every claim, answer and reminder is a conditional UPDATE in the
database, so any number of bot processes can serve the same staff chat. Leads in the staff chat
are bot/desk_leads.py, the FAQ staff write bot/desk_faq.py, what they share bot/desk_chat.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import Bot, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import staff
from bot import staff_store as store
from bot.desk_chat import command_args, markup, send_post, staff_name
from bot.desk_faq import on_faq_command
from bot.desk_leads import lead_button, on_lead_command, post_lead
from bot.markup import split_html
from bot.runtime import Context, Runtime, runtime
from bot.sending import polite_note, send_reply, tg_call
from bot.staff_commands import staff_gate
from dialogs.messages import t

log = logging.getLogger(__name__)

ANSWER_LIMIT = 3500


def _user_chat_id(chat_key: str) -> int | None:
    """Return the Telegram chat id of a storage chat key ("tg:123"), None for other channels."""
    head, _, tail = chat_key.partition(":")
    return int(tail) if head == "tg" and tail.lstrip("-").isdigit() else None


# --- posting to the staff chat ---------------------------------------------------------------------


async def _refresh_post(bot: Bot, rt: Runtime, question_id: int, message: Message | None = None) -> None:
    """Show a question's current status on its staff-chat post."""
    loaded = await rt.call(store.load_question, rt.service, question_id, rt.settings.bot_lang)
    chat_id = rt.settings.staff_chat_id
    if loaded is None or chat_id is None:
        return
    message_id = message.message_id if message is not None else loaded.question.staff_message_id
    if message_id is None:
        return
    chunks = split_html(loaded.view.text)
    try:
        await tg_call(
            "editMessageText",
            lambda: bot.edit_message_text(
                chunks[0],
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(loaded.view),
            ),
        )
    except TelegramError as error:  # an old or deleted post: the database still holds the truth
        log.info("could not update the post of question %s: %s", question_id, error)


async def post_staff_items(bot: Bot, rt: Runtime, posts: list[dict[str, Any]]) -> None:
    """Post stored items (questions passed to staff) to the staff chat, with their buttons."""
    chat_id = rt.settings.staff_chat_id
    for post in posts:
        if post.get("kind") == "lead" and isinstance(post.get("id"), int) and chat_id is not None:
            await post_lead(bot, rt, chat_id, post["id"], bool(post.get("created")))
            continue
        if post.get("kind") != "question" or not isinstance(post.get("id"), int):
            continue
        if post.get("refresh"):
            await _refresh_post(bot, rt, post["id"])
            continue
        if chat_id is None:
            log.warning("no STAFF_CHAT_ID set: question %s was stored but not posted", post["id"])
            continue
        loaded = await rt.call(store.load_question, rt.service, post["id"], rt.settings.bot_lang)
        if loaded is None or loaded.question.staff_message_id is not None:
            continue  # deleted meanwhile, or already posted before a restart
        try:
            sent = await send_post(bot, chat_id, loaded.view)
        except TelegramError as error:
            log.error("could not post question %s to the staff chat: %s", post["id"], error)
            continue
        if sent is not None:
            await rt.call(store.set_post, rt.service, post["id"], sent.message_id)


# --- answering -------------------------------------------------------------------------------------


async def deliver_answer(bot: Bot, rt: Runtime, question_id: int, user: User, text: str) -> str:
    """Send a staff answer to the user's chat and continue their interview; return a note for staff."""
    lang = rt.settings.bot_lang
    name = staff_name(user)
    text = text.strip()
    if not text:
        return t("desk.deliver_answer.answer_empty", lang)
    if len(text) > ANSWER_LIMIT:
        return t(
            "desk.deliver_answer.answer_too_long_characters",
            lang,
            counttext=len(text),
            answer_limit=ANSWER_LIMIT,
        )
    loaded = await rt.call(store.load_question, rt.service, question_id, lang)
    if loaded is None:
        return t("desk.deliver_answer.no_question_user_may", lang, question_id=question_id)
    question = loaded.question
    if question.status == "deleted":
        await _refresh_post(bot, rt, question_id)
        return t("desk.deliver_answer.user_question_deleted_their", lang, question_id=question_id)
    if question.status in ("closed", "undeliverable"):
        status = staff.question_status_label(question.status, lang)
        return t("desk.deliver_answer.question_closed", lang, question_id=question_id, status=status)
    if question.claimed_by not in (None, user.id):
        return t(
            "desk.deliver_answer.question_claimed_by_nothing",
            lang,
            question_id=question_id,
            claimed_name=question.claimed_name,
        )
    if question.status == "open" and not await rt.call(store.claim, rt.service, question_id, user.id, name):
        again = await rt.call(store.load_question, rt.service, question_id, lang)
        who = again.question.claimed_name if again is not None else "?"
        return t("desk.deliver_answer.question_was_just_claimed", lang, question_id=question_id, who=who)
    chat_id = _user_chat_id(question.chat_key)
    if chat_id is None:
        return t("desk.deliver_answer.that_user_not_on", lang)
    message = staff.answer_for_user(question.question, text, question.lang)
    try:
        for chunk in split_html(message):
            await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
    except Forbidden:
        await rt.call(store.close, rt.service, question_id, "undeliverable", user.id, name)
        await _refresh_post(bot, rt, question_id)
        return t("desk.deliver_answer.user_blocked_bot_answer", lang, question_id=question_id)
    except BadRequest as error:
        if "chat not found" not in error.message.lower():
            raise
        await rt.call(store.close, rt.service, question_id, "undeliverable", user.id, name)
        await _refresh_post(bot, rt, question_id)
        return t("desk.deliver_answer.user_s_chat_gone", lang, question_id=question_id)
    await rt.call(store.answer, rt.service, question_id, user.id, name, text)
    # The interview goes on where it was: show the question the user was on again.
    current = await rt.call(rt.service.current, question.chat_key)
    if current.question is not None:
        await send_reply(bot, rt, chat_id, current.question, current.lang)
    await _refresh_post(bot, rt, question_id)
    return t("desk.deliver_answer.answer_sent_user", lang, question_id=question_id)


# --- handlers --------------------------------------------------------------------------------------


async def on_reply_command(update: Update, context: Context) -> None:
    """`/reply N text`: answer question N in the user's chat."""
    gate = await staff_gate(update, context)
    if gate is None or update.message is None or not isinstance(update.message.text, str):
        return
    rt, chat_id, user = gate
    lang = rt.settings.bot_lang
    number, _, text = command_args(update.message.text).partition(" ")
    number = number.lstrip("#")
    if not number.isdigit() or not text.strip():
        await polite_note(
            context.bot,
            chat_id,
            t("desk.on_reply_command.usage_reply_question_number", lang),
        )
        return
    note = await deliver_answer(context.bot, rt, int(number), user, text)
    await polite_note(context.bot, chat_id, note)


async def on_questions_command(update: Update, context: Context) -> None:
    """`/questions`: list the questions still waiting."""
    gate = await staff_gate(update, context)
    if gate is None:
        return
    rt, chat_id, _ = gate
    waiting = await rt.call(store.waiting, rt.service)
    await polite_note(context.bot, chat_id, staff.questions_text(waiting, rt.settings.bot_lang))


async def on_staff_chat_reply(update: Update, context: Context) -> None:
    """A staff member's Telegram reply to a question's post in the staff chat answers the user."""
    rt = runtime(context)
    message, chat, user = update.message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or chat.id != rt.settings.staff_chat_id:
        return
    replied = message.reply_to_message
    if replied is None or not isinstance(message.text, str) or not rt.is_staff(user.id):
        return
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    if not await rt.call(rt.service.mark_processed, update.update_id):
        return
    question_id = await rt.call(store.question_by_post, rt.service, replied.message_id)
    if question_id is None:
        return  # a reply to a lead post or a reminder: a conversation among staff
    note = await deliver_answer(context.bot, rt, question_id, user, message.text)
    await tg_call("sendMessage", lambda: message.reply_text(note))


async def on_staff_button(update: Update, context: Context) -> None:
    """Act on a staff-chat button: claim a question, or close it without a reply."""
    rt = runtime(context)
    query = update.callback_query
    if query is None:
        return
    toast: str | None = None
    lang = rt.settings.bot_lang
    try:
        button = staff.StaffButton.unpack(query.data or "")
        user = query.from_user
        if button is None or not rt.is_staff(user.id):
            toast = t("desk.on_staff_button.for_bda_staff_only", lang)
            return
        if not await rt.call(rt.service.mark_processed, update.update_id):
            return
        message = query.message if isinstance(query.message, Message) else None
        if button.target == "q":
            toast = await _question_button(context.bot, rt, button, user, message)
        else:
            toast = await lead_button(context.bot, rt, button, user, message)
    finally:
        try:
            await query.answer(text=toast)
        except TelegramError as error:
            log.info("callback query %s not answered: %s", query.id, error)


async def _question_button(
    bot: Bot, rt: Runtime, button: staff.StaffButton, user: User, message: Message | None
) -> str:
    """Claim or close a question; return the toast for the staff member."""
    lang = rt.settings.bot_lang
    name = staff_name(user)
    if button.action == "claim":
        won = await rt.call(store.claim, rt.service, button.id, user.id, name)
        await _refresh_post(bot, rt, button.id, message)
        if won:
            return t("desk.question_button.claimed_reply_post_answer", lang)
        loaded = await rt.call(store.load_question, rt.service, button.id, lang)
        if loaded is None:
            return t("desk.question_button.that_question_no_longer", lang)
        return t("desk.question_button.already_claimed_by", lang, claimed_name=loaded.question.claimed_name)
    if button.action == "faq":
        saved = await rt.call(store.save_as_faq, rt.service, button.id, user.id, name, lang)
        if saved == "gone":
            return t("desk.question_button.that_question_no_longer_2", lang)
        if saved == "done":
            return t("desk.question_button.already_saved_as_faq", lang)
        assert isinstance(saved, store.FaqCard)
        await _refresh_post(bot, rt, button.id, message)
        chat_id = rt.settings.staff_chat_id
        if chat_id is not None:
            await polite_note(bot, chat_id, staff.faq_card(saved.row, saved.problems, lang))
        return t("desk.question_button.saved_as_faq_entry", lang, id=saved.row.id)
    if button.action == "close":
        loaded = await rt.call(store.load_question, rt.service, button.id, lang)
        if loaded is None:
            return t("desk.question_button.that_question_no_longer_3", lang)
        if loaded.question.claimed_by not in (None, user.id) or loaded.question.status not in (
            "open",
            "claimed",
        ):
            return t("desk.question_button.that_question_cannot_be", lang)
        await rt.call(store.close, rt.service, button.id, "closed", user.id, name)
        await _refresh_post(bot, rt, button.id, message)
        return t("desk.question_button.marked_as_needing_no", lang)
    return t("desk.question_button.that_button_out_date", lang)


# --- reminders -------------------------------------------------------------------------------------


async def remind(context: Context) -> None:
    """Post the questions waiting longer than STAFF_REMIND_AFTER_MINUTES (each once per period)."""
    rt = runtime(context)
    if rt.settings.staff_chat_id is None:
        return
    after = dt.timedelta(minutes=rt.settings.staff_remind_after_minutes)
    try:
        due = await rt.call(store.due_reminders, rt.service, after)
        if not due:
            return
        questions = await rt.call(store.waiting, rt.service, due)
        if questions:
            await polite_note(
                context.bot, rt.settings.staff_chat_id, staff.reminder_text(questions, rt.settings.bot_lang)
            )
    except Exception as error:  # a reminder must never take the process down
        log.warning("staff reminder failed: %s", type(error).__name__)


def remind_interval(settings: Any) -> float:
    """Return how often to look for due reminders: a quarter of the period, between 1 s and 5 min."""
    return float(min(300.0, max(1.0, settings.staff_remind_after_minutes * 60 / 4)))


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the desk's handlers (before the dialog handlers) and the reminder job."""
    application.add_handler(CommandHandler("reply", on_reply_command, filters=filters.UpdateType.MESSAGE))
    application.add_handler(
        CommandHandler("questions", on_questions_command, filters=filters.UpdateType.MESSAGE)
    )
    application.add_handler(CommandHandler("lead", on_lead_command, filters=filters.UpdateType.MESSAGE))
    application.add_handler(CommandHandler("faq", on_faq_command, filters=filters.UpdateType.MESSAGE))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE
            & filters.ChatType.GROUPS
            & filters.REPLY
            & filters.TEXT
            & ~filters.COMMAND,
            on_staff_chat_reply,
        )
    )
    application.add_handler(CallbackQueryHandler(on_staff_button, pattern=rf"^{staff.StaffButton.PREFIX}:"))
    rt = application.bot_data.get("etown")
    if application.job_queue is not None and isinstance(rt, Runtime):
        application.job_queue.run_repeating(
            remind,
            interval=remind_interval(rt.settings),
            first=remind_interval(rt.settings),
            name="staff-remind",
        )
