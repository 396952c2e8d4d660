"""The deterministic evaluation of a profile against a rulebook.

Each rulebook is compiled once, on its first evaluation, into per-measure plans: conditions as
small node objects with their results prepared for every outcome that does not depend on a value,
formulas with their rates and caps as ``Decimal`` and their static texts written. Evaluating a
profile then reads facts, compares, multiplies and picks prepared results. A row computes at once
only what its status, amounts, selection, missing facts and near miss need; its gates, awards (with
their conditions and payout) and reasons, and the texts that depend on values (a formula worked
through, a condition's current value), are made when first read (``rules.report.lazy``), from
values captured at evaluation. Rows are memoised on the facts each measure reads, so the
interview, which changes one fact per step, recomputes only the rows that read it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from rules.facts import ENTERPRISE_FACTS, PROJECT_FACTS, Enterprise, Profile, Project, ProjectFacts
from rules.loader import LoadedRulebook, load_catalog, load_rulebooks, rulebook_for
from rules.report import (
    AwardResult,
    ConditionResult,
    MeasureResult,
    MissingFact,
    Outcome,
    PayoutStep,
    PendingStep,
    Report,
    Status,
    T,
    _Lazy,
    builder,
    lazy,
)
from rules.schema import (
    AllOf,
    AnyOf,
    Award,
    Condition,
    FactCondition,
    Fixed,
    Formula,
    Match,
    Measure,
    MinOf,
    PerUnit,
    Quantity,
    RatioCondition,
    RatioTier,
    Share,
    Text,
    Tier,
    TopUp,
)

ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
_BASIS_POINT = Decimal("0.0001")
_INFINITY = Decimal("Infinity")
# Python compares ints and floats exactly; below 2**53 every int is a float too, so such a
# comparison orders the numbers as Decimal(str(x)) does (str(float) is the shortest round trip).
_EXACT = 2**53
# Texts of values this large (or not finite) can fail to format; they are written at once, so
# that an evaluation fails where it always did instead of when the text is read.
_TAME = 10**15

_CONDITION = builder(ConditionResult)
_AWARD = builder(AwardResult)
_STEP = builder(PayoutStep)
_MEASURE = builder(MeasureResult)
_REPORT = builder(Report)

MET: Outcome = "met"
FAILED: Outcome = "failed"
UNKNOWN: Outcome = "unknown"
PENDING: Outcome = "pending"


def _d(value: Any) -> Decimal:
    if type(value) is int:
        return Decimal(value)  # the same number and exponent as Decimal(str(value))
    if type(value) is Decimal:
        return value
    return Decimal(str(value))


_TAME_D = Decimal(_TAME)


def _yuan(value: Decimal) -> int:
    # Whole yuan, rounded down: the bot never promises a fraction the policy does not give.
    if ZERO <= value < _TAME_D:
        return int(value)  # truncation is the floor here, and cheaper
    return int(value.quantize(_ONE, rounding=ROUND_FLOOR))


def _tame(*values: Any) -> bool:
    """Say whether every value is a number whose texts are sure to format."""
    for v in values:
        t = type(v)
        if t is int or t is float:
            if not -_TAME < v < _TAME:
                return False
        elif t is Decimal:
            if not (v.is_finite() and -_TAME < v < _TAME):
                return False
        else:
            return False
    return True


def _later(tame: bool, fn: Callable[..., Any], *args: Any) -> Any:
    """Return ``fn(*args)`` as a lazy field value, or computed now when its inputs are not tame."""
    return _Lazy(fn, args) if tame else fn(*args)


def fmt_yuan(amount: Decimal | int | float) -> str:
    """Format an amount as ``1,234,567``, dropping a zero fraction."""
    if isinstance(amount, int):
        return f"{amount:,}"
    value = amount if isinstance(amount, Decimal) else _d(amount)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(_CENT):,}"


def fmt_num(value: Decimal | int | float) -> str:
    """Format a quantity without needless decimals."""
    d = _d(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():f}"


def fmt_pct(rate: Decimal | float) -> str:
    """Format a rate such as 0.3 as ``30%``."""
    return f"{fmt_num(_d(rate) * 100)}%"


def _label(ref: str) -> Text:
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


def _unit(ref: str) -> tuple[str, str]:
    """Return the words (zh, en) written after a quantity of this fact; none for counts and choices."""
    info = load_catalog().get(ref)
    return _UNIT_WORDS.get(info.unit if info else "", ("", ""))


def _option_label(ref: str, value: Any) -> Text:
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


def _auto_text(cond: Condition) -> Text:
    if cond.text is not None:
        return cond.text
    if isinstance(cond, FactCondition):
        label = _label(cond.fact)
        if cond.op == "is_true":
            return T(f"{label.zh}：是", f"{label.en}: yes")
        if cond.op == "is_false":
            return T(f"{label.zh}：否", f"{label.en}: no")
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        shown = [_option_label(cond.fact, v) for v in values]
        zh_op, en_op = _OP_TEXT[cond.op]
        return T(
            f"{label.zh}{zh_op}{'、'.join(s.zh for s in shown)}",
            f"{label.en} {en_op} {', '.join(s.en for s in shown)}",
        )
    if isinstance(cond, RatioCondition):
        zh_op, en_op = _OP_TEXT[cond.op]
        num, den = _label(cond.num), _label(cond.den)
        return T(
            f"{num.zh}/{den.zh} {zh_op} {fmt_pct(cond.value)}",
            f"{num.en} / {den.en} {en_op} {fmt_pct(cond.value)}",
        )
    joiner = ("且", "and") if isinstance(cond, AllOf) else ("或", "or")
    parts = [_auto_text(c) for c in cond.of]
    return T(joiner[0].join(p.zh for p in parts), f" {joiner[1]} ".join(p.en for p in parts))


def _merge(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for ref in group:
            seen.setdefault(ref, None)
    return tuple(seen)


# ---------------------------------------------------------------- facts


_ENUM_FACTS = frozenset(
    f"{scope}.{name}"
    for scope, model in (("enterprise", Enterprise), ("project", ProjectFacts))
    for name, info in model.model_fields.items()
    if any(
        isinstance(a, type) and issubclass(a, StrEnum)
        for a in (*getattr(info.annotation, "__args__", ()), info.annotation)
    )
)


class _Get:
    """Read one fact (``enterprise.x`` or ``project.x``) of an enterprise and a project's facts."""

    __slots__ = ("attr", "ent", "enum", "ref")

    def __init__(self, ref: str) -> None:
        scope, _, name = ref.partition(".")
        self.ref = ref
        self.ent = scope == "enterprise"
        self.attr = name
        self.enum = ref in _ENUM_FACTS

    def __call__(self, e: Enterprise, p: ProjectFacts | None) -> Any:
        if self.ent:
            value = getattr(e, self.attr)
        elif p is None:
            return None
        else:
            value = getattr(p, self.attr)
        if self.enum and isinstance(value, StrEnum):
            return value.value
        return value


# ---------------------------------------------------------------- conditions

# What a node's evaluation gives: outcome, missing facts, failed leaves (for the near miss).
_Ev = tuple[Outcome, tuple[str, ...], tuple["_Node", ...]]


class _Node:
    """A compiled condition, with its results prepared for the outcomes that carry no value."""

    __slots__ = (
        "cite",
        "clause",
        "cond",
        "failed",
        "leaf",
        "met",
        "miss",
        "note",
        "notes",
        "pending",
        "reads_project",
        "step",
        "text",
    )

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self.text = _auto_text(cond)
        self.cite = tuple(cond.cite)
        self.clause = cond.clause
        self.miss = cond.miss
        self.note = cond.note
        self.met = self._result(MET, (), None)
        self.failed = self._result(FAILED, (), None)
        self.pending = self._result(PENDING, (), None)
        self.leaf: tuple[_Node, ...] = (self,)
        self.reads_project = _reads_project(cond)
        # Convention 11: the step that unlocks the award when this condition is "not yet".
        self.step = (
            None if cond.pending is None else PendingStep(cond.pending.step, cond.clause, tuple(cond.cite))
        )
        # Every reading this condition and its parts carry, for the row's condition notes.
        self.notes: tuple[Text, ...] = _notes_in(cond)

    def reason(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        """Say what was found and which clause it fails, the right way round ("…，不符合七(二)2")."""
        found = self.found_text(e, p)
        if not self.clause:
            return found
        return T(f"{found.zh}，不符合{self.clause}", f"{found.en} — does not meet {self.clause}")

    def found_text(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        """Describe the facts that make this condition fail."""
        if self.cond.found is not None:
            return self.cond.found
        return self._found(e, p)

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return T(f"不满足：{self.text.zh}", f"not met: {self.text.en}")

    def _result(self, outcome: Outcome, missing: tuple[str, ...], detail: Any) -> ConditionResult:
        return _CONDITION(self.text, outcome, self.clause, self.cite, missing, detail, self.miss, self.note)

    def res_of(self, ev: _Ev) -> tuple[ConditionResult, tuple[_Node, ...]]:
        """Turn an evaluation into a result and its failed (or pending) leaves."""
        outcome, missing, leaves = ev
        if outcome is MET:
            return self.met, ()
        if outcome is FAILED:
            return self.failed, leaves
        if outcome is PENDING:
            return self.pending, leaves
        return self._result(UNKNOWN, missing, None), ()

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        """Evaluate as a part of a larger condition."""
        raise NotImplementedError

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[_Node, ...]]:
        """Evaluate as a condition of its own: its result and its failed (or pending) leaves."""
        return self.res_of(self.ev(e, p))


def _now_text(actual: Any, unit: tuple[str, str] = ("", "")) -> Text:
    zh, en = (f" {u}" if u else "" for u in unit)
    return T(f"当前：{fmt_num(actual)}{zh}", f"now: {fmt_num(actual)}{en}")


def _ratio_text(ratio: Decimal) -> Text:
    shown = "∞" if ratio.is_infinite() else fmt_pct(ratio.quantize(_BASIS_POINT))
    return T(f"当前：{shown}", f"now: {shown}")


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}


