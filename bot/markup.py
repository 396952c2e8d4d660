"""Reply text (plain, with **bold** as the only markup) to Telegram HTML or to the terminal.

A backslash makes the next ``*`` or ``\\`` literal: that is how user text (a company named
"**粗体**公司") is quoted inside a reply without becoming bold (see ``dialogs.render.literal``).
"""

from __future__ import annotations

import html
import re

# Bot API: a message text holds at most 4096 characters after entity parsing; we bound the HTML
# source instead (always longer), counted in UTF-16 code units as Telegram counts.
TELEGRAM_LIMIT = 4096

Run = tuple[str, bool]


def utf16_len(text: str) -> int:
    """Return the length of a text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_TOKEN = re.compile(r"(\\[*\\]|\*\*)")


def runs(text: str) -> list[Run]:
    """Split text into (piece, bold) runs; an unpaired ** and an escaped \\* stay literal."""
    if "\\" not in text:
        parts = text.split("**")
    else:
        parts = [""]
        for token in _TOKEN.split(text):
            if token == "**":
                parts.append("")
            elif len(token) == 2 and token[0] == "\\" and token[1] in "*\\":
                parts[-1] += token[1]
            else:
                parts[-1] += token
    if len(parts) % 2 == 0:  # odd number of markers: the last one has no partner
        parts[-2:] = [parts[-2] + "**" + parts[-1]]
    return [(part, index % 2 == 1) for index, part in enumerate(parts) if part]


def _html(pieces: list[Run]) -> str:
    """Render runs as Telegram HTML with every character of the text escaped."""
    out = []
    for piece, bold in pieces:
        escaped = html.escape(piece, quote=False)
        out.append(f"<b>{escaped}</b>" if bold and piece.strip() else escaped)
    return "".join(out)


def to_html(text: str) -> str:
    """Render a whole reply text as Telegram HTML."""
    return _html(runs(text))


def to_plain(text: str) -> str:
    """Drop the bold markers (for the terminal or a text file)."""
    return "".join(piece for piece, _ in runs(text))


def _lines(pieces: list[Run]) -> list[list[Run]]:
    """Cut runs at newlines so that no bold span crosses a line."""
    lines: list[list[Run]] = [[]]
    for piece, bold in pieces:
        for index, part in enumerate(piece.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append((part, bold))
    return lines


def _cut_long_line(line: list[Run], limit: int) -> list[str]:
    """Cut one over-long line into HTML pieces of at most `limit` UTF-16 units."""
    pieces: list[str] = []
    current: list[Run] = []
    size = 0
    for piece, bold in line:
        overhead = 7 if bold else 0  # <b></b>
        for char in piece:
            cost = utf16_len(html.escape(char, quote=False))
            if size + cost + overhead > limit and current:
                pieces.append(_html(current))
                current, size = [], 0
            if current and current[-1][1] == bold:
                current[-1] = (current[-1][0] + char, bold)
            else:
                current.append((char, bold))
                size += overhead
            size += cost
    if current:
        pieces.append(_html(current))
    return pieces


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Render text as HTML messages of at most `limit` units each, cutting on line boundaries."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in _lines(runs(text)):
        rendered = _html(line)
        length = utf16_len(rendered)
        parts = [rendered] if length <= limit else _cut_long_line(line, limit)
        for part in parts:
            part_len = utf16_len(part)
            extra = part_len + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append("\n".join(current))
                current, size = [], 0
                extra = part_len
            current.append(part)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]
