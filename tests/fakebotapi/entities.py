"""Parse formatted bot text (HTML, MarkdownV2) into plain text plus entities, the way Telegram does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Telegram reports entity offsets and lengths in UTF-16 code units.


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Return the UTF-8 byte offset of index in text (Telegram's error messages count bytes)."""
    return len(text[:index].encode("utf-8"))


class EntityParseError(ValueError):
    """Raised when formatted text is rejected; str(error) is Telegram's detail message."""


@dataclass
class Parsed:
    """Plain text and the MessageEntity dicts Telegram would return for it."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def _sorted_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order entities as Telegram does: by offset, longer (outer) first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def strip_text(parsed: Parsed) -> Parsed:
    """Trim leading/trailing whitespace as Telegram does, shifting and clipping entities."""
    text = parsed.text
    stripped_left = text.lstrip()
    left_units = utf16_len(text) - utf16_len(stripped_left)
    stripped = stripped_left.rstrip()
    total = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - left_units, 0)
        end = min(entity["offset"] + entity["length"] - left_units, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return Parsed(stripped, _sorted_entities(entities))


# --- HTML -----------------------------------------------------------------------------------------

_HTML_TAG_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}

_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")
_NAME_CHARS = re.compile(r"[a-zA-Z0-9-]")
_ATTR_NAME_CHARS = re.compile(r"[a-zA-Z0-9_-]")


@dataclass
class _OpenTag:
    name: str
    offset: int
    attrs: dict[str, str]
    byte_offset: int


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode the HTML entity starting at text[i] == '&'; return (char, next index)."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        # Telegram's own parser tolerates a bare "&"; this fake is deliberately stricter (the
        # brief's rule: "&" outside tags must be escaped) so a bot that passes here passes there.
        raise EntityParseError(f'Unescaped "&" at byte offset {_byte_offset(text, i)}; use "&amp;"')
    body = match.group(1)
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    elif body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], match.end()
    else:
        raise EntityParseError(
            f'Unsupported HTML entity "&{body};" at byte offset {_byte_offset(text, i)}; '
            "only &lt; &gt; &amp; &quot; and numeric entities are supported"
        )
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f'Invalid character entity "&{body};" at byte offset {_byte_offset(text, i)}')
    return chr(code), match.end()


def _parse_attr_value(text: str, i: int, tag_byte_offset: int) -> tuple[str, int]:
    """Parse an attribute value (quoted or bare) starting at text[i]; return (value, next index)."""
    n = len(text)
    if i < n and text[i] in "'\"":
        quote = text[i]
        i += 1
        value: list[str] = []
        while i < n and text[i] != quote:
            if text[i] == "&":
                char, i = _decode_entity(text, i)
                value.append(char)
            else:
                value.append(text[i])
                i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {tag_byte_offset}")
        return "".join(value), i + 1
    start = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    return text[start:i], i


def parse_html(text: str) -> Parsed:
    """Parse Telegram-flavoured HTML into plain text and entities, or raise EntityParseError."""
    out: list[str] = []
    out_units = 0  # UTF-16 length of "".join(out), kept incrementally
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal out_units
        out.append(chunk)
        out_units += utf16_len(chunk)

    while i < n:
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i)
            emit(decoded)
            continue
        if char == ">":
            # Telegram tolerates a bare ">"; stricter here for the same reason as "&" above.
            raise EntityParseError(f'Unescaped ">" at byte offset {_byte_offset(text, i)}; use "&gt;"')
        if char != "<":
            emit(char)
            i += 1
            continue

        tag_start = i
        tag_bytes = _byte_offset(text, tag_start)
        i += 1
        if i < n and text[i] == "/":
            i += 1
            name_start = i
            while i < n and _NAME_CHARS.match(text[i]):
                i += 1
            name = text[name_start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {tag_bytes}")
            i += 1
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {tag_bytes}")
            top = stack.pop()
            if top.name != name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {tag_bytes}, expected "</{top.name}>", found "</{name}>"'
                )
            _close_html_tag(top, out_units, stack, entities)
            continue

        name_start = i
        while i < n and _NAME_CHARS.match(text[i]):
            i += 1
        name = text[name_start:i].lower()
        if not name:
            # Covers "a < b": a bare "<" starts a tag with an empty name.
            raise EntityParseError(
                f'Unsupported start tag "" at byte offset {tag_bytes}; escape "<" as "&lt;"'
            )
        if name not in _HTML_TAG_TYPES:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {tag_bytes}')
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {tag_bytes}")
            if text[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and _ATTR_NAME_CHARS.match(text[i]):
                i += 1
            attr_name = text[attr_start:i].lower()
            if not attr_name:
                raise EntityParseError(f'Empty attribute name in the tag "{name}" at byte offset {tag_bytes}')
            while i < n and text[i].isspace():
                i += 1
            value = ""
            if i < n and text[i] == "=":
                i += 1
                while i < n and text[i].isspace():
                    i += 1
                value, i = _parse_attr_value(text, i, tag_bytes)
            attrs[attr_name] = value
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {tag_bytes}')
        stack.append(_OpenTag(name, out_units, attrs, tag_bytes))

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return Parsed("".join(out), _sorted_entities(entities))


def _close_html_tag(
    tag: _OpenTag, end_units: int, stack: list[_OpenTag], entities: list[dict[str, Any]]
) -> None:
    """Turn a closed tag into an entity (empty ranges make none, as in Telegram)."""
    length = end_units - tag.offset
    if length <= 0:
        return
    entity_type = _HTML_TAG_TYPES[tag.name]
    entity: dict[str, Any] = {"type": entity_type, "offset": tag.offset, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return  # Telegram keeps the text and drops a link without a target
        entity["url"] = href
    elif tag.name == "code" and stack and stack[-1].name == "pre" and stack[-1].offset == tag.offset:
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            # <pre><code class="language-x"> becomes one pre entity with a language.
            stack[-1].attrs["_language"] = language.removeprefix("language-")
            return
    elif tag.name == "pre" and tag.attrs.get("_language"):
        entity["language"] = tag.attrs["_language"]
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


# --- MarkdownV2 -----------------------------------------------------------------------------------

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown_v2(text: str) -> Parsed:
    """Parse MarkdownV2 into plain text and entities, or raise EntityParseError."""
    out: list[str] = []
    out_units = 0
    # Each open entity: (type, output offset, byte offset in source, extra)
    stack: list[tuple[str, int, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal out_units
        out.append(chunk)
        out_units += utf16_len(chunk)

    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            emit(text[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1][0] in ("pre", "code")
        if in_code:
            top_type = stack[-1][0]
            closes = (top_type == "code" and char == "`") or (top_type == "pre" and text.startswith("```", i))
            if not closes:
                emit(char)
                i += 1
                continue
        if char not in _MDV2_RESERVED:
            emit(char)
            i += 1
            continue

        closing = _mdv2_closing_type(text, i, stack)
        if closing is not None:
            entity_type, start, _, extra = stack.pop()
            i += len(closing)
            entity: dict[str, Any] = {"type": entity_type, "offset": start, "length": out_units - start}
            if entity_type == "text_link":
                if i >= n or text[i] != "(":
                    # "[text]" without "(url)": Telegram keeps the text as is.
                    entity = {}
                else:
                    url, i = _mdv2_url(text, i)
                    entity["url"] = url
            elif entity_type == "pre" and extra.get("language"):
                entity["language"] = extra["language"]
            if entity and entity.get("length", 0) > 0:
                entities.append(entity)
            continue

        byte_offset = _byte_offset(text, i)
        if char == "_":
            if text.startswith("__", i):
                opened, width = "underline", 2
            else:
                opened, width = "italic", 1
        elif char == "*":
            opened, width = "bold", 1
        elif char == "~":
            opened, width = "strikethrough", 1
        elif char == "|" and text.startswith("||", i):
            opened, width = "spoiler", 2
        elif char == "[":
            opened, width = "text_link", 1
        elif char == "`":
            if text.startswith("```", i):
                newline = text.find("\n", i + 3)
                language = text[i + 3 : newline].strip() if newline >= 0 else ""
                opened, width = "pre", (newline - i + 1 if newline >= 0 and language else 3)
                stack.append((opened, out_units, byte_offset, {"language": language}))
                i += width
                continue
            opened, width = "code", 1
        else:
            raise _reserved_error(char)
        if any(entry[0] == opened for entry in stack):
            raise EntityParseError(
                f"Can't parse entities: nested {opened} entity at byte offset {byte_offset}"
            )
        stack.append((opened, out_units, byte_offset, {}))
        i += width

    if stack:
        entity_type, _, byte_offset, _ = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[entity_type]} entity at byte offset {byte_offset}"
        )
    return Parsed("".join(out), _sorted_entities(entities))


def _mdv2_url(text: str, i: int) -> tuple[str, int]:
    """Read "(url)" at text[i] honouring backslash escapes; return (url, next index)."""
    url: list[str] = []
    j = i + 1
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
    return "".join(url), j + 1


_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}

_MDV2_CLOSERS = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
    "text_link": "]",
    "code": "`",
    "pre": "```",
}


def _mdv2_closing_type(text: str, i: int, stack: list[tuple[str, int, int, dict[str, Any]]]) -> str | None:
    """Return the closing marker at text[i] if it closes the innermost open entity."""
    if not stack:
        return None
    closer = _MDV2_CLOSERS[stack[-1][0]]
    if not text.startswith(closer, i):
        return None
    if stack[-1][0] == "italic" and text.startswith("__", i):
        # "__" inside italic opens underline; "___" closes underline then italic, as Telegram reads it.
        return None
    return closer


def parse_formatted(text: str, parse_mode: str | None) -> Parsed:
    """Parse text according to a Bot API parse_mode (None means plain text)."""
    if not parse_mode:
        return Parsed(text, [])
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_legacy_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


def _parse_legacy_markdown(text: str) -> Parsed:
    """Parse legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url)) loosely."""
    out: list[str] = []
    out_units = 0
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    markers = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            out_units += 1
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + 3 : end]
            entities.append({"type": "pre", "offset": out_units, "length": utf16_len(body)})
            out.append(body)
            out_units += utf16_len(body)
            i = end + 3
            continue
        if char in markers:
            end = text.find(char, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + 1 : end]
            if body:
                entities.append({"type": markers[char], "offset": out_units, "length": utf16_len(body)})
            out.append(body)
            out_units += utf16_len(body)
            i = end + 1
            continue
        if char == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                body = text[i + 1 : close]
                entities.append(
                    {
                        "type": "text_link",
                        "offset": out_units,
                        "length": utf16_len(body),
                        "url": text[close + 2 : end],
                    }
                )
                out.append(body)
                out_units += utf16_len(body)
                i = end + 1
                continue
        out.append(char)
        out_units += utf16_len(char)
        i += 1
    return Parsed("".join(out), _sorted_entities(entities))


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def detect_user_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entities Telegram attaches to a user's plain text."""
    entities: list[dict[str, Any]] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities
