"""The engine's own fixed texts in both languages, read once from ``rules/data/texts.yaml``.

Rules may not import ``dialogs`` (whose gettext catalogue holds every other fixed text), so the
engine keeps its reasons, formula texts and condition words in its own data. The file is read and
checked when ``rules`` is first imported (pydantic, every key with ``zh`` and ``en`` and nothing
else, the same ``{placeholders}`` in both); after that a text is a dictionary look-up, and texts
the engine builds lazily are filled only when someone reads them. This module imports nothing
else of ``rules`` (``rules/facts.py`` reads its message here); ``say`` in ``rules/wording.py``
turns a key into a two-language ``Text``.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

# The package's own file, not ETOWNBOT_RULES_DIR: these are the engine's words, not policy data.
TEXTS_FILE: Final = Path(__file__).resolve().parent / "data" / "texts.yaml"


class _Entry(BaseModel):
    """One text in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str


def fields(text: str) -> set[str]:
    """Return the names of a text's placeholders."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_texts(path: Path = TEXTS_FILE) -> dict[str, tuple[str, str]]:
    """Read and check the texts: every key in both languages, non-empty, with the same placeholders."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    entries = TypeAdapter(dict[str, _Entry]).validate_python(raw)
    bad = [key for key, e in entries.items() if not e.zh or not e.en or fields(e.zh) != fields(e.en)]
    if bad:
        raise ValueError(f"{path}: empty texts or placeholders that differ between zh and en: {bad}")
    return {key: (e.zh, e.en) for key, e in entries.items()}


_TEXTS: Final = load_texts()


def phrase(key: str) -> tuple[str, str]:
    """Return a text as written, (zh, en); a key the file lacks raises KeyError."""
    return _TEXTS[key]


def fill(key: str, /, **params: object) -> tuple[str, str]:
    """Return a text with its placeholders filled, (zh, en); a two-language value gives each its side."""
    zh, en = _TEXTS[key]
    return (
        zh.format(**{name: getattr(value, "zh", value) for name, value in params.items()}),
        en.format(**{name: getattr(value, "en", value) for name, value in params.items()}),
    )
