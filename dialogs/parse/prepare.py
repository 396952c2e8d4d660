"""Prepare an answer for reading figures: English number words and dates, fillers, whole-word answers."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final

from dialogs.parse.fold import _strip_punct
from dialogs.parse.quantities import _Qty

_EN_ONES: Final[dict[str, int]] = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_EN_TENS: Final[dict[str, int]] = {
    word: 10 * (value + 2)
    for value, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_EN_SCALES: Final[dict[str, int]] = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_NUMBER_WORD: Final = "|".join([*_EN_ONES, *_EN_TENS])
_EN_ANY_WORD: Final = "|".join([*_EN_ONES, *_EN_TENS, *_EN_SCALES])
_EN_NUMBER_RE: Final = re.compile(rf"\b(?:{_EN_NUMBER_WORD})\b(?:(?:\s+|-)(?:and\s+)?(?:{_EN_ANY_WORD})\b)*")
_DATE_RES: Final = (
    re.compile(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月份?(?:\s*\d{1,2}\s*[日号])?)?"),
    re.compile(r"(?<![\d.])(?:19|20)\d{2}(?:[-/]\d{1,2}(?:[-/]\d{1,2})?|\.\d{1,2}\.\d{1,2})(?![\d.])"),
    re.compile(r"[零〇一二三四五六七八九]{4}年"),
)


def _english_number(match: re.Match[str]) -> str:
    """Turn "two hundred and fifty" into "250"."""
    total = current = 0
    for word in re.findall(r"[a-z]+", match.group()):
        if word in _EN_ONES:
            current += _EN_ONES[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[word]
            current = 0
    return str(total + current)


def _half_up(match: re.Match[str]) -> str:
    """Turn "2 years and a half" / "2 and a half years" into "2.5 years"."""
    value = Fraction(match.group(1)) + Fraction(1, 2)
    rest = match.group(2) or ""
    return f"{float(value):g} {rest}".strip()


def _prepare(s: str) -> str:
    """Spell English number words as digits and blank out calendar dates."""
    if any(ch.isascii() and ch.isalpha() for ch in s):
        s = re.sub(r"\ba (year|month)s? and a half\b", r"1.5 \1", s)
        s = re.sub(r"\bhalf (?:a |an )?(year|month)\b", r"0.5 \1", s)
        s = re.sub(r"\ban? (year|month)\b", r"1 \1", s)
        s = _EN_NUMBER_RE.sub(_english_number, s)
        s = re.sub(r"(\d+(?:\.\d+)?)\s+(years?|months?)\s+and a half\b", _half_up, s)
        s = re.sub(r"(\d+(?:\.\d+)?)\s+and a half\b\s*(years?|months?)?", _half_up, s)
    for date_re in _DATE_RES:
        s = date_re.sub(" ", s)
    return s


_NUMBER_FILLERS: Final = sorted(
    [
        "大概是",
        "大约是",
        "大概",
        "大约",
        "约为",
        "约",
        "差不多",
        "左右",
        "上下",
        "估计",
        "大致",
        "一共",
        "总共",
        "合计",
        "共计",
        "共",
        "我们",
        "我",
        "是",
        "有",
        "为",
        "的",
        "吧",
        "啊",
        "呢",
        "了",
        "嘛",
        "哦",
        "就",
        "只有",
        "只",
        "目前",
        "现在",
        "应该",
        "about",
        "around",
        "approximately",
        "approx",
        "roughly",
        "~",
        "≈",
    ],
    key=len,
    reverse=True,
)
_NUMBER_FILLER_RE: Final = re.compile("|".join(re.escape(word) for word in _NUMBER_FILLERS))


def _is_whole_answer(s: str, q: _Qty) -> bool:
    """Tell whether a lone Chinese digit is the whole answer ("三", "大概五吧"), not part of a word."""
    rest = s[: q.start] + " " + s[q.end :]
    return not _strip_punct(_NUMBER_FILLER_RE.sub("", rest))


_ZERO_ANSWERS: Final = frozenset(
    {
        "无",
        "没有",
        "没",
        "都没有",
        "暂无",
        "还没有",
        "还没",
        "目前没有",
        "暂时没有",
        "我们没有",
        "目前还没有",
        "一个都没有",
        "一个也没有",
        "一台都没有",
        "一台也没有",
        "一辆都没有",
        "一辆也没有",
        "零",
        "none",
        "zero",
        "nothing",
        "nil",
    }
)
_RATIO_ONE_ANSWERS: Final = frozenset(
    {"全部", "全都是", "全是", "都是", "全部都是", "全部是", "所有", "全都", "百分百", "all", "allofit"}
)
_RATIO_HALF_ANSWERS: Final = frozenset({"一半", "半数", "half", "一半吧"})
_BOUND_RE: Final = re.compile(
    r"以上|以下|以内|之内|超过|超出|不到|不足|不够|至少|最少|最多|至多|少于|多于|高于|低于|大于|小于"
    r"|不低于|不少于|不超过|不高于|不止|将近|接近|逾|未满|不满|出头|开外|几乎|>|<|≥|≤"
    r"|\b(?:more than|less than|fewer than|at least|at most|over|under|above|below|nearly|almost|up to)\b"
)


def _special_number(s: str, unit: str) -> Fraction | None:
    """Return the value of a whole-word answer such as 没有 (0) or 全部 (100%)."""
    core = _strip_punct(s).rstrip("吧啊呢的了")
    if core in _ZERO_ANSWERS:
        return Fraction(0)
    if unit == "ratio":
        if core in _RATIO_ONE_ANSWERS:
            return Fraction(1)
        if core in _RATIO_HALF_ANSWERS:
            return Fraction(1, 2)
    return None
