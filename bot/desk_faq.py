"""The FAQ staff write, from the staff chat: `/faq` to list, show, edit, switch on or off, export."""

from __future__ import annotations

import logging

from telegram import Bot, InputFile, Update

from bot import staff
from bot import staff_store as store
from bot.desk_chat import command_args, staff_name
from bot.faq_live import staff_entry
from bot.runtime import Context
from bot.sending import polite_note, tg_call
from bot.staff_commands import staff_gate
from bot.staff_words import FAQ_VERBS
from dialogs import staff_faq
from dialogs.messages import t

log = logging.getLogger(__name__)


async def on_faq_command(update: Update, context: Context) -> None:
    """`/faq`: list staff FAQ entries; `/faq N`: show one; `/faq N verb text`: edit, switch on/off, export."""
    gate = await staff_gate(update, context)
    if gate is None or update.message is None or not isinstance(update.message.text, str):
        return
    rt, chat_id, user = gate
    lang = rt.settings.bot_lang
    args = command_args(update.message.text)
    if not args:
        rows = await rt.call(store.faq_rows, rt.service)
        await polite_note(context.bot, chat_id, staff.faq_list(rows, lang))
        return
    head, _, rest = args.partition(" ")
    head = head.lstrip("#Ff")
    word, _, text = rest.strip().partition(" ")
    verb = FAQ_VERBS.get(word.lower()) if word else None
    if not head.isdigit() or (word and verb is None):
        await polite_note(
            context.bot,
            chat_id,
            t("desk.on_faq_command.usage_faq_list_faq", lang),
        )
        return
    entry_id = int(head)
    if verb == "yaml":
        card = await rt.call(store.faq_show, rt.service, entry_id, lang)
        if card is not None:
            await _send_yaml(context.bot, chat_id, card, lang)
            return
        result: store.FaqCard | str | None = None
    elif verb is None:
        result = await rt.call(store.faq_show, rt.service, entry_id, lang)
    else:
        result = await rt.call(
            store.faq_edit, rt.service, entry_id, verb, text.strip(), staff_name(user), lang
        )
    if result is None:
        await polite_note(
            context.bot, chat_id, t("desk.on_faq_command.no_faq_entry_f", lang, entry_id=entry_id)
        )
    elif isinstance(result, str):
        await polite_note(
            context.bot,
            chat_id,
            t("desk.on_faq_command.not_changed", lang, result=result),
        )
    else:
        await polite_note(context.bot, chat_id, staff.faq_card(result.row, result.problems, lang))


async def _send_yaml(bot: Bot, chat_id: int, card: store.FaqCard, lang: str) -> None:
    """Send an entry as a faq.yaml fragment, to be added in a release."""
    text = staff_faq.to_yaml(staff_entry(card.row))
    caption = t("desk.send_yaml.f_as_yaml_for", lang, id=card.row.id)
    await tg_call(
        "sendDocument",
        lambda: bot.send_document(
            chat_id, InputFile(text.encode(), filename=f"faq-desk-{card.row.id}.yaml"), caption=caption
        ),
    )
