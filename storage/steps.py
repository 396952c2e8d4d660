"""One dialog step's reads and writes, in as few statements as the database allows.

A step is: mark the update processed, lock and load the chat's conversation, (the dialog runs),
save the state with its new answers. On PostgreSQL each half is one statement: two round trips
inside the caller's transaction instead of five or six. On SQLite they stay separate statements.
The channel's note of which message shows the question is one statement, its own transaction.

These statements run on the driver's cursor of the caller's connection (same transaction), not
through SQLAlchemy's execution: that costs ~90 µs of CPU per statement over the driver's own
~30 µs (measured on PostgreSQL, psycopg 3), several times per update. So what SQLAlchemy would do
is done here: values are converted as the columns' types do (storage/models.py: JSON as compact
text, SQLite datetimes as naive UTC text), and a driver error is raised as SQLAlchemy's error (a
lost connection invalidated), as the callers expect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from storage.conversations import StaleConversationError, StoredConversation
from storage.db import strip_nul
from storage.sql import flushed_connection
from storage.step_sql import step_sql


def _json(value: Any) -> str:
    """Serialise as the JSONText column type does (a JSON text never holds a raw U+0000)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _moment(dialect: str) -> datetime | str:
    """Return now as the UTCDateTime column type binds it (SQLite: SQLAlchemy's naive UTC text)."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else now


@contextmanager
def _cursor(connection: Connection) -> Iterator[Any]:
    """Yield the driver's cursor of a connection; a driver error leaves as SQLAlchemy's."""
    dialect = connection.dialect
    dbapi_connection = connection.connection
    cursor = dbapi_connection.cursor()
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, dbapi_connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise sa_exc.DBAPIError.instance(
            None,
            None,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            dialect=dialect,
            connection_invalidated=lost,
        ) from error
    finally:
        cursor.close()


def _stored(row: Sequence[Any]) -> StoredConversation:
    """Return a conversation row (the columns of step_sql.ROW) as the plain dataclass."""
    return StoredConversation(
        state=json.loads(row[0]),
        schema_version=row[1],
        version=row[2],
        user_key=row[3],
        finished=bool(row[4]),
        question_message_id=row[5],
    )


def take_write_lock(session: Session) -> None:
    """Take SQLite's write lock up front, so a read never has to be upgraded under contention (PostgreSQL: nothing)."""
    connection = flushed_connection(session)
    if connection.dialect.name == "sqlite":
        with _cursor(connection) as cursor:
            cursor.execute("BEGIN IMMEDIATE")


def start_step(
    chat_key: str, update_id: int | None, *, session: Session
) -> tuple[bool, StoredConversation | None]:
    """Lock and load the chat's conversation and mark the update processed.

    Return (False, …) when the update was marked before (by any process): a re-delivery, whose step
    must not run again. Without an update id nothing is marked. The lock is PostgreSQL's row lock
    (SQLite's caller holds the database's write lock instead).
    """
    connection = flushed_connection(session)
    dialect = connection.dialect.name
    chat_key = strip_nul(chat_key)
    with _cursor(connection) as cursor:
        if dialect == "postgresql" and update_id is not None:
            cursor.execute(
                step_sql(dialect, "start"),
                {"chat_key": chat_key, "update_id": update_id, "at": _moment(dialect)},
            )
            row = cursor.fetchone()
            return bool(row[0]), None if row[3] is None else _stored(row[1:])
        fresh = True
        if update_id is not None:
            cursor.execute(step_sql(dialect, "mark"), {"update_id": update_id, "at": _moment(dialect)})
            fresh = bool(cursor.fetchall())
        cursor.execute(step_sql(dialect, "lock"), {"chat_key": chat_key})
        row = cursor.fetchone()
        return fresh, None if row is None else _stored(row)


def finish_step(
    chat_key: str,
    user_key: str,
    state: dict[str, Any],
    schema_version: int,
    expected_version: int | None,
    *,
    session: Session,
    finished: bool | None = None,
    answers: Sequence[tuple[str, Any]] = (),
    clear_question_message: bool = False,
) -> int:
    """Save the state if the row is still at `expected_version` (None: must be new), append `answers`.

    `finished=None` keeps the stored flag (False for a new conversation); `clear_question_message`
    forgets the noted question message. Return the new version; raise StaleConversationError
    (nothing written) when another writer saved first.
    """
    connection = flushed_connection(session)
    dialect = connection.dialect.name
    at = _moment(dialect)
    values: dict[str, Any] = {
        "chat_key": strip_nul(chat_key),
        "user_key": strip_nul(user_key),
        "state": _json(state),
        "schema_version": schema_version,
        "at": at,
    }
    if expected_version is None:
        values["finished"] = bool(finished)
        name = "create"
    else:
        values |= {
            "version": expected_version,
            "new_version": expected_version + 1,
            "finished": finished,
            "clear_question": clear_question_message,
        }
        name = "save"
    facts = [strip_nul(fact) for fact, _ in answers]
    texts = [_json(value) for _, value in answers]
    if dialect == "postgresql":
        values |= {"facts": facts, "answer_values": texts}
    with _cursor(connection) as cursor:
        cursor.execute(step_sql(dialect, name), values)
        if not cursor.fetchall():
            raise StaleConversationError(chat_key, expected_version)
        if dialect != "postgresql" and answers:
            cursor.executemany(
                step_sql(dialect, "answers"),
                [
                    {"chat_key": values["chat_key"], "fact": fact, "value": text, "at": at}
                    for fact, text in zip(facts, texts, strict=True)
                ],
            )
    return 1 if expected_version is None else expected_version + 1


def note_question_message(chat_key: str, message_id: int | None, *, connection: Connection) -> None:
    """Note which message shows the chat's current question (a connection in autocommit mode spares a transaction)."""
    dialect = connection.dialect.name
    with _cursor(connection) as cursor:
        cursor.execute(step_sql(dialect, "note"), {"chat_key": strip_nul(chat_key), "message_id": message_id})
