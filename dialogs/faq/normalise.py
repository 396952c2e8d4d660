"""Text as the matcher compares it: folded, measure numbers marked, synonyms mapped, tokens weighted."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from dialogs.faq.words import FILLER_ZH, FUNCTION_WORDS, STOP_EN, SYNONYMS
from dialogs.parse.fold import fold

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(s: str) -> int | None:
    """Read a Chinese numeral up to 99 (十二, 二十七, 四十)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        ones = _CN_DIGITS.get(tail, -1) if tail else 0
        return None if tens < 0 or ones < 0 else tens * 10 + ones
    return _CN_DIGITS.get(s) if len(s) == 1 else None


_CN = "[零一二两三四五六七八九十]{1,3}"
# "第27条", "第二十七条", "27条", "措施27", "measure 27", "m27"; not "第二批", "31号", "2023年".
_MEASURE_REF = re.compile(
    rf"第\s*(\d{{1,2}}|{_CN})\s*[条项]"
    rf"|第\s*(\d{{1,2}})(?![\d批年次季期号届天个月周名位类])"
    rf"|(?<![\d.])(\d{{1,2}})\s*条"
    rf"|措施\s*(\d{{1,2}}|{_CN})(?![\d])"
    r"|\b(?:measure|article|item|clause)\s*(?:no\.?\s*)?#?\s*(\d{1,2})\b"
    r"|(?<![\w/.每])m0?(\d{1,2})\b"
)
MARK = "§"  # measure reference token: §27


def _measure_refs(text: str, known: int) -> tuple[str, list[int]]:
    """Replace measure references with §N tokens; return the text and the numbers."""
    found: list[int] = []

    def repl(mo: re.Match[str]) -> str:
        """Turn one reference into a token, leaving numbers that are no measure alone."""
        raw = next(g for g in mo.groups() if g)
        n = _cn_number(raw)
        if n is None or not 1 <= n <= known:
            return mo.group(0)
        found.append(n)
        return f" {MARK}{n} "

    return _MEASURE_REF.sub(repl, text), found


def alternation(words: Iterable[str]) -> re.Pattern[str]:
    """Compile words into one pattern that prefers the longest form at each position."""
    ordered = sorted(set(words), key=len, reverse=True)
    # Python's \b treats CJK as word characters, so "用ai做" has no boundary: look for latin ones.
    parts = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w) for w in ordered]
    return re.compile("|".join(parts))


_SYN_MAP = {form: canon for canon, forms in SYNONYMS.items() for form in (*forms, canon)}
_SYN_RE = alternation(_SYN_MAP)
_FILLER_RE = alternation(FILLER_ZH)
PUNCT_RE = re.compile(r"[^\w§%\s]+|_")
_CJK = r"\u3400-\u9fff"
REF_TOKEN = re.compile(r"§(\d+)")
_TOKEN_RE = re.compile(rf"§\d+|[{_CJK}]+|[a-z0-9%.]+")
_SPACE_RE = re.compile(r"\s+")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}§\d])\s+(?=[{_CJK}§])|(?<=[{_CJK}])\s+(?=[\d])")


# "两台", "5辆": a number of vehicles or machines; what matters is that a count is asked about.
_COUNT_RE = re.compile(r"(?:\d+|[一二两三四五六七八九十几]+)\s*[台辆]")
_PLURAL_RE = re.compile(r"(?<![a-z])([a-z]{2,}?)(ies|s)(?![a-z])")


def _singular(mo: re.Match[str]) -> str:
    """Fold a simple English plural (documents, subsidies) to its singular."""
    word, end = mo.group(1), mo.group(2)
    if mo.group(0) in STOP_EN or word.endswith(("s", "u", "i")):
        return mo.group(0)
    return word + ("y" if end == "ies" else "")


def normalise(text: str, known_measures: int = 40) -> str:
    """Fold width and case, mark measure numbers, map synonyms, drop filler words and punctuation."""
    s = fold(text).lower()
    s, _ = _measure_refs(s, known_measures)
    s = PUNCT_RE.sub(" ", s)
    s = _PLURAL_RE.sub(_singular, s)
    s = _COUNT_RE.sub(" 数量 ", s)
    s = _SYN_RE.sub(lambda mo: f" {_SYN_MAP[mo.group(0)]} ", s)
    s = _FILLER_RE.sub(" ", s)
    s = _CJK_GAP.sub("", _SPACE_RE.sub(" ", s)).strip()
    return s


_FUNCTION_WEIGHT = 0.3
_FUNCTION_BIGRAMS = frozenset(w[i : i + 2] for w in FUNCTION_WORDS for i in range(len(w) - 1))


# Unigrams keep a little signal when a typo breaks both bigrams around a character.
_UNIGRAM = 0.25


def _stem(word: str) -> str:
    """Cut a common English ending so interpreting, interpretation and interpret meet."""
    for end in ("ations", "ation", "ings", "ing", "ed"):
        if word.endswith(end) and len(word) - len(end) >= 4:
            return word[: -len(end)]
    return word


def tokens(norm: str) -> dict[str, float]:
    """Split a normalised string into weighted tokens: latin words, CJK bigrams and ~unigrams."""
    out: dict[str, float] = {}
    for tok in _TOKEN_RE.findall(norm):
        if tok.startswith(MARK):
            continue  # measure references score through the measure bonus, not as words
        if tok.isascii():
            tok = tok.strip(".")
            if tok and tok not in STOP_EN:
                out[_stem(tok)] = 1.0
            continue
        if len(tok) == 1:
            out[tok] = 1.0
            out.setdefault("~" + tok, _UNIGRAM)
            continue
        for i in range(len(tok) - 1):
            bigram = tok[i : i + 2]
            out[bigram] = _FUNCTION_WEIGHT if bigram in _FUNCTION_BIGRAMS else 1.0
        for ch in tok:
            out.setdefault("~" + ch, _UNIGRAM)
    return out


normalised = functools.lru_cache(maxsize=16384)(normalise)
