"""The interview's questions, built from the state without changing it.

Wording comes from ``rules/data/facts.yaml`` (a fact's ``ask:``/``help:``); the questions about
several facts at once (七(二)2, 七(二)5, kinds of entity) and about the interview's own course
(topics, kinds of project, another batch) are worded here.
"""

from __future__ import annotations

from dialogs.answers import get_fact, kind_options, project_name, show_value
from dialogs.build import back_button, button, done_button, nav_choices, reply_question
from dialogs.messages import t
from dialogs.protocol import Answer, Command, PickKind, PickProject, PickTopic
from dialogs.refs import Pseudo, sub_topic
from dialogs.render import tx
from dialogs.topics import TOPIC_BY_ID, TOPICS, base_template, batch_unit
from dialogs.types import Asked, QuestionReply, State
from rules.loader import load_catalog
from rules.measure_index import measures_for_zone, measures_in_scope


def measure_ranges(numbers: list[int], lang: str) -> str:
    """Write measure numbers as runs: "1–6、12–13、23–33、38"."""
    runs: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [f"{a}–{b}" if a != b else str(a) for a, b in runs]
    if lang == "en":
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
    return "、".join(parts)


# ---------------------------------------------------------------- the questions (built, not stored)


def question_for(state: State, asked: Asked) -> QuestionReply:
    """Build the question for `asked` from the state; the state is not changed."""
    if asked.ref == "enterprise.zone":
        return zone_question(state)
    if (tid := sub_topic(asked.ref)) is not None:
        return sub_question(state, tid)
    if asked.ref == Pseudo.MORE:
        return more_question(state, asked)
    if asked.ref == Pseudo.BASIC:
        return basic_question(state)
    if asked.ref == Pseudo.EXCLUSIONS:
        return exclusions_question(state)
    if asked.ref == Pseudo.KINDS:
        return kinds_question(state)
    return fact_question(state, asked)


def zone_question(state: State) -> QuestionReply:
    """Ask where the enterprise operates, explaining the two areas of 七(一) (chapter7.yaml)."""
    info = load_catalog()["enterprise.zone"]
    # 七(一) as chapter7.yaml and the measure files' `scope:` say (rules' public measure index).
    newtown = list(measures_in_scope("newtown225"))
    total = len(measures_for_zone("core60"))
    text = t(
        "interview.questions.zone", state.lang, total=total, measures=measure_ranges(newtown, state.lang)
    )
    assert info.options is not None
    choices = [button(Answer(k), tx(v, state.lang)) for k, v in info.options.items()]
    choices.append(button(Command("unknown"), t("interview.questions.zone_question.2", state.lang)))
    current = get_fact(state, "enterprise.zone", None)
    if current:
        text += t(
            "interview.questions.zone_question.1",
            state.lang,
            show_value=show_value(state, "enterprise.zone", current),
        )
    return reply_question(text, choices)


def topics_question(state: State) -> QuestionReply:
    """Build the topics multi-select with the current ticks."""
    text = t("interview.questions.topics_question.1", state.lang)
    choices = [button(PickTopic(topic.id), topic.name(state.lang)) for topic in TOPICS]
    choices.append(done_button(state))
    if state.history:
        choices.append(back_button(state))
    selected = [PickTopic(s).pack() for s in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected, columns=2)


def sub_question(state: State, tid: str) -> QuestionReply:
    """Build the question of which of a topic's projects apply, with the current ticks."""
    topic = TOPIC_BY_ID[tid]
    name = topic.name(state.lang)
    text = t("interview.questions.sub_question.1", state.lang, name=name)
    choices = [button(PickProject(p.id), p.name(state.lang)) for p in topic.projects]
    choices.append(done_button(state))
    choices += nav_choices(state, skip=False)
    selected = [PickProject(x).pack() for x in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected)


# One line for words a non-expert may not know: what it means and why it is asked, from the text
# (interview.why.<fact name> in the catalogue).
WHY: frozenset[str] = frozenset(
    {"enterprise.data_center", "enterprise.full_budget_unit", "enterprise.key_vehicle_unit"}
)


def why(ref: str, lang: str) -> str:
    """Return the one-line reason a fact is asked."""
    return t(f"interview.why.{ref.split('.', 1)[1]}", lang)


