"""What staff need to see about a user who passed a question on: the screening so far, in two lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dialogs.answers import evaluate_state
from dialogs.render import money
from dialogs.topics import TOPIC_BY_ID
from dialogs.types import State

# Short forms of the enterprise.zone options (rules/data/facts.yaml), for a one-line summary.
ZONES = {
    "core60": ("经开区60km²", "BDA 60 km²"),
    "newtown225": ("亦庄新城225km²", "Yizhuang New Town 225 km²"),
    "outside": ("区外", "outside"),
}


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
    en = lang == "en"
    zone = ZONES.get(str(context.get("zone")))
    zone_text = (zone[1] if en else zone[0]) if zone else ("not given" if en else "未填写")
    names = []
    for topic_id in context.get("topics") or []:
        topic = TOPIC_BY_ID.get(str(topic_id))
        label = (topic.en if en else topic.zh) if topic else str(topic_id)
        names.append(label.split("（")[0].split(" (")[0])
    topics = (", " if en else "、").join(names) or ("none yet" if en else "尚未选择")
    answered = int(context.get("answered") or 0)
    total = context.get("total_yuan")
    if en:
        first = f"Zone: {zone_text} | Topics: {topics}"
        second = f"Answered {answered} question(s); " + (
            f"total so far {money(int(total), lang)}" if isinstance(total, int) else "no total yet"
        )
    else:
        first = f"区域：{zone_text}｜事项：{topics}"
        second = f"已回答 {answered} 题；" + (
            f"目前可申请合计 {money(int(total), lang)}" if isinstance(total, int) else "尚无合计"
        )
    return first, second
