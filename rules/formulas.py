"""The closed set of formula kinds compiled: each gives an amount, its upper bound and (lazily) its text."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rules.conditions import MET, UNKNOWN, Node
from rules.facts import Enterprise, ProjectFacts
from rules.formula_base import FormulaPlan, Money, QuantityPlan, cap_text
from rules.matching import _Match, _TopUp
from rules.numbers import BASIS_POINT, ZERO, dec, fmt_num, fmt_pct, fmt_yuan, is_tame, lazy_if
from rules.reading import Get
from rules.report import T, lazy
from rules.schema import Condition, Formula, Text
from rules.schema_formulas import Fixed, Match, PerUnit, RatioTier, Share, Tier, TopUp
from rules.texts import fill
from rules.wording import condition_text, label_of, option_label, say


class _Fixed(FormulaPlan):
    __slots__ = ("amount", "text")

    def __init__(self, f: Fixed) -> None:
        self.amount = amt = dec(f.amount)
        self.text = say("formula.fixed", amount=fmt_yuan(amt))

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        return self.amount, self.amount, self.text, (), ()


class TierPlan(FormulaPlan):
    __slots__ = ("f", "get", "known", "pend", "top", "top_text")

    def __init__(self, f: Tier) -> None:
        self.f = f
        self.get = Get(f.fact)
        self.top = max(dec(v) for v in f.amounts.values())
        self.known = {key: (dec(v), self._text(key, dec(v))) for key, v in f.amounts.items()}
        self.top_text = next(text for amt, text in self.known.values() if amt == self.top)
        # The values that mean "not obtained yet" (convention 11), set from the path's condition on
        # the same fact: the path is then worth its highest level once the step is taken.
        self.pend: tuple[Any, ...] = ()

    def _text(self, value: Any, amt: Decimal) -> Text:
        opt = self.f.labels.get(str(value)) or option_label(self.f.fact, value)
        return say("formula.tier", option=opt, amount=fmt_yuan(amt))

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        value = self.get(e, p)
        if value is None:
            return None, self.top, None, (), (self.get.ref,)
        if value in self.pend:
            return self.top, self.top, self.top_text, (), ()
        found = self.known.get(str(value))
        if found is not None:
            return found[0], found[0], found[1], (), ()
        return ZERO, ZERO, lazy(self._text, value, ZERO), (), ()


class _Share(FormulaPlan):
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

    def __init__(self, f: Share, node: Callable[[Condition], Node]) -> None:
        self.get = Get(f.base)
        self.rate = dec(f.rate)
        self.cap = dec(f.cap) if f.cap else None
        self.caps = () if self.cap is None else (cap_text(self.cap),)
        self.bonus_amt = dec(f.bonus.amount) if f.bonus else ZERO
        self.bonus = node(f.bonus.when) if f.bonus else None
        self.bonus_text = condition_text(f.bonus.when) if f.bonus else None
        self.none_bound = None if self.cap is None else self.cap + self.bonus_amt
        self.bound_by = Get(f.bound_by) if f.bound_by else None
        self.label = label_of(f.base)
        self.pct = fmt_pct(self.rate)

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        value = self.get(e, p)
        if value is None:
            bound = self.none_bound
            if self.bound_by is not None:
                most = self.bound_by(e, p)
                if most is not None:
                    limit = dec(most) * self.rate
                    if self.cap is not None and limit > self.cap:
                        limit = self.cap
                    limit += self.bonus_amt
                    bound = limit if bound is None else min(bound, limit)
            return None, bound, None, (), (self.get.ref,)
        base = dec(value)
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
            lazy_if(is_tame(value), self._text, base, first, bool(caps), bonus_met, raw),
            caps,
            missing,
        )

    def _text(self, base: Decimal, first: Decimal, capped: bool, bonus_met: bool, raw: Decimal) -> Text:
        zh, en = fill(
            "formula.share", label=self.label, base=fmt_yuan(base), pct=self.pct, amount=fmt_yuan(first)
        )
        if capped:
            assert self.cap is not None
            more_zh, more_en = fill("formula.share.capped", cap=fmt_yuan(self.cap))
            zh, en = zh + more_zh, en + more_en
        if bonus_met:
            assert self.bonus_text is not None
            more_zh, more_en = fill(
                "formula.share.bonus",
                condition=self.bonus_text,
                bonus=fmt_yuan(self.bonus_amt),
                total=fmt_yuan(raw),
            )
            zh, en = zh + more_zh, en + more_en
        return T(zh, en)


class _PerUnit(FormulaPlan):
    __slots__ = ("cap", "caps", "qty", "rate", "unit")

    def __init__(self, f: PerUnit) -> None:
        self.qty = QuantityPlan(f.quantity)
        self.rate = dec(f.rate)
        self.unit = f.unit
        self.cap = dec(f.cap) if f.cap else None
        self.caps = () if self.cap is None else (cap_text(self.cap),)

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        qty, values, missing = self.qty.read(e, p)
        if qty is None:
            return None, self.cap, None, (), missing
        raw = first = qty * self.rate
        caps: tuple[Text, ...] = ()
        if self.cap is not None and raw > self.cap:
            caps = self.caps
            raw = self.cap
        return raw, raw, lazy_if(is_tame(*values), self._text, values, first, bool(caps)), caps, ()

    def _text(self, values: list[Any], first: Decimal, capped: bool) -> Text:
        zh, en = fill(
            "formula.per_unit",
            quantity=self.qty.text(values),
            unit=self.unit,
            rate=fmt_yuan(self.rate),
            amount=fmt_yuan(first),
        )
        if capped:
            assert self.cap is not None
            more_zh, more_en = fill("formula.per_unit.capped", cap=fmt_yuan(self.cap))
            zh, en = zh + more_zh, en + more_en
        return T(zh, en)


class _RatioTier(FormulaPlan):
    __slots__ = ("den", "dl", "lowest", "nl", "num", "steps", "top")

    def __init__(self, f: RatioTier) -> None:
        self.num, self.den = Get(f.num), Get(f.den)
        self.nl, self.dl = label_of(f.num), label_of(f.den)
        self.top = max(dec(s.amount) for s in f.steps)
        self.steps = [
            (dec(s.min), dec(s.amount), fmt_pct(s.min))
            for s in sorted(f.steps, key=lambda s: s.min, reverse=True)
        ]
        self.lowest = fmt_pct(min(s.min for s in f.steps))

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        num, den = self.num(e, p), self.den(e, p)
        missing = tuple(g.ref for g, v in ((self.num, num), (self.den, den)) if v is None)
        if missing:
            return None, self.top, None, (), missing
        ratio = dec(num) / dec(den) if dec(den) > 0 else ZERO
        amount = ZERO
        reached = None
        for step_min, step_amount, step_pct in self.steps:
            if ratio >= step_min:
                amount, reached = step_amount, step_pct
                break
        tame = is_tame(num, den, ratio)
        return amount, amount, lazy_if(tame, self._text, num, den, ratio, reached, amount), (), ()

    def _text(self, num: Any, den: Any, ratio: Decimal, reached: str | None, amount: Decimal) -> Text:
        shown = fmt_pct(ratio.quantize(BASIS_POINT))
        key = "formula.ratio_tier.below" if reached is None else "formula.ratio_tier.reached"
        return say(
            key,
            num=self.nl,
            num_value=fmt_num(num),
            den=self.dl,
            den_value=fmt_num(den),
            ratio=shown,
            lowest=self.lowest,
            step=reached,
            amount=fmt_yuan(amount),
        )


def compile_formula(f: Formula, node: Callable[[Condition], Node]) -> FormulaPlan:
    if isinstance(f, Fixed):
        return _Fixed(f)
    if isinstance(f, Tier):
        return TierPlan(f)
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
