"""Bot configuration from the environment or a `.env` file (pydantic-settings)."""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any, Literal, NoReturn
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from bot.staff import OfficeHours

# What BotFather hands out: "<bot id>:<secret>".
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,128}$")
# Telegram accepts only these characters in a webhook secret token (Bot API, setWebhook).
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
EXIT_BAD_SETTINGS = 2


class Settings(BaseSettings):
    """Everything `etownbot run` needs; every field comes from an environment variable of the same name."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: str = ""
    database_url: str = ""
    staff_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    staff_chat_id: int | None = None
    bot_lang: Literal["zh", "en"] = "zh"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_base_url: str = ""
    telegram_base_file_url: str = ""
    # Per user: a burst of RATE_LIMIT_BURST updates, refilled at RATE_LIMIT_PER_MINUTE; 0 turns it off.
    rate_limit_burst: int = Field(default=20, ge=0, le=10_000)
    rate_limit_per_minute: int = Field(default=60, ge=0, le=100_000)
    max_concurrent_updates: int = Field(default=64, ge=1, le=1024)
    poll_timeout: int = Field(default=30, ge=0, le=120)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # PostgreSQL: give up connecting after this many seconds; the server cancels longer statements.
    database_connect_timeout: int = Field(default=10, ge=1, le=300)
    database_statement_timeout: int = Field(default=30, ge=1, le=3600)
    # The help desk (Beijing time): told to users who pass a question on; reminders to the staff chat.
    staff_hours: str = "09:00-17:30"
    staff_workdays: str = "1-5"
    staff_reply_hours: int = Field(default=2, ge=1, le=72)
    staff_remind_after_minutes: float = Field(default=120, gt=0, le=7 * 24 * 60)

    @field_validator(
        "telegram_bot_token", "webhook_url", "webhook_secret", "telegram_base_url", mode="before"
    )
    @classmethod
    def _strip(cls, value: Any) -> Any:
        """Ignore surrounding blanks, which .env files often carry."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        """Accept the level in any case."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("bot_lang", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        """Accept the language in any case."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _blank_chat(cls, value: Any) -> Any:
        """Treat an empty STAFF_CHAT_ID as unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: str) -> str:
        """Check the token's shape so a typo fails at start-up, not at the first request."""
        if value and not _TOKEN_RE.match(value):
            raise ValueError(
                "does not look like a BotFather token (digits, a colon, then letters/digits/_/-)"
            )
        return value

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        """Split a comma (or space) separated list of numeric Telegram user ids."""
        if isinstance(value, int):
            return frozenset({value})
        if isinstance(value, str):
            parts = [part for part in re.split(r"[,\s;]+", value) if part]
            bad = [part for part in parts if not re.fullmatch(r"-?\d{1,20}", part)]
            if bad:
                raise ValueError(f"not a numeric Telegram user id: {bad[0]!r}")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        """Accept SQLite or PostgreSQL URLs only."""
        value = value.strip()
        if not value:
            return value
        try:
            url = make_url(value)
        except Exception as error:
            raise ValueError(f"not a database URL ({error})") from None
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite:///file.db or postgresql://…")
        return value

    @field_validator("webhook_url", "telegram_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """Require an absolute http(s) URL."""
        if value:
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError("must be an absolute http(s):// URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        """Allow only what Telegram allows in X-Telegram-Bot-Api-Secret-Token."""
        if value and not _SECRET_RE.match(value):
            raise ValueError("use 1-256 characters from A-Z a-z 0-9 _ -")
        return value

    @model_validator(mode="after")
    def _office_hours(self) -> Settings:
        """Check STAFF_HOURS and STAFF_WORKDAYS at start-up."""
        self.office_hours()
        return self

    def office_hours(self) -> OfficeHours:
        """Return when staff answer, from STAFF_HOURS, STAFF_WORKDAYS and STAFF_REPLY_HOURS."""
        return OfficeHours.parse(self.staff_hours, self.staff_workdays, self.staff_reply_hours)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        """Refuse a webhook without a secret: anyone could otherwise post fake updates."""
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @property
    def webhook_path(self) -> str:
        """Return the path part of WEBHOOK_URL the local server answers on."""
        return urlparse(self.webhook_url).path or "/"

    @property
    def base_file_url(self) -> str:
        """Return the file URL matching TELEGRAM_BASE_URL (".../bot" → ".../file/bot")."""
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        if not self.telegram_base_url:
            return ""
        root, _, tail = self.telegram_base_url.rstrip("/").rpartition("/")
        return f"{root}/file/{tail}"

    def describe_database(self) -> str:
        """Name the database in use without its password: "SQLite file …" or "PostgreSQL host/db"."""
        url = make_url(self.effective_database_url())
        if url.get_backend_name() == "sqlite":
            return f"SQLite {url.database or ':memory:'}"
        return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"

    def effective_database_url(self) -> str:
        """Return DATABASE_URL, or the default SQLite file."""
        from storage import default_database_url, normalize_url

        return normalize_url(self.database_url) if self.database_url else default_database_url()


def describe_error(error: ValidationError) -> str:
    """Turn pydantic's report into one line naming the variable and the problem."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first.get("loc", ())).upper()
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    more = len(error.errors()) - 1
    tail = f" (+{more} more)" if more > 0 else ""
    where = f"{name}: " if name else ""
    from dialogs.messages import t

    # An operator's note: one line in both languages, the same in each catalogue.
    return t("bot.config_error", "zh", problem=f"{where}{message}{tail}")


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `.env`; raise ValidationError when one is bad."""
    return Settings(**overrides)


def load_settings_or_exit(**overrides: Any) -> Settings:
    """Read settings; on a bad one print a single line (Chinese + English) and exit with code 2."""
    try:
        return load_settings(**overrides)
    except ValidationError as error:
        _fail(describe_error(error))


def _fail(line: str) -> NoReturn:
    """Print one line to stderr and exit with the settings error code."""
    print(line, file=sys.stderr)
    raise SystemExit(EXIT_BAD_SETTINGS)
