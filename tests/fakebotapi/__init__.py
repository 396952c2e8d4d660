"""A fake Telegram Bot API server for end-to-end tests of the bot (see README.md here)."""

from .entities import EntityParseError, parse_html, parse_markdown_v2, utf16_len
from .models import (
    ApiError,
    BotCall,
    CallbackAnswer,
    FakeTelegramError,
    SentFile,
    SentMessage,
    WebhookConfig,
    WebhookDelivery,
)
from .server import DEFAULT_TOKEN, TINY_PNG, FakeTelegram

__all__ = [
    "DEFAULT_TOKEN",
    "TINY_PNG",
    "ApiError",
    "BotCall",
    "CallbackAnswer",
    "EntityParseError",
    "FakeTelegram",
    "FakeTelegramError",
    "SentFile",
    "SentMessage",
    "WebhookConfig",
    "WebhookDelivery",
    "parse_html",
    "parse_markdown_v2",
    "utf16_len",
]
