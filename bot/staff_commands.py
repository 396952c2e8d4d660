"""Staff commands in Telegram: who may use them (one gate, also the desk's), /stats, /leads, /export, /misses."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import (
    Bot,
    InputFile,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType

import storage
from bot import staff, staff_store
from bot.runtime import Context, Runtime, runtime
from bot.sending import polite_note, tg_call
from dialogs import Event
from dialogs.messages import t

log = logging.getLogger(__name__)


async def staff_gate(update: Update, context: Context) -> tuple[Runtime, int, User] | None:
    """Let staff through in a private chat or the staff chat, once per update; refuse others politely."""
    rt = runtime(context)
    message, chat, user = update.message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return None
    command = (message.text or "?").split(maxsplit=1)[0] if message.text else "?"
    if not rt.is_staff(user.id):
        log.warning("refused staff command %s from user %s in chat %s", command, user.id, chat.id)
        if chat.type == ChatType.PRIVATE:
            await polite_note(
                context.bot,
                chat.id,
                t("bot.staff_only", rt.langs.get(chat.id)),
            )
        return None
    if chat.type != ChatType.PRIVATE and chat.id != rt.settings.staff_chat_id:
        # Lead data must not land in whatever group the bot was added to.
        log.warning(
            "staff command %s by user %s refused in chat %s (not the staff chat)", command, user.id, chat.id
        )
        return None
    if not await rt.call(rt.service.mark_processed, update.update_id):
        return None
    return rt, chat.id, user


async def on_staff_command(update: Update, context: Context) -> None:
    """Run /leads, /export, /stats or /misses for staff; refuse anyone else politely and log it."""
    gate = await staff_gate(update, context)
    if gate is None or update.message is None or not isinstance(update.message.text, str):
        return
    rt, chat_id, user = gate
    event = Event.from_text(update.message.text)
    lang: str = rt.settings.bot_lang
    args = event.args.split()
    log.info("staff command /%s by user %s", event.command, user.id)
    if event.command == "stats":
        figures = await rt.call(staff_store.stats, rt.service)
        desk_figures = await rt.call(staff_store.desk_stats, rt.service)
        text = "\n".join([staff.stats_text(figures, lang), *staff.desk_lines(desk_figures, lang)])
        await polite_note(context.bot, chat_id, text)
    elif event.command == "misses":
        await _misses(context.bot, rt, chat_id, args, lang)
    elif event.command in ("leads", "export"):
        flt = staff.parse_lead_filter(args, lang)
        if flt.error:
            await polite_note(context.bot, chat_id, flt.error)
            return
        limit = staff.LEADS_SHOWN if event.command == "leads" else staff.EXPORT_LIMIT
        leads = await rt.call(staff_store.leads, rt.service, flt, limit, user.id)
        if event.command == "leads":
            await polite_note(context.bot, chat_id, staff.leads_text(leads, lang, flt=flt))
        else:
            await _export(context.bot, rt, chat_id, leads, lang)


async def _misses(bot: Bot, rt: Runtime, chat_id: int, args: list[str], lang: str) -> None:
    """List FAQ misses, or mark one done with `/misses done N`."""
    if len(args) == 2 and args[0].lower() in ("done", "ok", "已处理") and args[1].lstrip("#").isdigit():
        found = await rt.call(staff_store.resolve_miss, rt.service, int(args[1].lstrip("#")))
        await polite_note(
            bot,
            chat_id,
            t("bot.miss_done" if found else "bot.miss_none", lang),
        )
        return
    misses = await rt.call(staff_store.open_misses, rt.service)
    await polite_note(bot, chat_id, staff.misses_text(misses, lang))


async def _export(bot: Bot, rt: Runtime, chat_id: int, leads: list[storage.Lead], lang: str) -> None:
    """Send the leads as CSV and XLSX documents."""
    if not leads:
        await polite_note(bot, chat_id, staff.leads_text([], lang))
        return
    await tg_call("sendChatAction", lambda: bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT))
    notes = await rt.call(staff_store.lead_notes, rt.service, [lead.id for lead in leads])
    csv_data = await rt.call_slow(staff.export_csv, leads, lang, notes)
    xlsx_data = await rt.call_slow(staff.export_xlsx, leads, lang, notes)
    stamp = dt.datetime.now(staff.BEIJING).strftime("%Y%m%d-%H%M")
    caption = t("bot.export_caption", lang, count=len(leads))
    for data, name in ((csv_data, f"leads-{stamp}.csv"), (xlsx_data, f"leads-{stamp}.xlsx")):
        await tg_call(
            "sendDocument",
            lambda data=data, name=name: bot.send_document(  # type: ignore[misc]
                chat_id, InputFile(data, filename=name), caption=caption
            ),
        )
