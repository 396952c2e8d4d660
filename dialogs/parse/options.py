"""Options prepared for matching, and the option labels, words and numbers found in an answer."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.parse.choice_words import (
    _CHOICE_NUMBER_RE,
    _CJK_RUN_RE,
    _CLAUSE_BREAK_RE,
    _FUNCTION_CHARS_RE,
    _LABEL_PARTS_RE,
    _MAX_SUBSTRING,
    _MIN_SUBSTRING,
    _NEGATED_AFTER_RE,
    _NEGATED_BEFORE_RE,
    _NEGATION_CHARS_RE,
)
from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.numerals import _scan_numeral


def _choice_core(s: str) -> str:
    """Compact an answer for whole-answer comparison: no punctuation, no trailing particles."""
    core = _strip_punct(s)
    core = re.sub(r"^(?:我们选|我选|就选|选择|选|答案是|应该是)", "", core)
    return re.sub(r"[吧啊呢了呀哦]+$", "", core)


@dataclass(frozen=True)
class _Options:
    """Options prepared for matching: each value with its keys, and label pieces owned by one option."""

    keyed: list[tuple[str, list[str]]]
    names: dict[str, str]  # the label each option is shown with, as given
    # Every CJK piece (3..16 characters) of any key -> the options whose keys contain it.
    pieces: dict[str, frozenset[str]]


def _option_keys(options: Sequence[tuple[str, Sequence[str]]]) -> _Options:
    """Return the options prepared for matching, made once per distinct option list (read only)."""
    # The same few questions come back on every step; preparing one was ~a third of a step's CPU.
    return _prepare_options(tuple((value, tuple(labels)) for value, labels in options))


@functools.lru_cache(maxsize=256)
def _prepare_options(options: tuple[tuple[str, tuple[str, ...]], ...]) -> _Options:
    """Normalise each option's value and labels; add the words of each label that no other option has."""
    keyed: list[tuple[str, list[str]]] = []
    for value, labels in options:
        keys = [_normalize(x) for x in (value, *labels)]
        keyed.append((value, [k for k in dict.fromkeys(keys) if k]))
    owners: dict[str, set[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for part in _LABEL_PARTS_RE.split(key):
                part = part.strip()
                if len(part) >= 2 and part != key:
                    owners.setdefault(part, set()).add(value)
    for value, keys in keyed:
        keys.extend(p for p, who in owners.items() if who == {value} and p not in keys)
    pieces: dict[str, frozenset[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for run in _CJK_RUN_RE.findall(key):
                # A piece keeps the label's negation: 在亦庄 is no piece of 不在亦庄, 新城 of 新城以外.
                negations = [m.start() for m in _NEGATION_CHARS_RE.finditer(run)]
                for i in range(len(run)):
                    for j in range(i + _MIN_SUBSTRING, min(len(run), i + _MAX_SUBSTRING) + 1):
                        piece = run[i:j]
                        if all(i <= k < j for k in negations) and len(_FUNCTION_CHARS_RE.sub("", piece)) >= 2:
                            pieces[piece] = pieces.get(piece, frozenset()) | {value}
    # A piece counts only if two of its character pairs are found in no other option's keys:
    # 平方公里范围内 of "亦庄新城225平方公里范围内…" shares all but 围内 with "…60平方公里范围…".
    pair_owners: dict[str, set[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for i in range(len(key) - 1):
                pair_owners.setdefault(key[i : i + 2], set()).add(value)
    pieces = {
        piece: who
        for piece, who in pieces.items()
        if sum(pair_owners[piece[i : i + 2]] <= who for i in range(len(piece) - 1)) >= 2
    }
    names = {value: str(labels[0]) if labels else value for value, labels in options}
    return _Options(keyed, names, pieces)


def _exact_option(s: str, keyed: list[tuple[str, list[str]]]) -> str | None:
    """Return the option whose value or label is the whole answer, if exactly one is."""
    forms = {_strip_punct(s), _choice_core(s)}
    hits = {value for value, keys in keyed if any(_strip_punct(k) in forms for k in keys)}
    return hits.pop() if len(hits) == 1 else None


def _number_in(text: str) -> int | None:
    """Read an option number ("2", "第二个", "选3") from a compact answer."""
    m = _CHOICE_NUMBER_RE.match(text)
    if m is None:
        return None
    num = _scan_numeral(m.group(1), 0)
    if (
        num is None
        or num.end != len(m.group(1))
        or num.malformed
        or num.too_large
        or num.value.denominator != 1
    ):
        return None
    return int(num.value)


@dataclass
class _LabelHit:
    value: str
    start: int
    end: int
    negated: bool


def _negated(s: str, start: int, end: int) -> bool:
    """Tell whether the words at s[start:end] are negated (不在…, …以外) within their clause."""
    before = _CLAUSE_BREAK_RE.split(s[:start])[-1]
    if _NEGATED_BEFORE_RE.search(before):
        return True
    return bool(_NEGATED_AFTER_RE.match(s[end:])) and "除" not in before


def _find_labels(s: str, opts: _Options) -> tuple[list[_LabelHit], set[str]]:
    """Find option keys and label words in an answer (a match inside a longer one does not count).

    Also return the options that share a label piece found in the answer and not otherwise matched.
    """
    found: list[tuple[int, int, str]] = []
    for value, keys in opts.keyed:
        for key in keys:
            if len(key) < 2 or key.replace(".", "").isdigit():
                continue  # one-character labels only match whole answers; numbers are option numbers
            if all(ch.isascii() for ch in key):
                pattern = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")
            else:
                pattern = re.compile(re.escape(key))
            found += [(m.start(), m.end(), value) for m in pattern.finditer(s)]
    # Pieces of labels that only one option has: 经开区 in 在经开区里面, 燃气锅炉 in 燃气锅炉改造.
    # They are weaker than whole keys, so a piece overlapping a key match is left out.
    covered = [False] * len(s)
    for a, b, _ in found:
        covered[a:b] = [True] * (b - a)
    shared: list[tuple[int, int, frozenset[str]]] = []
    i = 0
    while i < len(s):
        for j in range(min(len(s), i + _MAX_SUBSTRING), i + _MIN_SUBSTRING - 1, -1):
            owners = opts.pieces.get(s[i:j])
            if owners is not None and not any(covered[i:j]):
                if len(owners) == 1:
                    found.append((i, j, next(iter(owners))))
                else:
                    shared.append((i, j, owners))
                break
        i += 1
    spans = set(found)
    kept = [
        (a, b, v)
        for a, b, v in spans
        if not any(c <= a and b <= d and (d - c) > (b - a) for c, d, _ in spans)
    ]
    hits = [_LabelHit(v, a, b, _negated(s, a, b)) for a, b, v in kept]
    hits.sort(key=lambda h: (h.start, h.end, h.value))
    # A piece several options share (第三方投 of two labels) only says "one of these".
    unclear = {
        v
        for a, b, owners in shared
        if not any(h.start <= a and b <= h.end for h in hits) and not _negated(s, a, b)
        for v in owners
    }
    return hits, unclear
