"""The conversation step: ``step(state, event) -> (state, replies)``, pure and channel-free.

An event is a command (typed "/back", a typed alias "返回", or a pressed command button), a
press (read back into its typed action, `dialogs.protocol`) or typed text. Presses and typed
text go through two tables: (phase, action) → handler and phase → handler. A press that no
entry accepts is out of date: it is explained and the current question shown again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from dialogs import commands, parse
from dialogs.answers import evaluate_state, profile_of
from dialogs.asking import menu, reask
from dialogs.build import reply_text
from dialogs.change import change_pick, change_zone
from dialogs.command_steps import ask_question, run_command
from dialogs.faqflow import faq_answer, faq_first, faq_pick
from dialogs.flow import advance
from dialogs.leads import lead_cancel, lead_press, lead_start, lead_submit, lead_text
from dialogs.messages import t
from dialogs.protocol import (
    Action,
    Answer,
    ChangePick,
    Command,
    DeleteReply,
    Detail,
    Done,
    FaqPick,
    IntakeReply,
    LeadStep,
    MenuItem,
    OutsideZone,
    PickKind,
    PickProject,
    PickTopic,
    unpack,
)
from dialogs.questions import answer_ids
from dialogs.refs import Pseudo, sub_topic
from dialogs.render import detail_replies
from dialogs.taking import take_answer, take_kinds, take_sub, take_topics
from dialogs.types import DeleteData, Event, FaqMiss, Phase, Reply, State, load_state, new_state
from dialogs.welcome import first_message, intake_answer, intake_question

MAX_TEXT = 2000

Step = tuple[State, list[Reply]]
# A press handler returns None when the press does not fit the state: the button is stale.
PressHandler = Callable[[State, Event, Action, dt.date], Step | None]
TextHandler = Callable[[State, Event, dt.date], list[Reply]]


def step(state: State, event: Event, today: dt.date | None = None) -> Step:
    """Take one user event; return the new state and what to show or do."""
    today = today or dt.date.today()
    state = state.model_copy(deep=True)
    untaken = state.faq_suggested
    state.faq_suggested = None
    if event.kind == "button" and isinstance(action := unpack(event.data), FaqPick) and action.is_entry:
        untaken = None
    state, replies = _step(state, event, today)
    if untaken:
        # FAQ suggestions passed over are misses too: staff see them in /misses.
        replies = [FaqMiss(question=untaken, lang=state.lang, suggested=True), *replies]
    return state, replies


def _step(state: State, event: Event, today: dt.date) -> Step:
    """Take one event on a copy of the state."""
    if event.kind == "text":
        text = event.text.strip()
        if not text:
            return state, [
                reply_text(t("interview.engine.step.1", state.lang)),
                *reask(state),
            ]
        if len(text) > MAX_TEXT:
            return state, [
                reply_text(t("interview.engine.step.2", state.lang, max_text=MAX_TEXT)),
                *reask(state),
            ]
        alias = commands.alias_of(text)
        if alias and not state.phase.value.startswith("lead_"):
            return run_command(state, alias, "", today)
        if text.startswith("/"):
            event = Event.from_text(text)
    if event.kind == "command":
        name = event.command.lower()
        if name not in commands.SLASH_COMMANDS:
            return state, [
                reply_text(t("interview.engine.step.3", state.lang)),
                *reask(state),
            ]
        return run_command(state, name, event.args, today)
    if event.kind == "button":
        return press(state, event, today)
    return state, TEXT.get(state.phase, _text_otherwise)(state, event, today)


# ---------------------------------------------------------------- presses


def press(state: State, event: Event, today: dt.date) -> Step:
    """Act on a button press through the (phase, action) table, explaining a stale one."""
    action = unpack(event.data)
    if action is not None:
        kind = type(action)
        handler = PRESSES.get((state.phase, kind)) or PRESSES.get((None, kind))
        if handler is not None and (done := handler(state, event, action, today)) is not None:
            return done
    return state, [
        reply_text(t("interview.engine.press.1", state.lang)),
        *(reask(state) or menu(state)),
    ]


def _command(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Run a pressed command."""
    assert isinstance(action, Command)
    return run_command(state, action.name, "", today)


