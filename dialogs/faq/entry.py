"""What the FAQ hands out: an entry, the outcome of a question, and the data error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class FaqEntry:
    """One question with its answer and the policy passages it rests on."""

    id: str
    questions: tuple[str, ...]
    answer_zh: str
    answer_en: str
    cite: tuple[str, ...]
    clause: str
    measures: tuple[int, ...]
    # False for "this policy does not cover it, ask …" entries (税收优惠, 人才补贴, 充电桩…).
    covered: bool = True


@dataclass(frozen=True)
class FaqMatch:
    """What a question led to: a confident answer, up to three suggestions, or nothing.

    For a question in several parts ("光伏补多少？要什么材料？另外储能有补贴吗"), ``entry``
    answers the first part answered outright, ``others`` holds the confident answers to the
    other parts (to show or offer as buttons), and ``suggestions`` (with outcome "answer")
    the entries a part that could not be answered outright may be about.
    """

    outcome: Literal["answer", "suggest", "unknown"]
    entry: FaqEntry | None
    suggestions: tuple[FaqEntry, ...]
    score: float
    others: tuple[FaqEntry, ...] = ()


class FaqDataError(Exception):
    """faq.yaml or a generated entry is malformed; the message names the file and the entry."""

    def __init__(self, path: Path | str, entry: str | None, message: str) -> None:
        where = str(path) if entry is None else f"{path}: entry {entry!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """An entry with the extra text the matcher uses: keywords and a topic body."""

    entry: FaqEntry
    keywords: tuple[str, ...]
    body: tuple[tuple[str, float], ...]
