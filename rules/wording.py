"""How facts, options and conditions are named in the two languages (from the fact catalog)."""

from __future__ import annotations

from typing import Any

from rules.loader import load_catalog
from rules.numbers import fmt_pct
from rules.report import T
from rules.schema import AllOf, Condition, FactCondition, RatioCondition, Text


def label_of(ref: str) -> Text:
    info = load_catalog().get(ref)
    return info.label if info else T(ref, ref)


# How a quantity of each catalog unit is written after its number ("500 千瓦", "2,880,000 元").
_UNIT_WORDS = {
    "yuan": ("元", "yuan"),
    "kw": ("千瓦", "kW"),
    "kwh": ("千瓦时", "kWh"),
    "m2": ("平方米", "m²"),
    "ha": ("公顷", "ha"),
    "months": ("个月", "months"),
}


def unit_words(ref: str) -> tuple[str, str]:
    """Return the words (zh, en) written after a quantity of this fact; none for counts and choices."""
    info = load_catalog().get(ref)
    return _UNIT_WORDS.get(info.unit if info else "", ("", ""))


def option_label(ref: str, value: Any) -> Text:
    info = load_catalog().get(ref)
    if info and info.options and str(value) in info.options:
        return info.options[str(value)]
    return T(str(value), str(value))


_OP_TEXT = {
    "ge": ("≥", "≥"),
    "gt": (">", ">"),
    "le": ("≤", "≤"),
    "lt": ("<", "<"),
    "eq": ("为", "is"),
    "ne": ("不为", "is not"),
    "in": ("为", "is one of"),
    "not_in": ("不为", "is none of"),
}


def condition_text(cond: Condition) -> Text:
    if cond.text is not None:
        return cond.text
    if isinstance(cond, FactCondition):
        label = label_of(cond.fact)
        if cond.op == "is_true":
            return T(f"{label.zh}：是", f"{label.en}: yes")
        if cond.op == "is_false":
            return T(f"{label.zh}：否", f"{label.en}: no")
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        shown = [option_label(cond.fact, v) for v in values]
        zh_op, en_op = _OP_TEXT[cond.op]
        return T(
            f"{label.zh}{zh_op}{'、'.join(s.zh for s in shown)}",
            f"{label.en} {en_op} {', '.join(s.en for s in shown)}",
        )
    if isinstance(cond, RatioCondition):
        zh_op, en_op = _OP_TEXT[cond.op]
        num, den = label_of(cond.num), label_of(cond.den)
        return T(
            f"{num.zh}/{den.zh} {zh_op} {fmt_pct(cond.value)}",
            f"{num.en} / {den.en} {en_op} {fmt_pct(cond.value)}",
        )
    joiner = ("且", "and") if isinstance(cond, AllOf) else ("或", "or")
    parts = [condition_text(c) for c in cond.of]
    return T(joiner[0].join(p.zh for p in parts), f" {joiner[1]} ".join(p.en for p in parts))
