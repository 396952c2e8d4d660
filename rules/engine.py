"""The deterministic evaluation of a profile against a rulebook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from rules.facts import Enterprise, Profile, Project, ProjectFacts
from rules.loader import LoadedRulebook, load_catalog, rulebook_for
from rules.report import (
    AwardResult,
    ConditionResult,
    MeasureResult,
    MissingFact,
    Outcome,
    PayoutStep,
    Report,
    Status,
    T,
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


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _yuan(value: Decimal) -> int:
    # Whole yuan, rounded down: the bot never promises a fraction the policy does not give.
    return int(value.quantize(Decimal(1), rounding=ROUND_FLOOR))


def fmt_yuan(amount: Decimal | int | float) -> str:
    """Format an amount as ``1,234,567``, dropping a zero fraction."""
    if isinstance(amount, int):
        return f"{amount:,}"
    value = amount if isinstance(amount, Decimal) else _d(amount)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01')):,}"


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


def _option_label(ref: str, value: Any) -> Text:
    info = load_catalog().get(ref)
    if info and info.options and str(value) in info.options:
        return info.options[str(value)]
    return T(str(value), str(value))


# ---------------------------------------------------------------- conditions


_REFS: dict[str, tuple[bool, str]] = {}
_PINNED: dict[int, LoadedRulebook] = {}


@dataclass(frozen=True, slots=True)
class _Ctx:
    enterprise: Enterprise
    project: ProjectFacts | None

    def get(self, ref: str) -> Any:
        split = _REFS.get(ref)
        if split is None:
            scope, _, name = ref.partition(".")
            split = _REFS[ref] = (scope == "enterprise", name)
        source = self.enterprise if split[0] else self.project
        if source is None:
            return None
        value = getattr(source, split[1])
        return value.value if isinstance(value, StrEnum) else value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    a, e = _d(actual), _d(expected)
    return {"ge": a >= e, "gt": a > e, "le": a <= e, "lt": a < e}[op]


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


@dataclass(frozen=True, slots=True)
class _Eval:
    outcome: Outcome
    missing: tuple[str, ...]
    detail: Text | None
    failed_leaves: tuple[Condition, ...]


def _eval(cond: Condition, ctx: _Ctx) -> _Eval:
    if isinstance(cond, FactCondition):
        actual = ctx.get(cond.fact)
        if actual is None:
            return _Eval("unknown", (cond.fact,), None, ())
        ok = _compare(cond.op, actual, cond.value)
        detail = None
        if cond.op in ("ge", "gt", "le", "lt"):
            detail = T(f"当前：{fmt_num(actual)}", f"now: {fmt_num(actual)}")
        return _Eval("met" if ok else "failed", (), detail, () if ok else (cond,))
    if isinstance(cond, RatioCondition):
        num, den = ctx.get(cond.num), ctx.get(cond.den)
        missing = tuple(r for r, v in ((cond.num, num), (cond.den, den)) if v is None)
        if missing:
            return _Eval("unknown", missing, None, ())
        n, d = _d(num), _d(den)
        ratio = (n / d) if d > 0 else (Decimal("Infinity") if n > 0 else ZERO)
        ok = _compare(cond.op, ratio, cond.value)
        shown = "∞" if ratio.is_infinite() else fmt_pct(ratio.quantize(Decimal("0.0001")))
        detail = T(f"当前：{shown}", f"now: {shown}")
        return _Eval("met" if ok else "failed", (), detail, () if ok else (cond,))
    parts = [_eval(c, ctx) for c in cond.of]
    outcomes = {p.outcome for p in parts}
    if isinstance(cond, AllOf):
        if "failed" in outcomes:
            leaves = tuple(leaf for p in parts if p.outcome == "failed" for leaf in p.failed_leaves)
            return _Eval("failed", (), None, leaves)
        if "unknown" in outcomes:
            return _Eval("unknown", _merge(p.missing for p in parts), None, ())
        return _Eval("met", (), None, ())
    assert isinstance(cond, AnyOf)
    if "met" in outcomes:
        return _Eval("met", (), None, ())
    if "unknown" in outcomes:
        return _Eval("unknown", _merge(p.missing for p in parts if p.outcome == "unknown"), None, ())
    return _Eval("failed", (), None, tuple(leaf for p in parts for leaf in p.failed_leaves))


def _merge(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for ref in group:
            seen.setdefault(ref, None)
    return tuple(seen)


# Rule data lives as long as the cached rulebooks, so its ids are stable keys.
_STATIC: dict[int, tuple[Text, tuple[str, ...]]] = {}


def _static(cond: Condition) -> tuple[Text, tuple[str, ...]]:
    found = _STATIC.get(id(cond))
    if found is None:
        found = _STATIC[id(cond)] = (_auto_text(cond), tuple(cond.cite))
    return found


def _result(cond: Condition, ev: _Eval) -> ConditionResult:
    text, cite = _static(cond)
    return ConditionResult(
        text=text,
        outcome=ev.outcome,
        clause=cond.clause,
        cite=cite,
        missing=ev.missing,
        detail=ev.detail,
        miss=cond.miss,
        note=cond.note,
    )


def _combine(outcomes: Sequence[Outcome]) -> Outcome:
    if "failed" in outcomes:
        return "failed"
    if "unknown" in outcomes:
        return "unknown"
    return "met"


# ---------------------------------------------------------------- formulas


@dataclass(frozen=True, slots=True)
class _Money:
    amount: Decimal | None
    bound: Decimal | None  # None with amount None: no upper limit known
    formula: Text | None
    caps: tuple[Text, ...]
    missing: tuple[str, ...]


def _quantity(q: Quantity, ctx: _Ctx) -> tuple[Decimal | None, Text, tuple[str, ...]]:
    if isinstance(q, MinOf):
        values = [ctx.get(r) for r in q.min]
        labels = [_label(r) for r in q.min]
        missing = tuple(r for r, v in zip(q.min, values, strict=True) if v is None)
        zh = "min(" + "，".join(f"{lab.zh} {fmt_num(v) if v is not None else '?'}" for lab, v in zip(labels, values, strict=True)) + ")"
        en = "min(" + ", ".join(f"{lab.en} {fmt_num(v) if v is not None else '?'}" for lab, v in zip(labels, values, strict=True)) + ")"
        if missing:
            return None, T(zh, en), missing
        return min(_d(v) for v in values), T(zh, en), ()
    value = ctx.get(q)
    label = _label(q)
    if value is None:
        return None, label, (q,)
    return _d(value), T(f"{label.zh} {fmt_num(value)}", f"{label.en} {fmt_num(value)}"), ()


def _cap_text(cap: Decimal) -> Text:
    return T(f"单个项目上限 {fmt_yuan(cap)} 元", f"cap of {fmt_yuan(cap)} yuan per project")


def _money(formula: Formula, ctx: _Ctx) -> _Money:
    if isinstance(formula, Fixed):
        amt = _d(formula.amount)
        return _Money(amt, amt, T(f"定额 {fmt_yuan(amt)} 元", f"fixed {fmt_yuan(amt)} yuan"), (), ())
    if isinstance(formula, Tier):
        top = max(_d(v) for v in formula.amounts.values())
        value = ctx.get(formula.fact)
        if value is None:
            return _Money(None, top, None, (), (formula.fact,))
        amt = _d(formula.amounts.get(str(value), 0))
        opt = formula.labels.get(str(value)) or _option_label(formula.fact, value)
        return _Money(
            amt, amt, T(f"{opt.zh}：{fmt_yuan(amt)} 元", f"{opt.en}: {fmt_yuan(amt)} yuan"), (), ()
        )
    if isinstance(formula, Share):
        return _share(formula, ctx)
    if isinstance(formula, PerUnit):
        qty, qtext, missing = _quantity(formula.quantity, ctx)
        cap = _d(formula.cap) if formula.cap else None
        if qty is None:
            return _Money(None, cap, None, (), missing)
        rate = _d(formula.rate)
        raw = qty * rate
        zh = f"{qtext.zh} × {fmt_yuan(rate)} 元/{formula.unit.zh} = {fmt_yuan(raw)} 元"
        en = f"{qtext.en} × {fmt_yuan(rate)} yuan/{formula.unit.en} = {fmt_yuan(raw)} yuan"
        caps: tuple[Text, ...] = ()
        if cap is not None and raw > cap:
            caps = (_cap_text(cap),)
            zh += f"，超过上限，按 {fmt_yuan(cap)} 元"
            en += f", above the cap: {fmt_yuan(cap)} yuan"
            raw = cap
        return _Money(raw, raw, T(zh, en), caps, ())
    if isinstance(formula, Match):
        return _match(formula, ctx)
    if isinstance(formula, TopUp):
        return _top_up(formula, ctx)
    assert isinstance(formula, RatioTier)
    return _ratio_tier(formula, ctx)


def _share(f: Share, ctx: _Ctx) -> _Money:
    cap = _d(f.cap) if f.cap else None
    bonus_amt = _d(f.bonus.amount) if f.bonus else ZERO
    value = ctx.get(f.base)
    if value is None:
        return _Money(None, None if cap is None else cap + bonus_amt, None, (), (f.base,))
    base, rate = _d(value), _d(f.rate)
    raw = base * rate
    label = _label(f.base)
    zh = f"{label.zh} {fmt_yuan(base)} 元 × {fmt_pct(rate)} = {fmt_yuan(raw)} 元"
    en = f"{label.en} {fmt_yuan(base)} yuan × {fmt_pct(rate)} = {fmt_yuan(raw)} yuan"
    caps: tuple[Text, ...] = ()
    if cap is not None and raw > cap:
        caps = (_cap_text(cap),)
        zh += f"，超过单个项目上限，按 {fmt_yuan(cap)} 元"
        en += f", above the per-project cap: {fmt_yuan(cap)} yuan"
        raw = cap
    missing: tuple[str, ...] = ()
    bound = raw
    if f.bonus is not None:
        ev = _eval(f.bonus.when, ctx)
        btext = _auto_text(f.bonus.when)
        if ev.outcome == "met":
            raw += bonus_amt
            bound = raw
            zh += f"；{btext.zh}，再奖励 {fmt_yuan(bonus_amt)} 元，合计 {fmt_yuan(raw)} 元"
            en += f"; {btext.en}: plus {fmt_yuan(bonus_amt)} yuan, {fmt_yuan(raw)} yuan in all"
        elif ev.outcome == "unknown":
            missing = ev.missing
            bound = raw + bonus_amt
    return _Money(raw, bound, T(zh, en), caps, missing)


def _match(f: Match, ctx: _Ctx) -> _Money:
    limits: list[tuple[Decimal, Text]] = []
    missing: list[str] = []
    if f.cap:
        cap = _d(f.cap)
        limits.append((cap, T(f"区级上限 {fmt_yuan(cap)} 元", f"district cap {fmt_yuan(cap)} yuan")))
    base_v = ctx.get(f.base)
    if base_v is None:
        missing.append(f.base)
    if f.unit_cap:
        per = ctx.get(f.unit_cap.per)
        if per is None:
            missing.append(f.unit_cap.per)
        else:
            rate = _d(f.unit_cap.rate)
            lim = rate * _d(per)
            limits.append(
                (
                    lim,
                    T(
                        f"不超过 {fmt_yuan(rate)} 元/{f.unit_cap.unit.zh} × {fmt_num(per)} {f.unit_cap.unit.zh} = {fmt_yuan(lim)} 元",
                        f"at most {fmt_yuan(rate)} yuan/{f.unit_cap.unit.en} × {fmt_num(per)} {f.unit_cap.unit.en} = {fmt_yuan(lim)} yuan",
                    ),
                )
            )
    if f.combined_cap:
        of = ctx.get(f.combined_cap.of)
        if of is None:
            missing.append(f.combined_cap.of)
        elif base_v is not None:
            share = _d(f.combined_cap.share)
            lim = max(ZERO, share * _d(of) - _d(base_v))
            of_label = _label(f.combined_cap.of)
            limits.append(
                (
                    lim,
                    T(
                        f"市区两级合计不超过{of_label.zh}的{fmt_pct(share)}：{fmt_yuan(_d(of))} × {fmt_pct(share)} − 市级 {fmt_yuan(_d(base_v))} = {fmt_yuan(lim)} 元",
                        f"both levels together at most {fmt_pct(share)} of {of_label.en}: {fmt_yuan(_d(of))} × {fmt_pct(share)} − municipal {fmt_yuan(_d(base_v))} = {fmt_yuan(lim)} yuan",
                    ),
                )
            )
    if missing:
        known = [lim for lim, _ in limits]
        if base_v is not None:
            known.append(_d(base_v) * _d(f.ratio))
        return _Money(None, min(known, default=None), None, (), tuple(missing))
    assert base_v is not None
    base, ratio = _d(base_v), _d(f.ratio)
    raw = base * ratio
    label = _label(f.base)
    zh = f"{label.zh} {fmt_yuan(base)} 元 × {fmt_num(ratio)}（1:{fmt_num(ratio)} 配套）= {fmt_yuan(raw)} 元"
    en = f"{label.en} {fmt_yuan(base)} yuan × {fmt_num(ratio)} (1:{fmt_num(ratio)} matching) = {fmt_yuan(raw)} yuan"
    amount = raw
    caps: list[Text] = []
    for lim, _ in limits:
        if lim < amount:
            amount = lim
    for lim, text in limits:
        if lim == amount and lim < raw:
            caps.append(text)
    if caps:
        zh += "；" + "；".join(c.zh for c in caps) + f"，按 {fmt_yuan(amount)} 元"
        en += "; " + "; ".join(c.en for c in caps) + f": {fmt_yuan(amount)} yuan"
    return _Money(amount, amount, T(zh, en), tuple(caps), ())


def _top_up(f: TopUp, ctx: _Ctx) -> _Money:
    price = ctx.get(f.price)
    qty, qtext, qmissing = _quantity(f.quantity, ctx)
    missing = list(qmissing)
    if price is None:
        missing.insert(0, f.price)
    minus = ctx.get(f.minus) if f.minus else 0
    if f.minus and minus is None:
        missing.append(f.minus)
    if price is None or qty is None:
        return _Money(None, None, None, (), tuple(missing))
    rate = _d(f.rate)
    gross = rate * _d(price) * qty
    plabel = _label(f.price)
    zh = f"{plabel.zh} {fmt_yuan(_d(price))} 元 × {fmt_pct(rate)} × {qtext.zh} = {fmt_yuan(gross)} 元"
    en = f"{plabel.en} {fmt_yuan(_d(price))} yuan × {fmt_pct(rate)} × {qtext.en} = {fmt_yuan(gross)} yuan"
    if minus is None:
        return _Money(None, gross, None, (), tuple(missing))
    if f.minus:
        net = max(ZERO, gross - _d(minus))
        mlabel = _label(f.minus)
        zh += f"；减去{mlabel.zh} {fmt_yuan(_d(minus))} 元，差额 {fmt_yuan(net)} 元"
        en += f"; less {mlabel.en} {fmt_yuan(_d(minus))} yuan: difference {fmt_yuan(net)} yuan"
        gross = net
    return _Money(gross, gross, T(zh, en), (), ())


def _ratio_tier(f: RatioTier, ctx: _Ctx) -> _Money:
    top = max(_d(s.amount) for s in f.steps)
    num, den = ctx.get(f.num), ctx.get(f.den)
    missing = tuple(r for r, v in ((f.num, num), (f.den, den)) if v is None)
    if missing:
        return _Money(None, top, None, (), missing)
    ratio = _d(num) / _d(den) if _d(den) > 0 else ZERO
    amount = ZERO
    reached = None
    for step in sorted(f.steps, key=lambda s: s.min, reverse=True):
        if ratio >= _d(step.min):
            amount, reached = _d(step.amount), step
            break
    nl, dl = _label(f.num), _label(f.den)
    shown = fmt_pct(ratio.quantize(Decimal("0.0001")))
    if reached is None:
        lowest = min(s.min for s in f.steps)
        zh = f"{nl.zh} {fmt_num(num)} / {dl.zh} {fmt_num(den)} = {shown}，未达到 {fmt_pct(lowest)}"
        en = f"{nl.en} {fmt_num(num)} / {dl.en} {fmt_num(den)} = {shown}, below {fmt_pct(lowest)}"
    else:
        zh = f"{nl.zh} {fmt_num(num)} / {dl.zh} {fmt_num(den)} = {shown}，达到 {fmt_pct(reached.min)} 档：{fmt_yuan(amount)} 元"
        en = f"{nl.en} {fmt_num(num)} / {dl.en} {fmt_num(den)} = {shown}, reaching the {fmt_pct(reached.min)} step: {fmt_yuan(amount)} yuan"
    return _Money(amount, amount, T(zh, en), (), ())


# ---------------------------------------------------------------- measures


def _payout(book: LoadedRulebook, mode: str, amount: int | None) -> tuple[PayoutStep, ...]:
    ch7 = book.chapter7
    if mode == "two_tranche":
        first = None if amount is None else amount // 2
        second = None if amount is None else amount - amount // 2
        return (PayoutStep(ch7.tranche[0], first), PayoutStep(ch7.tranche[1], second))
    return (PayoutStep(ch7.once, amount),)


_GATES: dict[int, list[Condition]] = {}


def _gate_conditions(book: LoadedRulebook, measure: Measure) -> list[Condition]:
    found = _GATES.get(id(measure))
    if found is None:
        found = _GATES[id(measure)] = _build_gates(book, measure)
    return found


def _build_gates(book: LoadedRulebook, measure: Measure) -> list[Condition]:
    ch7 = book.chapter7
    if measure.kind != "money":
        return []
    conds: list[Condition] = list(measure.applicant)
    conds.extend(ch7.basic)
    exclusions = {e.id: e for e in ch7.exclusions}
    conds.extend(exclusions[x].condition for x in measure.exclusions)
    return conds


def _scope_result(book: LoadedRulebook, measure: Measure, ctx: _Ctx) -> ConditionResult:
    rule = book.chapter7.scopes[measure.scope]
    zone = ctx.get("enterprise.zone")
    if zone is None:
        outcome: Outcome = "unknown"
    else:
        outcome = "met" if zone in rule.zones else "failed"
    return ConditionResult(
        text=rule.text,
        outcome=outcome,
        clause=rule.clause,
        cite=tuple(rule.cite),
        missing=("enterprise.zone",) if zone is None else (),
        detail=None if zone is None else _option_label("enterprise.zone", zone),
    )


def _award(book: LoadedRulebook, award: Award, gate_outcome: Outcome, ctx: _Ctx) -> tuple[AwardResult, tuple[Condition, ...]]:
    evals = [(c, _eval(c, ctx)) for c in award.conditions]
    conds = tuple(_result(c, ev) for c, ev in evals)
    outcome = _combine([gate_outcome, *(ev.outcome for _, ev in evals)])
    failed = tuple(leaf for _, ev in evals for leaf in ev.failed_leaves)
    if outcome == "failed":
        return AwardResult(award.id, award.label, "ineligible", conditions=conds, payout_mode=award.payout, note=award.note), failed
    money = _money(award.formula, ctx)
    cond_missing = _merge(ev.missing for _, ev in evals)
    amount = None if money.amount is None else _yuan(money.amount)
    bound = None if money.bound is None else _yuan(money.bound)
    if outcome == "met" and amount is not None:
        status: Status = "eligible" if amount > 0 else "ineligible"
        missing = money.missing
    else:
        status = "needs_info"
        missing = _merge([cond_missing, money.missing])
        if amount is not None and amount == 0:
            status = "ineligible"
    result = AwardResult(
        id=award.id,
        label=award.label,
        status=status,
        amount_yuan=amount if status == "eligible" else None,
        upper_bound_yuan=bound if status != "ineligible" else None,
        formula=money.formula,
        caps_applied=money.caps,
        conditions=conds,
        payout_mode=award.payout,
        payout=_payout(book, award.payout, amount if status == "eligible" else bound),
        missing=missing if status != "ineligible" else (),
        note=award.note,
    )
    return result, failed


def _failed_texts(results: Iterable[ConditionResult]) -> list[Text]:
    return [r.text for r in results if r.outcome == "failed"]


_BASES: dict[int, dict[str, Any]] = {}


def _static_base(book: LoadedRulebook, measure: Measure) -> dict[str, Any]:
    found = _BASES.get(id(measure))
    if found is None:
        found = _BASES[id(measure)] = dict(
            number=measure.number,
            title=measure.title,
            summary=measure.summary,
            scope=measure.scope,
            documents=tuple(measure.documents) + (tuple(book.chapter7.basic_documents) if measure.kind == "money" else ()),
            bureaus=tuple(measure.bureaus),
            notes=tuple(measure.notes),
            procedure=tuple(measure.procedure),
            cite=tuple(measure.cite),
        )
    return found


_USES_PROJECT: dict[int, bool] = {}


def _uses_project(cond: Condition) -> bool:
    found = _USES_PROJECT.get(id(cond))
    if found is None:
        text = cond.model_dump_json()
        found = _USES_PROJECT[id(cond)] = '"project.' in text
    return found


# Gate results shared by the rows of one evaluation (basic conditions and exclusions repeat
# across measures); keyed by condition and, where it reads project facts, project.
_GATE_MEMO: dict[tuple[int, str | None], ConditionResult] = {}


def _gate(cond: Condition, ctx: _Ctx, project: Project | None) -> ConditionResult:
    key = (id(cond), project.id if project is not None and _uses_project(cond) else None)
    found = _GATE_MEMO.get(key)
    if found is None:
        found = _GATE_MEMO[key] = _result(cond, _eval(cond, ctx))
    return found


_ROW_CACHE: dict[tuple[Any, ...], MeasureResult] = {}
_ROW_CACHE_MAX = 50_000


def _evaluate_measure(
    book: LoadedRulebook, measure: Measure, enterprise: Enterprise, project: Project | None, ent_key: tuple[Any, ...], project_key: tuple[Any, ...] | None
) -> MeasureResult:
    # A row depends only on these inputs, so the interview, which changes one fact per step,
    # recomputes only the rows that fact touches.
    key = (id(book), measure.number, ent_key, project_key)
    row = _ROW_CACHE.get(key)
    if row is None:
        if len(_ROW_CACHE) >= _ROW_CACHE_MAX:
            _ROW_CACHE.clear()
        row = _ROW_CACHE[key] = _compute_row(book, measure, enterprise, project)
    return row


def clear_cache() -> None:
    """Forget memoised rows (for benchmarks of cold evaluation)."""
    _ROW_CACHE.clear()


def _compute_row(book: LoadedRulebook, measure: Measure, enterprise: Enterprise, project: Project | None) -> MeasureResult:
    base = dict(_static_base(book, measure), project_id=project.id if project else None, project_name=project.name if project else "")
    ctx = _Ctx(enterprise, project.facts if project else None)
    if measure.kind == "informational":
        return MeasureResult(status="informational", **base)
    gates = (_scope_result(book, measure, ctx), *(_gate(c, ctx, project) for c in _gate_conditions(book, measure)))
    gate_outcome = _combine([g.outcome for g in gates])
    gate_missing = _merge(g.missing for g in gates)
    if gate_outcome == "failed":
        return MeasureResult(status="ineligible", gates=gates, reasons=tuple(_failed_texts(gates)), **base)
    if project is None:
        top = [_money(a.formula, ctx).bound for a in measure.awards]
        bound = None if any(b is None for b in top) else _yuan(sum((b for b in top if b is not None), ZERO) if measure.combine == "sum" else max(b for b in top if b is not None))
        return MeasureResult(
            status="needs_info",
            gates=gates,
            no_project=True,
            upper_bound_yuan=bound,
            missing=gate_missing,
            reasons=(T("尚未说明与本条对应的项目、称号或认证", "No project, title or certificate for this measure has been described yet"),),
            **base,
        )
    evaluated = [_award(book, a, gate_outcome, ctx) for a in measure.awards]
    awards = tuple(r for r, _ in evaluated)
    eligible = [a for a in awards if a.status == "eligible"]
    pending = [a for a in awards if a.status == "needs_info"]
    chosen: str | None = None
    if measure.combine == "sum":
        amount = sum(a.amount_yuan or 0 for a in eligible) if eligible else None
        extra: int | None = 0
        for a in pending:
            extra = None if extra is None or a.upper_bound_yuan is None else extra + a.upper_bound_yuan
        for a in eligible:
            if a.missing and extra is not None and a.upper_bound_yuan is not None:
                extra += a.upper_bound_yuan - (a.amount_yuan or 0)
    else:
        best = max(eligible, key=lambda a: a.amount_yuan or 0, default=None)
        amount = best.amount_yuan if best else None
        chosen = best.id if best else None
        pending = [a for a in pending if a.upper_bound_yuan is None or a.upper_bound_yuan > (amount or 0)]
        # An eligible path whose bonus is still unknown can pay more too.
        pending += [a for a in eligible if a.missing and (a.upper_bound_yuan or 0) > (amount or 0)]
        extra = 0
        for a in pending:
            gain = None if a.upper_bound_yuan is None else a.upper_bound_yuan - (amount or 0)
            extra = None if extra is None or gain is None else max(extra, gain)
    missing = _merge([gate_missing, *(a.missing for a in pending), *(a.missing for a in eligible)])
    upper = None if extra is None else (amount or 0) + extra
    if eligible:
        status: Status = "eligible"
    elif pending:
        status = "needs_info"
    else:
        status = "ineligible"
    reasons: list[Text] = []
    near: list[Text] = []
    if status == "ineligible":
        for a, failed in evaluated:
            reasons.extend(_failed_texts(a.conditions))
            if a.status == "ineligible" and a.formula is not None and not failed:
                reasons.append(T(f"{a.label.zh}：按公式计算为 0 元（{a.formula.zh}）", f"{a.label.en}: the formula gives 0 yuan ({a.formula.en})"))
        near = _near_miss(evaluated)
    return MeasureResult(
        status=status,
        gates=gates,
        awards=awards,
        chosen_award=chosen,
        amount_yuan=amount,
        upper_bound_yuan=upper if status != "ineligible" else None,
        missing=missing,
        reasons=tuple(dict.fromkeys(reasons)),
        near_miss=tuple(near),
        **base,
    )


def _near_miss(evaluated: Sequence[tuple[AwardResult, tuple[Condition, ...]]]) -> list[Text]:
    # The path that failed on the fewest conditions is the nearest; say what it still needs.
    candidates = [(len(failed), failed) for a, failed in evaluated if failed]
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


def _select(rows: list[MeasureResult], once_per_enterprise: set[int], once_awards: dict[int, set[str]]) -> list[MeasureResult]:
    """Apply 从优不重复: per project the largest eligible award counts, the others are alternatives."""
    out = list(rows)
    by_project: dict[str, list[int]] = {}
    for i, row in enumerate(out):
        if row.status == "eligible" and row.project_id is not None:
            by_project.setdefault(row.project_id, []).append(i)
    for idxs in by_project.values():
        best = max(idxs, key=lambda i: (out[i].amount_yuan or 0, -out[i].number))
        for i in idxs:
            out[i] = replace(out[i], counted=i == best, alternative_to=None if i == best else out[best].number)
    for number in once_per_enterprise:
        idxs = [i for i, r in enumerate(out) if r.number == number and r.counted]
        if len(idxs) > 1:
            best = max(idxs, key=lambda i: out[i].amount_yuan or 0)
            for i in idxs:
                if i != best:
                    out[i] = replace(out[i], counted=False, alternative_to=number)
    for number, award_ids in once_awards.items():
        for award_id in award_ids:
            seen = False
            for i, row in enumerate(out):
                if row.number != number or not row.counted:
                    continue
                award = next((a for a in row.awards if a.id == award_id and a.status == "eligible"), None)
                if award is None:
                    continue
                if not seen:
                    seen = True
                    continue
                amount = (row.amount_yuan or 0) - (award.amount_yuan or 0)
                reason = T(
                    f"{award.label.zh}每家企业只奖励一次，已在另一项申报中计入",
                    f"{award.label.en} is paid once per enterprise and is counted in another claim",
                )
                out[i] = replace(row, amount_yuan=amount, counted=amount > 0, reasons=(*row.reasons, reason))
    return out


def _missing_facts(rows: Sequence[MeasureResult]) -> tuple[MissingFact, ...]:
    stakes: dict[tuple[str, str | None], tuple[set[int], int | None]] = {}
    for row in rows:
        # A measure nobody has put a project forward for has no facts worth asking yet.
        if row.status not in ("needs_info", "eligible") or row.no_project or not row.missing:
            continue
        gain: int | None
        if row.upper_bound_yuan is None:
            gain = None
        else:
            gain = row.upper_bound_yuan - (row.amount_yuan or 0)
            if gain <= 0 and row.status == "eligible":
                continue
        for ref in row.missing:
            key = (ref, None if ref.startswith("enterprise.") else row.project_id)
            measures, stake = stakes.get(key, (set(), 0))
            measures.add(row.number)
            stakes[key] = (measures, None if stake is None or gain is None else stake + gain)
    facts = [MissingFact(ref, pid, tuple(sorted(ms)), stake) for (ref, pid), (ms, stake) in stakes.items()]
    # Stable sort: equal stakes keep the order the conditions name them in, which puts the
    # gating question ("是重点用车单位吗") before the one it gates ("门禁联网了吗").
    facts.sort(key=lambda f: (f.stake_yuan is not None, -len(f.measures) if f.stake_yuan is None else -f.stake_yuan))
    return tuple(facts)


def evaluate(profile: Profile, on: dt.date | None = None, book: LoadedRulebook | None = None) -> Report:
    """Evaluate every measure for a profile, as the rulebook in force on ``on`` (today by default) reads."""
    on = on or dt.date.today()
    book = book or rulebook_for(on)
    if book is not None and id(book) not in _PINNED:
        # Caches below key on ids of rule objects; holding the rulebook keeps those ids unique.
        _PINNED[id(book)] = book
    if book is None or not book.in_force(on):
        return Report(
            on=on,
            in_force=False,
            message=T(
                f"{on.isoformat()} 没有在施行的绿色低碳政策版本：京技管发〔2025〕11号自2025年5月17日起施行；此前的京技管发〔2023〕31号已被废止，本工具不含其规则。",
                f"No version of the green low-carbon policy was in force on {on.isoformat()}: 京技管发〔2025〕11号 applies from 2025-05-17; the earlier 京技管发〔2023〕31号 has been repealed and is not encoded here.",
            ),
        )
    rows: list[MeasureResult] = []
    claimed: dict[int, list[Project]] = {}
    for project in profile.projects:
        for number in project.measures:
            claimed.setdefault(number, []).append(project)
    once_per: set[int] = set()
    _GATE_MEMO.clear()
    ent_key = tuple(profile.enterprise.__dict__.values())
    project_keys = {p.id: (p.id, p.name, tuple(p.facts.__dict__.values())) for p in profile.projects}
    for number, measure in book.measures.items():
        if measure.once_per_enterprise:
            once_per.add(number)
        projects: list[Project | None] = list(claimed.get(number, ())) or [None]
        for claim in projects:
            pkey = None if claim is None else project_keys[claim.id]
            rows.append(_evaluate_measure(book, measure, profile.enterprise, claim, ent_key, pkey))
    once_awards = {n: {a.id for a in m.awards if a.once_per_enterprise} for n, m in book.measures.items()}
    rows = _select(rows, once_per, {n: ids for n, ids in once_awards.items() if ids})
    total = sum(r.amount_yuan or 0 for r in rows if r.counted)
    pending: int | None = 0
    for r in rows:
        if r.status == "needs_info" and not r.no_project:
            pending = None if pending is None or r.upper_bound_yuan is None else pending + r.upper_bound_yuan
    return Report(
        on=on,
        in_force=True,
        rulebook_id=book.meta.id,
        doc_no=book.meta.doc_no,
        measures=tuple(rows),
        total_yuan=total,
        pending_upper_yuan=pending,
        missing=_missing_facts(rows),
        disclaimer=book.chapter7.disclaimer,
    )


def unknown_measures(profile: Profile, book: LoadedRulebook) -> list[int]:
    """Return measure numbers a profile names that the rulebook does not have."""
    return sorted({n for p in profile.projects for n in p.measures} - set(book.measures))


__all__ = ["evaluate", "fmt_pct", "fmt_yuan", "unknown_measures"]
