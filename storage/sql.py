"""SQL helpers the data modules share: the dialect's INSERT, counting rows, the session's connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Base

DEFAULT_LANG = "zh"


def dialect_insert_for(session: Session, model: type[Base]) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT so ON CONFLICT is available on both backends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(model)
    if dialect == "sqlite":
        return sqlite_insert(model)
    raise NotImplementedError(f"unsupported database backend: {dialect}")


def dialect_insert(dialect: str, table: Table) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT for a table (ON CONFLICT on both backends)."""
    if dialect == "postgresql":
        return pg_insert(table)
    if dialect == "sqlite":
        return sqlite_insert(table)
    raise NotImplementedError(f"unsupported database backend: {dialect}")


def flushed_connection(session: Session) -> Connection:
    """Return the session's connection after flushing pending ORM changes (as a Session query would)."""
    session.flush()
    return session.connection()


def count_rows(session: Session, *criteria: Any, model: type[Base]) -> int:
    """Count rows of a model matching the criteria."""
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0
