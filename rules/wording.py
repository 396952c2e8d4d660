"""How facts, options and conditions are named in the two languages (the fact catalog, the engine's texts)."""

from __future__ import annotations

from typing import Any

from rules.loader import load_catalog
from rules.numbers import fmt_pct
from rules.report import T
from rules.schema import AllOf, Condition, FactCondition, RatioCondition, Text
from rules.texts import fill, phrase


def say(key: str, /, **params: object) -> Text:
    """Return an engine text of ``rules/data/texts.yaml`` in both languages, its placeholders filled."""
    return T(*fill(key, **params))


def label_of(ref: str) -> Text:
    info = load_catalog().get(ref)
    return info.label if info else T(ref, ref)


# How a quantity of each catalog unit is written after its number ("500 千瓦", "2,880,000 元").
_UNIT_WORDS = {unit: phrase(f"unit.{unit}") for unit in ("yuan", "kw", "kwh", "m2", "ha", "months")}


def unit_words(ref: str) -> tuple[str, str]:
    """Return the words (zh, en) written after a quantity of this fact; none for counts and choices."""
    info = load_catalog().get(ref)
    return _UNIT_WORDS.get(info.unit if info else "", ("", ""))


def option_label(ref: str, value: Any) -> Text:
    info = load_catalog().get(ref)
    if info and info.options and str(value) in info.options:
        return info.options[str(value)]
    return T(str(value), str(value))


_OP_TEXT = {op: T(*phrase(f"op.{op}")) for op in ("ge", "gt", "le", "lt", "eq", "ne", "in", "not_in")}
_LIST_SEPARATOR = phrase("list.separator")
_ALL_OF, _ANY_OF = phrase("condition.all_of"), phrase("condition.any_of")


def condition_text(cond: Condition) -> Text:
    if cond.text is not None:
        return cond.text
    if isinstance(cond, FactCondition):
        label = label_of(cond.fact)
        if cond.op == "is_true":
            return say("fact.yes", label=label)
        if cond.op == "is_false":
            return say("fact.no", label=label)
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        shown = [option_label(cond.fact, v) for v in values]
        sep_zh, sep_en = _LIST_SEPARATOR
        listed = T(sep_zh.join(s.zh for s in shown), sep_en.join(s.en for s in shown))
        return say("condition.fact", label=label, op=_OP_TEXT[cond.op], values=listed)
    if isinstance(cond, RatioCondition):
        num, den = label_of(cond.num), label_of(cond.den)
        return say("condition.ratio", num=num, den=den, op=_OP_TEXT[cond.op], value=fmt_pct(cond.value))
    join_zh, join_en = _ALL_OF if isinstance(cond, AllOf) else _ANY_OF
    parts = [condition_text(c) for c in cond.of]
    return T(join_zh.join(p.zh for p in parts), join_en.join(p.en for p in parts))