_IS_TRUE, _IS_FALSE, _ORDERED, _OTHER = range(4)


class _Fact(_Node):
    __slots__ = (
        "attr",
        "dexp",
        "enum",
        "expected",
        "from_enterprise",
        "get",
        "kind",
        "native",
        "op",
        "order",
        "pend",
        "unit",
        "unknown",
    )

    def __init__(self, cond: FactCondition) -> None:
        super().__init__(cond)
        # The values that mean "not yet" (convention 11), or None when the condition is no step.
        self.pend: tuple[Any, ...] | None = None
        if cond.pending is not None:
            if cond.pending.values is not None:
                self.pend = tuple(cond.pending.values)
            else:
                self.pend = (False,) if cond.op == "is_true" else (True,)
        self.unit = _unit(cond.fact)
        self.get = get = _Get(cond.fact)
        self.from_enterprise, self.attr, self.enum = get.ent, get.attr, get.enum
        self.op = cond.op
        self.kind = {"is_true": _IS_TRUE, "is_false": _IS_FALSE}.get(
            cond.op, _ORDERED if cond.op in _ORDER else _OTHER
        )
        self.expected = tuple(cond.value) if cond.op in ("in", "not_in") else cond.value
        self.unknown = self._result(UNKNOWN, (cond.fact,), None)
        self.order = _ORDER.get(cond.op)
        self.native: int | float | None = None
        self.dexp: Decimal | None = None
        if self.order is not None:
            v = cond.value
            if (type(v) is int and -_EXACT <= v <= _EXACT) or (type(v) is float and -_EXACT <= v <= _EXACT):
                self.native = v
            try:
                self.dexp = _d(v)
            except ArithmeticError:  # compared (and failing) only if a value ever comes
                self.dexp = None

    def test(self, actual: Any) -> bool:
        """Compare a known value as the condition says."""
        op = self.op
        if op == "is_true":
            return actual is True
        if op == "is_false":
            return actual is False
        order = self.order
        if order is None:
            if op == "eq":
                return bool(actual == self.expected)
            if op == "ne":
                return bool(actual != self.expected)
            if op == "in":
                return actual in self.expected
            return actual not in self.expected
        native = self.native
        t = type(actual)
        if native is not None and (
            (t is float and -_EXACT <= actual <= _EXACT) or (t is int and -_EXACT <= actual <= _EXACT)
        ):
            return order(actual, native)
        dexp = self.dexp if self.dexp is not None else _d(self.expected)
        return order(_d(actual), dexp)

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        # _Get inlined.
        if self.from_enterprise:
            actual = getattr(e, self.attr)
        elif p is None:
            return UNKNOWN, self.unknown.missing, ()
        else:
            actual = getattr(p, self.attr)
        if self.enum and isinstance(actual, StrEnum):
            actual = actual.value
        if actual is None:
            return UNKNOWN, self.unknown.missing, ()
        if self.test(actual):
            return MET, (), ()
        if self.pend is not None and actual in self.pend:
            return PENDING, (), self.leaf
        return FAILED, (), self.leaf

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        actual = self.get(e, p)
        label = _label(self.get.ref)
        if actual is None:
            return T(f"{label.zh}：未知", f"{label.en}: unknown")
        if isinstance(actual, bool):
            return T(f"{label.zh}：{'是' if actual else '否'}", f"{label.en}: {'yes' if actual else 'no'}")
        if isinstance(actual, str):
            opt = _option_label(self.get.ref, actual)
            return T(f"{label.zh}为{opt.zh}", f"{label.en}: {opt.en}")
        return T(f"{label.zh} {fmt_num(actual)}", f"{label.en} {fmt_num(actual)}")

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[_Node, ...]]:
        # The hottest function of an evaluation: _Get and test inlined for the common cases.
        if self.from_enterprise:
            actual = getattr(e, self.attr)
        elif p is None:
            return self.unknown, ()
        else:
            actual = getattr(p, self.attr)
        if actual is None:
            return self.unknown, ()
        kind = self.kind
        pend = self.pend
        if kind == _IS_TRUE:
            if actual is True:
                return self.met, ()
            return (self.pending if pend is not None and actual in pend else self.failed), self.leaf
        if kind == _IS_FALSE:
            if actual is False:
                return self.met, ()
            return (self.pending if pend is not None and actual in pend else self.failed), self.leaf
        if self.enum and isinstance(actual, StrEnum):
            actual = actual.value
        ok = self.test(actual)
        if kind == _OTHER:
            if ok:
                return self.met, ()
            return (self.pending if pend is not None and actual in pend else self.failed), self.leaf
        t = type(actual)
        detail: Any
        if (t is float or t is int) and -_TAME < actual < _TAME:
            detail = _Lazy(_now_text, (actual, self.unit))
        else:
            detail = _now_text(actual, self.unit)  # written at once before, so it fails where it did
        if ok:
            return _CONDITION(self.text, MET, self.clause, self.cite, (), detail, self.miss, self.note), ()
        return _CONDITION(
            self.text, FAILED, self.clause, self.cite, (), detail, self.miss, self.note
        ), self.leaf


class _Ratio(_Node):
    __slots__ = ("den", "dexp", "num", "order")

    def __init__(self, cond: RatioCondition) -> None:
        super().__init__(cond)
        self.num = _Get(cond.num)
        self.den = _Get(cond.den)
        self.order = _ORDER[cond.op]
        self.dexp = _d(cond.value)

    def _ratio(self, e: Enterprise, p: ProjectFacts | None) -> tuple[Decimal | None, tuple[str, ...]]:
        num, den = self.num(e, p), self.den(e, p)
        if num is None or den is None:
            return None, tuple(g.ref for g, v in ((self.num, num), (self.den, den)) if v is None)
        n, d = _d(num), _d(den)
        return ((n / d) if d > 0 else (_INFINITY if n > 0 else ZERO)), ()

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        ratio, missing = self._ratio(e, p)
        if ratio is None:
            return UNKNOWN, missing, ()
        return (MET, (), ()) if self.order(ratio, self.dexp) else (FAILED, (), self.leaf)

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        ratio, _ = self._ratio(e, p)
        num, den = _label(self.num.ref), _label(self.den.ref)
        shown = (
            "?" if ratio is None else "∞" if ratio.is_infinite() else fmt_pct(ratio.quantize(_BASIS_POINT))
        )
        return T(f"{num.zh}/{den.zh} 为 {shown}", f"{num.en} / {den.en} is {shown}")

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[_Node, ...]]:
        ratio, missing = self._ratio(e, p)
        if ratio is None:
            return self._result(UNKNOWN, missing, None), ()
        ok = self.order(ratio, self.dexp)
        detail = _later(ratio.is_infinite() or _tame(ratio), _ratio_text, ratio)
        if ok:
            return self._result(MET, (), detail), ()
        return self._result(FAILED, (), detail), self.leaf


class _All(_Node):
    __slots__ = ("parts",)

    def __init__(self, cond: AllOf, parts: list[_Node]) -> None:
        super().__init__(cond)
        self.parts = parts

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        # Every part is evaluated (no short cut), as before, so a bad value fails the same way.
        evs = [part.ev(e, p) for part in self.parts]
        failed = unknown = False
        for ev in evs:
            if ev[0] is FAILED:
                failed = True
            elif ev[0] is UNKNOWN:
                unknown = True
        if failed:
            return FAILED, (), tuple([leaf for ev in evs if ev[0] is FAILED for leaf in ev[2]])
        if unknown:
            return UNKNOWN, _merge([ev[1] for ev in evs]), ()
        pending = tuple([leaf for ev in evs if ev[0] is PENDING for leaf in ev[2]])
        if pending:
            return PENDING, (), pending
        return MET, (), ()

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return _join_found(self.ev(e, p)[2], e, p)


class _Any(_Node):
    __slots__ = ("parts",)

    def __init__(self, cond: AnyOf, parts: list[_Node]) -> None:
        super().__init__(cond)
        self.parts = parts

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        # Every part is evaluated (no short cut), as before, so a bad value fails the same way.
        evs = [part.ev(e, p) for part in self.parts]
        unknown = pending = False
        for ev in evs:
            if ev[0] is MET:
                return MET, (), ()
            if ev[0] is UNKNOWN:
                unknown = True
            elif ev[0] is PENDING:
                pending = True
        if unknown:
            return UNKNOWN, _merge([ev[1] for ev in evs if ev[0] is UNKNOWN]), ()
        if pending:
            return PENDING, (), tuple([leaf for ev in evs if ev[0] is PENDING for leaf in ev[2]])
        return FAILED, (), tuple([leaf for ev in evs for leaf in ev[2]])

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return _join_found(self.ev(e, p)[2], e, p)


def _join_found(leaves: Sequence[_Node], e: Enterprise, p: ProjectFacts | None) -> Text:
    parts = [leaf.found_text(e, p) for leaf in dict.fromkeys(leaves)]
    return T("，".join(t.zh for t in parts), "; ".join(t.en for t in parts))


def _notes_in(cond: Condition) -> tuple[Text, ...]:
    notes = [cond.note] if cond.note is not None else []
    if isinstance(cond, AllOf | AnyOf):
        for part in cond.of:
            notes.extend(_notes_in(part))
    return tuple(notes)


# ---------------------------------------------------------------- formulas

# What a formula gives: amount, upper bound (None with amount None: no limit known), the formula
# text, the caps applied and the missing facts. Texts may be lazy placeholders.
_Money = tuple[Decimal | None, Decimal | None, Any, Any, tuple[str, ...]]


def _cap_text(cap: Decimal) -> Text:
    return T(f"单个项目上限 {fmt_yuan(cap)} 元", f"cap of {fmt_yuan(cap)} yuan per project")


