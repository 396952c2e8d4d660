"""The first message: a deep link, a request to be screened, or a description read for answers."""

from __future__ import annotations

import datetime as dt
import re

from dialogs import intake
from dialogs.answers import evaluate_state, project_name, record, set_fact, show_value
from dialogs.asking import menu
from dialogs.build import button, reply_question, reply_text
from dialogs.flow import advance, apply_topics, choose_projects
from dialogs.messages import t
from dialogs.protocol import IntakeReply
from dialogs.refs import Pseudo, sub_ref
from dialogs.render import detail_replies, fact_label
from dialogs.topics import TOPIC_BY_ID, topic_for_measure
from dialogs.types import Asked, Phase, Reply, State, new_state
from rules.loader import latest_rulebook


def start(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Start afresh, honouring a well-formed deep link (a measure or a campaign)."""
    fresh = new_state(state.lang)
    payload = args.strip()[:64]
    if m := re.fullmatch(r"c_([A-Za-z0-9_-]{1,32})", payload):
        fresh.campaign = m.group(1)
    if m := re.fullmatch(r"m(\d{1,2})", payload):
        number = int(m.group(1))
        topic = topic_for_measure(number)
        book = latest_rulebook()
        if number in book.measures:
            fresh.focus_measure = number
            replies = detail_replies(evaluate_state(fresh, today), number, fresh.lang, buttons=False)
            if topic is not None:
                apply_topics(fresh, [topic.id])
                fresh.history.append(Asked(ref=Pseudo.TOPICS, answered=True, value=[topic.id]))
                return fresh, replies + advance(fresh, today)
            return fresh, replies + menu(fresh)
    return fresh, menu(fresh)


def first_message(state: State, text: str, today: dt.date) -> list[Reply]:
    """Start the screening from a request or a description; nothing if the text is neither."""
    read = intake.read_description(text)
    if read is not None and not state.topics:
        if read.invested_yuan is not None:
            _place_investment(state, read, today)
        state.intake = read.to_json()
        state.phase = Phase.INTAKE_CONFIRM
        return [intake_question(state)]
    if intake.wants_screening(text):
        state.intake = None
        return [
            reply_text(t("interview.welcome.first_message.1", state.lang)),
            *advance(state, today),
        ]
    return []


# Facts an amount "invested" may be, by project; the one the project's measure asks for is taken.
INVESTMENT_FACTS = (
    "project.boiler_retrofit_investment_yuan",
    "project.membrane_investment_yuan",
    "project.retrofit_investment_yuan",
    "project.total_investment_yuan",
    "project.total_investment_with_operation_yuan",
)


def _place_investment(state: State, read: intake.Intake, today: dt.date) -> None:
    """Put an amount invested on the one investment fact the described projects still need."""
    trial = state.model_copy(deep=True)
    _apply(trial, read)
    wanted = [
        (m.ref, m.project_id)
        for m in evaluate_state(trial, today).missing
        if m.ref in INVESTMENT_FACTS and m.project_id is not None
    ]
    if len({ref for ref, _ in wanted}) == 1 and read.invested_yuan is not None:
        ref, pid = wanted[0]
        read.facts.append((ref, pid, read.invested_yuan))


def _apply(state: State, read: intake.Intake) -> None:
    """Take a description's topics, projects and facts into the state."""
    apply_topics(state, read.topics)
    record(state, Asked(ref=Pseudo.TOPICS), list(state.topics))
    for tid, pids in read.projects.items():
        if len(TOPIC_BY_ID[tid].projects) < 2:
            continue
        choose_projects(state, tid, list(pids))
        record(state, Asked(ref=sub_ref(tid)), list(pids))
    for ref, pid, value in read.facts:
        if set_fact(state, ref, pid, value) is None:
            record(state, Asked(ref=ref, project_id=pid), value)


def intake_question(state: State) -> Reply:
    """Show what a description was read as, for the user to confirm."""
    read = intake.Intake.from_json(state.intake or {})
    sep = t("interview.welcome.intake_question.1", state.lang)
    lines = [
        t("interview.welcome.intake_question.2", state.lang),
        t("interview.welcome.intake_question.4", state.lang)
        + sep.join((TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh) for t in read.topics),
    ]
    for tid, pids in read.projects.items():
        if len(TOPIC_BY_ID[tid].projects) > 1:
            lines.append(
                t("interview.welcome.intake_question.7", state.lang)
                + sep.join(project_name(state, pid) for pid in pids)
            )
    for ref, _pid, value in read.facts:
        colon = t("interview.welcome.intake_question.8", state.lang)
        lines.append(f"• {fact_label(ref, state.lang)}{colon}{show_value(state, ref, value)}")
    lines.append(t("interview.welcome.intake_question.3", state.lang))
    choices = [
        button(IntakeReply("ok"), t("interview.welcome.intake_question.5", state.lang)),
        button(IntakeReply("no"), t("interview.welcome.intake_question.6", state.lang)),
    ]
    return reply_question("\n".join(lines), choices)


def intake_answer(state: State, confirmed: bool, today: dt.date) -> list[Reply]:
    """Take the description's answers as given, or drop them and ask as usual."""
    read = intake.Intake.from_json(state.intake or {})
    state.intake = None
    if not confirmed or not read.topics:
        return [
            reply_text(t("interview.welcome.intake_answer.2", state.lang)),
            *advance(state, today),
        ]
    _apply(state, read)
    return [reply_text(t("interview.welcome.intake_answer.1", state.lang)), *advance(state, today)]
