"""A tiny driver for scripted conversations through ``dialogs.step``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dialogs import Effect, Event, QuestionReply, Reply, State, is_effect, load_state, new_state, step

TODAY = dt.date(2026, 6, 1)


@dataclass
class Journey:
    """Send events, keep the state, remember the last replies."""

    lang: str = "zh"
    state: State = field(default_factory=new_state)
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    questions_asked: int = 0

    def __post_init__(self) -> None:
        self.state = new_state(self.lang)

    def _run(self, event: Event) -> Journey:
        # Every step goes through the JSON form, as the channels store it between steps.
        stored = self.state.to_json()
        self.state, self.replies = step(load_state(stored), event, TODAY)
        self.effects += [r for r in self.replies if is_effect(r)]  # type: ignore[misc]
        self.questions_asked += sum(1 for r in self.replies if r.kind == "question")
        return self

    def say(self, text: str) -> Journey:
        """Type a message."""
        return self._run(Event.from_text(text))

    def press(self, data: str) -> Journey:
        """Press a button; it must be on the last question shown."""
        offered = self.choices()
        assert data in offered, f"button {data!r} not offered; offered: {offered}\n{self.text}"
        return self._run(Event(kind="button", data=data))

    def press_stale(self, data: str) -> Journey:
        """Press a button from an old message."""
        return self._run(Event(kind="button", data=data))

    @property
    def text(self) -> str:
        """All visible text of the last replies."""
        return "\n".join(r.text for r in self.replies if r.kind in ("text", "question"))  # type: ignore[union-attr]

    @property
    def asking(self) -> str | None:
        """The fact (or compound question) being asked."""
        return self.state.current.ref if self.state.current else None

    def choices(self) -> list[str]:
        """Ids of the buttons on the last question."""
        return [c.id for r in self.replies if isinstance(r, QuestionReply) for c in r.choices]

    def effect(self, name: str) -> Effect:
        """Return the last effect of that name."""
        found = [e for e in self.effects if e.effect == name]
        assert found, f"no {name} effect; effects: {[e.effect for e in self.effects]}"
        return found[-1]

    def answer_until_summary(
        self, answers: dict[str, str | list[str]], limit: int = 40, until: str | None = None
    ) -> Journey:
        """Answer each question from a table keyed by the fact asked (a list is pressed in turn)."""
        for _ in range(limit):
            if self.state.phase == "summary" or (until is not None and self.asking == until):
                return self
            ref = self.asking if self.state.phase != "topics" else "@topics"
            assert ref in answers, f"unexpected question {ref}:\n{self.text}"
            answer = answers[ref]
            if isinstance(answer, list):
                for item in answer:
                    self.press(item)
            elif answer.startswith("b:"):
                self.press(answer[2:])
            else:
                self.say(answer)
        raise AssertionError(f"no summary after {limit} answers:\n{self.text}")


def clean_start(j: Journey, zone: str = "core60", topics: str = "光伏") -> Journey:
    """Start, pick a zone and topics, declare a clean record."""
    j.say("/start").press("menu:screen").press(f"a:{zone}").say(topics)
    return j
