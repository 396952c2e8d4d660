"""Pieces of the channel a user notices directly: message splitting, flood control, masked logs."""

from __future__ import annotations

import logging

from bot.flow import RateLimiter
from bot.logs import PersonalDataFilter, mask
from bot.markup import TELEGRAM_LIMIT, split_html, to_html, utf16_len
from tests.fakebotapi import parse_html


def test_long_replies_split_on_line_boundaries_with_everything_escaped() -> None:
    """A 20,000-character reply with markup-like text arrives whole, in valid pieces under the limit."""
    lines = [f"第{n}行 **粗体{n}** a<b>&c</b> 😀 " + "字" * (n % 90) for n in range(400)]
    text = "\n".join(lines)
    chunks = split_html(text)
    assert len(chunks) > 1
    plain = []
    for chunk in chunks:
        assert utf16_len(chunk) <= TELEGRAM_LIMIT
        parsed = parse_html(chunk)  # the fake's Telegram-strict HTML parser: raises on bad markup
        assert all(entity["type"] == "bold" for entity in parsed.entities)
        plain.append(parsed.text)
    assert "\n".join(plain) == text.replace("**", "")
    # No line was cut in the middle: every piece starts and ends where a line does.
    plain_lines = set(text.replace("**", "").split("\n"))
    assert all(
        piece.split("\n")[0] in plain_lines and piece.split("\n")[-1] in plain_lines for piece in plain
    )


def test_a_single_enormous_line_is_still_delivered() -> None:
    """One line longer than a message is cut inside the line, escapes intact."""
    text = "&<>" * 5000
    chunks = split_html(text)
    assert "".join(parse_html(chunk).text for chunk in chunks) == text
    assert all(utf16_len(chunk) <= TELEGRAM_LIMIT for chunk in chunks)


def test_unpaired_bold_marker_stays_literal() -> None:
    """Only paired ** become bold; a stray one is shown as typed."""
    assert to_html("**粗** 和 ** 单个") == "<b>粗</b> 和 ** 单个"


def test_flood_is_judged_by_when_messages_were_sent() -> None:
    """Thirty messages in one second: a burst passes, one warning; a backlog typed slowly all passes."""
    limiter = RateLimiter(burst=5, per_minute=60)
    verdicts = [limiter.check("flooder", now=1000.0) for _ in range(30)]
    assert sum(allowed for allowed, _ in verdicts) == 5
    assert sum(warn for _, warn in verdicts) == 1
    backlog = RateLimiter(burst=5, per_minute=60)
    # Typed one every 3 s over 90 s while the bot was down, delivered together afterwards.
    assert all(backlog.check("patient", now=2000.0 + 3 * n)[0] for n in range(30))


def test_log_records_lose_phone_numbers_and_tokens() -> None:
    """Arguments, messages and tracebacks are masked before any handler writes them."""
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "lead %s phone %s", ("A", "13912345678"), None
    )
    try:
        raise RuntimeError(
            "call +8613912345678 via https://api.telegram.org/bot123456:AAAAAAAAAAAAAAAAAAAAAAAA/x"
        )
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record)
    rendered = record.getMessage() + (record.exc_text or "")
    assert "13912345678" not in rendered and "AAAAAAAAAAAAAAAAAAAAAAAA" not in rendered
    assert "139********" in rendered
    assert mask("no numbers here 2026-11-26") == "no numbers here 2026-11-26"
