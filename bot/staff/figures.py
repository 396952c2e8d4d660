"""The figures staff read: /stats, /misses and the help desk lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.staff.common import (
    as_typed,
    beijing_time,
    colon,
    measure_title,
)
from dialogs.messages import t
from dialogs.render import money


def stats_text(figures: Any, lang: str = "zh") -> str:
    """Show the dashboard figures."""
    lines = [
        f"**{t('staff.stats_text.statistics', lang)}**",
        f"{t('staff.stats_text.users', lang)}：{figures.users}",
        f"{t('staff.stats_text.conversations', lang)}：{figures.conversations}",
        f"{t('staff.stats_text.finished_screenings', lang)}：{figures.finished_screenings}",
        f"{t('staff.stats_text.leads', lang)}：{figures.leads}",
        f"{t('staff.stats_text.money_matched_leads', lang)}：{money(figures.money_total_yuan, lang)}",
        f"{t('staff.stats_text.faq_misses', lang)}：{figures.faq_misses}（{t('staff.stats_text.open', lang)} {figures.faq_misses_open}）",
        # Updates that kept failing (issue 8): listed and replayed with `etownbot dead-letters`.
        f"{t('staff.stats_text.dead_letters', lang)}：{getattr(figures, 'dead_letters', 0)}",
    ]
    if figures.money_by_measure:
        lines.append("")
        lines.append(f"**{t('staff.stats_text.by_measure_eligible_amounts', lang)}**")
        ranked = sorted(figures.money_by_measure.items(), key=lambda item: (-item[1], item[0]))
        lines.extend(f"{measure_title(number, lang)}：{money(amount, lang)}" for number, amount in ranked)
    return "\n".join(lines)


def misses_text(misses: Sequence[Any], lang: str = "zh") -> str:
    """List unanswered questions so an editor can grow the FAQ."""
    if not misses:
        return t("staff.misses_text.no_open_faq_misses", lang)
    lines = [f"**{t('staff.misses_text.unanswered_questions', lang)}**（{len(misses)}）"]
    for miss in misses:
        lines.append(f"#{miss.id} [{miss.lang}] {beijing_time(miss.at)}\n{as_typed(miss.question)}")
    lines.append("")
    lines.append(t("staff.misses_text.when_one_handled_send", lang))
    return "\n".join(lines)


def desk_lines(desk: Any, lang: str) -> list[str]:
    """Return the help-desk lines of /stats."""
    median = desk.median_answer_seconds
    if median is None:
        shown = "—"
    elif median < 3600:
        shown = t("staff.desk_lines.min", lang, value=median / 60)
    else:
        shown = t("staff.desk_lines.h", lang, value=median / 3600)
    return [
        "",
        f"**{t('staff.desk_lines.help_desk', lang)}**",
        f"{t('staff.desk_lines.open_questions', lang)}{colon(lang)}{desk.open}",
        f"{t('staff.desk_lines.answered_today', lang)}{colon(lang)}{desk.answered_today}",
        f"{t('staff.desk_lines.median_time_answer_days', lang)}{colon(lang)}{shown}",
    ]
