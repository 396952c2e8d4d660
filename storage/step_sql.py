"""The SQL of one dialog step, per dialect, run on the driver's own cursor (see storage/steps.py).

PostgreSQL does each half of a step in one statement: a round trip to the server and the driver's
work once instead of three times. SQLite runs in-process, so there the separate statements cost
less than composing them would. Written with `:name` parameters (sqlite3's named style);
PostgreSQL's are rewritten once to psycopg's `%(name)s`.
"""

from __future__ import annotations

import re
from functools import cache

ROW = "state, schema_version, version, user_key, finished, question_message_id"

# The chat's row is locked before the update is marked (the INSERT reads the locked CTE), so two
# deliveries of one update always take the two locks in the same order.
_PG_START = f"""
WITH c AS (SELECT {ROW} FROM conversations WHERE chat_key = :chat_key FOR UPDATE),
m AS (
    INSERT INTO processed_updates (update_id, at)
    SELECT :update_id, :at FROM (SELECT count(*) FROM c) AS locked
    ON CONFLICT (update_id) DO NOTHING RETURNING update_id
)
SELECT (SELECT count(*) FROM m), {", ".join("c." + name for name in ROW.split(", "))}
FROM (VALUES (1)) AS one (x) LEFT JOIN c ON true
"""
# The answers go in with the state, in order, and only when the state was written.
_PG_ANSWERS = """
a AS (
    INSERT INTO answers (chat_key, fact, value, at)
    SELECT :chat_key, x.fact, x.value, :at
    FROM s, unnest(CAST(:facts AS text[]), CAST(:answer_values AS text[])) WITH ORDINALITY AS x (fact, value, n)
    ORDER BY x.n
)
SELECT version FROM s
"""
# The version test sits in the UPDATE itself; PostgreSQL re-checks it after waiting on a row lock,
# so two writers holding the same version can never both succeed.
_UPDATE = """
UPDATE conversations SET user_key = :user_key, state = :state, schema_version = :schema_version,
    version = :new_version, updated_at = :at, finished = COALESCE(:finished, finished),
    question_message_id = CASE WHEN :clear_question THEN NULL ELSE question_message_id END
WHERE chat_key = :chat_key AND version = :version
RETURNING version
"""
# ON CONFLICT DO NOTHING: of two concurrent first saves, the second inserts nothing.
_INSERT = """
INSERT INTO conversations (chat_key, user_key, state, schema_version, version, finished, updated_at)
VALUES (:chat_key, :user_key, :state, :schema_version, 1, :finished, :at)
ON CONFLICT (chat_key) DO NOTHING RETURNING version
"""
_MARK = (
    "INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_NOTE = "UPDATE conversations SET question_message_id = :message_id WHERE chat_key = :chat_key"

_SQL: dict[tuple[str, str], str] = {
    ("postgresql", "start"): _PG_START,
    ("postgresql", "lock"): f"SELECT {ROW} FROM conversations WHERE chat_key = :chat_key FOR UPDATE",
    ("postgresql", "save"): f"WITH s AS ({_UPDATE}),{_PG_ANSWERS}",
    ("postgresql", "create"): f"WITH s AS ({_INSERT}),{_PG_ANSWERS}",
    ("postgresql", "note"): _NOTE,
    ("sqlite", "mark"): _MARK,
    ("sqlite", "lock"): f"SELECT {ROW} FROM conversations WHERE chat_key = :chat_key",
    ("sqlite", "save"): _UPDATE,
    ("sqlite", "create"): _INSERT,
    (
        "sqlite",
        "answers",
    ): "INSERT INTO answers (chat_key, fact, value, at) VALUES (:chat_key, :fact, :value, :at)",
    ("sqlite", "note"): _NOTE,
}


@cache
def step_sql(dialect: str, name: str) -> str:
    """Return a step statement in the driver's parameter style."""
    sql = _SQL[(dialect, name)]
    if dialect == "postgresql":
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
    return sql
