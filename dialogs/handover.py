"""What staff need to see about a user who passed a question on: the screening so far, in two lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dialogs.answers import evaluate_state
from dialogs.messages import t
from dialogs.render import money
from dialogs.topics import TOPIC_BY_ID
from dialogs.types import State

# The enterprise.zone options (rules/data/facts.yaml) with a short form (staff.zone.*) for one line.
ZONES = ("core60", "newtown225", "outside")


def screening_context(state: State, today: dt.date) -> dict[str, Any]:
    """Return the screening so far as plain data: zone, topics, answers given, total (when any)."""
    context: dict[str, Any] = {
        "zone": state.enterprise.get("zone"),
        "topics": list(state.topics),
        "answered": sum(1 for asked in state.history if asked.answered),
        "total_yuan": None,
    }
    if state.topics or state.enterprise:
        try:
            context["total_yuan"] = evaluate_state(state, today).total_yuan
        except Exception:  # a half-finished profile must not stop a question reaching staff
            context["total_yuan"] = None
    return context


def context_lines(context: dict[str, Any], lang: str) -> tuple[str, str]:
    """Write the screening context as two lines for the staff post."""
    zone = str(context.get("zone"))
    zone_text = t(f"staff.zone.{zone}" if zone in ZONES else "staff.context.no_zone", lang)
    names = []
    for topic_id in context.get("topics") or []:
        topic = TOPIC_BY_ID.get(str(topic_id))
        label = topic.name(lang) if topic else str(topic_id)
        names.append(label.split("（")[0].split(" (")[0])
    topics = t("staff.sep.list", lang).join(names) or t("staff.context.no_topics", lang)
    answered = int(context.get("answered") or 0)
    total = context.get("total_yuan")
    first = t("staff.context.first", lang, zone=zone_text, topics=topics)
    second = t("staff.context.answered", lang, answered=answered) + (
        t("staff.context.total", lang, amount=money(int(total), lang))
        if isinstance(total, int)
        else t("staff.context.no_total", lang)
    )
    return first, second
