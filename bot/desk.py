"""The staff side in Telegram: questions passed to staff answered in the user's chat, reminders.

Nothing is kept in the process: every claim, answer and reminder is a conditional UPDATE in the
database, so any number of bot processes can serve the same staff chat.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

import storage
from bot import staff
from bot.faq_live import staff_entry
from bot.handlers import Context, Runtime, polite_note, runtime, send_reply, staff_gate, tg_call
from bot.markup import split_html
from bot.service import Service
from dialogs import staff_faq

log = logging.getLogger(__name__)

NAME_LIMIT = 64
ANSWER_LIMIT = 3500


def _t(lang: str, zh: str, en: str) -> str:
    """Pick a language."""
    return en if lang == "en" else zh


def staff_name(user: User) -> str:
    """Return how staff see a colleague: the Telegram name."""
    return (user.full_name or user.username or str(user.id))[:NAME_LIMIT]


def markup(view: staff.PostView) -> InlineKeyboardMarkup | None:
    """Turn a post's button rows into an inline keyboard."""
    rows = [
        [InlineKeyboardButton(label, callback_data=button.pack()) for label, button in row]
        for row in view.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def command_args(text: str) -> str:
    """Return what follows a command, exactly as typed (Event.from_text folds full-width forms)."""
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def _user_chat_id(chat_key: str) -> int | None:
    """Return the Telegram chat id of a storage chat key ("tg:123"), None for other channels."""
    head, _, tail = chat_key.partition(":")
    return int(tail) if head == "tg" and tail.lstrip("-").isdigit() else None


# --- database steps (run in the worker pool) -------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A question as read for a post: the row and its post."""

    question: storage.StaffQuestion
    view: staff.PostView


def _load(service: Service, question_id: int, lang: str) -> Loaded | None:
    """Read a question and write its post."""
    with storage.session_scope(service.sessions) as session:
        question = storage.get_staff_question(question_id, session=session)
        if question is None:
            return None
        session.expunge(question)
    return Loaded(question, staff.question_post(question, lang))


def _set_post(service: Service, question_id: int, message_id: int) -> None:
    """Remember the staff-chat message of a question."""
    with storage.session_scope(service.sessions) as session:
        storage.set_staff_question_post(question_id, message_id, session=session)


def _claim(service: Service, question_id: int, staff_id: int, name: str) -> bool:
    """Claim a question for one staff member."""
    with storage.session_scope(service.sessions) as session:
        return storage.claim_staff_question(question_id, staff_id, name, session=session)


def _close(service: Service, question_id: int, status: str, staff_id: int, name: str) -> bool:
    """Close a question (no reply needed, or undeliverable)."""
    with storage.session_scope(service.sessions) as session:
        return storage.close_staff_question(question_id, status, staff_id, name, session=session)


def _answer(service: Service, question_id: int, staff_id: int, name: str, text: str) -> bool:
    """Store a staff answer."""
    with storage.session_scope(service.sessions) as session:
        return storage.answer_staff_question(question_id, staff_id, name, text, session=session)


def _by_post(service: Service, message_id: int) -> int | None:
    """Return the question shown by a staff-chat message."""
    with storage.session_scope(service.sessions) as session:
        question = storage.find_staff_question_by_post(message_id, session=session)
        return None if question is None else question.id


def _waiting(service: Service, ids: list[int] | None = None) -> list[storage.StaffQuestion]:
    """Read the questions still waiting (or the given ones)."""
    with storage.session_scope(service.sessions) as session:
        if ids is None:
            rows = storage.list_staff_questions(session=session)
        else:
            found = (storage.get_staff_question(i, session=session) for i in ids)
            rows = [row for row in found if row is not None]
        session.expunge_all()
        return rows


def _due(service: Service, after: dt.timedelta) -> list[int]:
    """Claim the questions due for a reminder."""
    with storage.session_scope(service.sessions) as session:
        return storage.take_due_reminders(after, session=session)


@dataclass(frozen=True)
class LeadCard:
    """A lead as read for its post or /lead card."""

    lead: storage.Lead
    history: list[storage.LeadEvent]


def _lead_card(service: Service, lead_id: int) -> LeadCard | None:
    """Read a lead with its follow-up history."""
    with storage.session_scope(service.sessions) as session:
        lead = storage.get_lead(lead_id, session=session)
        if lead is None:
            return None
        history = storage.lead_history(lead_id, session=session)
        session.expunge_all()
        return LeadCard(lead, history)


def _follow(service: Service, lead_id: int, action: str, staff_id: int, name: str, note: str = "") -> bool:
    """Change a lead's state, owner ("mine") or add a note; False if there is no such lead."""
    with storage.session_scope(service.sessions) as session:
        if action == "mine":
            changed = storage.set_lead_owner(lead_id, staff_id, name, staff_id, name, session=session)
        elif action == "note":
            changed = storage.add_lead_note(lead_id, note, staff_id, name, session=session)
        else:
            changed = storage.set_lead_state(lead_id, action, staff_id, name, session=session)
        return changed is not None


def lead_notes(service: Service, lead_ids: list[int]) -> dict[int, storage.LeadEvent]:
    """Read the newest note of each lead (for the export)."""
    with storage.session_scope(service.sessions) as session:
        notes = storage.last_lead_notes(lead_ids, session=session)
        session.expunge_all()
        return notes


@dataclass(frozen=True)
class FaqCard:
    """A staff FAQ entry as read, with what keeps it from going live."""

    row: storage.StaffFaqEntry
    problems: list[str]


def _faq_card(session: Any, entry_id: int, lang: str = "zh") -> FaqCard | None:
    """Read one staff FAQ entry with its problems (inside the caller's session)."""
    row = storage.get_faq_entry(entry_id, session=session)
    if row is None:
        return None
    session.expunge(row)
    return FaqCard(row, staff_faq.problems(staff_entry(row), lang))


def _save_as_faq(service: Service, question_id: int, staff_id: int, name: str, lang: str) -> FaqCard | str:
    """Turn a question (and its answer, if any) into a switched-off FAQ entry; or say why not."""
    with storage.session_scope(service.sessions) as session:
        question = storage.get_staff_question(question_id, session=session)
        if question is None or question.status == "deleted" or not question.question:
            return "gone"
        if question.faq_entry_id is not None:
            return "done"
        answer = question.answer or ""
        data = storage.FaqEntryData(
            questions=[question.question],
            answer_zh=answer if question.lang != "en" else "",
            answer_en=answer if question.lang == "en" else "",
            cite=[],
            clause="",
        )
        entry = storage.add_faq_entry(data, staff_id, name, session=session, source_question_id=question_id)
        storage.link_staff_question_faq(question_id, entry.id, session=session)
        card = _faq_card(session, entry.id, lang)
        assert card is not None
        return card


def _faq_rows(service: Service) -> list[storage.StaffFaqEntry]:
    """Read every staff FAQ entry."""
    with storage.session_scope(service.sessions) as session:
        rows = storage.list_faq_entries(session=session)
        session.expunge_all()
        return rows


def _faq_show(service: Service, entry_id: int, lang: str) -> FaqCard | None:
    """Read one staff FAQ entry."""
    with storage.session_scope(service.sessions) as session:
        return _faq_card(session, entry_id, lang)


def _faq_edit(
    service: Service, entry_id: int, verb: str, text: str, name: str, lang: str
) -> FaqCard | str | None:
    """Apply one /faq edit; return the entry, a refusal (what is wrong), or None if there is no entry."""
    with storage.session_scope(service.sessions) as session:
        card = _faq_card(session, entry_id, lang)
        if card is None:
            return None
        row = card.row
        changes: dict[str, Any] = {}
        if verb == "question":
            if not text or len(row.questions) >= staff_faq.MAX_QUESTIONS:
                return _t(lang, "问法为空或已太多", "empty, or too many phrasings")
            changes["questions"] = [*row.questions, text]
        elif verb == "drop_question":
            index = int(text) - 1 if text.isdigit() else -1
            if not 0 <= index < len(row.questions) or len(row.questions) == 1:
                return _t(lang, "没有这个序号（至少保留一种问法）", "no such number (one phrasing must stay)")
            changes["questions"] = [q for i, q in enumerate(row.questions) if i != index]
        elif verb == "quote":
            if problem := staff_faq.quote_problem(text, lang):
                return problem
            changes["cite"] = [*row.cite, text]
        elif verb == "drop_quotes":
            changes["cite"] = []
        elif verb == "clause":
            if not text:
                return _t(lang, "条款为空", "the clause is empty")
            changes["clause"] = text[:64]
            changes["measures"] = staff_faq.measures_of_clause(text)
        elif verb in ("zh", "en"):
            if not text:
                return _t(lang, "答复为空", "the answer is empty")
            changes[f"answer_{verb}"] = text
        elif verb == "on":
            if card.problems:
                return _t(lang, "还不能启用：", "cannot go live yet: ") + "；".join(card.problems)
            changes["active"] = True
        elif verb == "off":
            changes["active"] = False
        if changes:
            updated = storage.update_faq_entry(entry_id, name, session=session, **changes)
            assert updated is not None
            after = _faq_card(session, entry_id, lang)
            assert after is not None
            if after.row.active and after.problems:
                # An edit that breaks a live entry takes it out of use rather than serving it broken.
                storage.update_faq_entry(entry_id, name, session=session, active=False)
                after = _faq_card(session, entry_id, lang)
                assert after is not None
            return after
        return card


def desk_stats(service: Service) -> storage.DeskStats:
    """Read the help desk's figures (today is a Beijing day)."""
    start = dt.datetime.combine(dt.datetime.now(staff.BEIJING).date(), dt.time(), staff.BEIJING)
    with storage.session_scope(service.sessions) as session:
        return storage.desk_stats(start, session=session)


# --- posting to the staff chat ---------------------------------------------------------------------


async def _send_post(bot: Bot, chat_id: int, view: staff.PostView) -> Message | None:
    """Send a post (long text in parts, the buttons on the last); return the last message."""
    chunks = split_html(view.text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        keys = markup(view) if index == len(chunks) - 1 else None
        sent = await tg_call(
            "sendMessage",
            lambda chunk=chunk, keys=keys: bot.send_message(  # type: ignore[misc]
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=keys
            ),
        )
    return sent


async def _refresh_post(bot: Bot, rt: Runtime, question_id: int, message: Message | None = None) -> None:
    """Show a question's current status on its staff-chat post."""
    loaded = await rt.call(_load, rt.service, question_id, rt.settings.bot_lang)
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
            await _post_lead(bot, rt, chat_id, post["id"], bool(post.get("created")))
            continue
        if post.get("kind") != "question" or not isinstance(post.get("id"), int):
            continue
        if post.get("refresh"):
            await _refresh_post(bot, rt, post["id"])
            continue
        if chat_id is None:
            log.warning("no STAFF_CHAT_ID set: question %s was stored but not posted", post["id"])
            continue
        loaded = await rt.call(_load, rt.service, post["id"], rt.settings.bot_lang)
        if loaded is None or loaded.question.staff_message_id is not None:
            continue  # deleted meanwhile, or already posted before a restart
        try:
            sent = await _send_post(bot, chat_id, loaded.view)
        except TelegramError as error:
            log.error("could not post question %s to the staff chat: %s", post["id"], error)
            continue
        if sent is not None:
            await rt.call(_set_post, rt.service, post["id"], sent.message_id)


async def _post_lead(bot: Bot, rt: Runtime, chat_id: int, lead_id: int, created: bool) -> None:
    """Post a new or updated lead with its follow-up buttons."""
    card = await rt.call(_lead_card, rt.service, lead_id)
    if card is None:
        return
    view = staff.lead_view(card.lead, rt.settings.bot_lang, created=created, history=card.history)
    try:
        await _send_post(bot, chat_id, view)
    except TelegramError as error:
        log.error("could not post lead %s to the staff chat: %s", lead_id, error)


async def _refresh_lead(bot: Bot, rt: Runtime, lead_id: int, message: Message | None, full: bool) -> None:
    """Show a lead's follow-up on the post whose button was pressed."""
    card = await rt.call(_lead_card, rt.service, lead_id)
    if card is None or message is None:
        return
    view = staff.lead_view(card.lead, rt.settings.bot_lang, history=card.history, full=full)
    chunks = split_html(view.text)
    try:
        await tg_call(
            "editMessageText",
            lambda: message.edit_text(chunks[-1], parse_mode=ParseMode.HTML, reply_markup=markup(view)),
        )
    except TelegramError as error:
        log.info("could not update the post of lead %s: %s", lead_id, error)


# --- answering -------------------------------------------------------------------------------------


async def deliver_answer(bot: Bot, rt: Runtime, question_id: int, user: User, text: str) -> str:
    """Send a staff answer to the user's chat and continue their interview; return a note for staff."""
    lang = rt.settings.bot_lang
    name = staff_name(user)
    text = text.strip()
    if not text:
        return _t(lang, "答复内容是空的。", "The answer is empty.")
    if len(text) > ANSWER_LIMIT:
        return _t(
            lang,
            f"答复太长（{len(text)} 字），请分成不超过 {ANSWER_LIMIT} 字的几段。",
            f"The answer is too long ({len(text)} characters); keep it under {ANSWER_LIMIT}.",
        )
    loaded = await rt.call(_load, rt.service, question_id, lang)
    if loaded is None:
        return _t(
            lang,
            f"找不到问题 #{question_id}：用户可能已删除了自己的数据，答复未发送。",
            f"No question #{question_id}: the user may have deleted their data; nothing was sent.",
        )
    question = loaded.question
    if question.status == "deleted":
        await _refresh_post(bot, rt, question_id)
        return _t(
            lang,
            f"提问 #{question_id} 的用户已删除了自己的数据，答复未发送。",
            f"The user of question #{question_id} deleted their data; nothing was sent.",
        )
    if question.status in ("closed", "undeliverable"):
        return _t(
            lang,
            f"问题 #{question_id} 已关闭（{staff.QUESTION_STATUS[question.status][0]}），答复未发送。",
            f"Question #{question_id} is closed; nothing was sent.",
        )
    if question.claimed_by not in (None, user.id):
        return _t(
            lang,
            f"问题 #{question_id} 已由 {question.claimed_name} 认领，答复未发送。",
            f"Question #{question_id} is claimed by {question.claimed_name}; nothing was sent.",
        )
    if question.status == "open" and not await rt.call(_claim, rt.service, question_id, user.id, name):
        again = await rt.call(_load, rt.service, question_id, lang)
        who = again.question.claimed_name if again is not None else "?"
        return _t(
            lang,
            f"问题 #{question_id} 刚刚被 {who} 认领，答复未发送。",
            f"Question #{question_id} was just claimed by {who}; nothing was sent.",
        )
    chat_id = _user_chat_id(question.chat_key)
    if chat_id is None:
        return _t(lang, "这个用户不在 Telegram 上，无法答复。", "That user is not on Telegram.")
    message = staff.answer_for_user(question.question, text, question.lang)
    try:
        for chunk in split_html(message):
            await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
    except Forbidden:
        await rt.call(_close, rt.service, question_id, "undeliverable", user.id, name)
        await _refresh_post(bot, rt, question_id)
        return _t(
            lang,
            f"用户已屏蔽机器人，问题 #{question_id} 的答复未送达；如有线索可电话联系。",
            f"The user blocked the bot: the answer to #{question_id} was not delivered.",
        )
    except BadRequest as error:
        if "chat not found" not in error.message.lower():
            raise
        await rt.call(_close, rt.service, question_id, "undeliverable", user.id, name)
        await _refresh_post(bot, rt, question_id)
        return _t(
            lang,
            f"用户的对话已不存在，问题 #{question_id} 的答复未送达。",
            f"The user's chat is gone: the answer to #{question_id} was not delivered.",
        )
    await rt.call(_answer, rt.service, question_id, user.id, name, text)
    # The interview goes on where it was: show the question the user was on again.
    current = await rt.call(rt.service.current, question.chat_key)
    if current.question is not None:
        await send_reply(bot, rt, chat_id, current.question, current.lang)
    await _refresh_post(bot, rt, question_id)
    return _t(
        lang, f"已把答复发给提问 #{question_id} 的用户。", f"Answer to #{question_id} sent to the user."
    )


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
            _t(lang, "用法：/reply 问题编号 答复内容", "Usage: /reply <question number> <answer>"),
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
    waiting = await rt.call(_waiting, rt.service)
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
    question_id = await rt.call(_by_post, rt.service, replied.message_id)
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
            toast = _t(lang, "只有工作人员可以操作。", "For BDA staff only.")
            return
        if not await rt.call(rt.service.mark_processed, update.update_id):
            return
        message = query.message if isinstance(query.message, Message) else None
        if button.target == "q":
            toast = await _question_button(context.bot, rt, button, user, message)
        else:
            toast = await _lead_button(context.bot, rt, button, user, message)
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
        won = await rt.call(_claim, rt.service, button.id, user.id, name)
        await _refresh_post(bot, rt, button.id, message)
        if won:
            return _t(lang, "已认领，请回复该消息作答。", "Claimed: reply to the post to answer.")
        loaded = await rt.call(_load, rt.service, button.id, lang)
        if loaded is None:
            return _t(lang, "这个问题已不存在。", "That question no longer exists.")
        return _t(
            lang,
            f"已由 {loaded.question.claimed_name} 认领。",
            f"Already claimed by {loaded.question.claimed_name}.",
        )
    if button.action == "faq":
        saved = await rt.call(_save_as_faq, rt.service, button.id, user.id, name, lang)
        if saved == "gone":
            return _t(lang, "这个问题已不存在。", "That question no longer exists.")
        if saved == "done":
            return _t(lang, "已经存为问答了。", "Already saved as an FAQ entry.")
        assert isinstance(saved, FaqCard)
        await _refresh_post(bot, rt, button.id, message)
        chat_id = rt.settings.staff_chat_id
        if chat_id is not None:
            await polite_note(bot, chat_id, staff.faq_card(saved.row, saved.problems, lang))
        return _t(lang, f"已存为问答 F{saved.row.id}（未启用）", f"Saved as FAQ entry F{saved.row.id} (off)")
    if button.action == "close":
        loaded = await rt.call(_load, rt.service, button.id, lang)
        if loaded is None:
            return _t(lang, "这个问题已不存在。", "That question no longer exists.")
        if loaded.question.claimed_by not in (None, user.id) or loaded.question.status not in (
            "open",
            "claimed",
        ):
            return _t(lang, "这个问题不能再关闭了。", "That question cannot be closed now.")
        await rt.call(_close, rt.service, button.id, "closed", user.id, name)
        await _refresh_post(bot, rt, button.id, message)
        return _t(lang, "已标记为无需回复。", "Marked as needing no reply.")
    return _t(lang, "这个按钮已失效。", "That button is out of date.")


async def _lead_button(
    bot: Bot, rt: Runtime, button: staff.StaffButton, user: User, message: Message | None
) -> str:
    """Move a lead to a state or take it over; return the toast."""
    lang = rt.settings.bot_lang
    if not await rt.call(_follow, rt.service, button.id, button.action, user.id, staff_name(user)):
        return _t(lang, "这条线索已不存在（用户可能已删除数据）。", "That lead no longer exists.")
    full = message is not None and message.text is not None and message.text.startswith("📇")
    await _refresh_lead(bot, rt, button.id, message, full)
    if button.action == "mine":
        return _t(lang, "已由你跟进。", "You now own this lead.")
    return _t(lang, *staff.LEAD_STATES[button.action])


async def on_lead_command(update: Update, context: Context) -> None:
    """`/lead N [state | 我来 | 备注 text]`: show a lead with its history, or follow it up."""
    gate = await staff_gate(update, context)
    if gate is None or update.message is None or not isinstance(update.message.text, str):
        return
    rt, chat_id, user = gate
    lang = rt.settings.bot_lang
    head, _, rest = command_args(update.message.text).partition(" ")
    head = head.lstrip("#")
    if not head.isdigit():
        await polite_note(context.bot, chat_id, staff.lead_usage(lang))
        return
    lead_id = int(head)
    word, _, text = rest.strip().partition(" ")
    action: str | None = None
    if not word:
        action = None
    elif state := staff.lead_state_of(word):
        action = state
    elif word.lower() in ("我来", "我", "mine", "me"):
        action = "mine"
    elif word.lower() in ("备注", "note") and text.strip():
        action = "note"
    else:
        await polite_note(context.bot, chat_id, staff.lead_usage(lang))
        return
    if action is not None and not await rt.call(
        _follow, rt.service, lead_id, action, user.id, staff_name(user), text.strip()[:2000]
    ):
        await polite_note(context.bot, chat_id, _t(lang, f"没有线索 #{lead_id}。", f"No lead #{lead_id}."))
        return
    card = await rt.call(_lead_card, rt.service, lead_id)
    if card is None:
        await polite_note(context.bot, chat_id, _t(lang, f"没有线索 #{lead_id}。", f"No lead #{lead_id}."))
        return
    await _send_post(context.bot, chat_id, staff.lead_view(card.lead, lang, history=card.history, full=True))


async def on_faq_command(update: Update, context: Context) -> None:
    """`/faq`: list staff FAQ entries; `/faq N`: show one; `/faq N verb text`: edit, switch on/off, export."""
    gate = await staff_gate(update, context)
    if gate is None or update.message is None or not isinstance(update.message.text, str):
        return
    rt, chat_id, user = gate
    lang = rt.settings.bot_lang
    args = command_args(update.message.text)
    if not args:
        rows = await rt.call(_faq_rows, rt.service)
        await polite_note(context.bot, chat_id, staff.faq_list(rows, lang))
        return
    head, _, rest = args.partition(" ")
    head = head.lstrip("#Ff")
    word, _, text = rest.strip().partition(" ")
    verb = staff.FAQ_VERBS.get(word.lower()) if word else None
    if not head.isdigit() or (word and verb is None):
        await polite_note(
            context.bot,
            chat_id,
            _t(
                lang,
                "用法：/faq（列表）；/faq 编号（查看、修改）",
                "Usage: /faq (list); /faq N (show and edit)",
            ),
        )
        return
    entry_id = int(head)
    if verb == "yaml":
        card = await rt.call(_faq_show, rt.service, entry_id, lang)
        if card is not None:
            await _send_yaml(context.bot, chat_id, card, lang)
            return
        result: FaqCard | str | None = None
    elif verb is None:
        result = await rt.call(_faq_show, rt.service, entry_id, lang)
    else:
        result = await rt.call(_faq_edit, rt.service, entry_id, verb, text.strip(), staff_name(user), lang)
    if result is None:
        await polite_note(
            context.bot, chat_id, _t(lang, f"没有问答 F{entry_id}。", f"No FAQ entry F{entry_id}.")
        )
    elif isinstance(result, str):
        await polite_note(
            context.bot,
            chat_id,
            _t(lang, f"未修改：{result}", f"Not changed: {result}"),
        )
    else:
        await polite_note(context.bot, chat_id, staff.faq_card(result.row, result.problems, lang))


async def _send_yaml(bot: Bot, chat_id: int, card: FaqCard, lang: str) -> None:
    """Send an entry as a faq.yaml fragment, to be added in a release."""
    text = staff_faq.to_yaml(staff_entry(card.row))
    caption = _t(
        lang,
        f"F{card.row.id} 的 YAML：加入 dialogs/data/faq.yaml（至少两种问法，id 可改成更有意义的名字）。",
        f"F{card.row.id} as YAML for dialogs/data/faq.yaml (it needs two phrasings at least; rename the id).",
    )
    await tg_call(
        "sendDocument",
        lambda: bot.send_document(
            chat_id, InputFile(text.encode(), filename=f"faq-desk-{card.row.id}.yaml"), caption=caption
        ),
    )


# --- reminders -------------------------------------------------------------------------------------


async def remind(context: Context) -> None:
    """Post the questions waiting longer than STAFF_REMIND_AFTER_MINUTES (each once per period)."""
    rt = runtime(context)
    if rt.settings.staff_chat_id is None:
        return
    after = dt.timedelta(minutes=rt.settings.staff_remind_after_minutes)
    try:
        due = await rt.call(_due, rt.service, after)
        if not due:
            return
        questions = await rt.call(_waiting, rt.service, due)
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
