"""Which buttons on screen still work after a step: the main question and its side questions.

A channel shows many messages with buttons; only some of them may still be pressed. The rule,
kept here so every channel and the tests apply the same one:

- the last main question shown stays live until another main question replaces it;
- side questions (FAQ suggestions, the offer to pass a question to staff) stay live while the
  main question stays the same one (re-showing it after a side answer does not end them), so
  "did you mean" buttons work until the user answers the current question;
- a question shown before the main one in the same step is a side question too.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.types import Reply

MAX_ASIDES = 4


def same_question(a: Reply, b: Reply) -> bool:
    """Tell whether two questions are the same one (text, buttons and kind), ticks aside."""
    return a.text == b.text and [c.id for c in a.choices] == [c.id for c in b.choices] and a.multi == b.multi


@dataclass(frozen=True)
class Live:
    """The questions whose buttons may be pressed: the main one and the side ones."""

    main: Reply | None = None
    asides: tuple[Reply, ...] = ()

    def questions(self) -> list[Reply]:
        """Return every live question, the main one first."""
        return ([self.main] if self.main is not None else []) + list(self.asides)

    def after(self, replies: list[Reply]) -> Live:
        """Return what is live once `replies` are shown."""
        shown = [r for r in replies if r.kind == "question"]
        mains = [r for r in shown if not r.aside]
        if not mains:
            fresh = tuple(r for r in shown if r.choices)
            return Live(self.main, (*self.asides, *fresh)[-MAX_ASIDES:])
        main = mains[-1]
        fresh = tuple(r for r in shown if r is not main and r.choices)
        kept = self.asides if self.main is not None and same_question(self.main, main) else ()
        return Live(main, (*kept, *fresh)[-MAX_ASIDES:])
