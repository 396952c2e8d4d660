"""Backends for the storage contract: a SQLite temp file and a throwaway PostgreSQL schema."""

from __future__ import annotations

import itertools
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import make_engine, make_session_factory, migrate

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The `test` database is shared with other suites: every schema made here starts with this prefix.
SCHEMA_PREFIX = f"etb_storage_{uuid.uuid4().hex[:10]}"
_schema_numbers = itertools.count(1)


@dataclass
class Backend:
    """One empty database for one test."""

    name: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]


def _pg_url() -> str:
    """Return the PostgreSQL URL the tests use."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def _no_server_reason(url: str) -> str | None:
    """Return why no PostgreSQL server answers at the URL's host and port, or None if one does."""
    parsed = make_url(url)
    address = (parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        where = parsed.render_as_string(hide_password=True)
        return f"no PostgreSQL server answers at {where} ({error}); set TEST_DATABASE_URL"
    return None


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | str]:
    """Yield an engine on the test database, or why none answers; drop this run's schemas at the end."""
    reason = _no_server_reason(_pg_url())
    if reason is not None:
        yield reason
        return
    # A server that answers but refuses us (auth, missing database) must fail the tests, not skip them.
    engine = create_engine(make_url(_pg_url()).set(drivername="postgresql+psycopg"), pool_pre_ping=True)
    yield engine
    with engine.begin() as connection:
        leftovers = connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": SCHEMA_PREFIX + "%"},
        ).scalars()
        for schema in list(leftovers):
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, pg_admin: Engine | str) -> Iterator[Backend]:
    """Yield an empty, unmigrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'storage.db'}"
        engine = make_engine(url)
        yield Backend("sqlite", url, engine, make_session_factory(engine))
        engine.dispose()
        return

    if isinstance(pg_admin, str):
        pytest.skip(pg_admin)
    schema = f"{SCHEMA_PREFIX}_{next(_schema_numbers)}"
    with pg_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(_pg_url())
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    try:
        yield Backend("postgresql", url, engine, make_session_factory(engine))
    finally:
        engine.dispose()
        with pg_admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def db(backend: Backend) -> Backend:
    """Return the backend migrated to head."""
    migrate(backend.engine)
    return backend
