"""Which database the app talks to, and how the SQLite connection is set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage import default_database_url, make_engine, normalize_url


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


def test_postgres_url_gets_psycopg_driver_and_pre_ping() -> None:
    engine = make_engine("postgres://bot@db.invalid/etown")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    assert engine.pool._pre_ping
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_wait_when_busy(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() > 0
    engine.dispose()
