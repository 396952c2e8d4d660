"""Channel-independent glue: one user event → one database transaction → replies.

Used by the Telegram channel and the console alike. Every call runs in one transaction:
de-duplicate the update, load the conversation, run ``dialogs.step``, carry out the storage
effects, save with the version check. When another process saved the same chat first, the
transaction is rolled back and the step is run again on the fresh state, so two processes can
never lose or duplicate an answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

import dialogs
import storage
from bot import effects, staff
from bot.faq_live import LiveFaq
from dialogs import (
    SCHEMA_VERSION,
    AttachmentReply,
    Choice,
    DeleteData,
    Event,
    QuestionReply,
    Reply,
    State,
    TextReply,
    reply_from_json,
)
from dialogs.commands import alias_of
from dialogs.live import ButtonPress, Live
from dialogs.live import question_tag as live_question_tag
from dialogs.messages import t
from dialogs.protocol import Done

log = logging.getLogger(__name__)

# Key inside the stored state JSON that holds what the channel showed last (not dialog state).
CHANNEL_KEY = "_channel"
MAX_ATTEMPTS = 8
# A re-delivered update whose step was committed less than this ago is still being answered by
# whoever committed it; older ones were cut off by a crash (a restart takes longer than this).
IN_FLIGHT_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """What one event produced, for the channel to show and do."""

    replies: list[Reply]
    lang: str = "zh"
    # A re-delivered update: `replies` then holds what that step said, if it was the chat's last.
    duplicate: bool = False
    stale: bool = False
    # The question on screen before this event (for editing a pressed message in place).
    previous_question: QuestionReply | None = None
    # Texts (with **bold**) to post to the staff chat: new leads, hand-overs.
    staff_messages: list[str] = field(default_factory=list)
    # Stored things to post to the staff chat with buttons: {"kind": "question", "id": 17}.
    staff_posts: list[dict[str, Any]] = field(default_factory=list)
    # The choice a pressed button stood for (button events only).
    pressed: Choice | None = None
    # Typed text (or a typed command) moved past the question on screen: the channel's message
    # showing it (noted with `note_question_message`), to mark it answered and drop its buttons.
    typed_over: int | None = None
    attempts: int = 1

    @property
    def visible(self) -> list[TextReply | QuestionReply | AttachmentReply]:
        """Return the replies a user sees (effects removed)."""
        return [r for r in self.replies if isinstance(r, (TextReply, QuestionReply, AttachmentReply))]

    @property
    def deleted(self) -> bool:
        """Tell whether the step deleted the user's data."""
        return any(isinstance(r, DeleteData) for r in self.replies)

    @property
    def answer_label(self) -> str:
        """Return what the user chose, as words: the ticked options for a multi-select's 完成."""
        if self.pressed is None:
            return ""
        previous = self.previous_question
        done = Done().pack()
        if self.pressed.id == done and previous is not None and previous.multi:
            ticked = [c.label for c in previous.choices if c.id in previous.selected and c.id != done]
            return "、".join(ticked) or self.pressed.label
        return self.pressed.label

    @property
    def question(self) -> QuestionReply | None:
        """Return the last question among the replies."""
        questions = [reply for reply in self.replies if isinstance(reply, QuestionReply)]
        return questions[-1] if questions else None


@dataclass(frozen=True)
class Current:
    """Where a chat stands now, for channels that need it without taking a step."""

    lang: str
    question: QuestionReply | None
    exists: bool


def _stale_text(lang: str, has_question: bool) -> str:
    """Explain a press on an out-of-date button."""
    return t("channel.stale.with_question" if has_question else "channel.stale.no_question", lang)