def _menu_item(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Act on a button of the start menu."""
    assert isinstance(action, MenuItem)
    if action.key == "screen":
        return state, advance(state, today)
    if action.key == "ask":
        return state, ask_question(state)
    if action.key == "contact":
        return state, lead_start(state)
    return run_command(state, "lang", "", today)


def _faq(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Act on a FAQ suggestion or the offer to pass a question on."""
    assert isinstance(action, FaqPick)
    return state, faq_pick(state, action)


def _intake(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Confirm or reject what the first message was read as."""
    assert isinstance(action, IntakeReply)
    return state, intake_answer(state, action.answer == "ok", today)


def _outside(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Choose the zone again after the outside-the-zone stop."""
    return state, change_zone(state)


def _detail(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Open a measure in detail."""
    assert isinstance(action, Detail)
    return state, detail_replies(
        evaluate_state(state, today),
        action.number,
        state.lang,
        action.project or None,
        more=action.more,
        buttons=state.phase == Phase.SUMMARY,
        profile=profile_of(state),
    )


def _change(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Pick an answer to change."""
    assert isinstance(action, ChangePick)
    return state, change_pick(state, action.index)


def _lead(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Act on a button of the contact steps."""
    assert isinstance(action, LeadStep)
    replies = lead_press(state, action, today)
    return None if replies is None else (state, replies)


def _delete(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Delete the user's data, or cancel."""
    assert isinstance(action, DeleteReply)
    return state, _delete_answer(state, action.answer == "yes")


def _delete_answer(state: State, yes: bool) -> list[Reply]:
    """Delete the user's data (the conversation starts afresh), or cancel."""
    if yes:
        fresh = new_state(state.lang)
        for name in State.model_fields:
            setattr(state, name, getattr(fresh, name))
        return [
            DeleteData(),
            reply_text(t("interview.engine.delete_answer.2", state.lang)),
        ]
    state.phase = state.return_phase or Phase.MENU
    state.return_phase = None
    return [
        reply_text(t("interview.engine.delete_answer.1", state.lang)),
        *(reask(state) or menu(state)),
    ]


def _topics(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Tick a topic or finish the topics question."""
    return state, take_topics(state, event, action, today)


def _done_asking(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Finish the multi-select on screen (kinds of entity or kinds of project)."""
    current = state.current.ref if state.current is not None else None
    if current == Pseudo.KINDS:
        return state, take_kinds(state, event, action, today)
    if (tid := sub_topic(current)) is not None:
        return state, take_sub(state, tid, event, action, today)
    return None


def _kind(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Tick a kind of entity."""
    if state.current is None or state.current.ref != Pseudo.KINDS:
        return None
    return state, take_kinds(state, event, action, today)


def _project(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Tick a kind of project of the topic asked about."""
    tid = sub_topic(state.current.ref if state.current is not None else None)
    return None if tid is None else (state, take_sub(state, tid, event, action, today))


def _answer(state: State, event: Event, action: Action, today: dt.date) -> Step | None:
    """Take a pressed option of the question on screen."""
    if state.current is None or event.data not in answer_ids(state.current):
        return None
    return state, take_answer(state, event, action, today)


LEAD_PHASES = tuple(p for p in Phase if p.value.startswith("lead_"))

# (phase, action) → handler; phase None: in any phase.
PRESSES: dict[tuple[Phase | None, type[Action]], PressHandler] = {
    (None, Command): _command,
    (None, MenuItem): _menu_item,
    (None, FaqPick): _faq,
    (None, Detail): _detail,
    (None, ChangePick): _change,
    (Phase.INTAKE_CONFIRM, IntakeReply): _intake,
    (Phase.OUTSIDE, OutsideZone): _outside,
    **{(phase, LeadStep): _lead for phase in LEAD_PHASES},
    (Phase.DELETE_CONFIRM, DeleteReply): _delete,
    (Phase.TOPICS, PickTopic): _topics,
    (Phase.TOPICS, Done): _topics,
    (Phase.ASK, Done): _done_asking,
    (Phase.ASK, PickKind): _kind,
    (Phase.ASK, PickProject): _project,
    (Phase.ASK, Answer): _answer,
}


# ---------------------------------------------------------------- typed text


def _text_lead_yes_no(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed yes or no at the consent or the confirmation of contact details."""
    yes = parse.parse_bool(event.text.strip())
    if state.phase == Phase.LEAD_CONSENT and isinstance(yes, bool):
        if yes:
            return lead_press(state, LeadStep("yes"), today) or []
        return lead_cancel(state, today)
    if state.phase == Phase.LEAD_CONFIRM and yes is True:
        return lead_submit(state, today)
    return [reply_text(t("interview.engine.text_lead_yes_no.1", state.lang))]


def _text_lead_field(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take one typed contact detail."""
    return lead_text(state, event.text.strip(), today)


def _text_delete(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed yes or no to deleting the user's data."""
    yes = parse.parse_bool(event.text.strip())
    if isinstance(yes, bool):
        return _delete_answer(state, yes)
    return [reply_text(t("interview.engine.text_delete.1", state.lang))]


def _text_topics(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take typed topics."""
    return take_topics(state, event, None, today)


def _text_ask(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed answer to the question on screen."""
    if state.current is None:
        return _text_otherwise(state, event, today)
    return take_answer(state, event, None, today)


def _text_intake(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed yes or no to what the first message was read as, or a new description."""
    yes = parse.parse_bool(event.text.strip())
    if isinstance(yes, bool):
        return intake_answer(state, yes, today)
    started = first_message(state, event.text.strip(), today)
    if started:
        return started
    return [
        reply_text(t("interview.engine.text_intake.1", state.lang)),
        intake_question(state),
    ]


def _text_start(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take the first typed message: a request, a description, or a question."""
    text = event.text.strip()
    started = first_message(state, text, today)
    if started:
        return started
    return faq_first(state, text, event.staff) + menu(state)


def _text_menu(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take typed text at the menu or after "ask a question": a description or a question."""
    started = first_message(state, event.text.strip(), today)
    return started or faq_answer(state, event.text.strip(), event.staff)


def _text_change(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed number in the change list, or a question."""
    text = event.text.strip()
    if m := re.fullmatch(r"(?:第)?\s*(\d{1,3})\s*(?:项|个|条)?", text):
        return change_pick(state, int(m.group(1)) - 1)
    return faq_answer(state, text, event.staff)


# "27", "第27条", "第27条详情", "详情27", "detail 27": the typed form of a result's detail button.
_DETAIL_TYPED = re.compile(
    r"(?:第\s*)?(\d{1,2})\s*(?:条)?\s*(?:详情|细节|明细)?|(?:详情|细节|details?|measure)\s*(?:第\s*)?(\d{1,2})\s*条?",
    re.IGNORECASE,
)


def _text_summary(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a typed measure number on the result, or a question."""
    text = event.text.strip()
    if m := _DETAIL_TYPED.fullmatch(text):
        number = int(m.group(1) or m.group(2))
        return detail_replies(evaluate_state(state, today), number, state.lang, profile=profile_of(state))
    return faq_answer(state, text, event.staff)


def _text_otherwise(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Treat typed text as a policy question."""
    return faq_answer(state, event.text.strip(), event.staff)


# phase → what typed text means there.
TEXT: dict[Phase, TextHandler] = {
    Phase.LEAD_CONSENT: _text_lead_yes_no,
    Phase.LEAD_CONFIRM: _text_lead_yes_no,
    Phase.LEAD_COMPANY: _text_lead_field,
    Phase.LEAD_CREDIT_CODE: _text_lead_field,
    Phase.LEAD_CONTACT: _text_lead_field,
    Phase.LEAD_PHONE: _text_lead_field,
    Phase.DELETE_CONFIRM: _text_delete,
    Phase.TOPICS: _text_topics,
    Phase.ASK: _text_ask,
    Phase.INTAKE_CONFIRM: _text_intake,
    Phase.START: _text_start,
    Phase.MENU: _text_menu,
    Phase.FAQ: _text_menu,
    Phase.CHANGE: _text_change,
    Phase.SUMMARY: _text_summary,
}

__all__ = ["evaluate_state", "load_state", "new_state", "profile_of", "step"]
