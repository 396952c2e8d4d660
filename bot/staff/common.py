"""What the staff modules share: Beijing time, the staff commands, the staff-chat buttons and states.

Texts use the reply markup (plain text, **bold**); the channel escapes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from dialogs.messages import t
from dialogs.render import literal

# BDA works on Beijing time; shown times use UTC+8 without needing tz data on the server.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")
STAFF_COMMANDS = ("leads", "export", "stats", "misses")
# Handled by bot/desk.py: answering questions, following up leads, the FAQ staff write.
DESK_COMMANDS = ("reply", "questions", "lead", "faq")
LEADS_SHOWN = 20
EXPORT_LIMIT = 100_000


def measure_title(number: int, lang: str) -> str:
    """Return "第N条 title" for a measure number (just the number if the rulebook lacks it)."""
    try:
        from rules.loader import latest_rulebook

        measure = latest_rulebook().measures.get(number)
    except Exception:  # staff output must not fail on rule data
        measure = None
    head = t("staff.title.measure", lang, number=number)
    if measure is None:
        return head
    return f"{head} {measure.title.en if lang == 'en' else measure.title.zh}"


def beijing_time(moment: dt.datetime | None) -> str:
    """Format a moment in Beijing time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def colon(lang: str) -> str:
    """Return the colon after a label: full-width in Chinese, ": " in English."""
    return ": " if lang == "en" else "："


def as_typed(value: Any) -> str:
    """Show what a user typed as typed (a "**" in a company name is not bold)."""
    return literal("" if value is None else str(value))


def json_int(value: Any) -> int | None:
    """Return an int from JSON, or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class StaffButton:
    """A staff-chat button's payload: what it acts on and what it does ("st:q:claim:17")."""

    PREFIX: ClassVar[str] = "st"
    target: Literal["q", "lead"]
    action: str
    id: int

    def pack(self) -> str:
        """Return the callback data (well under Telegram's 64 bytes)."""
        return f"{self.PREFIX}:{self.target}:{self.action}:{self.id}"

    @classmethod
    def unpack(cls, data: str) -> StaffButton | None:
        """Read callback data; None when it is not a staff button."""
        parts = data.split(":")
        if len(parts) != 4 or parts[0] != cls.PREFIX or not parts[3].isdigit():
            return None
        target, action = parts[1], parts[2]
        if target == "q" and action in QUESTION_ACTIONS:
            return cls("q", action, int(parts[3]))
        if target == "lead" and (action in LEAD_STATES or action == "mine"):
            return cls("lead", action, int(parts[3]))
        return None


QUESTION_ACTIONS = ("claim", "faq", "close")
# A lead's follow-up: 新线索 → 已联系 → 已申报 → 已结束, or 无效 at any point.
# Their names are staff.lead_state.<state> (also the words staff type) and staff.question_status.<status>.
LEAD_STATES = ("new", "contacted", "applied", "closed", "invalid")
QUESTION_STATUS = ("open", "claimed", "answered", "closed", "undeliverable", "deleted")


def lead_state_label(state: str, lang: str) -> str:
    """Name a lead's follow-up state (an unknown one as stored)."""
    return t(f"staff.lead_state.{state}", lang) if state in LEAD_STATES else state


def question_status_label(status: str, lang: str) -> str:
    """Name a question's status with its mark (an unknown one as stored)."""
    return t(f"staff.question_status.{status}", lang) if status in QUESTION_STATUS else status


@dataclass(frozen=True)
class PostView:
    """A staff-chat post: its text and its buttons as rows of (label, payload)."""

    text: str
    buttons: list[list[tuple[str, StaffButton]]] = field(default_factory=list)
