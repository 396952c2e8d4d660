"""The operator's dashboard figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Conversation, DeadLetter, FaqMiss, Lead, User
from storage.sql import count_rows

# Report statuses whose amount counts as money matched (rules.report.Status).
MATCHED_STATUSES = frozenset({"eligible"})


@dataclass(frozen=True)
class Stats:
    """Operator dashboard figures."""

    users: int
    conversations: int
    finished_screenings: int
    leads: int
    # Sum of `amount_yuan` over leads' report entries with an eligible status, by measure number.
    money_by_measure: dict[int, int]
    # Sum of the leads' own `total_yuan` (already after any combined caps).
    money_total_yuan: int
    faq_misses: int
    faq_misses_open: int
    # Updates kept in the dead-letter table and not replayed yet.
    dead_letters: int = 0


# --- statistics ------------------------------------------------------------------------------------


def _add_report_money(report: Any, totals: dict[int, int]) -> None:
    """Add one report's eligible per-measure amounts to the totals, skipping malformed entries."""
    entries = report.get("measures") if isinstance(report, dict) else None
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("status") not in MATCHED_STATUSES:
            continue
        number, amount = entry.get("number"), entry.get("amount_yuan")
        if isinstance(number, int) and isinstance(amount, int) and not isinstance(amount, bool):
            totals[number] = totals.get(number, 0) + amount


def stats(*, session: Session) -> Stats:
    """Return operator dashboard figures."""
    money: dict[int, int] = {}
    for report in session.scalars(select(Lead.report).execution_options(yield_per=500)):
        _add_report_money(report, money)
    return Stats(
        users=count_rows(session, model=User),
        conversations=count_rows(session, model=Conversation),
        finished_screenings=count_rows(session, Conversation.finished.is_(True), model=Conversation),
        leads=count_rows(session, model=Lead),
        money_by_measure=dict(sorted(money.items())),
        money_total_yuan=session.scalar(select(func.coalesce(func.sum(Lead.total_yuan), 0))) or 0,
        faq_misses=count_rows(session, model=FaqMiss),
        faq_misses_open=count_rows(session, FaqMiss.resolved.is_(False), model=FaqMiss),
        dead_letters=count_rows(session, DeadLetter.replayed_at.is_(None), model=DeadLetter),
    )