class _Quantity:
    """A count: one fact, or the lower of several (八(二)4)."""

    __slots__ = ("gets", "labels", "single")

    def __init__(self, q: Quantity) -> None:
        self.single = not isinstance(q, MinOf)
        refs = [q] if isinstance(q, str) else list(q.min)
        self.gets = [_Get(r) for r in refs]
        self.labels = [_label(r) for r in refs]

    def read(
        self, e: Enterprise, p: ProjectFacts | None
    ) -> tuple[Decimal | None, list[Any], tuple[str, ...]]:
        """Return the count (None while a value is unknown), the values read and the unknown facts."""
        if self.single:
            get = self.gets[0]
            value = get(e, p)
            if value is None:
                return None, [value], (get.ref,)
            if not _tame(value):  # written at once before, so it fails where it did
                self.text([value])
            return _d(value), [value], ()
        values = [g(e, p) for g in self.gets]
        missing = tuple(g.ref for g, v in zip(self.gets, values, strict=True) if v is None)
        known = [v for v in values if v is not None]
        if known and not _tame(*known):  # written at once before, so it fails where it did
            self.text(values)
        if missing:
            if any(v == 0 for v in known):  # the lower of counts one of which is 0 is 0 (八(二)4)
                return ZERO, values, ()
            return None, values, missing
        if self.single:
            return _d(values[0]), values, ()
        return min(_d(v) for v in values), values, ()

    def text(self, values: list[Any]) -> Text:
        """Describe the count (every value known)."""
        if self.single:
            label, value = self.labels[0], values[0]
            shown = fmt_num(value) if value is not None else "?"
            return T(f"{label.zh} {shown}", f"{label.en} {shown}")
        pairs = list(zip(self.labels, values, strict=True))
        zh = "min(" + "，".join(f"{lab.zh} {fmt_num(v) if v is not None else '?'}" for lab, v in pairs) + ")"
        en = "min(" + ", ".join(f"{lab.en} {fmt_num(v) if v is not None else '?'}" for lab, v in pairs) + ")"
        return T(zh, en)


class _Formula:
    __slots__ = ()

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        """Compute the amount, its bound and (lazily) its texts."""
        raise NotImplementedError


class _Fixed(_Formula):
    __slots__ = ("amount", "text")

    def __init__(self, f: Fixed) -> None:
        self.amount = amt = _d(f.amount)
        self.text = T(f"定额 {fmt_yuan(amt)} 元", f"fixed {fmt_yuan(amt)} yuan")

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        return self.amount, self.amount, self.text, (), ()


class _Tier(_Formula):
    __slots__ = ("f", "get", "known", "pend", "top", "top_text")

    def __init__(self, f: Tier) -> None:
        self.f = f
        self.get = _Get(f.fact)
        self.top = max(_d(v) for v in f.amounts.values())
        self.known = {key: (_d(v), self._text(key, _d(v))) for key, v in f.amounts.items()}
        self.top_text = next(text for amt, text in self.known.values() if amt == self.top)
        # The values that mean "not obtained yet" (convention 11), set from the path's condition on
        # the same fact: the path is then worth its highest level once the step is taken.
        self.pend: tuple[Any, ...] = ()

    def _text(self, value: Any, amt: Decimal) -> Text:
        opt = self.f.labels.get(str(value)) or _option_label(self.f.fact, value)
        return T(f"{opt.zh}：{fmt_yuan(amt)} 元", f"{opt.en}: {fmt_yuan(amt)} yuan")

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        value = self.get(e, p)
        if value is None:
            return None, self.top, None, (), (self.get.ref,)
        if value in self.pend:
            return self.top, self.top, self.top_text, (), ()
        found = self.known.get(str(value))
        if found is not None:
            return found[0], found[0], found[1], (), ()
        return ZERO, ZERO, lazy(self._text, value, ZERO), (), ()


class _Share(_Formula):
    __slots__ = (
        "bonus",
        "bonus_amt",
        "bonus_text",
        "bound_by",
        "cap",
        "caps",
        "get",
        "label",
        "none_bound",
        "pct",
        "rate",
    )

    def __init__(self, f: Share, node: Callable[[Condition], _Node]) -> None:
        self.get = _Get(f.base)
        self.rate = _d(f.rate)
        self.cap = _d(f.cap) if f.cap else None
        self.caps = () if self.cap is None else (_cap_text(self.cap),)
        self.bonus_amt = _d(f.bonus.amount) if f.bonus else ZERO
        self.bonus = node(f.bonus.when) if f.bonus else None
        self.bonus_text = _auto_text(f.bonus.when) if f.bonus else None
        self.none_bound = None if self.cap is None else self.cap + self.bonus_amt
        self.bound_by = _Get(f.bound_by) if f.bound_by else None
        self.label = _label(f.base)
        self.pct = fmt_pct(self.rate)

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        value = self.get(e, p)
        if value is None:
            bound = self.none_bound
            if self.bound_by is not None:
                most = self.bound_by(e, p)
                if most is not None:
                    limit = _d(most) * self.rate
                    if self.cap is not None and limit > self.cap:
                        limit = self.cap
                    limit += self.bonus_amt
                    bound = limit if bound is None else min(bound, limit)
            return None, bound, None, (), (self.get.ref,)
        base = _d(value)
        raw = first = base * self.rate
        caps: tuple[Text, ...] = ()
        cap = self.cap
        if cap is not None and raw > cap:
            caps = self.caps
            raw = cap
        missing: tuple[str, ...] = ()
        bound = raw
        bonus_met = False
        if self.bonus is not None:
            outcome, bmissing, _ = self.bonus.ev(e, p)
            if outcome is MET:
                raw += self.bonus_amt
                bound = raw
                bonus_met = True
            elif outcome is UNKNOWN:
                missing = bmissing
                bound = raw + self.bonus_amt
        return (
            raw,
            bound,
            _later(_tame(value), self._text, base, first, bool(caps), bonus_met, raw),
            caps,
            missing,
        )

    def _text(self, base: Decimal, first: Decimal, capped: bool, bonus_met: bool, raw: Decimal) -> Text:
        label = self.label
        zh = f"{label.zh} {fmt_yuan(base)} 元 × {self.pct} = {fmt_yuan(first)} 元"
        en = f"{label.en} {fmt_yuan(base)} yuan × {self.pct} = {fmt_yuan(first)} yuan"
        if capped:
            assert self.cap is not None
            zh += f"，超过单个项目上限，按 {fmt_yuan(self.cap)} 元"
            en += f", above the per-project cap: {fmt_yuan(self.cap)} yuan"
        if bonus_met:
            assert self.bonus_text is not None
            btext, amt = self.bonus_text, self.bonus_amt
            zh += f"；{btext.zh}，再奖励 {fmt_yuan(amt)} 元，合计 {fmt_yuan(raw)} 元"
            en += f"; {btext.en}: plus {fmt_yuan(amt)} yuan, {fmt_yuan(raw)} yuan in all"
        return T(zh, en)


class _PerUnit(_Formula):
    __slots__ = ("cap", "caps", "qty", "rate", "unit")

    def __init__(self, f: PerUnit) -> None:
        self.qty = _Quantity(f.quantity)
        self.rate = _d(f.rate)
        self.unit = f.unit
        self.cap = _d(f.cap) if f.cap else None
        self.caps = () if self.cap is None else (_cap_text(self.cap),)

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        qty, values, missing = self.qty.read(e, p)
        if qty is None:
            return None, self.cap, None, (), missing
        raw = first = qty * self.rate
        caps: tuple[Text, ...] = ()
        if self.cap is not None and raw > self.cap:
            caps = self.caps
            raw = self.cap
        return raw, raw, _later(_tame(*values), self._text, values, first, bool(caps)), caps, ()

    def _text(self, values: list[Any], first: Decimal, capped: bool) -> Text:
        qtext, rate, unit = self.qty.text(values), self.rate, self.unit
        zh = f"{qtext.zh} {unit.zh} × {fmt_yuan(rate)} 元/{unit.zh} = {fmt_yuan(first)} 元"
        en = f"{qtext.en} {unit.en} × {fmt_yuan(rate)} yuan/{unit.en} = {fmt_yuan(first)} yuan"
        if capped:
            assert self.cap is not None
            zh += f"，超过上限，按 {fmt_yuan(self.cap)} 元"
            en += f", above the cap: {fmt_yuan(self.cap)} yuan"
        return T(zh, en)