class Service:
    """The dialogs bound to a database."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        engine: Engine | None = None,
        default_lang: str = "zh",
        migrate: bool = True,
        today: Callable[[], dt.date] | None = None,
        engine_options: dict[str, Any] | None = None,
        office_hours: staff.OfficeHours | None = None,
    ) -> None:
        """Open (and by default migrate) the database; `engine_options` go to storage.make_engine."""
        if engine is None:
            engine = storage.make_engine(
                database_url or storage.default_database_url(), **(engine_options or {})
            )
            self._owns_engine = True
        else:
            self._owns_engine = False
        self.engine = engine
        if migrate:
            storage.migrate(engine)
        self.sessions: sessionmaker[Session] = storage.make_session_factory(engine)
        # One-statement writes: on PostgreSQL the statement is its own transaction (no BEGIN and
        # COMMIT round trips); SQLite's in-process BEGIN and COMMIT cost less than switching modes.
        self._one_statement = (
            engine
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.live_faq = LiveFaq(self.sessions)
        self.default_lang = "en" if default_lang == "en" else "zh"
        self._today = today
        self.office_hours = office_hours or staff.OfficeHours()
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time and its busy handler sleeps in growing steps (up to
        # 100 ms); queueing our own threads on a lock first keeps the waits short and fair.
        self._write_lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if self._sqlite else contextlib.nullcontext()
        )

    def close(self) -> None:
        """Release the database connections."""
        if self._owns_engine:
            self.engine.dispose()

    # --- the one entry point ---------------------------------------------------------------------

    def handle(self, chat_key: str, user_key: str, event: Event, update_id: int | None = None) -> list[Reply]:
        """Take one event and return every reply (effects included, already carried out for storage)."""
        return self.process(chat_key, user_key, event, update_id=update_id).replies

    def process(
        self,
        chat_key: str,
        user_key: str,
        event: Event,
        *,
        update_id: int | None = None,
        press: ButtonPress | None = None,
    ) -> Outcome:
        """Take one event in one transaction, retrying when another process saved the chat first.

        `press` is a pressed (question tag, choice index) from any channel with buttons (Telegram,
        the console); it is resolved against the questions still live, and a press on any other
        question is stale.
        """
        self._refresh_faq()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self._write_lock, storage.session_scope(self.sessions) as session:
                    storage.take_write_lock(session)
                    outcome = self._process(session, chat_key, user_key, event, update_id, press)
                return dataclasses.replace(outcome, attempts=attempt)
            except storage.StaleConversationError:
                log.info(
                    "conversation %s changed under us (attempt %d); re-running the step", chat_key, attempt
                )
                time.sleep(0.005 * attempt)
        raise RuntimeError(f"conversation {chat_key} kept changing; gave up after {MAX_ATTEMPTS} attempts")

    def _refresh_faq(self) -> None:
        """Bring staff FAQ entries changed in any process into use here; a failure keeps the old ones."""
        try:
            self.live_faq.refresh()
        except Exception as error:
            log.warning("could not refresh the staff FAQ entries: %s", type(error).__name__)

    def _process(
        self,
        session: Session,
        chat_key: str,
        user_key: str,
        event: Event,
        update_id: int | None,
        press: ButtonPress | None,
    ) -> Outcome:
        """Run one step inside the caller's transaction."""
        fresh, stored = storage.start_step(chat_key, update_id, session=session)
        if not fresh:
            assert update_id is not None
            return self._duplicate(stored, update_id)
        state, channel = self._state_of(stored)
        live = _live_from(channel)
        previous = live.main
        resolved: Choice | None = None
        if press is not None:
            # Side questions (FAQ suggestions, the offer to pass a question to staff) keep their
            # buttons beside the question on screen: see dialogs.live.
            pressed_on, index = live.resolve(press)
            previous = pressed_on or previous
            if pressed_on is None or index is None:
                replies: list[Reply] = [TextReply(text=_stale_text(state.lang, previous is not None))]
                if previous is not None:
                    replies.append(previous)
                return Outcome(replies=replies, stale=True, lang=state.lang, previous_question=previous)
            resolved = pressed_on.choices[index]
            event = Event(kind="button", data=resolved.id, staff=event.staff)

        new_state, replies = dialogs.step(state, event, self._today() if self._today else None)
        typed_over = self._typed_over(stored, event, live, replies)
        staff_messages, lead_posts = effects.carry_out(session, chat_key, user_key, replies)
        today = self._today() if self._today else dt.date.today()
        replies, staff_posts = effects.hand_over(
            session, chat_key, user_key, replies, new_state, today, self.office_hours
        )
        if any(isinstance(reply, DeleteData) for reply in replies):
            # The user's data is gone; the conversation starts afresh on the next message.
            session.execute(delete(storage.Conversation).where(storage.Conversation.chat_key == chat_key))
            return Outcome(
                replies=replies,
                lang=new_state.lang,
                previous_question=previous,
                pressed=resolved,
                staff_posts=lead_posts,
            )

        # Each reply is dumped once, though a new question is stored both as live and in the outbox.
        dumped: dict[int, dict[str, Any]] = {}

        def dump(reply: Reply) -> dict[str, Any]:
            """Return a reply's JSON form, made once in this step."""
            if id(reply) not in dumped:
                dumped[id(reply)] = reply.model_dump(mode="json")
            return dumped[id(reply)]

        after = live.after(replies)
        if after != live:
            channel = {
                **channel,
                "q": None if after.main is None else dump(after.main),
                "asides": [dump(q) for q in after.asides],
            }
        if update_id is not None:
            # Kept until the next step: if the process dies after this commit but before the
            # replies reach Telegram, the re-delivered update finds them here (see _duplicate).
            channel["outbox"] = {
                "update_id": update_id,
                "at": time.time(),
                "replies": [dump(r) for r in replies if r.kind != "effect"],
                "staff": staff_messages,
                "posts": lead_posts + staff_posts,
            }
        data = {**new_state.to_json(), CHANNEL_KEY: channel}
        if new_state.lang != state.lang:
            storage.touch_user(user_key, new_state.lang, session=session, set_lang=True)
        elif stored is None or stored.user_key != user_key:
            storage.touch_user(user_key, new_state.lang, session=session)
        storage.finish_step(
            chat_key,
            user_key,
            data,
            SCHEMA_VERSION,
            None if stored is None else stored.version,
            session=session,
            finished=new_state.finished,
            answers=effects.new_answers(state, new_state),
            # The question a typed answer moved past is marked answered by the channel now.
            clear_question_message=typed_over is not None,
        )
        return Outcome(
            replies=replies,
            lang=new_state.lang,
            previous_question=previous,
            staff_messages=staff_messages,
            staff_posts=lead_posts + staff_posts,
            pressed=resolved,
            typed_over=typed_over,
        )

    @staticmethod
    def _typed_over(
        stored: storage.StoredConversation | None,
        event: Event,
        live: Live,
        replies: list[Reply],
    ) -> int | None:
        """Return the message of a question an answer typed moved past (forgotten when the step is saved), else None.

        Commands (/back, "返回") leave the question as it was shown.
        """
        if event.kind != "text" or stored is None or live.main is None:
            return None
        if alias_of(event.text) is not None or event.text.lstrip().startswith(("/", "／")):
            return None
        main = live.after(replies).main
        if main is not None and live_question_tag(main) == live_question_tag(live.main):
            return None
        return stored.question_message_id

    def note_question_message(self, chat_key: str, message_id: int) -> None:
        """Note which channel message shows the chat's current question."""
        with self._write_lock, self._one_statement.begin() as connection:
            storage.note_question_message(chat_key, message_id, connection=connection)

    def _duplicate(self, stored: storage.StoredConversation | None, update_id: int) -> Outcome:
        """Answer a re-delivered update: nothing new, but the replies of that step if it was the last."""
        if stored is None:
            return Outcome(replies=[], duplicate=True, lang=self.default_lang)
        state, channel = self._state_of(stored)
        outbox = channel.get("outbox")
        if not isinstance(outbox, dict) or outbox.get("update_id") != update_id:
            return Outcome(replies=[], duplicate=True, lang=state.lang)
        age = time.time() - float(outbox.get("at") or 0)
        if age < IN_FLIGHT_SECONDS:
            # Committed a moment ago: the process that did it is still sending the replies.
            return Outcome(replies=[], duplicate=True, lang=state.lang)
        try:
            replies = [reply_from_json(raw) for raw in outbox.get("replies") or []]
        except ValueError:
            replies = []
        staff_messages = [str(text) for text in outbox.get("staff") or []]
        posts = [post for post in outbox.get("posts") or [] if isinstance(post, dict)]
        return Outcome(
            replies=replies,
            duplicate=True,
            lang=state.lang,
            staff_messages=staff_messages,
            staff_posts=posts,
        )

    def _state_of(self, stored: storage.StoredConversation | None) -> tuple[State, dict[str, Any]]:
        """Return the dialog state and the channel's notes of a stored conversation."""
        if stored is None:
            return dialogs.new_state(self.default_lang), {}
        data = dict(stored.state)
        channel = data.pop(CHANNEL_KEY, None)
        return dialogs.load_state(data), channel if isinstance(channel, dict) else {}

    # --- helpers for channels --------------------------------------------------------------------

    def mark_processed(self, update_id: int) -> bool:
        """Record an update handled outside the dialogs; False when it was seen before."""
        with self._write_lock, storage.session_scope(self.sessions) as session:
            return storage.mark_update_processed(update_id, session=session)

    def current(self, chat_key: str) -> Current:
        """Return the chat's language and the question last shown, without taking a step."""
        with storage.session_scope(self.sessions) as session:
            stored = storage.load_conversation(chat_key, session=session)
        if stored is None:
            return Current(lang=self.default_lang, question=None, exists=False)
        state, channel = self._state_of(stored)
        return Current(lang=state.lang, question=_question_from(channel.get("q")), exists=True)

    def prune(self, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
        """Forget processed update ids older than Telegram's retry window."""
        with storage.session_scope(self.sessions) as session:
            return storage.prune_processed_updates(dt.datetime.now(dt.UTC) - older_than, session=session)


def _question_from(raw: Any) -> QuestionReply | None:
    """Return a question stored in the channel notes, if readable."""
    if not isinstance(raw, dict):
        return None
    try:
        reply = reply_from_json(raw)
    except ValueError:
        return None
    return reply if isinstance(reply, QuestionReply) else None


def _live_from(channel: dict[str, Any]) -> Live:
    """Return the questions whose buttons still work, from the channel notes."""
    # "aside": the name an earlier version of this note used.
    raws = channel.get("asides") or channel.get("aside") or []
    asides = [q for q in (_question_from(raw) for raw in raws) if q is not None]
    return Live(_question_from(channel.get("q")), tuple(asides))
