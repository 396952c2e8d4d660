"""Act as one Telegram user against the fake server and read what the bot answered."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.markup import to_plain
from bot.service import Service
from dialogs import Event, Reply
from tests.fakebotapi import FakeTelegram, SentMessage

SUMMARY_MARK = ("测评结果", "Your result")
TIMEOUT = 10.0


class Talk:
    """One user in one private chat."""

    def __init__(self, fake: FakeTelegram, chat_id: int, user_id: int | None = None) -> None:
        """Bind to a chat (the user defaults to the chat's owner)."""
        self.fake = fake
        self.chat_id = chat_id
        self.user_id = user_id

    def since(self, mark: int) -> list[SentMessage]:
        """Return the bot messages sent or edited after a mark, in that order."""
        return sorted((m for m in self.fake.bot_messages(self.chat_id) if m.seq > mark), key=lambda m: m.seq)

    async def say(self, text: str) -> list[SentMessage]:
        """Send a text and return everything the bot did about it (it is confirmed only when handled)."""
        mark = self.fake.mark()
        update_id = self.fake.user_sends_text(self.chat_id, text, user_id=self.user_id)
        await self.fake.wait_until_delivered(update_id, TIMEOUT)
        return self.since(mark)

    async def press(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Press a button of the current question (or of `message`) and return what the bot did."""
        target = message or self.question
        mark = self.fake.mark()
        query_id = self.fake.user_presses_button_with_text(
            self.chat_id, target.message_id, label, user_id=self.user_id
        )
        await self.fake.wait_for_callback_answer(query_id, TIMEOUT)
        return self.since(mark)

    @property
    def question(self) -> SentMessage:
        """Return the newest bot message that still has buttons."""
        with_buttons = [m for m in self.fake.bot_messages(self.chat_id) if m.buttons]
        assert with_buttons, f"no bot message with buttons in chat {self.chat_id}"
        return max(with_buttons, key=lambda m: m.message_id)

    @property
    def texts(self) -> list[str]:
        """Return the text of every bot message in the chat, oldest first."""
        return [m.content for m in self.fake.bot_messages(self.chat_id)]

    async def interview(
        self,
        answers: Sequence[tuple[str, str]],
        *,
        default: str = "@不知道",
        limit: int = 40,
        stop: str | None = None,
    ) -> SentMessage:
        """Answer questions until the result shows; `answers` maps a regex on the question to an answer.

        An answer starting with "@" presses the button with that label; anything else is typed.
        Each answer is used once, in the order its question appears. With `stop`, return the first
        question matching it instead of answering.
        """
        pending = list(answers)
        for _ in range(limit):
            question = self.question
            if any(mark in question.content for mark in SUMMARY_MARK):
                return question
            if stop is not None and re.search(stop, question.content):
                return question
            chosen = next(((p, a) for p, a in pending if re.search(p, question.content)), None)
            if chosen is not None:
                pending.remove(chosen)
                answer = chosen[1]
            else:
                answer = default
            if answer.startswith("@"):
                await self.press(answer[1:], question)
            else:
                await self.say(answer)
        raise AssertionError(f"no result after {limit} answers; last question: {self.question.content[:300]}")


class ServiceTalk:
    """The same interview straight through the service (what the console shows), for comparison."""

    def __init__(self, service: Service, key: str = "mirror") -> None:
        """Bind to a conversation key."""
        self.service = service
        self.key = key
        self.outcome = service.process(key, key, Event.from_text("/start"))
        self.question: Reply | None = self.outcome.question

    def _step(self, event: Event) -> None:
        """Take one step and remember the newest question."""
        self.outcome = self.service.process(self.key, self.key, event)
        if self.outcome.question is not None:
            self.question = self.outcome.question

    def say(self, text: str) -> None:
        """Type a text."""
        self._step(Event.from_text(text))

    def press(self, label: str) -> None:
        """Press a choice of the current question by label (exact, else contained)."""
        assert self.question is not None
        choices = self.question.choices
        found = [c for c in choices if c.label == label] or [c for c in choices if label in c.label]
        assert found, f"no choice {label!r} in {[c.label for c in choices]}"
        self._step(Event(kind="button", data=found[0].id))

    def interview(
        self, answers: Sequence[tuple[str, str]], *, default: str = "@不知道", limit: int = 40
    ) -> str:
        """Answer like Talk.interview; return the result text as Telegram shows it (plain)."""
        pending = list(answers)
        for _ in range(limit):
            assert self.question is not None
            text = to_plain(self.question.text)
            if any(mark in text for mark in SUMMARY_MARK):
                return text.strip()
            chosen = next(((p, a) for p, a in pending if re.search(p, text)), None)
            if chosen is not None:
                pending.remove(chosen)
            answer = chosen[1] if chosen is not None else default
            if answer.startswith("@"):
                self.press(answer[1:])
            else:
                self.say(answer)
        raise AssertionError("no result")
