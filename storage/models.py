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

    def __repr__(self) -> str:
        """Show the id only: contact details must never reach logs."""
        return f"Lead(id={self.id!r})"


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