class _Match(_Formula):
    __slots__ = (
        "base",
        "base_label",
        "cap",
        "cap_text",
        "of",
        "of_label",
        "per",
        "ratio",
        "share",
        "unit",
        "unit_rate",
    )

    def __init__(self, f: Match) -> None:
        self.base = _Get(f.base)
        self.base_label = _label(f.base)
        self.ratio = _d(f.ratio)
        self.cap = _d(f.cap) if f.cap else None
        self.cap_text = (
            None
            if self.cap is None
            else T(f"区级上限 {fmt_yuan(self.cap)} 元", f"district cap {fmt_yuan(self.cap)} yuan")
        )
        self.per = _Get(f.unit_cap.per) if f.unit_cap else None
        self.unit_rate = _d(f.unit_cap.rate) if f.unit_cap else ZERO
        self.unit = f.unit_cap.unit if f.unit_cap else None
        self.of = _Get(f.combined_cap.of) if f.combined_cap else None
        self.of_label = _label(f.combined_cap.of) if f.combined_cap else None
        self.share = _d(f.combined_cap.share) if f.combined_cap else ZERO

    # A limit is (amount, kind, the value it came from); its text is written from these.
    def _limit_text(self, kind: str, value: Any, base_v: Any, lim: Decimal) -> Text:
        if kind == "cap":
            assert self.cap_text is not None
            return self.cap_text
        if kind == "unit":
            assert self.unit is not None
            rate, unit = self.unit_rate, self.unit
            return T(
                f"不超过 {fmt_yuan(rate)} 元/{unit.zh} × {fmt_num(value)} {unit.zh} = {fmt_yuan(lim)} 元",
                f"at most {fmt_yuan(rate)} yuan/{unit.en} × {fmt_num(value)} {unit.en} = {fmt_yuan(lim)} yuan",
            )
        assert self.of_label is not None
        share, of_label = self.share, self.of_label
        return T(
            f"市区两级合计不超过{of_label.zh}的{fmt_pct(share)}：{fmt_yuan(_d(value))} × {fmt_pct(share)} − 市级 {fmt_yuan(_d(base_v))} = {fmt_yuan(lim)} 元",
            f"both levels together at most {fmt_pct(share)} of {of_label.en}: {fmt_yuan(_d(value))} × {fmt_pct(share)} − municipal {fmt_yuan(_d(base_v))} = {fmt_yuan(lim)} yuan",
        )

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        limits: list[tuple[Decimal, str, Any]] = []
        missing: list[str] = []
        if self.cap is not None:
            limits.append((self.cap, "cap", None))
        base_v = self.base(e, p)
        if base_v is None:
            missing.append(self.base.ref)
        tame = base_v is None or _tame(base_v)
        if self.per is not None:
            per = self.per(e, p)
            if per is None:
                missing.append(self.per.ref)
            else:
                limits.append((self.unit_rate * _d(per), "unit", per))
                tame = tame and _tame(per)
        if self.of is not None:
            of = self.of(e, p)
            if of is None:
                missing.append(self.of.ref)
            elif base_v is not None:
                limits.append((max(ZERO, self.share * _d(of) - _d(base_v)), "combined", of))
                tame = tame and _tame(of)
        if not tame:
            for lim, kind, value in limits:  # written at once before, so they fail where they did
                self._limit_text(kind, value, base_v, lim)
        if missing:
            known = [lim for lim, _, _ in limits]
            if base_v is not None:
                known.append(_d(base_v) * self.ratio)
            return None, min(known, default=None), None, (), tuple(missing)
        assert base_v is not None
        raw = _d(base_v) * self.ratio
        amount = raw
        for lim, _, _ in limits:
            if lim < amount:
                amount = lim
        applied = tuple(limit for limit in limits if limit[0] == amount and limit[0] < raw)
        caps = _later(tame, self._caps, applied, base_v) if applied else ()
        return amount, amount, _later(tame, self._text, base_v, raw, amount, applied), caps, ()

    def _caps(self, applied: tuple[tuple[Decimal, str, Any], ...], base_v: Any) -> tuple[Text, ...]:
        return tuple(self._limit_text(kind, value, base_v, lim) for lim, kind, value in applied)

    def _text(
        self, base_v: Any, raw: Decimal, amount: Decimal, applied: tuple[tuple[Decimal, str, Any], ...]
    ) -> Text:
        base, ratio, label = _d(base_v), self.ratio, self.base_label
        zh = f"{label.zh} {fmt_yuan(base)} 元 × {fmt_num(ratio)}（1:{fmt_num(ratio)} 配套）= {fmt_yuan(raw)} 元"
        en = f"{label.en} {fmt_yuan(base)} yuan × {fmt_num(ratio)} (1:{fmt_num(ratio)} matching) = {fmt_yuan(raw)} yuan"
        caps = self._caps(applied, base_v)
        if caps:
            zh += "；" + "；".join(c.zh for c in caps) + f"，按 {fmt_yuan(amount)} 元"
            en += "; " + "; ".join(c.en for c in caps) + f": {fmt_yuan(amount)} yuan"
        return T(zh, en)


class _TopUp(_Formula):
    __slots__ = ("minus", "minus_label", "pct", "price", "price_label", "qty", "rate")

    def __init__(self, f: TopUp) -> None:
        self.price = _Get(f.price)
        self.price_label = _label(f.price)
        self.qty = _Quantity(f.quantity)
        self.rate = _d(f.rate)
        self.pct = fmt_pct(self.rate)
        self.minus = _Get(f.minus) if f.minus else None
        self.minus_label = _label(f.minus) if f.minus else None

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        price = self.price(e, p)
        qty, values, qmissing = self.qty.read(e, p)
        missing = list(qmissing)
        if price is None:
            missing.insert(0, self.price.ref)
        minus = self.minus(e, p) if self.minus is not None else 0
        if self.minus is not None and minus is None:
            missing.append(self.minus.ref)
        if price is not None and _d(price) == 0:
            # A price of 0 makes the award 0 whatever the counts and the subsidy: nothing to ask.
            return ZERO, ZERO, lazy(self._text, price, values, ZERO, None, ZERO), (), ()
        if price is None or qty is None:
            return None, None, None, (), tuple(missing)
        gross = first = self.rate * _d(price) * qty
        tame = _tame(price, *values, *(() if minus is None else (minus,)))
        if minus is None:
            if not tame:  # written at once before, so it fails where it did
                self._text(price, values, first, None, first)
            return None, gross, None, (), tuple(missing)
        if self.minus is not None:
            gross = max(ZERO, gross - _d(minus))
        return gross, gross, _later(tame, self._text, price, values, first, minus, gross), (), ()

    def _text(self, price: Any, values: list[Any], first: Decimal, minus: Any, net: Decimal) -> Text:
        plabel, qtext = self.price_label, self.qty.text(values)
        zh = f"{plabel.zh} {fmt_yuan(_d(price))} 元 × {self.pct} × {qtext.zh} = {fmt_yuan(first)} 元"
        en = f"{plabel.en} {fmt_yuan(_d(price))} yuan × {self.pct} × {qtext.en} = {fmt_yuan(first)} yuan"
        if self.minus_label is not None and minus is not None:
            mlabel = self.minus_label
            zh += f"；减去{mlabel.zh} {fmt_yuan(_d(minus))} 元，差额 {fmt_yuan(net)} 元"
            en += f"; less {mlabel.en} {fmt_yuan(_d(minus))} yuan: difference {fmt_yuan(net)} yuan"
        return T(zh, en)


class _RatioTier(_Formula):
    __slots__ = ("den", "dl", "lowest", "nl", "num", "steps", "top")

    def __init__(self, f: RatioTier) -> None:
        self.num, self.den = _Get(f.num), _Get(f.den)
        self.nl, self.dl = _label(f.num), _label(f.den)
        self.top = max(_d(s.amount) for s in f.steps)
        self.steps = [
            (_d(s.min), _d(s.amount), fmt_pct(s.min))
            for s in sorted(f.steps, key=lambda s: s.min, reverse=True)
        ]
        self.lowest = fmt_pct(min(s.min for s in f.steps))

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        num, den = self.num(e, p), self.den(e, p)
        missing = tuple(g.ref for g, v in ((self.num, num), (self.den, den)) if v is None)
        if missing:
            return None, self.top, None, (), missing
        ratio = _d(num) / _d(den) if _d(den) > 0 else ZERO
        amount = ZERO
        reached = None
        for step_min, step_amount, step_pct in self.steps:
            if ratio >= step_min:
                amount, reached = step_amount, step_pct
                break
        tame = _tame(num, den, ratio)
        return amount, amount, _later(tame, self._text, num, den, ratio, reached, amount), (), ()

    def _text(self, num: Any, den: Any, ratio: Decimal, reached: str | None, amount: Decimal) -> Text:
        nl, dl = self.nl, self.dl
        shown = fmt_pct(ratio.quantize(_BASIS_POINT))
        if reached is None:
            zh = f"{nl.zh} {fmt_num(num)} / {dl.zh} {fmt_num(den)} = {shown}，未达到 {self.lowest}"
            en = f"{nl.en} {fmt_num(num)} / {dl.en} {fmt_num(den)} = {shown}, below {self.lowest}"
        else:
            zh = f"{nl.zh} {fmt_num(num)} / {dl.zh} {fmt_num(den)} = {shown}，达到 {reached} 档：{fmt_yuan(amount)} 元"
            en = f"{nl.en} {fmt_num(num)} / {dl.en} {fmt_num(den)} = {shown}, reaching the {reached} step: {fmt_yuan(amount)} yuan"
        return T(zh, en)


# ---------------------------------------------------------------- measures


