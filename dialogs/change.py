"""Going back and changing an answer: the list of answers, picking one, one step back."""

from __future__ import annotations

from dialogs.answers import fact_key, get_fact, project_name, show_value
from dialogs.asking import ask, ask_kinds_again, ask_sub, ask_topics, ask_zone, menu, reask
from dialogs.build import button, reply_question, reply_text
from dialogs.messages import t
from dialogs.protocol import ChangePick, Command
from dialogs.refs import Pseudo, sub_topic
from dialogs.render import fact_label
from dialogs.topics import TEMPLATE_BY_ID, TOPIC_BY_ID
from dialogs.types import Asked, Phase, Reply, State


def change_list(state: State) -> list[Reply]:
    """List every answer given so the user can pick one to change."""
    answered = list(state.history)
    if not answered:
        return [
            reply_text(t("interview.change.change_list.3", state.lang)),
            *menu(state),
        ]
    state.phase = Phase.CHANGE
    lines = [t("interview.change.change_list.1", state.lang)]
    choices = []
    for i, h in enumerate(answered):
        label = asked_label(state, h)
        value = asked_value(state, h)
        lines.append(f"{i + 1}. {label}：{value}")
        choices.append(button(ChangePick(i), f"{i + 1}. {label}"[:60]))
    choices.append(button(Command("summary"), t("interview.change.change_list.2", state.lang)))
    return [reply_question("\n".join(lines), choices)]


def asked_label(state: State, h: Asked) -> str:
    """Name an answered question in the change list."""
    special = {
        "enterprise.zone": t("interview.change.asked_label.1", state.lang),
        Pseudo.TOPICS: t("interview.change.asked_label.2", state.lang),
        Pseudo.BASIC: t("interview.change.asked_label.3", state.lang),
        Pseudo.EXCLUSIONS: t("interview.change.asked_label.4", state.lang),
        Pseudo.KINDS: t("interview.change.asked_label.5", state.lang),
    }
    if h.ref in special:
        return special[h.ref]
    if h.ref == Pseudo.MORE:
        return t("interview.change.asked_label.6", state.lang, project_name=project_name(state, h.project_id))
    if (tid := sub_topic(h.ref)) is not None and tid in TOPIC_BY_ID:
        topic = TOPIC_BY_ID[tid]
        return topic.name(state.lang)
    label = fact_label(h.ref, state.lang)
    return (
        t("interview.project_prefix", state.lang, name=project_name(state, h.project_id)) + label
        if h.project_id
        else label
    )


def asked_value(state: State, h: Asked) -> str:
    """Show the answer given to a question in the change list."""
    if h.unknown or h.skipped:
        return t("interview.change.asked_value.1", state.lang)
    if h.ref == Pseudo.TOPICS:
        return t("interview.change.asked_value.7", state.lang).join(
            TOPIC_BY_ID[t].name(state.lang) for t in state.topics if t in TOPIC_BY_ID
        )
    if h.ref in (Pseudo.BASIC, Pseudo.EXCLUSIONS):
        return (
            t("interview.change.asked_value.2", state.lang)
            if h.value
            else t("interview.change.asked_value.3", state.lang)
        )
    if h.ref == Pseudo.MORE:
        return (
            t("interview.change.asked_value.4", state.lang)
            if h.value
            else t("interview.change.asked_value.5", state.lang)
        )
    if sub_topic(h.ref) is not None:
        return t("interview.change.asked_value.8", state.lang).join(
            project_name(state, pid) for pid in (h.value or [])
        )
    if h.ref == Pseudo.KINDS:
        names = [fact_label(f"enterprise.{n}", state.lang) for n in (h.value or [])]
        return t("interview.change.asked_value.9", state.lang).join(names) or t(
            "interview.change.asked_value.6", state.lang
        )
    return show_value(state, h.ref, get_fact(state, h.ref, h.project_id))


def change_pick(state: State, index: int) -> list[Reply]:
    """Ask one answered question again; the result is re-evaluated after it."""
    if not 0 <= index < len(state.history):
        return change_list(state)
    asked = state.history[index]
    state.return_phase = Phase.SUMMARY
    key = fact_key(asked.ref, asked.project_id)
    state.settled = [s for s in state.settled if s != key]
    if asked.ref == Pseudo.TOPICS:
        state.topic_selection = list(state.topics)
        return ask_topics(state)
    if asked.ref == Pseudo.KINDS:
        return ask_kinds_again(state)
    if (tid := sub_topic(asked.ref)) is not None:
        return ask_sub(
            state, tid, [p.id for p in TOPIC_BY_ID[tid].projects if p.id not in state.excluded_projects]
        )
    return ask(state, Asked(ref=asked.ref, project_id=asked.project_id))


def back(state: State) -> list[Reply]:
    """Go one question back, keeping the answers."""
    if not state.history:
        return [reply_text(t("interview.change.back.1", state.lang)), *reask(state)]
    prev = state.history.pop()
    key = fact_key(prev.ref, prev.project_id)
    state.settled = [s for s in state.settled if s != key]
    if prev.ref == Pseudo.TOPICS:
        state.topic_selection = list(state.topics)
        state.topics = []
        return ask_topics(state)
    if prev.ref == Pseudo.KINDS:
        return ask_kinds_again(state)
    if (tid := sub_topic(prev.ref)) is not None:
        return ask_sub(
            state,
            tid,
            [
                p["id"]
                for p in state.projects
                if p["id"] in TEMPLATE_BY_ID and TEMPLATE_BY_ID[p["id"]] in TOPIC_BY_ID[tid].projects
            ],
        )
    return ask(state, Asked(ref=prev.ref, project_id=prev.project_id))


def change_zone(state: State) -> list[Reply]:
    """Ask the zone again, for a user who chose "outside" by mistake."""
    key = fact_key("enterprise.zone", None)
    state.settled = [s for s in state.settled if s != key]
    state.enterprise = {k: v for k, v in state.enterprise.items() if k != "zone"}
    return ask_zone(state)
