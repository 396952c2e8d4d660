"""Users, conversations and their answers: what each update reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.hot import hot_statement
from storage.models import Answer, Conversation, User, utcnow
from storage.sql import DEFAULT_LANG, count_rows, dialect_insert_for, flushed_connection


class StaleConversationError(Exception):
    """The stored conversation version is not the one the caller read: someone else saved first."""

    def __init__(self, chat_key: str, expected_version: int | None) -> None:
        """Describe which chat and which version lost the race."""
        super().__init__(f"conversation {chat_key!r} is no longer at version {expected_version!r}")
        self.chat_key = chat_key
        self.expected_version = expected_version


@dataclass(frozen=True)
class StoredConversation:
    """A conversation as loaded: the dialog state plus the version to pass back when saving."""

    state: dict[str, Any]
    schema_version: int
    version: int
    user_key: str = ""
    finished: bool = False
    # The channel's message showing the current question (see set_question_message).
    question_message_id: int | None = None


# --- users -----------------------------------------------------------------------------------------


def get_or_create_user(key: str, *, session: Session, lang: str | None = None) -> User:
    """Return the user, creating it (with `lang`, default Chinese) if new; refresh last_seen_at."""
    now = utcnow()
    session.execute(
        dialect_insert_for(session, User)
        .values(key=key, lang=lang or DEFAULT_LANG, created_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=[User.key])
    )
    user = session.get_one(User, key, populate_existing=True)
    user.last_seen_at = now
    session.flush()
    return user


def set_user_lang(key: str, lang: str, *, session: Session) -> User:
    """Store the user's chosen interface language, creating the user if needed."""
    user = get_or_create_user(key, session=session, lang=lang)
    user.lang = lang
    session.flush()
    return user


def touch_user(key: str, lang: str, *, session: Session, set_lang: bool = False) -> None:
    """Create the user with `lang` if new, else refresh last_seen_at (and the language if `set_lang`)."""
    # One statement, no ORM object: the per-update form of get_or_create_user / set_user_lang.
    connection = flushed_connection(session)
    now = utcnow()
    connection.execute(
        hot_statement(connection, "touch_user_lang" if set_lang else "touch_user"),
        {"key": key, "lang": lang or DEFAULT_LANG, "created_at": now, "last_seen_at": now},
    )


# --- conversations ---------------------------------------------------------------------------------


def _read_conversation(chat_key: str, session: Session, name: str) -> StoredConversation | None:
    """Load a conversation row with a Core SELECT (no ORM object) as the plain dataclass."""
    connection = flushed_connection(session)
    row = connection.execute(hot_statement(connection, name), {"b_chat_key": chat_key}).first()
    if row is None:
        return None
    return StoredConversation(
        state=row[0],
        schema_version=row[1],
        version=row[2],
        user_key=row[3],
        finished=bool(row[4]),
        question_message_id=row[5],
    )


def load_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Return the stored conversation of a chat, or None if it has never been saved."""
    return _read_conversation(chat_key, session, "load")


def lock_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Lock the chat's row until the transaction ends (PostgreSQL; no-op lock on SQLite) and load it."""
    return _read_conversation(chat_key, session, "lock")


def question_message(chat_key: str, *, session: Session) -> int | None:
    """Return the channel's message id of the chat's current question, if one was noted."""
    stored = load_conversation(chat_key, session=session)
    return None if stored is None else stored.question_message_id


def set_question_message(chat_key: str, message_id: int | None, *, session: Session) -> None:
    """Note which message shows the chat's current question (the state's version is not touched)."""
    connection = flushed_connection(session)
    connection.execute(
        hot_statement(connection, "question_message"), {"b_chat_key": chat_key, "message_id": message_id}
    )


def save_conversation(
    chat_key: str,
    user_key: str,
    state: dict[str, Any],
    schema_version: int,
    expected_version: int | None,
    *,
    session: Session,
    finished: bool | None = None,
    clear_question_message: bool = False,
) -> int:
    """Store the state if the row is still at `expected_version` (None: must be new); return the new version."""
    # Raises StaleConversationError when another writer got there first.
    # `finished=None` keeps the stored flag (False for a new conversation);
    # `clear_question_message` forgets the noted question message (see set_question_message).
    now = utcnow()
    connection = flushed_connection(session)
    if expected_version is None:
        # ON CONFLICT DO NOTHING: of two concurrent first saves, the second inserts nothing.
        inserted = connection.execute(
            hot_statement(connection, "insert_conversation"),
            {
                "chat_key": chat_key,
                "user_key": user_key,
                "state": state,
                "schema_version": schema_version,
                "version": 1,
                "finished": bool(finished),
                "updated_at": now,
            },
        ).first()
        if inserted is None:
            raise StaleConversationError(chat_key, expected_version)
        return 1

    values: dict[str, Any] = {
        "b_chat_key": chat_key,
        "b_version": expected_version,
        "user_key": user_key,
        "state": state,
        "schema_version": schema_version,
        "version": expected_version + 1,
        "updated_at": now,
    }
    if finished is not None:
        values["finished"] = finished
    if clear_question_message:
        values["question_message_id"] = None
    updated = connection.execute(hot_statement(connection, "update_conversation"), values).first()
    if updated is None:
        raise StaleConversationError(chat_key, expected_version)
    return expected_version + 1


def count_conversations(*, session: Session) -> int:
    """Return the number of stored conversations."""
    return count_rows(session, model=Conversation)


def record_answer(chat_key: str, fact: str, value: Any, *, session: Session) -> Answer:
    """Append one answer to the chat's history; the conversation must already be saved."""
    answer = Answer(chat_key=chat_key, fact=fact, value=value, at=utcnow())
    session.add(answer)
    session.flush()
    return answer


def record_answers(chat_key: str, answers: list[tuple[str, Any]], *, session: Session) -> None:
    """Append several (fact, value) answers to the chat's history in one statement, in order."""
    if not answers:
        return
    connection = flushed_connection(session)
    connection.execute(
        hot_statement(connection, "answers"),
        [{"chat_key": chat_key, "fact": fact, "value": value, "at": utcnow()} for fact, value in answers],
    )


def list_answers(chat_key: str, *, session: Session) -> list[Answer]:
    """Return a chat's answer history, oldest first."""
    stmt = select(Answer).where(Answer.chat_key == chat_key).order_by(Answer.at, Answer.id)
    return list(session.scalars(stmt))