class _AwardPlan:
    """One award path compiled: its conditions, formula and payout."""

    __slots__ = ("conds", "id", "label", "money", "note", "payout", "payout_none", "tranches")

    def __init__(
        self, book: LoadedRulebook, award: Award, node: Callable[[Condition], _Node], formula: _Formula
    ) -> None:
        self.id = award.id
        self.label = award.label
        self.conds = [node(c) for c in award.conditions]
        self.money = formula
        if isinstance(formula, _Tier):
            for c in self.conds:
                if isinstance(c, _Fact) and c.pend is not None and c.get.ref == formula.get.ref:
                    formula.pend = tuple(v.value if isinstance(v, StrEnum) else v for v in c.pend)
        self.note = award.note
        self.payout = award.payout
        ch7 = book.chapter7
        self.tranches = (ch7.tranche[0], ch7.tranche[1]) if award.payout == "two_tranche" else (ch7.once,)
        self.payout_none = self._steps(None)

    def _steps(self, amount: int | None) -> tuple[PayoutStep, ...]:
        if len(self.tranches) == 2:
            first = None if amount is None else amount // 2
            second = None if amount is None else amount - amount // 2
            return (_STEP(self.tranches[0], first), _STEP(self.tranches[1], second))
        return (_STEP(self.tranches[0], amount),)

    def evaluate(
        self,
        gate_outcome: Outcome,
        gate_steps: tuple[_Node, ...],
        e: Enterprise,
        p: ProjectFacts | None,
        memo: _Memo,
    ) -> _Light:
        """Evaluate the path into the numbers a row needs; ``build`` makes its AwardResult from them."""
        conds: list[ConditionResult] = []
        failed: tuple[_Node, ...] = ()
        steps = gate_steps
        outcome = gate_outcome
        pid_key = id(p)
        for node in self.conds:
            key = (node, pid_key) if node.reads_project else node
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = node.res(e, p)
            cond, leaves = hit
            conds.append(cond)
            o = cond.outcome
            if leaves:
                if o is FAILED:
                    failed += leaves
                else:
                    steps += leaves
            # FAILED over UNKNOWN over PENDING over MET.
            if o is FAILED:
                outcome = o
            elif o is UNKNOWN:
                if outcome is not FAILED:
                    outcome = o
            elif o is PENDING and outcome is MET:
                outcome = o
        results = tuple(conds)
        if outcome is FAILED:
            return (self, "ineligible", None, None, None, (), results, _NO_STEPS, (), failed, False, ())
        m_amount, m_bound, formula, caps, m_missing = self.money.money(e, p)
        # _yuan inlined for the common case (0 <= value < _TAME_D: truncation is the floor).
        if m_amount is None:
            amount = None
        elif ZERO <= m_amount < _TAME_D:
            amount = int(m_amount)
        else:
            amount = _yuan(m_amount)
        if m_bound is None:
            bound = None
        elif ZERO <= m_bound < _TAME_D:
            bound = int(m_bound)
        else:
            bound = _yuan(m_bound)
        status: Status
        if (outcome is MET or outcome is PENDING) and amount is not None:
            status = ("eligible" if outcome is MET else "pending") if amount > 0 else "ineligible"
            missing = m_missing
        else:
            status = "needs_info"
            missing = _merge([_merge(r.missing for r in results), m_missing])
            if amount is not None and amount == 0:
                status = "ineligible"
        has_formula = formula is not None
        if status == "eligible" or status == "pending":
            return (
                self,
                status,
                amount,
                bound,
                formula,
                caps,
                results,
                amount,
                missing,
                failed,
                has_formula,
                steps,
            )
        if status == "ineligible":
            return (self, status, None, None, formula, caps, results, bound, (), failed, has_formula, ())
        return (self, status, None, bound, formula, caps, results, bound, missing, failed, has_formula, steps)

    def build(self, light: _Light) -> AwardResult:
        """Make the AwardResult of an evaluated path."""
        _, status, amount, bound, formula, caps, results, paid, missing, _, _, _ = light
        if paid is _NO_STEPS:
            steps: tuple[PayoutStep, ...] = ()
        else:
            steps = self.payout_none if paid is None else self._steps(paid)
        result: AwardResult = _AWARD(
            self.id,
            self.label,
            status,
            amount,
            bound,
            formula,
            caps,
            results,
            self.payout,
            steps,
            missing,
            self.note,
        )
        return result


# An evaluated award path: (plan, status, amount_yuan, upper_bound_yuan, formula, caps_applied,
# conditions, amount its payout splits (or _NO_STEPS), missing, failed leaves, has a formula text,
# pending leaves: the steps still to take). A pending path's amount is what it will be worth.
_Light = tuple[Any, ...]
_NO_STEPS: Any = object()


def _awards(lights: Sequence[_Light]) -> tuple[AwardResult, ...]:
    """Make a row's AwardResults (on first read of ``MeasureResult.awards``)."""
    return tuple([light[0].build(light) for light in lights])


def _now(value: Any) -> Any:
    """Return a field value, computing it if it is still a ``lazy`` placeholder."""
    return value.fn(*value.args) if type(value) is _Lazy else value


def _reasons(lights: Sequence[_Light], e: Enterprise, p: ProjectFacts | None) -> tuple[Text, ...]:
    """Say why a row's paths all fail, from the path that came closest (on first read of ``reasons``)."""
    nearest: _Light | None = None
    fewest = 0
    for light in lights:
        if light[1] != "ineligible":
            continue
        n = len(dict.fromkeys(light[9]))
        if nearest is None or n < fewest:
            nearest, fewest = light, n
    if nearest is None:
        return ()
    plan, _, _, _, formula, _, results, _, _, failed, has_formula, _ = nearest
    reasons = [node.reason(e, p) for node, r in zip(plan.conds, results, strict=True) if r.outcome is FAILED]
    if has_formula and not failed:
        text = _now(formula)
        label = plan.label
        reasons.append(
            T(
                f"{label.zh}：按公式计算为 0 元（{text.zh}）",
                f"{label.en}: the formula gives 0 yuan ({text.en})",
            )
        )
    return tuple(dict.fromkeys(reasons))


def _gates(order: tuple[int, ...], results: tuple[ConditionResult, ...]) -> tuple[ConditionResult, ...]:
    """Put a row's gate results back in the measure's order (on first read of ``MeasureResult.gates``)."""
    return tuple([results[i] for i in order])


def _failed_gates(
    plan: _Plan,
    order: tuple[int, ...],
    results: tuple[ConditionResult, ...],
    e: Enterprise,
    p: ProjectFacts | None,
) -> tuple[Text, ...]:
    """Say what fails a row's gates and which clause it breaks, in the measure's order."""
    out: list[Text] = []
    for k, i in enumerate(order):
        r = results[i]
        if r.outcome is not FAILED:
            continue
        if k == 0:  # 七(一): the zone
            where = r.detail or T("?", "?")
            out.append(
                T(
                    f"所在区域为{where.zh}，不符合{r.clause}：{r.text.zh}",
                    f"Location: {where.en} — does not meet {r.clause}: {r.text.en}",
                )
            )
        else:
            out.append(plan.gates[k - 1].reason(e, p))
    return tuple(dict.fromkeys(out))


def _formula(f: Formula, node: Callable[[Condition], _Node]) -> _Formula:
    if isinstance(f, Fixed):
        return _Fixed(f)
    if isinstance(f, Tier):
        return _Tier(f)
    if isinstance(f, Share):
        return _Share(f, node)
    if isinstance(f, PerUnit):
        return _PerUnit(f)
    if isinstance(f, Match):
        return _Match(f)
    if isinstance(f, TopUp):
        return _TopUp(f)
    assert isinstance(f, RatioTier)
    return _RatioTier(f)


