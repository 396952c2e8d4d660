"""Conditions compiled into nodes: each reads its facts and gives met, failed, unknown or pending."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rules.facts import Enterprise, ProjectFacts
from rules.numbers import BASIS_POINT, EXACT, INFINITY, TAME, ZERO, dec, fmt_num, fmt_pct, is_tame, lazy_if
from rules.reading import Get, cond_reads_project, merge_refs
from rules.report import ConditionResult, Outcome, PendingStep, T, _Lazy, builder
from rules.schema import AllOf, AnyOf, Condition, FactCondition, RatioCondition, Text
from rules.wording import condition_text, label_of, option_label, say, unit_words

_CONDITION = builder(ConditionResult)

MET: Outcome = "met"
FAILED: Outcome = "failed"
UNKNOWN: Outcome = "unknown"
PENDING: Outcome = "pending"


# ---------------------------------------------------------------- conditions

# What a node's evaluation gives: outcome, missing facts, failed leaves (for the near miss).
_Ev = tuple[Outcome, tuple[str, ...], tuple["Node", ...]]


class Node:
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
        self.text = condition_text(cond)
        self.cite = tuple(cond.cite)
        self.clause = cond.clause
        self.miss = cond.miss
        self.note = cond.note
        self.met = self._result(MET, (), None)
        self.failed = self._result(FAILED, (), None)
        self.pending = self._result(PENDING, (), None)
        self.leaf: tuple[Node, ...] = (self,)
        self.reads_project = cond_reads_project(cond)
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
        return say("condition.fails_clause", found=found, clause=self.clause)

    def found_text(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        """Describe the facts that make this condition fail."""
        if self.cond.found is not None:
            return self.cond.found
        return self._found(e, p)

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return say("condition.not_met", condition=self.text)

    def _result(self, outcome: Outcome, missing: tuple[str, ...], detail: Any) -> ConditionResult:
        return _CONDITION(self.text, outcome, self.clause, self.cite, missing, detail, self.miss, self.note)

    def res_of(self, ev: _Ev) -> tuple[ConditionResult, tuple[Node, ...]]:
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

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[Node, ...]]:
        """Evaluate as a condition of its own: its result and its failed (or pending) leaves."""
        return self.res_of(self.ev(e, p))


def _now_text(actual: Any, unit: tuple[str, str] = ("", "")) -> Text:
    zh, en = (f"{fmt_num(actual)} {u}" if u else fmt_num(actual) for u in unit)
    return say("condition.now", value=T(zh, en))


def _ratio_text(ratio: Decimal) -> Text:
    shown = "∞" if ratio.is_infinite() else fmt_pct(ratio.quantize(BASIS_POINT))
    return say("condition.now", value=shown)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}


_IS_TRUE, _IS_FALSE, _ORDERED, _OTHER = range(4)
_MET_EV: _Ev = (MET, (), ())  # a part met (made once)


class FactNode(Node):
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
        self.unit = unit_words(cond.fact)
        self.get = get = Get(cond.fact)
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
            if (type(v) is int and -EXACT <= v <= EXACT) or (type(v) is float and -EXACT <= v <= EXACT):
                self.native = v
            try:
                self.dexp = dec(v)
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
            (t is float and -EXACT <= actual <= EXACT) or (t is int and -EXACT <= actual <= EXACT)
        ):
            return order(actual, native)
        dexp = self.dexp if self.dexp is not None else dec(self.expected)
        return order(dec(actual), dexp)

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        # Get inlined.
        if self.from_enterprise:
            actual = getattr(e, self.attr)
        elif p is None:
            return UNKNOWN, self.unknown.missing, ()
        else:
            actual = getattr(p, self.attr)
        if self.enum and isinstance(actual, StrEnum):
            actual = str(actual)
        if actual is None:
            return UNKNOWN, self.unknown.missing, ()
        kind = self.kind
        if kind == _IS_TRUE:
            ok = actual is True
        elif kind == _IS_FALSE:
            ok = actual is False
        else:
            ok = self.test(actual)
        if ok:
            return _MET_EV
        if self.pend is not None and actual in self.pend:
            return PENDING, (), self.leaf
        return FAILED, (), self.leaf

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        actual = self.get(e, p)
        label = label_of(self.get.ref)
        if actual is None:
            return say("fact.unknown", label=label)
        if isinstance(actual, bool):
            return say("fact.yes" if actual else "fact.no", label=label)
        if isinstance(actual, str):
            opt = option_label(self.get.ref, actual)
            return say("fact.option", label=label, option=opt)
        return T(f"{label.zh} {fmt_num(actual)}", f"{label.en} {fmt_num(actual)}")

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[Node, ...]]:
        # The hottest function of an evaluation: Get and test inlined for the common cases.
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
            actual = str(actual)
        ok = self.test(actual)
        if kind == _OTHER:
            if ok:
                return self.met, ()
            return (self.pending if pend is not None and actual in pend else self.failed), self.leaf
        t = type(actual)
        detail: Any
        if (t is float or t is int) and -TAME < actual < TAME:
            detail = _Lazy(_now_text, actual, self.unit)
        else:
            detail = _now_text(actual, self.unit)  # written at once before, so it fails where it did
        if ok:
            return _CONDITION(self.text, MET, self.clause, self.cite, (), detail, self.miss, self.note), ()
        if pend is not None and actual in pend:
            return self.pending, self.leaf  # 第18条: a municipal subsidy of 0 is one not granted yet
        return _CONDITION(
            self.text, FAILED, self.clause, self.cite, (), detail, self.miss, self.note
        ), self.leaf


class RatioNode(Node):
    __slots__ = ("den", "dexp", "num", "order")

    def __init__(self, cond: RatioCondition) -> None:
        super().__init__(cond)
        self.num = Get(cond.num)
        self.den = Get(cond.den)
        self.order = _ORDER[cond.op]
        self.dexp = dec(cond.value)

    def _ratio(self, e: Enterprise, p: ProjectFacts | None) -> tuple[Decimal | None, tuple[str, ...]]:
        num, den = self.num(e, p), self.den(e, p)
        if num is not None and den is None and num == 0:
            return ZERO, ()  # 0 over anything is 0 here (0/0 counts as 0 too): the base decides nothing
        if num is None:
            # Asked first: 0 settles the ratio alone, while no base alone can.
            return None, (self.num.ref,)
        if den is None:
            return None, (self.den.ref,)
        n, d = dec(num), dec(den)
        return ((n / d) if d > 0 else (INFINITY if n > 0 else ZERO)), ()

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        ratio, missing = self._ratio(e, p)
        if ratio is None:
            return UNKNOWN, missing, ()
        return (MET, (), ()) if self.order(ratio, self.dexp) else (FAILED, (), self.leaf)

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        ratio, _ = self._ratio(e, p)
        num, den = label_of(self.num.ref), label_of(self.den.ref)
        shown = "?" if ratio is None else "∞" if ratio.is_infinite() else fmt_pct(ratio.quantize(BASIS_POINT))
        return say("ratio.found", num=num, den=den, value=shown)

    def res(self, e: Enterprise, p: ProjectFacts | None) -> tuple[ConditionResult, tuple[Node, ...]]:
        ratio, missing = self._ratio(e, p)
        if ratio is None:
            return self._result(UNKNOWN, missing, None), ()
        ok = self.order(ratio, self.dexp)
        detail = lazy_if(ratio.is_infinite() or is_tame(ratio), _ratio_text, ratio)
        if ok:
            return self._result(MET, (), detail), ()
        return self._result(FAILED, (), detail), self.leaf


class AllNode(Node):
    __slots__ = ("parts",)

    def __init__(self, cond: AllOf, parts: list[Node]) -> None:
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
            return UNKNOWN, merge_refs([ev[1] for ev in evs]), ()
        pending = tuple([leaf for ev in evs if ev[0] is PENDING for leaf in ev[2]])
        if pending:
            return PENDING, (), pending
        return MET, (), ()

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return _join_found(self.ev(e, p)[2], e, p)


class AnyNode(Node):
    __slots__ = ("parts", "safe")

    def __init__(self, cond: AnyOf, parts: list[Node]) -> None:
        super().__init__(cond)
        self.parts = parts
        # Parts that compare without ever raising (yes/no, equal, one of): the first met part
        # settles it (the either-or pairs: 不是重点用车单位，或门禁已联网; 不运营数据中心，或…).
        self.safe = all(isinstance(n, FactNode) and n.kind != _ORDERED for n in parts)

    def ev(self, e: Enterprise, p: ProjectFacts | None) -> _Ev:
        # Otherwise every part is evaluated (no short cut), as before, so a bad value fails the same way.
        evs = []
        for part in self.parts:
            ev = part.ev(e, p)
            if ev[0] is MET and self.safe:
                return _MET_EV
            evs.append(ev)
        unknown = pending = False
        for ev in evs:
            if ev[0] is MET:
                return _MET_EV
            if ev[0] is UNKNOWN:
                unknown = True
            elif ev[0] is PENDING:
                pending = True
        if unknown:
            return UNKNOWN, merge_refs([ev[1] for ev in evs if ev[0] is UNKNOWN]), ()
        if pending:
            return PENDING, (), tuple([leaf for ev in evs if ev[0] is PENDING for leaf in ev[2]])
        return FAILED, (), tuple([leaf for ev in evs for leaf in ev[2]])

    def _found(self, e: Enterprise, p: ProjectFacts | None) -> Text:
        return _join_found(self.ev(e, p)[2], e, p)


def _join_found(leaves: Sequence[Node], e: Enterprise, p: ProjectFacts | None) -> Text:
    parts = [leaf.found_text(e, p) for leaf in dict.fromkeys(leaves)]
    return T("，".join(t.zh for t in parts), "; ".join(t.en for t in parts))


def _notes_in(cond: Condition) -> tuple[Text, ...]:
    notes = [cond.note] if cond.note is not None else []
    if isinstance(cond, AllOf | AnyOf):
        for part in cond.of:
            notes.extend(_notes_in(part))
    return tuple(notes)


def compile_condition(cond: Condition, node: Callable[[Condition], Node]) -> Node:
    if isinstance(cond, FactCondition):
        return FactNode(cond)
    if isinstance(cond, RatioCondition):
        return RatioNode(cond)
    if isinstance(cond, AllOf):
        return AllNode(cond, [node(c) for c in cond.of])
    return AnyNode(cond, [node(c) for c in cond.of])
