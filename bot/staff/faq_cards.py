"""The FAQ entries staff write, as cards and a list in the staff chat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.staff.common import (
    as_typed,
    beijing_time,
    colon,
)
from dialogs.messages import t


def faq_card(row: Any, problems: Sequence[str], lang: str = "zh") -> str:
    """Show a staff FAQ entry with what it still lacks and the commands that edit it."""
    state = t("staff.faq_card.live", lang) if row.active else t("staff.faq_card.off", lang)
    lines = [
        f"**{t('staff.faq_card.faq_entry', lang)} F{row.id}**（desk-{row.id}）v{row.version} {state}",
        t(
            "staff.faq_card.by_last_change",
            lang,
            author_name=as_typed(row.author_name),
            created_at=beijing_time(row.created_at),
            updated_by_name=as_typed(row.updated_by_name),
            updated_at=beijing_time(row.updated_at),
        ),
        f"**{t('staff.faq_card.phrasings', lang)}**",
        *(f"{i}. {as_typed(q)}" for i, q in enumerate(row.questions, 1)),
        f"**{t('staff.faq_card.answer_chinese', lang)}**{colon(lang)}{as_typed(row.answer_zh) or '—'}",
        f"**{t('staff.faq_card.answer_english', lang)}**{colon(lang)}{as_typed(row.answer_en) or '—'}",
        f"**{t('staff.faq_card.quotes', lang)}**{colon(lang)}"
        + ("".join(f"「{as_typed(c)}」" for c in row.cite) or "—"),
        f"**{t('staff.faq_card.clause', lang)}**{colon(lang)}{as_typed(row.clause) or '—'}"
        + (
            f"（{t('staff.faq_card.measures', lang)} {'、'.join(map(str, row.measures))}）"
            if row.measures
            else ""
        ),
    ]
    if problems:
        lines.append(f"**{t('staff.faq_card.before_it_can_go', lang)}**")
        lines.extend(f"• {as_typed(p)}" for p in problems)
    n = row.id
    lines.append(t("staff.faq_card.edit_faq_q_phrasing", lang, n=n))
    return "\n".join(lines)


def faq_list(rows: Sequence[Any], lang: str = "zh") -> str:
    """List the staff FAQ entries."""
    if not rows:
        return t("staff.faq_list.no_staff_faq_entries", lang)
    lines = [f"**{t('staff.faq_list.staff_faq_entries', lang)}**（{len(rows)}）"]
    for row in rows:
        mark = "✅" if row.active else "⏸"
        first = row.questions[0] if row.questions else ""
        lines.append(f"F{row.id} {mark} v{row.version} {as_typed(first[:40])}（{as_typed(row.author_name)}）")
    lines.append(t("staff.faq_list.show_one_faq_n", lang))
    return "\n".join(lines)