def _refs_in(value: Any, out: set[str]) -> None:
    """Collect the fact references anywhere in rule data (every fact a plan can read is one)."""
    if isinstance(value, str):
        scope, _, name = value.partition(".")
        if (scope == "enterprise" and name in ENTERPRISE_FACTS) or (
            scope == "project" and name in PROJECT_FACTS
        ):
            out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _refs_in(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _refs_in(v, out)


def _reads_project(cond: Condition) -> bool:
    refs: set[str] = set()
    _refs_in(cond.model_dump(), refs)
    return any(r.startswith("project.") for r in refs)


def _getter(names: Sequence[str]) -> Callable[[Any], Any]:
    if not names:
        return lambda obj: ()
    return operator.attrgetter(*names)


_NO_PROJECT_REASON = T(
    "尚未说明与本条对应的项目、称号或认证",
    "No project, title or certificate for this measure has been described yet",
)


class _Plan:
    """One measure compiled."""

    __slots__ = (
        "awards",
        "combine",
        "ent_attrs",
        "ent_gates",
        "gate_order",
        "gates",
        "head",
        "informational",
        "number",
        "proj_gates",
        "proj_get",
        "scope",
        "static",
    )

    def __init__(self, book: LoadedRulebook, measure: Measure, node: Callable[[Condition], _Node]) -> None:
        self.number = measure.number
        self.informational = measure.kind == "informational"
        self.combine = measure.combine
        self.head = (measure.title, measure.summary, measure.scope)
        documents = tuple(measure.documents) + (
            tuple(book.chapter7.basic_documents) if measure.kind == "money" else ()
        )
        # The fields of MeasureResult after ``reasons``, in order (condition notes added below).
        self.static: tuple[Any, ...] = (
            documents,
            tuple(measure.bureaus),
            tuple(measure.notes),
            tuple(measure.procedure),
            tuple(measure.cite),
        )
        gates: list[Condition] = []
        if measure.kind == "money":
            gates.extend(measure.applicant)
            gates.extend(book.chapter7.basic)
            exclusions = {x.id: x for x in book.chapter7.exclusions}
            gates.extend(exclusions[x].condition for x in measure.exclusions)
        self.gates = [node(c) for c in gates]
        self.awards = [_AwardPlan(book, a, node, _formula(a.formula, node)) for a in measure.awards]
        # Every reading the measure's conditions carry, once, unless the measure already says it.
        said = {n.zh for n in measure.notes}
        cond_notes: dict[str, Text] = {}
        for n in (*self.gates, *(c for a in self.awards for c in a.conds)):
            for note in n.notes:
                if note.zh not in said:
                    cond_notes.setdefault(note.zh, note)
        self.static = (*self.static, tuple(cond_notes.values()))
        # The gates that read the enterprise only give the same results on every row of an
        # evaluation; measures with the same such gates share one evaluation of them (_Book).
        self.ent_gates = _Gates(tuple(n for n in self.gates if not n.reads_project))
        self.proj_gates = tuple(n for n in self.gates if n.reads_project)
        # Where each gate's result is in (scope, *enterprise gates, *project gates).
        ent_i, proj_i, order = 1, 1 + len(self.ent_gates.nodes), [0]
        for n in self.gates:
            if n.reads_project:
                order.append(proj_i)
                proj_i += 1
            else:
                order.append(ent_i)
                ent_i += 1
        self.gate_order = tuple(order)
        self.scope = _Scope(book, measure)
        # A row depends on the facts its measure reads and nothing else: the memo keys on those.
        refs: set[str] = set()
        if not self.informational:
            refs.add("enterprise.zone")
            for c in gates:
                _refs_in(c.model_dump(), refs)
            for a in measure.awards:
                _refs_in(a.model_dump(), refs)
        self.ent_attrs = tuple(sorted(r.partition(".")[2] for r in refs if r.startswith("enterprise.")))
        self.proj_get = _getter(sorted(r.partition(".")[2] for r in refs if r.startswith("project.")))


class _Gates:
    """A measure's gates that read no project fact, evaluated once per evaluation for all rows."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[_Node, ...]) -> None:
        self.nodes = nodes

    def res(
        self, e: Enterprise, p: ProjectFacts | None, memo: _Memo
    ) -> tuple[Outcome, tuple[ConditionResult, ...], tuple[str, ...]]:
        """Return their combined outcome, their results in order and their missing facts merged."""
        results = []
        for node in self.nodes:
            hit = memo.get(node)
            if hit is None:
                hit = memo[node] = node.res(e, p)
            results.append(hit[0])
        outcome = MET
        groups = []
        for r in results:
            o = r.outcome
            if o is FAILED:
                outcome = FAILED
            elif o is UNKNOWN:
                if outcome is not FAILED:
                    outcome = UNKNOWN
            elif o is PENDING and outcome is MET:
                outcome = PENDING
            if r.missing:
                groups.append(r.missing)
        return outcome, tuple(results), _merge(groups) if groups else ()


class _Scope:
    """七(一): the zones a measure's scope admits, with a result prepared for every zone."""

    __slots__ = ("by_zone", "cite", "get", "rule", "unknown")

    def __init__(self, book: LoadedRulebook, measure: Measure) -> None:
        self.rule = rule = book.chapter7.scopes[measure.scope]
        self.cite = tuple(rule.cite)
        self.get = _Get("enterprise.zone")
        self.unknown = ConditionResult(rule.text, UNKNOWN, rule.clause, self.cite, ("enterprise.zone",), None)
        self.by_zone = {z: self._result(z) for z in load_catalog()["enterprise.zone"].options or {}}

    def _result(self, zone: Any) -> ConditionResult:
        rule = self.rule
        return ConditionResult(
            rule.text,
            MET if zone in rule.zones else FAILED,
            rule.clause,
            self.cite,
            (),
            _option_label("enterprise.zone", zone),
        )

    def res(self, e: Enterprise) -> ConditionResult:
        """Return the scope's result for an enterprise."""
        zone = self.get(e, None)
        if zone is None:
            return self.unknown
        found = self.by_zone.get(zone)
        return found if found is not None else self._result(zone)


class _Book:
    """A rulebook compiled: its plans in measure order and what selection needs."""

    __slots__ = ("book", "combine", "ent_getters", "kind_by", "kinded", "kinds", "plans", "totals")

    def __init__(self, book: LoadedRulebook) -> None:
        self.book = book  # held, so that its id keeps naming it in _BOOKS
        nodes: dict[tuple[type, str], _Node] = {}

        def node(cond: Condition) -> _Node:
            # One node per distinct condition: chapter 七's conditions are shared by the measures and
            # a measure's paths repeat conditions (YAML anchors), so one evaluation computes each once.
            key = (type(cond), cond.model_dump_json())
            found = nodes.get(key)
            if found is None:
                found = nodes[key] = _compile(cond, node)
            return found

        self.plans = [_Plan(book, m, node) for m in book.measures.values()]
        shared: dict[tuple[_Node, ...], _Gates] = {}
        for plan in self.plans:
            plan.ent_gates = shared.setdefault(plan.ent_gates.nodes, plan.ent_gates)
        groups = sorted({p.ent_attrs for p in self.plans})
        self.ent_getters = [(attrs, _getter(attrs)) for attrs in groups]
        # Convention 14: the kind of each award paid at most once per enterprise (None: per claim).
        # A measure-wide title is one kind whatever its level; otherwise each flagged award is one.
        self.kinds: dict[int, dict[str, _Kind | None]] = {}
        for m in book.measures.values():
            self.kinds[m.number] = {
                a.id: (m.number, "*")
                if m.once_per_enterprise
                else (m.number, a.id)
                if a.once_per_enterprise
                else None
                for a in m.awards
            }
        # Awards whose kind is named by a fact's value (13: which title): one kind per value.
        self.kind_by = {
            (m.number, a.id): _Get(a.kind_by) for m in book.measures.values() for a in m.awards if a.kind_by
        }
        self.combine = {m.number: m.combine for m in book.measures.values()}
        self.kinded = frozenset(n for n, ks in self.kinds.items() if any(k is not None for k in ks.values()))
        # Project facts that are a total per enterprise, by measure.
        self.totals = {
            m.number: tuple(ref.partition(".")[2] for ref in m.totals)
            for m in book.measures.values()
            if m.totals
        }


def _compile(cond: Condition, node: Callable[[Condition], _Node]) -> _Node:
    if isinstance(cond, FactCondition):
        return _Fact(cond)
    if isinstance(cond, RatioCondition):
        return _Ratio(cond)
    if isinstance(cond, AllOf):
        return _All(cond, [node(c) for c in cond.of])
    return _Any(cond, [node(c) for c in cond.of])


_BOOKS: dict[int, _Book] = {}


def _compiled(book: LoadedRulebook) -> _Book:
    found = _BOOKS.get(id(book))
    if found is None or found.book is not book:
        found = _BOOKS[id(book)] = _Book(book)
    return found


# ---------------------------------------------------------------- rows


class _Row:
    """A measure's row before selection; the MeasureResult for each selection outcome is made once."""

    __slots__ = (
        "amount",
        "args",
        "counted",
        "facts",
        "later",
        "lights",
        "made",
        "missing",
        "no_project",
        "number",
        "plain",
        "project_id",
        "sel",
        "status",
        "upper",
    )

    def __init__(
        self, args: tuple[Any, ...], lights: tuple[_Light, ...] = (), facts: ProjectFacts | None = None
    ) -> None:
        self.args = args
        self.facts = facts  # the project's facts (a kind named by a fact's value reads them)
        (self.number, _, self.status, _, _, self.project_id, _, self.no_project, self.amount, self.upper) = (
            args[:10]
        )
        self.missing: tuple[str, ...] = args[13]
        self.later: int | None = args[-2]
        # What the row can pay for selection, now and after pending steps (see _contributions).
        self.sel: list[Any] = [None, None]
        # The award paths evaluated (their AwardResults are made on first read of ``awards``).
        self.lights = lights
        # The row as selected: not counted, counted, or an alternative to another measure.
        self.plain: MeasureResult | None = None
        self.counted: MeasureResult | None = None
        self.made: dict[int, MeasureResult] = {}

    def result(self, counted: bool, alternative_to: int | None) -> MeasureResult:
        """Return the row as selected."""
        if alternative_to is None:
            found = self.counted if counted else self.plain
            if found is None:
                a = self.args
                found = _MEASURE(*a[:10], counted, None, *a[10:])
                if counted:
                    self.counted = found
                else:
                    self.plain = found
            return found
        found = self.made.get(alternative_to)
        if found is None or found.counted != counted:
            a = self.args
            found = self.made[alternative_to] = _MEASURE(*a[:10], counted, alternative_to, *a[10:])
        return found

    def changed(
        self,
        counted: bool,
        alternative_to: int | None,
        amount: int | None,
        reasons: tuple[Text, ...],
        missing: tuple[str, ...],
    ) -> MeasureResult:
        """Return the row with its amount lowered by a once-per-enterprise award (not memoised: rare)."""
        a = self.args
        result: MeasureResult = _MEASURE(
            *a[:8], amount, a[9], counted, alternative_to, *a[10:13], missing, a[14], reasons, *a[16:]
        )
        return result


# Results shared by the rows of one evaluation: a condition's (result, failed leaves), keyed by
# node (and project facts), and a group of enterprise gates' (outcome, results, missing).
_Memo = dict[Any, Any]


def _row(plan: _Plan, e: Enterprise, project: Project | None, memo: _Memo) -> _Row:
    pid = project.id if project is not None else None
    name = project.name if project is not None else ""
    title, summary, scope = plan.head
    if plan.informational:
        return _Row(
            (
                plan.number,
                title,
                "informational",
                summary,
                scope,
                pid,
                name,
                False,
                None,
                None,
                (),
                (),
                None,
                (),
                (),
                (),
                *plan.static,
                None,
                (),
            )
        )
    p = project.facts if project is not None else None
    # Gate results repeat across the rows of one evaluation (chapter 七's conditions): share them.
    first = plan.scope.res(e)
    group = plan.ent_gates
    shared = memo.get(group)
    if shared is None:
        shared = memo[group] = group.res(e, p, memo)
    gate_outcome, ent_results, ent_missing = shared
    o = first.outcome
    if o is FAILED:
        gate_outcome = FAILED
    elif o is UNKNOWN and gate_outcome is MET:
        gate_outcome = UNKNOWN
    proj_results: list[ConditionResult] = []
    proj_missing = False
    pid_key = id(p)
    for node in plan.proj_gates:
        key = (node, pid_key)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = node.res(e, p)
        found = hit[0]
        proj_results.append(found)
        o = found.outcome
        if o is not MET:
            if o is FAILED:
                gate_outcome = FAILED
            elif o is UNKNOWN:
                if gate_outcome is not FAILED:
                    gate_outcome = UNKNOWN
            elif gate_outcome is MET:
                gate_outcome = PENDING
            if found.missing:
                proj_missing = True
    results = (first, *ent_results, *proj_results)
    order = plan.gate_order
    gate_missing: tuple[str, ...]
    if proj_missing:
        gate_missing = _merge(results[i].missing for i in order)
    elif first.missing:
        gate_missing = _merge((first.missing, ent_missing))
    else:
        gate_missing = ent_missing
    gates = _Lazy(_gates, (order, results))
    if gate_outcome is FAILED:
        failed_gates = _Lazy(_failed_gates, (plan, order, results, e, p))
        return _Row(
            (
                plan.number,
                title,
                "ineligible",
                summary,
                scope,
                pid,
                name,
                False,
                None,
                None,
                gates,
                (),
                None,
                (),
                (),
                failed_gates,
                *plan.static,
                None,
                (),
            )
        )
    if project is None:
        top = [a.money.money(e, p)[1] for a in plan.awards]
        if any(b is None for b in top):
            bound = None
        else:
            known = [b for b in top if b is not None]
            bound = _yuan(sum(known, ZERO) if plan.combine == "sum" else max(known))
        return _Row(
            (
                plan.number,
                title,
                "needs_info",
                summary,
                scope,
                None,
                "",
                True,
                None,
                bound,
                gates,
                (),
                None,
                gate_missing,
                (),
                (_NO_PROJECT_REASON,),
                *plan.static,
                None,
                (),
            )
        )
    lights = tuple([a.evaluate(gate_outcome, (), e, p, memo) for a in plan.awards])
    # (plan, status, amount_yuan, upper_bound_yuan, ..., missing at 8, ..., steps at 11): see _Light.
    eligible: list[_Light] = []
    waiting: list[_Light] = []  # pending: worth their amount once a step is taken
    open_: list[_Light] = []  # needs_info: a fact can still decide them
    for a in lights:
        st = a[1]
        if st == "eligible":
            eligible.append(a)
        elif st == "pending":
            waiting.append(a)
        elif st == "needs_info":
            open_.append(a)
    chosen: str | None = None
    amount: int | None
    later: int | None = None  # worth after the pending steps
    upper: int | None
    used: list[_Light] = []  # the pending paths that make ``later``
    if plan.combine == "sum":
        amount = sum([a[2] for a in eligible]) if eligible else None
        if waiting:
            used = waiting
            later = (amount or 0) + sum([a[2] for a in waiting])
        extra: int | None = 0
        for a in open_:
            extra = None if extra is None or a[3] is None else extra + a[3]
        for paths in (eligible, waiting):
            for a in paths:
                if a[8] and extra is not None and a[3] is not None:
                    extra += a[3] - a[2]
        upper = None if extra is None else (later if later is not None else amount or 0) + extra
    else:
        best = None
        for a in eligible:  # the first of the largest, as max() picks
            if best is None or a[2] > best[2]:
                best = a
        amount = best[2] if best is not None else None
        chosen = best[0].id if best is not None else None
        floor = amount or 0
        top_wait = None
        for a in waiting:
            if a[2] > floor and (top_wait is None or a[2] > top_wait[2]):
                top_wait = a
        if top_wait is not None:
            used = [top_wait]
            later = top_wait[2]
        reach = later if later is not None else floor
        if open_:
            open_ = [a for a in open_ if a[3] is None or a[3] > reach]
        # An eligible (or pending) path whose bonus is still unknown can pay more too.
        for paths in (eligible, waiting):
            for a in paths:
                if a[8] and (a[3] or 0) > reach:
                    open_.append(a)
        upper = reach
        for a in open_:
            if a[3] is None:
                upper = None
                break
            if a[3] > upper:
                upper = a[3]
    groups = [gate_missing] if gate_missing else []
    for a in open_:
        if a[8]:
            groups.append(a[8])
    for paths in (eligible, used):
        for a in paths:
            if a[8]:
                groups.append(a[8])
    # One group is already merged (gate_missing is, and an award's missing is too).
    missing = (
        (groups[0] if len(groups) == 1 and groups[0] is gate_missing else _merge(groups)) if groups else ()
    )
    status: Status
    if eligible:
        status = "eligible"
    elif open_:
        status = "needs_info"
    elif waiting:
        status = "pending"
    else:
        status = "ineligible"
    near: list[Text] = []
    reasons: Any = ()
    if status == "ineligible":
        reasons = _Lazy(_reasons, (lights, e, p))
        near = _near_miss([a[9] for a in lights])
    # The steps still to take: of the pending paths counted, and of the undecided ones (which
    # may also wait for a step once their facts are known).
    unlock: Any = ()
    if status != "ineligible" and (used or open_):
        steps_of = [*used, *(a for a in open_ if a[11])]
        if steps_of:
            unlock = _Lazy(_unlock, (steps_of,))
    return _Row(
        (
            plan.number,
            title,
            status,
            summary,
            scope,
            pid,
            name,
            False,
            amount,
            upper if status != "ineligible" else None,
            gates,
            _Lazy(_awards, (lights,)),
            chosen,
            missing,
            tuple(near),
            reasons,
            *plan.static,
            later,
            unlock,
        ),
        lights,
        p,
    )


def _unlock(used: Sequence[_Light]) -> tuple[PendingStep, ...]:
    """List the steps that unlock a row's pending paths (on first read of ``MeasureResult.unlock``)."""
    steps: dict[int, PendingStep] = {}
    for a in used:
        for node in a[11]:
            if node.step is not None:
                steps.setdefault(id(node), node.step)
    return tuple(steps.values())


def _near_miss(failures: Sequence[tuple[_Node, ...]]) -> list[Text]:
    # The path that failed on the fewest conditions is the nearest; say what it still needs.
    candidates = [(len(failed), failed) for failed in failures if failed]
    if not candidates:
        return []
    fewest = min(n for n, _ in candidates)
    if fewest > 2:
        return []
    hints: dict[str, Text] = {}
    for n, failed in candidates:
        if n == fewest:
            for leaf in failed:
                if leaf.miss is not None:
                    hints.setdefault(leaf.miss.zh, leaf.miss)
    return list(hints.values())


_ROW_CACHE: dict[tuple[Any, ...], _Row] = {}
_ROW_CACHE_MAX = 50_000


def clear_cache() -> None:
    """Forget memoised rows and selections (for benchmarks of cold evaluation); compiled rulebooks stay."""
    _ROW_CACHE.clear()
    _SELECTIONS.clear()


# A once-per-enterprise kind: (measure, award id or "*"), or (measure, award id, value of its kind_by fact).
_Kind = tuple[Any, ...]
_NO_ENTERPRISE: Any = None  # a kind_by fact is a project fact: no enterprise is read
_UNKINDED: list[Any] = [(None, 0, None)]  # stands for "can pay, no kind" (never read for amounts)
# One award a row can pay: its kind (None: per claim), its amount and its evaluated path.
_Contribution = tuple[_Kind | None, int, _Light]


def _worth(
    contributions: list[_Contribution], combine: str, blocked: set[_Kind]
) -> tuple[int, list[_Contribution]]:
    """Return what a row pays when the kinds in ``blocked`` are counted elsewhere, and the awards it uses."""
    avail = [c for c in contributions if c[0] is None or c[0] not in blocked]
    if not avail:
        return 0, []
    if combine == "sum":
        return sum([c[1] for c in avail]), avail
    best = avail[0]
    for c in avail[1:]:
        if c[1] > best[1]:
            best = c
    return best[1], [best]


def _contributions(
    row: _Row, book: _Book, after: bool
) -> tuple[list[_Contribution], int, list[_Contribution]]:
    """Return what a row can pay (each award with its kind), its worth with no kind blocked, and the awards that make it.

    Memoised on the row, which the row memo keeps across evaluations.
    """
    found: tuple[list[_Contribution], int, list[_Contribution]] | None = row.sel[after]
    if found is None and not after and row.number not in book.kinded and row.amount:
        # No once-per-enterprise kind: the row pays its amount, and nothing can block it.
        found = row.sel[after] = (_UNKINDED, row.amount, [])
    if found is None:
        ok = ("eligible", "pending") if after else ("eligible",)
        kinds = book.kinds[row.number]
        cs: list[_Contribution] = [(kinds.get(a[0].id), a[2], a) for a in row.lights if a[1] in ok and a[2]]
        if book.kind_by:
            for j, (kind, amount, a) in enumerate(cs):
                get = book.kind_by.get((row.number, a[0].id))
                if get is not None and kind is not None:
                    cs[j] = ((*kind, get(_NO_ENTERPRISE, row.facts)), amount, a)
        value, used = _worth(cs, book.combine[row.number], set())
        found = row.sel[after] = (cs, value, used)
    return found


def _choose(
    rows: list[_Row], book: _Book, after: bool
) -> tuple[dict[str, list[int]], dict[str, set[_Kind]], dict[str, Any]]:
    """Apply convention 14, then 从优不重复 per project: the row each project counts and what it pays.

    Each kind of a once-per-enterprise award goes to the claim that pays most for it; a project
    that loses a kind chooses again among its rows without it, until no kind is counted twice.
    ``after``: as if every pending step were taken (pending paths count at their amounts).
    """
    last = _SELECTIONS.get(after)
    if (
        last is not None
        and len(last[0]) == len(rows)
        and all(a is b for a, b in zip(last[0], rows, strict=True))
    ):
        return last[1]
    ok = ("eligible", "pending") if after else ("eligible",)
    by_project: dict[str, list[int]] = {}
    # First pass, nothing blocked: per project the row worth most (the first of the largest, the
    # lower measure number on a tie), as 从优不重复 alone would choose.
    chosen: dict[str, Any] = {}
    for i, row in enumerate(rows):
        pid = row.project_id
        if pid is None or row.status not in ok:
            continue
        sel = row.sel[after]
        if sel is None:
            sel = _contributions(row, book, after)
        if not sel[0]:
            continue
        found = by_project.get(pid)
        if found is None:
            by_project[pid] = [i]
            chosen[pid] = (i, sel[1], sel[2])
        else:
            found.append(i)
            cur = chosen[pid]
            if sel[1] > cur[1] or (sel[1] == cur[1] and row.number < rows[cur[0]].number):
                chosen[pid] = (i, sel[1], sel[2])
    blocked: dict[str, set[_Kind]] = {}  # per project, the kinds counted in another project's claim

    def pick(pid: str) -> tuple[int, int, list[_Contribution]] | None:
        best: tuple[int, int, list[_Contribution]] | None = None
        gone = blocked.get(pid)
        for i in by_project[pid]:
            cs, value, used = _contributions(rows[i], book, after)
            if gone and cs is not _UNKINDED:
                value, used = _worth(cs, book.combine[rows[i].number], gone)
            if value > 0 and (
                best is None
                or value > best[1]
                or (value == best[1] and rows[i].number < rows[best[0]].number)
            ):
                best = (i, value, used)
        return best

    while True:
        holders: dict[_Kind, list[tuple[int, int, str]]] = {}
        for order, (pid, ch) in enumerate(chosen.items()):
            if ch is not None:
                for kind, amount, _ in ch[2]:
                    if kind is not None:
                        holders.setdefault(kind, []).append((amount, -order, pid))
        lost: set[str] = set()
        for kind, claims in holders.items():
            if len(claims) > 1:
                winner = max(claims)
                for claim in claims:
                    if claim is not winner:
                        blocked.setdefault(claim[2], set()).add(kind)
                        lost.add(claim[2])
        if not lost:
            break
        for pid in chosen:
            if pid in lost:
                chosen[pid] = pick(pid)
    result = (by_project, blocked, chosen)
    _SELECTIONS[after] = (list(rows), result)
    return result


# The last selection made, now and after pending steps, with the rows it was made from (rows are
# memoised, so the same profile again finds the same row objects).
_SELECTIONS: dict[
    bool, tuple[list[_Row], tuple[dict[str, list[int]], dict[str, set[_Kind]], dict[str, Any]]]
] = {}


def _select(rows: list[_Row], book: _Book) -> list[MeasureResult]:
    """Apply convention 14 and 从优不重复: which rows count, and for how much."""
    by_project, blocked, chosen = _choose(rows, book, after=False)
    n = len(rows)
    counted = [False] * n
    alternative: list[int | None] = [None] * n
    changed: dict[int, tuple[int | None, tuple[Text, ...], tuple[str, ...]]] = {}
    for pid, idxs in by_project.items():
        ch = chosen[pid]
        gone = blocked.get(pid) or set()
        for i in idxs:
            row = rows[i]
            if ch is not None and i == ch[0]:
                counted[i] = True
                if ch[1] != row.amount:
                    reasons = list(_now(row.args[15]))
                    for kind, _, light in _contributions(row, book, False)[0]:
                        if kind is not None and kind in gone:
                            label = light[0].label
                            reasons.append(
                                T(
                                    f"{label.zh}每家企业只奖励一次，已在另一项申报中计入",
                                    f"{label.en} is paid once per enterprise and is counted in another claim",
                                )
                            )
                    changed[i] = (ch[1], tuple(reasons), _kind_questions(row, book, gone))
            elif ch is None or (
                gone and any(c[0] is not None and c[0] in gone for c in _contributions(row, book, False)[0])
            ):
                # What it pays is counted in another claim (convention 14).
                alternative[i] = row.number
                asks = _kind_questions(row, book, gone)
                if asks:
                    changed[i] = (row.amount, _now(row.args[15]), asks)
            else:
                alternative[i] = rows[ch[0]].number
    out = [row.result(counted[i], alternative[i]) for i, row in enumerate(rows)]
    for i, (amount, why, asks) in changed.items():
        missing = _merge((rows[i].missing, asks)) if asks else rows[i].missing
        out[i] = rows[i].changed(counted[i], alternative[i], amount, why, missing)
    return out


def _kind_questions(row: _Row, book: _Book, gone: set[_Kind]) -> tuple[str, ...]:
    """Name the facts that would tell a blocked kind apart, where the row leaves them unknown (13: which title)."""
    if not book.kind_by or not gone:
        return ()
    asks: list[str] = []
    for kind, _, light in _contributions(row, book, False)[0]:
        if kind is not None and kind in gone and len(kind) == 3 and kind[2] is None:
            asks.append(book.kind_by[(row.number, light[0].id)].ref)
    return tuple(asks)


def _total_after(rows: list[_Row], book: _Book) -> int:
    """Return the total as if every pending step were taken."""
    _, _, chosen = _choose(rows, book, after=True)
    return sum(ch[1] for ch in chosen.values() if ch is not None)


def _missing_facts(rows: Sequence[MeasureResult], source: Sequence[_Row]) -> tuple[MissingFact, ...]:
    stakes: dict[tuple[str, str | None], tuple[set[int], int | None]] = {}
    for row, src in zip(rows, source, strict=True):
        # A measure nobody has put a project forward for has no facts worth asking yet.
        if row.status not in ("needs_info", "eligible", "pending") or row.no_project or not row.missing:
            continue
        gain: int | None
        if row.missing is not src.missing and not row.counted and row.alternative_to == row.number:
            # Convention 14 kept it out until a fact tells its kind apart (13: which title).
            gain = row.amount_yuan or 0
        elif row.upper_bound_yuan is None:
            gain = None
        else:
            gain = row.upper_bound_yuan - (row.pending_yuan or row.amount_yuan or 0)
            if gain <= 0 and row.status in ("eligible", "pending"):
                continue
        for ref in row.missing:
            key = (ref, None if ref.startswith("enterprise.") else row.project_id)
            measures, stake = stakes.get(key, (set(), 0))
            measures.add(row.number)
            stakes[key] = (measures, None if stake is None or gain is None else stake + gain)
    facts = [MissingFact(ref, pid, tuple(sorted(ms)), stake) for (ref, pid), (ms, stake) in stakes.items()]
    # Stable sort: equal stakes keep the order the conditions name them in, which puts the
    # gating question ("是重点用车单位吗") before the one it gates ("门禁联网了吗").
    facts.sort(
        key=lambda f: (f.stake_yuan is not None, -len(f.measures) if f.stake_yuan is None else -f.stake_yuan)
    )
    return tuple(facts)


def evaluate(profile: Profile, on: dt.date | None = None, book: LoadedRulebook | None = None) -> Report:
    """Evaluate every measure for a profile, as the rulebook in force on ``on`` (today by default) reads."""
    on = on or dt.date.today()
    book = book or rulebook_for(on)
    if book is None or not book.in_force(on):
        return Report(on=on, in_force=False, message=_not_in_force(on))
    compiled = _compiled(book)
    enterprise = profile.enterprise
    claimed: dict[int, list[Project]] = {}
    for project in profile.projects:
        for number in dict.fromkeys(project.measures):  # a measure named twice is one claim
            claimed.setdefault(number, []).append(project)
    for number, attrs in compiled.totals.items():
        claims = claimed.get(number)
        if claims and len(claims) > 1:
            claimed[number] = _with_totals(claims, attrs)
    ent_values = {attrs: get(enterprise) for attrs, get in compiled.ent_getters}
    cache = _ROW_CACHE
    memo: _Memo = {}
    rows: list[_Row] = []
    waits = False  # some row has a pending path
    for plan in compiled.plans:
        ent_key = ent_values[plan.ent_attrs]
        for claim in claimed.get(plan.number) or (None,):
            if claim is None:
                key: tuple[Any, ...] = (plan, ent_key)
            else:
                key = (plan, claim.id, claim.name, ent_key, plan.proj_get(claim.facts))
            row = cache.get(key)
            if row is None:
                if len(cache) >= _ROW_CACHE_MAX:
                    cache.clear()
                row = cache[key] = _row(plan, enterprise, claim, memo)
            rows.append(row)
            if row.later is not None:
                waits = True
    results = _select(rows, compiled)
    total = 0
    open_upper: int | None = 0
    for r in results:
        if r.counted:
            total += r.amount_yuan or 0
        if r.status == "needs_info" and not r.no_project:
            open_upper = (
                None if open_upper is None or r.upper_bound_yuan is None else open_upper + r.upper_bound_yuan
            )
    after = _total_after(rows, compiled) if waits else total
    report: Report = _REPORT(
        on,
        True,
        book.meta.id,
        book.meta.doc_no,
        None,
        tuple(results),
        total,
        open_upper,
        _missing_facts(results, rows),
        book.chapter7.disclaimer,
        max(after, total),
    )
    return report


def _with_totals(claims: list[Project], attrs: tuple[str, ...]) -> list[Project]:
    """Give each claim the enterprise's total of these facts.

    A claim whose value is unknown adds nothing yet (the total of the known ones is a lower bound,
    so adding a claim never lowers what the others already reach); unknown when none is known.
    """
    update: dict[str, Any] = {}
    for attr in attrs:
        known = [v for c in claims if (v := getattr(c.facts, attr)) is not None]
        update[attr] = sum(known) if known else None
    return [c.model_copy(update={"facts": c.facts.model_copy(update=update)}) for c in claims]


def _not_in_force(on: dt.date) -> Text:
    """Say which policy applied on a date no encoded version covers."""
    first = min(load_rulebooks(), key=lambda b: b.meta.effective_from)
    start = first.meta.effective_from
    doc = first.meta.doc_no
    if on < start and first.meta.repeals:
        earlier = first.meta.repeals[0]
        return T(
            f"{on.isoformat()} 时{doc}尚未施行（自{start.year}年{start.month}月{start.day}日起施行）。当日有效的是此前的{earlier.zh}，"
            f"它在{start.isoformat()}才被{doc}废止；本工具未收录其规则，请以该文件原文和主责部门的意见为准。",
            f"On {on.isoformat()} {doc} was not yet in force (it applies from {start.isoformat()}). The earlier "
            f"{earlier.en} was in force that day; {doc} repealed it only on {start.isoformat()}. Its rules are not "
            "encoded here: rely on its text and the responsible bureau.",
        )
    return T(
        f"{on.isoformat()} 没有本工具收录的在施行的绿色低碳政策版本（{doc}自{start.isoformat()}起施行）。",
        f"No version of the green low-carbon policy encoded here was in force on {on.isoformat()} ({doc} applies from {start.isoformat()}).",
    )


def unknown_measures(profile: Profile, book: LoadedRulebook) -> list[int]:
    """Return measure numbers a profile names that the rulebook does not have."""
    return sorted({n for p in profile.projects for n in p.measures} - set(book.measures))


__all__ = ["evaluate", "fmt_pct", "fmt_yuan", "unknown_measures"]
