"""Leads in the staff chat: the lead post, its follow-up buttons, and `/lead N …`."""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import staff
from bot import staff_store as store
from bot.desk_chat import command_args, markup, send_post, staff_name
from bot.markup import split_html
from bot.runtime import Context, Runtime
from bot.sending import polite_note, tg_call
from bot.staff_commands import staff_gate
from dialogs.messages import t

log = logging.getLogger(__name__)


async def post_lead(bot: Bot, rt: Runtime, chat_id: int, lead_id: int, created: bool) -> None:
    """Post a new or updated lead with its follow-up buttons."""
    card = await rt.call(store.lead_card, rt.service, lead_id)
    if card is None:
        return
    view = staff.lead_view(card.lead, rt.settings.bot_lang, created=created, history=card.history)
    try:
        await send_post(bot, chat_id, view)
    except TelegramError as error:
        log.error("could not post lead %s to the staff chat: %s", lead_id, error)


async def refresh_lead(bot: Bot, rt: Runtime, lead_id: int, message: Message | None, full: bool) -> None:
    """Show a lead's follow-up on the post whose button was pressed."""
    card = await rt.call(store.lead_card, rt.service, lead_id)
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


async def lead_button(
    bot: Bot, rt: Runtime, button: staff.StaffButton, user: User, message: Message | None
) -> str:
    """Move a lead to a state or take it over; return the toast."""
    lang = rt.settings.bot_lang
    if not await rt.call(store.follow, rt.service, button.id, button.action, user.id, staff_name(user)):
        return t("desk.lead_button.that_lead_no_longer", lang)
    full = message is not None and message.text is not None and message.text.startswith("📇")
    await refresh_lead(bot, rt, button.id, message, full)
    if button.action == "mine":
        return t("desk.lead_button.you_now_own_this", lang)
    return staff.lead_state_label(button.action, lang)


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
        store.follow, rt.service, lead_id, action, user.id, staff_name(user), text.strip()[:2000]
    ):
        await polite_note(context.bot, chat_id, t("desk.on_lead_command.no_lead", lang, lead_id=lead_id))
        return
    card = await rt.call(store.lead_card, rt.service, lead_id)
    if card is None:
        await polite_note(context.bot, chat_id, t("desk.on_lead_command.no_lead_2", lang, lead_id=lead_id))
        return
    await send_post(context.bot, chat_id, staff.lead_view(card.lead, lang, history=card.history, full=True))
