"""Logging set-up: personal data and secrets never reach a log line, at any level.

What a user typed (names, company names, answers) cannot be recognised by its shape, so library
debug logs that print whole updates or Bot API parameters have the values of the fields that carry
it replaced; what has a recognisable shape (mobiles, credit codes, tokens) is masked anywhere.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

# Mainland mobile numbers (个人信息保护法: a phone number is personal information). The lookarounds
# keep the digits of longer numbers (update ids, chat ids) intact.
PHONE_RE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?1[3-9]\d{9}(?![\d])")
# 统一社会信用代码 (GB 32100-2015): 18 characters of digits and capitals without I, O, S, V, Z.
CREDIT_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])"
)
# A bot token inside a URL such as https://api.telegram.org/bot123:ABC/sendMessage.
TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
# Fields of updates, Bot API calls and our own records that carry what a person typed or is called.
PERSONAL_FIELDS = (
    "text",
    "caption",
    "first_name",
    "last_name",
    "username",
    "title",
    "phone_number",
    "vcard",
    "data",
    "query",
    "question",
    "company",
    "contact_name",
    "credit_code",
    "phone",
    "secret_token",
    "address",
    "email",
    "name",
)
_FIELDS = "|".join(PERSONAL_FIELDS)
# key='value' / key="value" (repr of objects and dicts) and "key": "value" (JSON), with escapes.
_QUOTED_FIELD_RE = re.compile(
    rf"""(?P<key>(?<![A-Za-z_])['"]?(?:{_FIELDS})['"]?\s*[:=]\s*)(?P<q>['"])(?:\\.|(?!(?P=q)).)*(?P=q)""",
    re.DOTALL,
)
# Chinese company names: the characters before a legal-form suffix.
COMPANY_RE = re.compile(
    r"[\u4e00-\u9fff（）()A-Za-z0-9·]{2,40}?(?:股份有限公司|有限责任公司|有限公司|合伙企业|集团|公司|研究院|工厂)"
)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace personal data, tokens and the given secrets in a text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<secret>")
    text = TOKEN_RE.sub("<token>", text)
    text = _QUOTED_FIELD_RE.sub(lambda m: f"{m.group('key')}{m.group('q')}…{m.group('q')}", text)
    text = CREDIT_CODE_RE.sub("<credit-code>", text)
    text = COMPANY_RE.sub("<company>", text)
    return PHONE_RE.sub(lambda m: m.group(0)[:-8] + "********", text)


class PersonalDataFilter(logging.Filter):
    """Rewrite a record so its message and traceback carry no personal data, token or secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Remember literal secrets to hide too (the webhook secret, the token)."""
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the fully formatted message (arguments included) and any exception text."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = mask(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, self.secrets)
        return True


def setup_logging(level: str = "INFO", stream: TextIO | None = None, secrets: Iterable[str] = ()) -> None:
    """Log to stderr through the masking filter; quieten the libraries that log URLs, SQL and rows."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # SQLAlchemy at INFO/DEBUG echoes every statement and result row (answers, leads).
    for noisy in ("httpx", "httpcore", "tornado.access", "sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def install_filter_everywhere(secrets: Iterable[str] = ()) -> None:
    """Add the masking filter to every handler already attached to the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter(secrets))
