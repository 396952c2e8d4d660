"""What each command does, typed ("/back", "返回") or pressed: one handler per command name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from dialogs.answers import evaluate_state, kind_options, profile_of, record, settle
from dialogs.asking import help_replies, menu, outside_stop, reask, show_summary
from dialogs.build import button, reply_question, reply_text
from dialogs.change import back, change_list
from dialogs.flow import advance
from dialogs.leads import lead_cancel, lead_start
from dialogs.messages import t
from dialogs.protocol import DeleteReply
from dialogs.refs import Pseudo
from dialogs.render import detail_replies
from dialogs.taking import mark_unknown
from dialogs.types import AttachmentReply, Phase, Reply, ReportPayload, State, new_state
from dialogs.welcome import start

Handler = Callable[[State, str, dt.date], tuple[State, list[Reply]]]


def _menu(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Show the start menu."""
    return state, menu(state)


def _help(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Explain the commands, then show the question again."""
    return state, help_replies(state) + reask(state)


def _restart(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Start over, keeping the language and the campaign the user came from."""
    fresh = new_state(state.lang)
    fresh.campaign = state.campaign
    return fresh, [reply_text(t("interview.command_steps.restart.1", state.lang)), *advance(fresh, today)]


def _lang(target: str | None) -> Handler:
    """Switch to a language (None: the one given, or the other one)."""

    def switch(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
        """Switch the language and show the screen again in it."""
        chosen = target or (
            args.strip().lower()[:2] if args.strip() else ("en" if state.lang == "zh" else "zh")
        )
        state.lang = "en" if chosen == "en" else "zh"
        note = reply_text(t("interview.command_steps.switch.1", state.lang))
        if state.phase in (Phase.ASK, Phase.TOPICS):
            return state, [note, *reask(state)]
        if state.phase == Phase.SUMMARY:
            return state, [note, *show_summary(state, evaluate_state(state, today))]
        return state, [note, *menu(state)]

    return switch


def _cancel(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Cancel what is under way: contact details, deleting, or nothing."""
    if state.phase.value.startswith("lead_"):
        return state, lead_cancel(state, today)
    if state.phase == Phase.DELETE_CONFIRM:
        state.phase = state.return_phase or Phase.MENU
        state.return_phase = None
        return state, [
            reply_text(t("interview.command_steps.cancel.2", state.lang)),
            *(reask(state) or menu(state)),
        ]
    return state, [reply_text(t("interview.command_steps.cancel.1", state.lang)), *menu(state)]


def _contact(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Begin leaving contact details (consent first)."""
    return state, lead_start(state)


def _delete(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Ask before deleting the user's data."""
    state.return_phase = state.phase
    state.phase = Phase.DELETE_CONFIRM
    return state, [
        reply_question(
            t("interview.command_steps.delete.1", state.lang),
            [
                button(DeleteReply("yes"), t("interview.command_steps.delete.2", state.lang)),
                button(DeleteReply("no"), t("interview.command_steps.delete.3", state.lang)),
            ],
        )
    ]


def _summary(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Show the result (or say there is none yet)."""
    if state.enterprise.get("zone") == "outside":
        return state, outside_stop(state)
    if not state.topics and state.enterprise.get("zone") is None:
        return state, [
            reply_text(t("interview.command_steps.summary.1", state.lang)),
            *advance(state, today),
        ]
    return state, show_summary(state, evaluate_state(state, today))


def _pdf(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Hand the channel the report to render as a PDF."""
    report = evaluate_state(state, today)
    lang = "en" if state.lang == "en" else "zh"
    return state, [
        AttachmentReply(payload=ReportPayload(report=report, profile=profile_of(state), lang=lang))
    ]


def _change(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """List the answers to change one."""
    return state, change_list(state)


def _detail(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Show one measure in detail ("/detail 27", "/detail 27 全部")."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*(?::([^:\s]*))?(?::more|\s*(全部|all|more))?\s*", args)
    if not m:
        return state, [reply_text(t("interview.command_steps.detail.1", state.lang))]
    report = evaluate_state(state, today)
    return state, detail_replies(
        report,
        int(m.group(1)),
        state.lang,
        m.group(2) or None,
        more=m.group(0).rstrip().endswith(("more", "全部", "all")),
        buttons=state.phase == Phase.SUMMARY,
        profile=profile_of(state),
    )


def _screen(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Begin (or go on with) the screening."""
    return state, advance(state, today)


def ask_question(state: State) -> list[Reply]:
    """Invite a policy question."""
    state.phase = Phase.FAQ
    return [reply_text(t("interview.command_steps.ask_question.1", state.lang))]


def _ask(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Invite a policy question."""
    return state, ask_question(state)


def _back(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Go one question back (in the interview or from the result), else the menu."""
    if state.phase in (Phase.ASK, Phase.TOPICS) or (state.phase == Phase.SUMMARY and state.history):
        return state, back(state)
    return state, menu(state)


def _skip(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Skip the current question."""
    if state.phase in (Phase.ASK, Phase.TOPICS) and state.current is not None:
        asked = state.current
        if asked.ref == Pseudo.KINDS:
            for ref in kind_options(state):
                settle(state, ref, None)
        record(state, asked, None, skipped=True)
        return state, advance(state, today)
    if state.phase == Phase.TOPICS:
        settle(state, Pseudo.TOPICS, None)
        return state, advance(state, today)
    return _unavailable(state, args, today)


def _unknown(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Leave the current question open."""
    if state.phase in (Phase.ASK, Phase.TOPICS) and state.current is not None:
        return state, mark_unknown(state, today)
    return _unavailable(state, args, today)


def _unavailable(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Say the command does not apply here, and show the question again."""
    return state, [
        reply_text(t("interview.command_steps.unavailable.1", state.lang)),
        *reask(state),
    ]


HANDLERS: dict[str, Handler] = {
    "start": lambda state, args, today: start(state, args, today),
    "menu": _menu,
    "help": _help,
    "restart": _restart,
    "lang": _lang(None),
    "lang_en": _lang("en"),
    "lang_zh": _lang("zh"),
    "cancel": _cancel,
    "contact": _contact,
    "delete": _delete,
    "summary": _summary,
    "pdf": _pdf,
    "change": _change,
    "detail": _detail,
    "screen": _screen,
    "ask": _ask,
    "back": _back,
    "skip": _skip,
    "unknown": _unknown,
}


def run_command(state: State, name: str, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Carry out a command, typed or pressed."""
    return HANDLERS.get(name, _unavailable)(state, args, today)
