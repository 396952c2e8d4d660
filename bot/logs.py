"""Logging set-up: personal data (mobile numbers) and the bot token never reach a log line."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

# Mainland mobile numbers (个人信息保护法: a phone number is personal information).
PHONE_RE = re.compile(r"1[3-9]\d{9}")
# A bot token inside a URL such as https://api.telegram.org/bot123:ABC/sendMessage.
TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")


def mask(text: str) -> str:
    """Replace every mobile number and bot token in a text."""
    text = TOKEN_RE.sub("<token>", text)
    return PHONE_RE.sub(lambda m: m.group(0)[:3] + "********", text)


class PersonalDataFilter(logging.Filter):
    """Rewrite a record so its message and traceback carry no phone number or token."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the fully formatted message (arguments included) and any exception text."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Log to stderr through the masking filter; quieten the HTTP client, which logs URLs."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def install_filter_everywhere() -> None:
    """Add the masking filter to every handler already attached to the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
