"""Numbers: ``parse_number`` and its messages."""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.quantities import (
    _BOUND_RE,
    _DIM_NAMES,
    _MAX_VALUE,
    _is_whole_answer,
    _lex,
    _prepare,
    _Qty,
    _special_number,
)
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.unknown import is_unknown

# --------------------------------------------------------------------------------------------
# Numbers: public parser and its messages
# --------------------------------------------------------------------------------------------

_TARGETS: Final[dict[str, str]] = {
    "yuan": "money",
    "kw": "power",
    "kwh": "energy",
    "m2": "area",
    "ha": "area",
    "ratio": "ratio",
    "count": "count",
    "months": "time",
    "years": "time",
    "plain": "plain",
}
# Multiply a dimension's base unit by this to get the question's unit.
_TARGET_SCALE: Final[dict[str, Fraction]] = {"ha": Fraction(1, 10**4), "years": Fraction(1, 12)}
# unit -> (what is asked, zh; what is asked, en; example zh; example en)
_TARGET_TEXT: Final[dict[str, tuple[str, str, str, str]]] = {
    "yuan": ("金额（元）", "an amount in yuan", "“300万元”或“1.2亿元”", "“3,000,000 yuan” or “1.2亿元”"),
    "kw": ("功率（千瓦）", "a capacity in kW", "“500千瓦”或“0.5兆瓦”", "“500 kW” or “0.5 MW”"),
    "kwh": (
        "电量（千瓦时）",
        "an amount of energy in kWh",
        "“400万千瓦时”或“400万度”",
        "“4,000,000 kWh” or “4 GWh”",
    ),
    "m2": ("面积（平方米）", "an area in m²", "“5000平方米”或“1.2万平方米”", "“5,000 m²” or “1.2万平方米”"),
    "ha": ("面积（公顷）", "an area in hectares", "“2公顷”或“30亩”", "“2 ha” or “30 mu”"),
    "ratio": ("比例", "a percentage", "“30%”或“三成”", "“30%” or “0.3”"),
    "count": ("数量", "a count", "“3台”或“12个”", "“3” or “12 units”"),
    "months": ("时长（月）", "a duration in months", "“12个月”或“一年半”", "“12 months” or “1.5 years”"),
    "years": ("时长（年）", "a duration in years", "“3年”或“两年半”", "“3 years” or “2.5 years”"),
    "plain": ("一个数字", "a number", "“12”", "“12”"),
}


def _number_error(unit: str, kind: str, detail_zh: str = "", detail_en: str = "") -> ParseError:
    """Build the message for one way a number answer can fail, with an example for ``unit``."""
    asked_zh, asked_en, ex_zh, ex_en = _TARGET_TEXT[unit]
    if kind == "empty":
        return ParseError(
            f"还没有收到回答。请回复{asked_zh}，例如{ex_zh}。",
            f"The answer is empty. Reply with {asked_en}, e.g. {ex_en}.",
        )
    if kind == "unreadable":
        return ParseError(
            f"没看懂这个数字。请直接回复数值和单位，例如{ex_zh}。",
            f"I could not read that number. Reply with a figure and unit, e.g. {ex_en}.",
        )
    if kind == "inexact":
        return ParseError(
            f"请给出确切数值：政策门槛取决于具体数字（“以上”和“超过”的界限不同），"
            f"“以上/超过/不到/多/几”这类说法无法判断。请回复一个数，例如{ex_zh}。",
            f"Please give the exact figure: policy thresholds depend on it, so “over”, “under” or "
            f"“more than” cannot be judged. Reply with one figure, e.g. {ex_en}.",
        )
    if kind == "several":
        return ParseError(
            f"回答里有不止一个数值（{detail_zh}），请只回复一个数，例如{ex_zh}。",
            f"Your answer contains more than one figure ({detail_en}). Reply with a single figure, e.g. {ex_en}.",
        )
    if kind == "negative":
        return ParseError(
            f"数值不能是负数。请回复0或更大的数，例如{ex_zh}。",
            f"The figure cannot be negative. Reply with zero or more, e.g. {ex_en}.",
        )
    if kind == "over100":
        return ParseError(
            "比例不能超过100%。请回复0到100%之间的数，例如“30%”或“三成”。",
            "A share cannot exceed 100%. Reply with a value from 0 to 100%, e.g. “30%”.",
        )
    if kind == "fractional":
        return ParseError(
            f"数量应为整数。请回复一个整数，例如{ex_zh}。",
            f"A count must be a whole number, e.g. {ex_en}.",
        )
    if kind == "too_large":
        return ParseError(
            f"这个数大得不合常理，请核对后重新回复，例如{ex_zh}。",
            f"That figure is implausibly large; please check it and reply again, e.g. {ex_en}.",
        )
    # kind == "incompatible": detail_zh is what was typed, detail_en its dimension
    surface, dim = detail_zh, detail_en
    dim_zh, dim_en = _DIM_NAMES.get(dim, _DIM_NAMES["other"])
    return ParseError(
        f"这里需要填写{asked_zh}，但“{surface}”是{dim_zh}。请按{asked_zh}回复，例如{ex_zh}。",
        f"This question asks for {asked_en}, but “{surface}” is {dim_en}. Reply with {asked_en}, e.g. {ex_en}.",
    )


