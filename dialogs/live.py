"""Which buttons on screen still work after a step, and which choice a press stands for.

A channel shows many messages with buttons; only some of them may still be pressed. The rule,
kept here so every channel (Telegram, the console) and the tests apply the same one:

- the last main question shown stays live until another main question replaces it;
- side questions (FAQ suggestions, the offer to pass a question to staff) stay live while the
  main question stays the same one (re-showing it after a side answer does not end them), so
  "did you mean" buttons work until the user answers the current question;
- a question shown before the main one in the same step is a side question too.

A press names a question by its fingerprint (`question_tag`) and a choice by its position
(`ButtonPress`, packed into Telegram's 64-byte callback data); `Live.resolve` turns it into the
choice it stands for, or says it is stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dialogs.protocol import MAX_BYTES
from dialogs.types import QuestionReply, Reply

MAX_ASIDES = 4
TAG_LENGTH = 8


def same_question(a: QuestionReply, b: QuestionReply) -> bool:
    """Tell whether two questions are the same one (text, buttons and kind), ticks aside."""
    return a.text == b.text and [c.id for c in a.choices] == [c.id for c in b.choices] and a.multi == b.multi


def question_tag(question: QuestionReply) -> str:
    """Return a short fingerprint of a question: same text and choices give the same tag."""
    digest = hashlib.blake2s(digest_size=TAG_LENGTH // 2)
    digest.update(question.text.encode())
    for choice in question.choices:
        digest.update(b"\x00" + choice.id.encode())
    digest.update(b"\x01" if question.multi else b"\x02")
    return digest.hexdigest()


@dataclass(frozen=True)
class ButtonPress:
    """A press as a channel carries it: which question (its tag) and which of its choices."""

    tag: str
    index: int

    @classmethod
    def on(cls, question: QuestionReply, index: int) -> ButtonPress:
        """Return the press of one choice of a question."""
        return cls(question_tag(question), index)

    def pack(self) -> str:
        """Return the press as callback data ("1a2b3c4d:3"), within the 64-byte limit."""
        data = f"{self.tag}:{self.index}"
        assert len(data.encode()) <= MAX_BYTES
        return data

    @classmethod
    def unpack(cls, data: str) -> ButtonPress | None:
        """Read callback data back; None when it is not ours."""
        tag, sep, index = data.partition(":")
        if not sep or len(tag) != TAG_LENGTH or not index.isdigit() or len(index) > 3:
            return None
        return cls(tag, int(index))


@dataclass(frozen=True)
class Live:
    """The questions whose buttons may be pressed: the main one and the side ones."""

    main: QuestionReply | None = None
    asides: tuple[QuestionReply, ...] = ()

    def questions(self) -> list[QuestionReply]:
        """Return every live question, the main one first."""
        return ([self.main] if self.main is not None else []) + list(self.asides)

    def after(self, replies: list[Reply]) -> Live:
        """Return what is live once `replies` are shown."""
        shown = [r for r in replies if isinstance(r, QuestionReply)]
        mains = [r for r in shown if not r.aside]
        if not mains:
            fresh = tuple(r for r in shown if r.choices)
            return Live(self.main, (*self.asides, *fresh)[-MAX_ASIDES:])
        main = mains[-1]
        fresh = tuple(r for r in shown if r is not main and r.choices)
        kept = self.asides if self.main is not None and same_question(self.main, main) else ()
        return Live(main, (*kept, *fresh)[-MAX_ASIDES:])

    def resolve(self, press: ButtonPress) -> tuple[QuestionReply | None, int | None]:
        """Return the live question pressed and the choice's index, or (None, None) when stale."""
        for question in self.questions():
            if question_tag(question) == press.tag and 0 <= press.index < len(question.choices):
                return question, press.index
        return None, None
