"""What the user is shown next: the menu, the question on screen, the result."""

from __future__ import annotations

import re

from dialogs import commands
from dialogs.answers import is_settled, kind_options, show_value
from dialogs.build import button, reply_question, reply_text
from dialogs.messages import t
from dialogs.protocol import Command, Detail, MenuItem, OutsideZone
from dialogs.questions import question_for, topics_question
from dialogs.refs import Pseudo, sub_ref, sub_topic
from dialogs.render import fact_label, summary_rows, summary_text
from dialogs.topics import TOPIC_BY_ID
from dialogs.types import Asked, Phase, QuestionReply, Reply, State, TextReply
from rules.loader import latest_rulebook, load_catalog
from rules.report import Report

__all__ = ["reply_question", "reply_text"]


def menu(state: State) -> list[Reply]:
    """Show what the assistant can do (the start menu becomes the screen)."""
    state.phase = Phase.MENU
    return [menu_question(state)]


def menu_question(state: State) -> QuestionReply:
    """Build the start menu."""
    text = t("interview.asking.menu_question.1", state.lang)
    return reply_question(
        text,
        [
            button(MenuItem("screen"), t("interview.asking.menu_question.2", state.lang)),
            button(MenuItem("ask"), t("interview.asking.menu_question.3", state.lang)),
            button(MenuItem("contact"), t("interview.asking.menu_question.4", state.lang)),
            button(MenuItem("lang"), t("interview.asking.other_language", state.lang)),
        ],
    )


def help_replies(state: State) -> list[Reply]:
    """Explain the commands (listed from the command table)."""
    head = t("interview.asking.help_replies.1", state.lang)
    tail = t("interview.asking.help_replies.2", state.lang)
    return [reply_text("\n".join([head, *commands.help_lines(state.lang), tail]))]


# ---------------------------------------------------------------- which question is on screen


def enter(state: State, asked: Asked, selection: list[str] | None = None) -> None:
    """Make `asked` the question on screen: the one place a question changes the state.

    A multi-select starts from `selection`, or from what the answers so far already say.
    """
    state.phase = Phase.ASK
    state.current = asked
    if (tid := sub_topic(asked.ref)) is not None:
        state.topic_selection = default_sub_selection(state, tid) if selection is None else selection
    elif asked.ref == Pseudo.KINDS:
        if selection is None:
            selection = [
                r.split(".", 1)[1]
                for r in kind_options(state)
                if state.enterprise.get(r.split(".", 1)[1]) is True
            ]
        state.topic_selection = selection


def ask(state: State, asked: Asked, selection: list[str] | None = None) -> list[Reply]:
    """Show one question (and make it the current one)."""
    enter(state, asked, selection)
    return [question_for(state, asked)]


def ask_zone(state: State) -> list[Reply]:
    """Ask where the enterprise operates."""
    return ask(state, Asked(ref="enterprise.zone"))


def ask_topics(state: State) -> list[Reply]:
    """Ask what the enterprise did or plans, as a multi-select."""
    state.phase = Phase.TOPICS
    if not state.topic_selection and state.topics:
        state.topic_selection = list(state.topics)
    return [topics_question(state)]


def ask_sub(state: State, tid: str, selected: list[str] | None = None) -> list[Reply]:
    """Ask which of a topic's projects the enterprise has, so the others are never asked about."""
    return ask(state, Asked(ref=sub_ref(tid)), selected)


def ask_kinds_again(state: State) -> list[Reply]:
    """Show the kinds question with the current selection ticked."""
    return ask(state, Asked(ref=Pseudo.KINDS), list(state.topic_selection))


def reask(state: State) -> list[Reply]:
    """Show the current question again, as it stands (ticks kept)."""
    if state.phase == Phase.TOPICS:
        return [topics_question(state)]
    if state.current is not None:
        return [question_for(state, state.current)]
    return []


