"""The per-update hot path's statements: Core statements built once per dialect."""

from __future__ import annotations

from sqlalchemy import Boolean, Connection, Integer, Table, Text, bindparam, column, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
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
    if name in _PG_STEP:
        return _pg_step(name)
    raise KeyError(name)


# --- PostgreSQL: one statement where SQLite runs several -------------------------------------------
# Each statement is a round trip to the server and ~0.1 ms of driver and SQLAlchemy CPU here; SQLite
# runs in-process, so there the separate statements cost less than composing them would.
_ROW = "state, schema_version, version, user_key, finished, question_message_id"
# The chat's row is locked before the update is marked (the INSERT reads the locked CTE), so two
# deliveries of one update always take the two locks in the same order.
_START = f"""
WITH c AS (SELECT {_ROW} FROM conversations WHERE chat_key = :chat_key FOR UPDATE),
m AS (
    INSERT INTO processed_updates (update_id, at)
    SELECT :update_id, :at FROM (SELECT count(*) FROM c) AS locked
    ON CONFLICT (update_id) DO NOTHING RETURNING update_id
)
SELECT (SELECT count(*) FROM m) AS fresh, {", ".join("c." + n for n in _ROW.split(", "))}
FROM (VALUES (1)) AS one (x) LEFT JOIN c ON true
"""
# The answers go in with the state, in order, only when the state was written.
_ANSWERS = """
a AS (
    INSERT INTO answers (chat_key, fact, value, at)
    SELECT :chat_key, x.fact, x.value, :at
    FROM s, unnest(CAST(:facts AS text[]), CAST(:answer_values AS text[])) WITH ORDINALITY AS x (fact, value, n)
    ORDER BY x.n
)
SELECT version FROM s
"""
_SAVE = f"""
WITH s AS (
    UPDATE conversations SET user_key = :user_key, state = :state, schema_version = :schema_version,
        version = :new_version, updated_at = :at, finished = COALESCE(:finished, finished),
        question_message_id = CASE WHEN :clear_question THEN NULL ELSE question_message_id END
    WHERE chat_key = :chat_key AND version = :version
    RETURNING version
),{_ANSWERS}"""
_CREATE = f"""
WITH s AS (
    INSERT INTO conversations (chat_key, user_key, state, schema_version, version, finished, updated_at)
    VALUES (:chat_key, :user_key, :state, :schema_version, 1, :finished, :at)
    ON CONFLICT (chat_key) DO NOTHING RETURNING version
),{_ANSWERS}"""
_PG_STEP = {"pg_start": _START, "pg_save": _SAVE, "pg_create": _CREATE}


def _pg_step(name: str) -> Executable:
    """Build one of PostgreSQL's composed step statements with the columns' types bound."""
    c = _conversations.c
    types = {
        "chat_key": c.chat_key.type,
        "user_key": c.user_key.type,
        "state": c.state.type,
        "schema_version": c.schema_version.type,
        "version": c.version.type,
        "new_version": c.version.type,
        "finished": c.finished.type,
        "at": c.updated_at.type,
        "update_id": _processed.c.update_id.type,
        "facts": ARRAY(Text()),
        "answer_values": ARRAY(Text()),
        "clear_question": Boolean(),
    }
    sql = _PG_STEP[name]
    statement = text(sql).bindparams(
        *(bindparam(key, type_=kind) for key, kind in types.items() if f":{key}" in sql)
    )
    if name == "pg_start":
        return statement.columns(
            column("fresh", Integer()),
            c.state,
            c.schema_version,
            c.version,
            c.user_key,
            c.finished,
            c.question_message_id,
        )
    return statement.columns(c.version)
