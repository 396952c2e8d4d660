"""Which database the app talks to, and how the SQLite connection is set up."""

from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import Lead, default_database_url, make_engine, migrate, normalize_url
from storage import db as storage_db
from tests.storage.conftest import Backend, _pg_url


def test_default_database_is_a_sqlite_file_in_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_database_url() == f"sqlite:///{tmp_path / 'etownbot.db'}"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://bot:pw@db:5432/etown", "postgresql+psycopg://bot:pw@db:5432/etown"),
        ("postgresql://bot@db/etown", "postgresql+psycopg://bot@db/etown"),
        ("postgresql+psycopg://bot@db/etown", "postgresql+psycopg://bot@db/etown"),
        ("sqlite:////var/lib/etownbot/bot.db", "sqlite:////var/lib/etownbot/bot.db"),
    ],
)
def test_database_url_from_environment_uses_psycopg(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert default_database_url() == used
    assert normalize_url(given) == used


def test_postgres_url_gets_psycopg_driver() -> None:
    engine = make_engine("postgres://bot@db.invalid/etown")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    engine.dispose()


def test_a_postgresql_connection_the_server_closed_while_idle_is_replaced_before_use(
    pg_admin: Engine | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(pg_admin, str):
        pytest.skip(pg_admin)
    monkeypatch.setattr(storage_db, "PING_IDLE_S", 0.0)
    engine = make_engine(_pg_url())
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with pg_admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.1)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_wait_when_busy(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() > 0
        # WAL with synchronous=NORMAL (1): a killed process loses no commit, and commits are cheap.
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 1
    engine.dispose()


def test_a_failing_statement_never_shows_its_parameters(backend: Backend) -> None:
    """Integrity errors name the statement, not the company, contact or phone bound to it."""
    migrate(backend.engine)
    secret_company = "北京保密示例科技有限公司"
    data = dict(
        credit_code="91110302MA01ABCD1X",
        company=secret_company,
        contact_name="王秘密",
        phone="13912345678",
        consent_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        consent_text_version="v",
        profile="{}",
        report="{}",
        measures="[]",
        total_yuan=1,
        user_key="tg:1",
        chat_key="tg:1",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    with backend.engine.begin() as connection:
        connection.execute(Lead.__table__.insert(), data)
    with pytest.raises(IntegrityError) as raised, backend.engine.begin() as connection:
        connection.execute(Lead.__table__.insert(), data)
    shown = str(raised.value)
    assert "INSERT INTO leads" in shown and "[parameters:" not in shown
    # PostgreSQL's own DETAIL names the duplicate key (the credit code): bot.logs masks that shape.
    for value in (secret_company, "王秘密", "13912345678"):
        assert value not in shown


def test_postgresql_statements_are_cut_off_by_the_statement_timeout(pg_admin: Engine | str) -> None:
    if isinstance(pg_admin, str):
        pytest.skip(pg_admin)
    engine = make_engine(pg_admin.url.render_as_string(hide_password=False), statement_timeout_ms=300)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "300ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()


def test_a_postgresql_server_that_never_answers_fails_within_the_connect_timeout() -> None:
    """A socket that accepts and then says nothing: connecting gives up instead of hanging."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql://bot@127.0.0.1:{port}/etown", connect_timeout=1)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
        # Not a speed assertion: a guard that it did not wait for the default (or forever).
        assert time.monotonic() - started < 8
        engine.dispose()


def test_one_credit_code_normaliser_where_input_is_read() -> None:
    import storage
    from dialogs.validate import normalise_credit_code

    assert not hasattr(storage, "normalize_credit_code")  # storage stores what it is given
    typed = ("91110302MA01ABCD1X", " 9111 0302-ma01abcd1x ", "９１１１０３０２MA01ABCD1X")
    assert {normalise_credit_code(code) for code in typed} == {"91110302MA01ABCD1X"}
    assert normalise_credit_code(normalise_credit_code(typed[1])) == normalise_credit_code(typed[1])
