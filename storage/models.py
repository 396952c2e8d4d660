"""SQLAlchemy 2 typed ORM models for the bot's persistent state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes as UTC and always return aware UTC values (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; naive values are taken to already be UTC."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite compares datetimes as text, so every stored value must share one (naive UTC) form.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONText(TypeDecorator[Any]):
    """Store a JSON value as compact UTF-8 text (readable in both SQLite and PostgreSQL dumps)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        """Serialise to compact JSON (None becomes "null"); Chinese stays readable, not \\u-escaped."""
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        """Parse the stored JSON text."""
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    """Declarative base with a naming convention for constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class User(Base):
    """A person talking to the bot, keyed by channel, e.g. "tg:12345" or "console:local"."""

    __tablename__ = "users"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        """Show the key only."""
        return f"User(key={self.key!r})"


class Conversation(Base):
    """The latest dialog state of one chat; `version` is the optimistic-lock counter."""

    __tablename__ = "conversations"

    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONText)
    schema_version: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    finished: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The channel's message showing the question last asked (Telegram message id), so a question
    # answered by typing can be marked answered and lose its buttons (issue 10).
    question_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=None)

    def __repr__(self) -> str:
        """Show identifiers only; the state may hold personal data."""
        return f"Conversation(chat_key={self.chat_key!r}, version={self.version})"


class Answer(Base):
    """One answer given in a conversation, kept as history."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Cascade so an answer can never outlive its conversation (erasure requests must be complete).
    chat_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversations.chat_key", ondelete="CASCADE"), index=True
    )
    fact: Mapped[str] = mapped_column(String(128))
    value: Mapped[Any] = mapped_column(JSONText)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        """Show identifiers only."""
        return f"Answer(id={self.id!r}, chat_key={self.chat_key!r}, fact={self.fact!r})"


class Lead(Base):
    """An enterprise that consented to be contacted, one row per 统一社会信用代码."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    company: Mapped[str] = mapped_column(String(256))
    contact_name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime] = mapped_column()
    consent_text_version: Mapped[str] = mapped_column(String(32))
    profile: Mapped[dict[str, Any]] = mapped_column(JSONText)
    report: Mapped[dict[str, Any]] = mapped_column(JSONText)
    # Sorted, de-duplicated measure numbers stored as compact JSON ("[3,27]"): a portable LIKE filters it.
    measures: Mapped[list[int]] = mapped_column(JSONText)
    total_yuan: Mapped[int] = mapped_column(BigInteger)
    campaign: Mapped[str | None] = mapped_column(String(64))
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    chat_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Follow-up by staff: new → contacted → applied → closed, or invalid (bot/staff.py LEAD_STATES).
    follow_state: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    owner_name: Mapped[str | None] = mapped_column(String(64))
    followed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        """Show the id only: contact details must never reach logs."""
        return f"Lead(id={self.id!r})"


class LeadEvent(Base):
    """One follow-up change of a lead (state, owner or a note) with who made it and when."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Cascade: a user's /delete removes the lead and with it every note about it.
    lead_id: Mapped[int] = mapped_column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        """Show identifiers only; notes may hold personal data."""
        return f"LeadEvent(id={self.id!r}, lead_id={self.lead_id!r}, kind={self.kind!r})"


class StaffQuestion(Base):
    """A user's question passed to staff, with who claimed and answered it."""

    __tablename__ = "staff_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    chat_key: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    # The screening so far (zone, topics, total) and whether a lead exists, as shown to staff.
    context: Mapped[dict[str, Any]] = mapped_column(JSONText)
    # open → claimed → answered, or closed (no reply needed) / undeliverable (user blocked the bot).
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_name: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_name: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    faq_entry_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        """Show identifiers only; the question may hold personal data."""
        return f"StaffQuestion(id={self.id!r}, status={self.status!r})"


class StaffFaqEntry(Base):
    """An FAQ entry written by staff: live in every process without a release, versioned."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    questions: Mapped[list[str]] = mapped_column(JSONText)
    answer_zh: Mapped[str] = mapped_column(Text)
    answer_en: Mapped[str] = mapped_column(Text)
    cite: Mapped[list[str]] = mapped_column(JSONText)
    clause: Mapped[str] = mapped_column(String(64))
    measures: Mapped[list[int]] = mapped_column(JSONText)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped on every change: (count, sum of versions) tells a process its copy is out of date.
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[int] = mapped_column(BigInteger)
    author_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_question_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        """Show identifiers only."""
        return f"StaffFaqEntry(id={self.id!r}, version={self.version!r})"


class FaqMiss(Base):
    """A question the FAQ could not answer, queued for an editor."""

    __tablename__ = "faq_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def __repr__(self) -> str:
        """Show identifiers only."""
        return f"FaqMiss(id={self.id!r})"


class ProcessedUpdate(Base):
    """A Telegram update id already handled, so webhook retries are not processed twice."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeadLetter(Base):
    """An update that kept failing for a reason retrying cannot cure, kept whole for staff to replay."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_key: Mapped[str | None] = mapped_column(String(64))
    user_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # The raw update as Telegram sent it: replaying feeds exactly this to the handlers again.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONText)
    # The exception's type only: its message may quote what the user typed.
    error: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    replayed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        """Show identifiers only; the payload holds what the user wrote."""
        return f"DeadLetter(id={self.id!r}, update_id={self.update_id!r})"


Index("ix_faq_misses_resolved_at", FaqMiss.resolved, FaqMiss.at)
Index("ix_staff_questions_status_created_at", StaffQuestion.status, StaffQuestion.created_at)
