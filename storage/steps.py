"""One dialog step's reads and writes, in as few statements as the database allows.

A step is: mark the update processed, lock and load the chat's conversation, (the dialog runs),
save the state with its new answers. On PostgreSQL each half is one statement (see storage/hot.py):
two round trips inside the caller's transaction instead of five or six. On SQLite they stay
separate statements (in-process calls, cheaper than composing them). The channel's note of which
message shows the question is one statement in a transaction of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from storage.conversations import (
    StaleConversationError,
    StoredConversation,
    lock_conversation,
    record_answers,
    save_conversation,
)
from storage.hot import hot_statement
from storage.models import utcnow
from storage.sql import flushed_connection
from storage.updates import mark_update_processed


def start_step(
    chat_key: str, update_id: int | None, *, session: Session
) -> tuple[bool, StoredConversation | None]:
    """Lock and load the chat's conversation and mark the update processed.

    Return (False, …) when the update was marked before (by any process): a re-delivery, whose step
    must not run again. Without an update id nothing is marked.
    """
    connection = flushed_connection(session)
    if update_id is None or connection.dialect.name != "postgresql":
        if update_id is not None and not mark_update_processed(update_id, session=session):
            return False, lock_conversation(chat_key, session=session)
        return True, lock_conversation(chat_key, session=session)
    row = connection.execute(
        hot_statement(connection, "pg_start"), {"chat_key": chat_key, "update_id": update_id, "at": utcnow()}
    ).one()
    stored = (
        None
        if row[3] is None
        else StoredConversation(
            state=row[1],
            schema_version=row[2],
            version=row[3],
            user_key=row[4],
            finished=bool(row[5]),
            question_message_id=row[6],
        )
    )
    return bool(row[0]), stored


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
    """Save the state as `save_conversation` does, append `answers` and, if asked, forget the question's message.

    Return the new version; raise StaleConversationError (nothing written) when another writer
    saved first.
    """
    connection = flushed_connection(session)
    if connection.dialect.name != "postgresql":
        version = save_conversation(
            chat_key,
            user_key,
            state,
            schema_version,
            expected_version,
            session=session,
            finished=finished,
            clear_question_message=clear_question_message,
        )
        record_answers(chat_key, list(answers), session=session)
        return version
    values: dict[str, Any] = {
        "chat_key": chat_key,
        "user_key": user_key,
        "state": state,
        "schema_version": schema_version,
        "at": utcnow(),
        # As JSONText stores them (storage/models.py).
        "facts": [fact for fact, _ in answers],
        "answer_values": [
            json.dumps(value, ensure_ascii=False, separators=(",", ":")) for _, value in answers
        ],
    }
    if expected_version is None:
        values["finished"] = bool(finished)
        name = "pg_create"
    else:
        values |= {
            "version": expected_version,
            "new_version": expected_version + 1,
            "finished": finished,
            "clear_question": clear_question_message,
        }
        name = "pg_save"
    if connection.execute(hot_statement(connection, name), values).first() is None:
        raise StaleConversationError(chat_key, expected_version)
    return 1 if expected_version is None else expected_version + 1


def note_question_message(chat_key: str, message_id: int | None, *, connection: Connection) -> None:
    """Note which message shows the chat's current question, on a connection in autocommit mode.

    One statement is its own transaction: no BEGIN and COMMIT round trips for a one-row update.
    """
    connection.execute(
        hot_statement(connection, "question_message"), {"b_chat_key": chat_key, "message_id": message_id}
    )
