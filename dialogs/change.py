"""Going back and changing an answer: the list of answers, picking one, one step back."""

from __future__ import annotations

from dialogs.answers import L, fact_key, get_fact, project_name, show_value
from dialogs.asking import ask, ask_kinds_again, ask_sub, ask_topics, ask_zone, menu, reask
from dialogs.build import button, reply_question, reply_text
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
            reply_text(L(state, "还没有回答过任何问题。", "You have not answered anything yet.")),
            *menu(state),
        ]
    state.phase = Phase.CHANGE
    lines = [L(state, "**您的回答**（点选要修改的一项）", "**Your answers** (tap one to change it)")]
    choices = []
    for i, h in enumerate(answered):
        label = asked_label(state, h)
        value = asked_value(state, h)
        lines.append(f"{i + 1}. {label}：{value}")
        choices.append(button(ChangePick(i), f"{i + 1}. {label}"[:60]))
    choices.append(button(Command("summary"), L(state, "返回结果", "Back to the result")))
    return [reply_question("\n".join(lines), choices)]


def asked_label(state: State, h: Asked) -> str:
    """Name an answered question in the change list."""
    special = {
        "enterprise.zone": L(state, "经营区域", "Zone"),
        Pseudo.TOPICS: L(state, "做了哪些事", "Topics"),
        Pseudo.BASIC: L(state, "近三年不良记录", "Record of the last three years"),
        Pseudo.EXCLUSIONS: L(state, "三同时/财政资金项目", "Three-simultaneities / government-funded"),
        Pseudo.KINDS: L(state, "单位类型", "Kind of entity"),
    }
    if h.ref in special:
        return special[h.ref]
    if h.ref == Pseudo.MORE:
        return L(
            state,
            f"【{project_name(state, h.project_id)}】再添加",
            f"[{project_name(state, h.project_id)}] another",
        )
    if (tid := sub_topic(h.ref)) is not None and tid in TOPIC_BY_ID:
        topic = TOPIC_BY_ID[tid]
        return topic.en if state.lang == "en" else topic.zh
    label = fact_label(h.ref, state.lang)
    return f"【{project_name(state, h.project_id)}】{label}" if h.project_id else label


def asked_value(state: State, h: Asked) -> str:
    """Show the answer given to a question in the change list."""
    if h.unknown or h.skipped:
        return L(state, "不知道/跳过", "unknown/skipped")
    if h.ref == Pseudo.TOPICS:
        return L(state, "、", ", ").join(
            (TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh)
            for t in state.topics
            if t in TOPIC_BY_ID
        )
    if h.ref in (Pseudo.BASIC, Pseudo.EXCLUSIONS):
        return L(state, "有", "yes") if h.value else L(state, "都没有", "none")
    if h.ref == Pseudo.MORE:
        return L(state, "再添加", "add another") if h.value else L(state, "没有了", "no more")
    if sub_topic(h.ref) is not None:
        return L(state, "、", ", ").join(project_name(state, pid) for pid in (h.value or []))
    if h.ref == Pseudo.KINDS:
        names = [fact_label(f"enterprise.{n}", state.lang) for n in (h.value or [])]
        return L(state, "、", ", ").join(names) or L(state, "都不是", "none")
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
        return [reply_text(L(state, "已经是第一个问题了。", "This is the first question.")), *reask(state)]
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
