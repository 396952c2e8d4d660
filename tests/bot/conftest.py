"""Fixtures for the bot's end-to-end tests: the fake Bot API, a bot in this process, databases."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app import BotRunner
from bot.settings import Settings
from tests.fakebotapi import FakeTelegram

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAFF_USER = 900001
STAFF_CHAT = -1001234567890
# Every schema made by this run starts with this prefix (the `test` database is shared).
SCHEMA_PREFIX = f"etb_bot_{uuid.uuid4().hex[:10]}"


def pg_url() -> str:
    """Return the PostgreSQL URL the tests use."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def make_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    """Return settings pointing the bot at the fake server (nothing read from .env)."""
    values: dict[str, Any] = {
        "telegram_bot_token": fake.token,
        "telegram_base_url": fake.base_url,
        "database_url": database_url,
        "staff_user_ids": str(STAFF_USER),
        "staff_chat_id": STAFF_CHAT,
        "poll_timeout": 1,
        "rate_limit_burst": 0,
        "webhook_url": "",
        "webhook_secret": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Yield a started fake Bot API with the staff chat known to it."""
    async with FakeTelegram() as tg:
        tg.add_chat(STAFF_CHAT, title="亦庄绿策 工作群")
        yield tg


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Return a fresh SQLite database file URL."""
    return f"sqlite:///{tmp_path / 'bot.db'}"


@contextlib.asynccontextmanager
async def running_bot(fake: FakeTelegram, database_url: str, **overrides: Any) -> AsyncIterator[BotRunner]:
    """Run the real bot (polling) in this process for the block."""
    runner = BotRunner(make_settings(fake, database_url, **overrides))
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


@pytest.fixture
async def bot(fake: FakeTelegram, sqlite_url: str) -> AsyncIterator[BotRunner]:
    """Yield the bot polling the fake server, on SQLite."""
    async with running_bot(fake, sqlite_url) as runner:
        yield runner


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | str]:
    """Yield an engine on the test PostgreSQL, or why it cannot be reached; drop our schemas at the end."""
    engine = create_engine(make_url(pg_url()).set(drivername="postgresql+psycopg"), pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        engine.dispose()
        yield f"PostgreSQL not reachable at {pg_url()}: {type(error).__name__}: {error}".splitlines()[0]
        return
    yield engine
    with engine.begin() as connection:
        schemas = connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": SCHEMA_PREFIX + "%"},
        ).scalars()
        for schema in list(schemas):
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def pg_database_url(pg_admin: Engine | str) -> str:
    """Return a URL of an empty PostgreSQL schema of its own (skips with the reason if no server)."""
    if isinstance(pg_admin, str):
        pytest.skip(pg_admin)
    schema = f"{SCHEMA_PREFIX}_{uuid.uuid4().hex[:8]}"
    with pg_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return (
        make_url(pg_url())
        .set(drivername="postgresql+psycopg")
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
