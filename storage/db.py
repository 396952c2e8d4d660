"""Engines, sessions and programmatic Alembic migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE_FILE = "etownbot.db"
# Arbitrary constant shared by every process of this app: serialises concurrent `migrate()` calls.
MIGRATION_LOCK_ID = 0x65746F776E  # "etown"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL: give up on a server that accepts the connection but never answers, instead of hanging.
CONNECT_TIMEOUT_S = 10
# PostgreSQL: the server cancels any statement (or lock wait) running longer than this.
STATEMENT_TIMEOUT_MS = 30_000
# PostgreSQL: a pooled connection idle longer than this is pinged before use (a server restart or
# an idle timeout may have closed it); one used more recently goes straight to work, sparing a
# round trip per step under traffic. A connection that fails anyway invalidates the pool, and its
# step fails and is retried like any step during an outage.
PING_IDLE_S = 2.0
# PostgreSQL: connections kept open in a process's pool; more than its step threads
# (bot/runtime.py POSTGRESQL_STEP_THREADS) plus the staff tools', so a step never opens one.
PG_POOL_SIZE = 10


def default_database_url() -> str:
    """Return env DATABASE_URL, else a SQLite file etownbot.db in the current directory."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalize_url(url)
    return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


def normalize_url(url: str) -> str:
    """Rewrite postgres:// and postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _is_sqlite(url: str) -> bool:
    """Tell whether a URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    *,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
) -> Engine:
    """Create an engine that never logs bound values and never stores U+0000.

    SQLite gets WAL with synchronous=NORMAL, foreign keys and a busy timeout; PostgreSQL gets a ping of
    connections that sat idle, a connect timeout and a statement timeout.
    """
    url = normalize_url(url)
    if not _is_sqlite(url):
        # Parameters hold credit codes, names and phone numbers: keep them out of error messages.
        engine = create_engine(
            url,
            hide_parameters=True,
            pool_size=PG_POOL_SIZE,
            connect_args={"connect_timeout": max(1, round(connect_timeout))},
        )
        _strip_nul_on_the_way_in(engine)
        _ping_when_idle(engine)

        @event.listens_for(engine, "connect")
        def _pg_timeouts(dbapi_connection: Any, _record: Any) -> None:
            """Bound every statement on a new connection."""
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            finally:
                cursor.close()
            dbapi_connection.commit()

        return engine
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _strip_nul_on_the_way_in(engine)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        """Apply per-connection SQLite settings."""
        cursor = dbapi_connection.cursor()
        try:
            database = make_url(url).database
            if database and database != ":memory:":
                _enable_wal(cursor)
                # In WAL mode only an operating-system crash or power loss can roll back the last
                # commits; a killed process loses nothing. About 25x faster commits. Production
                # runs on PostgreSQL (docs/deploy.md).
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return engine


def strip_nul(value: Any) -> Any:
    """Return a bound value without U+0000 characters (PostgreSQL refuses them in text)."""
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _clean_parameters(parameters: Any) -> Any:
    """Strip U+0000 from every string in one statement's parameters (dict, sequence, or a list of them)."""
    if isinstance(parameters, dict):
        return {key: strip_nul(value) for key, value in parameters.items()}
    if isinstance(parameters, tuple):
        return tuple(strip_nul(value) for value in parameters)
    if isinstance(parameters, list):
        return [
            _clean_parameters(item) if isinstance(item, dict | tuple | list) else strip_nul(item)
            for item in parameters
        ]
    return parameters


def _strip_nul_on_the_way_in(engine: Engine) -> None:
    """Clean U+0000 out of every value sent to the database: the one place text enters storage.

    A user can type it (or a client can send it) in any free-text answer; SQLite would store it
    and PostgreSQL would fail the whole step, so both now store the text without it.
    """

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _clean(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> tuple[str, Any]:
        return statement, _clean_parameters(parameters)


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it was idle longer than `PING_IDLE_S`."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from <= PING_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (SQLAlchemy's documented way).
            raise sa_exc.DisconnectionError() from error
        if not alive:
            raise sa_exc.DisconnectionError()


def _enable_wal(cursor: Any) -> None:
    """Switch a SQLite file to WAL, waiting while another process holds it.

    Changing the journal mode needs the database to itself and SQLite does not always wait on the
    busy handler for it, so two processes opening a new file at once can see "database is locked".
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Create a session factory bound to an engine; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run one transaction: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None) -> Config:
    """Build an Alembic config pointing at the migrations shipped inside this package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: "%%" is a literal "%".
    cfg.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def migrate(url_or_engine: str | Engine) -> None:
    """Upgrade the database to the newest migration; idempotent and safe for concurrent starts."""
    if isinstance(url_or_engine, str):
        engine = make_engine(url_or_engine)
        try:
            _upgrade(engine)
        finally:
            engine.dispose()
    else:
        _upgrade(url_or_engine)


def _upgrade(engine: Engine) -> None:
    """Run `alembic upgrade head` in one transaction while holding a database-wide lock."""
    with engine.connect() as connection:
        if _at_head(connection):
            # Every start but the first after an upgrade: no need to import Alembic (~0.2 s CPU).
            return
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Transaction-scoped advisory lock: a second process waits, then finds the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        elif connection.dialect.name == "sqlite":
            # pysqlite would run DDL outside any transaction; take the write lock up front instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+)$", re.M)


def _head_revisions() -> set[str]:
    """Return the head revision ids of the shipped migrations, read from their files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            ids = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (parents if name == "down_revision" else revisions).update(ids)
    return revisions - parents


def _at_head(connection: Connection) -> bool:
    """Tell whether the database is already at the newest migration (then nothing is to be run)."""
    heads = _head_revisions()
    if not heads or not inspect(connection).has_table("alembic_version"):
        return False
    stored = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    connection.rollback()
    return stored == heads