def _convert(q: _Qty, unit: str, target_dim: str) -> Fraction:
    """Convert a quantity into the question's unit (bare numbers are already in it)."""
    if q.dim is None:
        if unit == "ratio" and q.value > 1:
            return q.value / 100  # documented rule: a bare 1 < v <= 100 is a percentage
        return q.value
    if target_dim == "plain":
        return q.value
    return q.value * _TARGET_SCALE.get(unit, Fraction(1))


def parse_number(text: str, unit: str) -> float | Unknown | ParseError:
    """Parse a figure typed with any common unit and convert it to ``unit`` (see module docs)."""
    if unit not in _TARGETS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(_TARGETS)}")
    target_dim = _TARGETS[unit]
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _number_error(unit, "empty")
    s = _prepare(s)
    special = _special_number(s, unit)
    if special is not None:
        return float(special)
    lex_dim = None if target_dim == "plain" else target_dim
    qtys = [q for q in _lex(s, lex_dim) if not q.lone or _is_whole_answer(s, q)]
    accepted = {target_dim, "count"} if target_dim == "plain" else {target_dim}
    candidates = [q for q in qtys if q.dim is None or q.dim in accepted]
    if not candidates:
        others = [q for q in qtys if q.dim != "label"]
        if others:
            first = others[0]
            return _number_error(unit, "incompatible", first.surface, first.dim or "other")
        if is_unknown(text):
            return UNKNOWN
        return _number_error(unit, "unreadable")
    if any(q.too_large for q in candidates):
        return _number_error(unit, "too_large")
    if any(q.vague_range for q in candidates):
        return _number_error(unit, "inexact")
    if any(q.malformed for q in candidates):
        return _number_error(unit, "unreadable")
    if any(q.inexact for q in candidates) or _BOUND_RE.search(s):
        return _number_error(unit, "inexact")
    values = [_convert(q, unit, target_dim) for q in candidates]
    if len(set(values)) > 1:
        shown = list(dict.fromkeys(q.surface for q in candidates))
        return _number_error(unit, "several", "、".join(shown), ", ".join(shown))
    if any(q.negative for q in candidates):
        return _number_error(unit, "negative")
    value = values[0]
    if value > _MAX_VALUE:
        return _number_error(unit, "too_large")
    if unit == "ratio" and value > 1:
        return _number_error(unit, "over100")
    if unit == "count" and value.denominator != 1:
        return _number_error(unit, "fractional")
    return float(value)