def more_question(state: State, asked: Asked) -> QuestionReply:
    """Ask whether another batch or item follows, entered on its own ("再添加一批")."""
    tpl = base_template(asked.project_id or "")
    unit = batch_unit(tpl.id if tpl else "", state.lang)
    name = project_name(state, asked.project_id)
    if tpl is not None and tpl.id in ("vehicles", "leasing", "machinery"):
        example = t("interview.questions.more_question.1", state.lang)
    elif tpl is not None and tpl.id == "green_manufacturing":
        example = t("interview.questions.more_question.2", state.lang)
    else:
        example = t("interview.questions.more_question.3", state.lang)
    text = t("interview.questions.more", state.lang, name=name, unit=unit, example=example)
    choices = [
        button(Answer("yes"), t("interview.questions.add_another", state.lang, unit=unit)),
        button(Answer("no"), t("interview.questions.more_question.4", state.lang)),
        *nav_choices(state, unknown=False, skip=False),
    ]
    return reply_question(text, choices)


def basic_question(state: State) -> QuestionReply:
    """Ask the basic conditions of 七(二)2 as one question."""
    text = t("interview.questions.basic_question.1", state.lang)
    choices = [
        button(Answer("none"), t("interview.questions.basic_question.2", state.lang)),
        button(Answer("some"), t("interview.questions.basic_question.3", state.lang)),
        *nav_choices(state, skip=False),
    ]
    return reply_question(text, choices)


def exclusions_question(state: State) -> QuestionReply:
    """Ask the exclusions of 七(二)5 for all projects at once."""
    names = t("interview.questions.exclusions_question.2", state.lang).join(
        project_name(state, p["id"]) for p in state.projects
    )
    text = t("interview.questions.exclusions_question.1", state.lang, names=names)
    choices = [
        button(Answer("none"), t("interview.questions.exclusions_question.3", state.lang)),
        button(Answer("some"), t("interview.questions.exclusions_question.4", state.lang)),
        *nav_choices(state, skip=False),
    ]
    return reply_question(text, choices)


def kinds_question(state: State) -> QuestionReply:
    """Ask which kinds of entity the enterprise is, with the current ticks."""
    catalog = load_catalog()
    options = kind_options(state)
    text = t("interview.questions.kinds_question.1", state.lang)
    helps = [f"• {tx(catalog[r].label, state.lang)}：{why(r, state.lang)}" for r in options if r in WHY]
    if helps:
        text += "\n" + "\n".join(helps)
    choices = [button(PickKind(r.split(".", 1)[1]), tx(catalog[r].label, state.lang)) for r in options]
    choices.append(done_button(state))
    if state.history:
        choices.append(back_button(state))
    selected = [PickKind(s).pack() for s in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected)


def fact_question(state: State, asked: Asked) -> QuestionReply:
    """Ask one fact of the catalogue, worded as in rules/data/facts.yaml."""
    info = load_catalog()[asked.ref]
    prefix = ""
    if asked.project_id:
        prefix = t("interview.project_prefix", state.lang, name=project_name(state, asked.project_id))
    text = prefix + tx(info.ask, state.lang)
    if info.help:
        text += "\n" + tx(info.help, state.lang)
    if asked.ref in WHY:
        text += "\n" + why(asked.ref, state.lang)
    current = get_fact(state, asked.ref, asked.project_id)
    if current is not None:
        text += t(
            "interview.questions.fact_question.1",
            state.lang,
            show_value=show_value(state, asked.ref, current),
        )
    if info.unit == "bool":
        choices = [
            button(Answer("yes"), t("interview.questions.fact_question.2", state.lang)),
            button(Answer("no"), t("interview.questions.fact_question.3", state.lang)),
            *nav_choices(state),
        ]
        return reply_question(text, choices, columns=2)
    if info.options:
        options = [button(Answer(k), tx(v, state.lang)) for k, v in info.options.items()]
        return reply_question(text, [*options, *nav_choices(state)])
    example = t(f"interview.example.{info.unit}", state.lang) if info.unit in _EXAMPLES else ""
    text += "\n" + t("interview.questions.type_figure", state.lang, example=example)
    return reply_question(text, nav_choices(state))


def answer_ids(asked: Asked) -> set[str]:
    """Return the answer buttons a question offers (the options a press may pick)."""
    if asked.ref in (Pseudo.BASIC, Pseudo.EXCLUSIONS):
        return {Answer("none").pack(), Answer("some").pack()}
    if asked.ref == Pseudo.MORE:
        return {Answer("yes").pack(), Answer("no").pack()}
    info = load_catalog().get(asked.ref)
    if info is None:
        return set()
    if info.unit == "bool":
        return {Answer("yes").pack(), Answer("no").pack()}
    return {Answer(k).pack() for k in info.options or {}}


# Units with an example of a typed figure (interview.example.<unit> in the catalogue).
_EXAMPLES = frozenset({"yuan", "kw", "kwh", "m2", "ha", "ratio", "count", "months"})