def default_sub_selection(state: State, tid: str) -> list[str]:
    """Return the projects of a topic already chosen (none before the question was first answered)."""
    topic = TOPIC_BY_ID[tid]
    ref = sub_ref(tid)
    if not is_settled(state, ref, None) and not any(h.ref == ref for h in state.history):
        return []
    present = {p["id"] for p in state.projects}
    return [p.id for p in topic.projects if p.id in present and p.id not in state.excluded_projects]


# ---------------------------------------------------------------- result and what follows


def show_summary(state: State, report: Report) -> list[Reply]:
    """Show the result and the buttons that lead on from it (the result becomes the screen)."""
    state.phase = Phase.SUMMARY
    state.current = None
    state.finished = True
    return [summary_question(state, report)]


def summary_question(state: State, report: Report) -> QuestionReply:
    """Build the result with its buttons."""
    rows = [r for r in summary_rows(report) if r.status != "ineligible"][:8]
    choices = [
        button(
            Detail(r.number, r.project_id or ""),
            t("interview.asking.summary_question.1", state.lang, number=r.number),
        )
        for r in rows
    ]
    choices += [
        button(Command("change"), t("interview.asking.summary_question.2", state.lang)),
        button(Command("contact"), t("interview.asking.summary_question.3", state.lang)),
        button(Command("pdf"), t("interview.asking.summary_question.4", state.lang)),
        button(Command("restart"), t("interview.asking.summary_question.5", state.lang)),
    ]
    return reply_question(summary_text(report, state.lang), choices, columns=2)


def echo(state: State, ref: str, value: object) -> TextReply:
    """Say back a typed answer with its unit ("记下了：500 千瓦"), so a misread is seen at once."""
    shown = show_value(state, ref, value)
    info = load_catalog().get(ref)
    if info is not None and info.unit not in ("bool", "choice", "yuan", "ratio"):
        # A space between the figure and its unit, as on a form: "500 千瓦".
        shown = re.sub(r"^([\d.,]+)\s*(?=[^\d.,\s])", r"\1 ", shown)
    label = fact_label(ref, state.lang)
    return reply_text(t("interview.asking.echo.1", state.lang, shown=shown, label=label))


def next_steps(state: State) -> list[Reply]:
    """Offer what the user can do from here, where no question is waiting."""
    if state.phase == Phase.SUMMARY:
        choices = [
            button(Command("summary"), t("interview.asking.next_steps.2", state.lang)),
            button(Command("contact"), t("interview.asking.next_steps.3", state.lang)),
        ]
    else:
        choices = [
            button(MenuItem("screen"), t("interview.asking.next_steps.4", state.lang)),
            button(MenuItem("contact"), t("interview.asking.next_steps.5", state.lang)),
        ]
    # An offer beside whatever is on screen: the menu or question above keeps working.
    return [reply_question(t("interview.asking.next_steps.1", state.lang), choices, aside=True)]


def outside_stop(state: State) -> list[Reply]:
    """Stop the screening for an enterprise outside Yizhuang New Town (the stop becomes the screen)."""
    state.phase = Phase.OUTSIDE
    state.current = None
    return [outside_question(state)]


def outside_question(state: State) -> QuestionReply:
    """Quote 七(一) and say what the user can still do."""
    scopes = latest_rulebook().chapter7.scopes
    quotes = "\n".join(f"{i}. {cite}" for i, scope in enumerate(scopes.values(), 1) for cite in scope.cite)
    text = t("interview.asking.outside_question.1", state.lang, quotes=quotes)
    choices = [
        button(MenuItem("ask"), t("interview.asking.outside_question.2", state.lang)),
        button(Command("contact"), t("interview.asking.outside_question.3", state.lang)),
        button(Command("pdf"), t("interview.asking.outside_question.4", state.lang)),
        button(OutsideZone(), t("interview.asking.outside_question.5", state.lang)),
    ]
    return reply_question(text, choices)
