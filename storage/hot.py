"""The per-update hot path's statements: Core statements built once per dialect."""

from __future__ import annotations

from sqlalchemy import Connection, Table, bindparam, select, text, update
from sqlalchemy.sql.expression import Executable

from storage.models import Answer, Conversation, ProcessedUpdate, User
from storage.sql import dialect_insert

# --- the per-update hot path: Core statements built once per dialect -------------------------------
# Every Telegram update runs mark_update_processed, lock_conversation and save_conversation (and
# usually record_answers); building ORM statements anew costs more CPU than the database work
# (bench/bot.py). These are built once and executed on the session's connection, so SQLAlchemy's
# compiled cache serves them; they touch no ORM objects, so nothing in the identity map goes stale.
_conversations: Table = Conversation.__table__  # type: ignore[assignment]
_processed: Table = ProcessedUpdate.__table__  # type: ignore[assignment]
_users: Table = User.__table__  # type: ignore[assignment]
_answers: Table = Answer.__table__  # type: ignore[assignment]
_HOT: dict[tuple[str, str], Executable] = {}


def hot_statement(connection: Connection, name: str) -> Executable:
    """Return one of the hot-path statements for the connection's dialect, building it once."""
    dialect = connection.dialect.name
    statement = _HOT.get((dialect, name))
    if statement is None:
        statement = _build_hot(dialect, name)
        _HOT[(dialect, name)] = statement
    return statement


def _build_hot(dialect: str, name: str) -> Executable:
    """Build a hot-path statement (parameters are given at execution)."""
    c = _conversations.c
    if name == "mark":
        # As text: SQLAlchemy cannot cache an INSERT .. ON CONFLICT construct, so it would be
        # compiled anew on every update; this SQL is the same on SQLite and PostgreSQL.
        return (
            text(
                "INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
                "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
            )
            .bindparams(
                bindparam("update_id", type_=_processed.c.update_id.type),
                bindparam("at", type_=_processed.c.at.type),
            )
            .columns(_processed.c.update_id)
        )
    if name in ("load", "lock"):
        stmt = select(
            c.state, c.schema_version, c.version, c.user_key, c.finished, c.question_message_id
        ).where(c.chat_key == bindparam("b_chat_key"))
        return stmt.with_for_update() if name == "lock" and dialect == "postgresql" else stmt
    if name == "question_message":
        return (
            update(_conversations)
            .where(c.chat_key == bindparam("b_chat_key"))
            .values(question_message_id=bindparam("message_id"))
        )
    if name == "insert_conversation":
        return (
            dialect_insert(dialect, _conversations)
            .on_conflict_do_nothing(index_elements=[c.chat_key])
            .returning(c.version)
        )
    if name == "update_conversation":
        # The version test sits in the UPDATE itself; PostgreSQL re-checks it after waiting on a
        # row lock, so two writers holding the same version can never both succeed.
        return (
            update(_conversations)
            .where(c.chat_key == bindparam("b_chat_key"), c.version == bindparam("b_version"))
            .returning(c.version)
        )
    if name in ("touch_user", "touch_user_lang"):
        insert = dialect_insert(dialect, _users)
        refreshed = {"last_seen_at": insert.excluded.last_seen_at}
        if name == "touch_user_lang":
            refreshed["lang"] = insert.excluded.lang
        return insert.on_conflict_do_update(index_elements=[_users.c.key], set_=refreshed)
    if name == "answers":
        return _answers.insert()
    raise KeyError(name)
