"""The course of the interview: which question comes next, and the projects the answers create."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container

from dialogs.answers import evaluate_state, is_settled, project_name, settle
from dialogs.asking import ask, ask_topics, ask_zone, outside_stop, show_summary
from dialogs.refs import Pseudo, sub_ref
from dialogs.topics import (
    BASIC_FACTS,
    BATCH_MARK,
    KIND_FACTS,
    REPEATABLE,
    TEMPLATE_FACTS,
    TOPIC_BY_ID,
    base_template,
    batch_number,
)
from dialogs.types import Asked, Phase, Reply, State

EXCLUSION_FACTS = ("project.three_simultaneous", "project.gov_funded")

# Asked after the other facts of a purchase: what was already received comes last.
LATE_FACTS = frozenset({"project.higher_subsidy_yuan"})


def advance(state: State, today: dt.date) -> list[Reply]:
    """Ask the most valuable open question, or show the result when nothing can change it."""
    if state.enterprise.get("zone") == "outside":
        # 七(一): nothing applies outside Yizhuang New Town, so nothing more is worth asking.
        return outside_stop(state)
    if state.enterprise.get("zone") is None and not is_settled(state, "enterprise.zone", None):
        return ask_zone(state)
    if not state.topics and not is_settled(state, Pseudo.TOPICS, None):
        return ask_topics(state)
    for tid in state.topics:
        topic = TOPIC_BY_ID[tid]
        if len(topic.projects) > 1 and not is_settled(state, sub_ref(tid), None):
            return ask(state, Asked(ref=sub_ref(tid)))
    report = evaluate_state(state, today)
    # Counts and prices before the subsidy already received: the way a purchase is told.
    for mf in sorted(report.missing, key=lambda m: m.ref in LATE_FACTS):
        if is_settled(state, mf.ref, mf.project_id):
            continue
        if mf.ref in BASIC_FACTS:
            if not is_settled(state, Pseudo.BASIC, None):
                return ask(state, Asked(ref=Pseudo.BASIC))
        elif (
            mf.ref in EXCLUSION_FACTS
            and len(state.projects) > 0
            and not is_settled(state, Pseudo.EXCLUSIONS, None)
        ):
            return ask(state, Asked(ref=Pseudo.EXCLUSIONS))
        elif mf.ref in KIND_FACTS and not is_settled(state, Pseudo.KINDS, None):
            open_refs = {m.ref for m in report.missing if not is_settled(state, m.ref, None)}
            state.kind_options = [r for r in KIND_FACTS if r in open_refs]
            if len(state.kind_options) > 1:
                return ask(state, Asked(ref=Pseudo.KINDS))
        return ask(state, Asked(ref=mf.ref, project_id=mf.project_id))
    for p in state.projects:
        tpl = base_template(p["id"])
        if tpl is not None and tpl.id in REPEATABLE and not is_settled(state, Pseudo.MORE, p["id"]):
            return ask(state, Asked(ref=Pseudo.MORE, project_id=p["id"]))
    return show_summary(state, report)


def after_answer(state: State, today: dt.date) -> list[Reply]:
    """Go on after an answer: the next question or the result."""
    if state.return_phase == Phase.SUMMARY:
        state.return_phase = None
    return advance(state, today)


def toggle(state: State, item: str, allowed: Container[str]) -> None:
    """Flip one option of the multi-select being answered."""
    if item in allowed:
        sel = state.topic_selection
        state.topic_selection = [s for s in sel if s != item] if item in sel else [*sel, item]


def apply_topics(state: State, topics: list[str]) -> None:
    """Create the projects for the chosen topics, keeping facts already given."""
    state.topics = [t for t in topics if t in TOPIC_BY_ID]
    wanted = [p for t in state.topics for p in TOPIC_BY_ID[t].projects if p.id not in state.excluded_projects]
    existing = {p["id"]: p for p in state.projects}
    kept = {p.id for p in wanted}
    state.projects = [
        existing.get(p.id)
        or {
            "id": p.id,
            "name": p.zh,
            "measures": list(p.measures),
            "facts": dict(TEMPLATE_FACTS.get(p.id, {})),
        }
        for p in wanted
    ] + [p for p in state.projects if BATCH_MARK in p["id"] and p["id"].split(BATCH_MARK, 1)[0] in kept]
    settle(state, Pseudo.TOPICS, None)


def choose_projects(state: State, tid: str, chosen: list[str]) -> None:
    """Keep only the chosen kinds of project of a topic (the others are never asked about)."""
    ids = [p.id for p in TOPIC_BY_ID[tid].projects]
    state.excluded_projects = [x for x in state.excluded_projects if x not in ids] + [
        x for x in ids if x not in chosen
    ]
    apply_topics(state, state.topics)


def add_batch(state: State, project_id: str) -> None:
    """Add a further batch or item of a project ("再添加一批"), entered on its own."""
    tpl = base_template(project_id)
    assert tpl is not None
    same = [p for p in state.projects if base_template(p["id"]) == tpl]
    number = max(batch_number(p["id"]) for p in same) + 1
    new_id = f"{tpl.id}{BATCH_MARK}{number}"
    source = next((p for p in state.projects if p["id"] == project_id), None)
    facts = dict(TEMPLATE_FACTS.get(tpl.id, {}))
    if source is not None:
        # The exclusions of 七(二)5 were answered for the enterprise's projects together.
        facts |= {k: v for k, v in source.get("facts", {}).items() if f"project.{k}" in EXCLUSION_FACTS}
        for ref in EXCLUSION_FACTS:
            if is_settled(state, ref, project_id):
                settle(state, ref, new_id)
    name = project_name(state.model_copy(update={"lang": "zh"}), new_id)
    state.projects.append({"id": new_id, "name": name, "measures": list(tpl.measures), "facts": facts})


def drop_batches_after(state: State, project_id: str) -> None:
    """Remove the batches added after this one (the user said there are no more)."""
    tpl = base_template(project_id)
    number = batch_number(project_id)
    gone = {
        p["id"] for p in state.projects if base_template(p["id"]) == tpl and batch_number(p["id"]) > number
    }
    if not gone:
        return
    state.projects = [p for p in state.projects if p["id"] not in gone]
    state.history = [h for h in state.history if h.project_id not in gone]
    state.settled = [s for s in state.settled if s.split("|", 1)[0] not in gone]
