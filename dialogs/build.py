"""Small builders of replies and buttons shared by every part of the interview."""

from __future__ import annotations

from dialogs.messages import t
from dialogs.protocol import Action, Command, Done
from dialogs.types import Choice, QuestionReply, State, TextReply


def reply_text(text: str) -> TextReply:
    """Build a plain message."""
    return TextReply(text=text)


def button(action: Action, label: str) -> Choice:
    """Build one button from the action it stands for."""
    return Choice(id=action.pack(), label=label)


def reply_question(
    text: str,
    choices: list[Choice],
    *,
    multi: bool = False,
    selected: list[str] | None = None,
    columns: int = 1,
    aside: bool = False,
) -> QuestionReply:
    """Build a question with buttons (an aside keeps the main question's buttons working)."""
    return QuestionReply(
        text=text,
        choices=choices,
        multi=multi,
        selected=selected or [],
        columns=columns,
        aside=aside,
    )


def nav_choices(state: State, *, unknown: bool = True, skip: bool = True) -> list[Choice]:
    """Return the don't-know, skip and back buttons of a question."""
    out = []
    if unknown:
        out.append(button(Command("unknown"), t("interview.build.nav_choices.1", state.lang)))
    if skip:
        out.append(button(Command("skip"), t("interview.build.nav_choices.2", state.lang)))
    if state.history:
        out.append(back_button(state))
    return out


def back_button(state: State) -> Choice:
    """Return the button that goes one question back."""
    return button(Command("back"), t("interview.build.back_button.1", state.lang))


def done_button(state: State) -> Choice:
    """Return the button that finishes a multi-select."""
    return button(Done(), t("interview.build.done_button.1", state.lang))
