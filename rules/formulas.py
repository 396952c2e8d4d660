"""The closed set of formula kinds compiled: each gives an amount, its upper bound and (lazily) its text."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rules.conditions import MET, UNKNOWN, Get, Node
from rules.facts import Enterprise, ProjectFacts
from rules.numbers import BASIS_POINT, ZERO, dec, fmt_num, fmt_pct, fmt_yuan, is_tame, lazy_if
from rules.report import T, lazy
from rules.schema import (
    Condition,
    Fixed,
    Formula,
    Match,
    MinOf,
    PerUnit,
    Quantity,
    RatioTier,
    Share,
    Text,
    Tier,
    TopUp,
)
from rules.texts import fill, phrase
from rules.wording import condition_text, label_of, option_label, say

# ---------------------------------------------------------------- formulas

# What a formula gives: amount, upper bound (None with amount None: no limit known), the formula
# text, the caps applied and the missing facts. Texts may be lazy placeholders.
_Money = tuple[Decimal | None, Decimal | None, Any, Any, tuple[str, ...]]


def _cap_text(cap: Decimal) -> Text:
    return say("formula.cap_per_project", cap=fmt_yuan(cap))


class _Quantity:
    """A count: one fact, or the lower of several (八(二)4)."""

    __slots__ = ("gets", "labels", "single")

    def __init__(self, q: Quantity) -> None:
        self.single = not isinstance(q, MinOf)
        refs = [q] if isinstance(q, str) else list(q.min)
        self.gets = [Get(r) for r in refs]
        self.labels = [label_of(r) for r in refs]

    def read(
        self, e: Enterprise, p: ProjectFacts | None
    ) -> tuple[Decimal | None, list[Any], tuple[str, ...]]:
        """Return the count (None while a value is unknown), the values read and the unknown facts."""
        if self.single:
            get = self.gets[0]
            value = get(e, p)
            if value is None:
                return None, [value], (get.ref,)
            if not is_tame(value):  # written at once before, so it fails where it did
                self.text([value])
            return dec(value), [value], ()
        values = [g(e, p) for g in self.gets]
        missing = tuple(g.ref for g, v in zip(self.gets, values, strict=True) if v is None)
        known = [v for v in values if v is not None]
        if known and not is_tame(*known):  # written at once before, so it fails where it did
            self.text(values)
        if missing:
            if any(v == 0 for v in known):  # the lower of counts one of which is 0 is 0 (八(二)4)
                return ZERO, values, ()
            return None, values, missing
        if self.single:
            return dec(values[0]), values, ()
        return min(dec(v) for v in values), values, ()

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


class FormulaPlan:
    __slots__ = ()

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        """Compute the amount, its bound and (lazily) its texts."""
        raise NotImplementedError


class _Fixed(FormulaPlan):
    __slots__ = ("amount", "text")

    def __init__(self, f: Fixed) -> None:
        self.amount = amt = dec(f.amount)
        self.text = say("formula.fixed", amount=fmt_yuan(amt))

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
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
        self.caps = () if self.cap is None else (_cap_text(self.cap),)
        self.bonus_amt = dec(f.bonus.amount) if f.bonus else ZERO
        self.bonus = node(f.bonus.when) if f.bonus else None
        self.bonus_text = condition_text(f.bonus.when) if f.bonus else None
        self.none_bound = None if self.cap is None else self.cap + self.bonus_amt
        self.bound_by = Get(f.bound_by) if f.bound_by else None
        self.label = label_of(f.base)
        self.pct = fmt_pct(self.rate)

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
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
        self.qty = _Quantity(f.quantity)
        self.rate = dec(f.rate)
        self.unit = f.unit
        self.cap = dec(f.cap) if f.cap else None
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


class _Match(FormulaPlan):
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
        self.base = Get(f.base)
        self.base_label = label_of(f.base)
        self.ratio = dec(f.ratio)
        self.cap = dec(f.cap) if f.cap else None
        self.cap_text = None if self.cap is None else say("formula.match.cap", cap=fmt_yuan(self.cap))
        self.per = Get(f.unit_cap.per) if f.unit_cap else None
        self.unit_rate = dec(f.unit_cap.rate) if f.unit_cap else ZERO
        self.unit = f.unit_cap.unit if f.unit_cap else None
        self.of = Get(f.combined_cap.of) if f.combined_cap else None
        self.of_label = label_of(f.combined_cap.of) if f.combined_cap else None
        self.share = dec(f.combined_cap.share) if f.combined_cap else ZERO

    # A limit is (amount, kind, the value it came from); its text is written from these.
    def _limit_text(self, kind: str, value: Any, base_v: Any, lim: Decimal) -> Text:
        if kind == "cap":
            assert self.cap_text is not None
            return self.cap_text
        if kind == "unit":
            assert self.unit is not None
            return say(
                "formula.match.unit_cap",
                rate=fmt_yuan(self.unit_rate),
                unit=self.unit,
                count=fmt_num(value),
                limit=fmt_yuan(lim),
            )
        assert self.of_label is not None
        return say(
            "formula.match.combined_cap",
            of=self.of_label,
            share=fmt_pct(self.share),
            value=fmt_yuan(dec(value)),
            municipal=fmt_yuan(dec(base_v)),
            limit=fmt_yuan(lim),
        )

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        limits: list[tuple[Decimal, str, Any]] = []
        missing: list[str] = []
        if self.cap is not None:
            limits.append((self.cap, "cap", None))
        base_v = self.base(e, p)
        if base_v is None:
            missing.append(self.base.ref)
        tame = base_v is None or is_tame(base_v)
        if self.per is not None:
            per = self.per(e, p)
            if per is None:
                missing.append(self.per.ref)
            else:
                limits.append((self.unit_rate * dec(per), "unit", per))
                tame = tame and is_tame(per)
        if self.of is not None:
            of = self.of(e, p)
            if of is None:
                missing.append(self.of.ref)
            elif base_v is not None:
                limits.append((max(ZERO, self.share * dec(of) - dec(base_v)), "combined", of))
                tame = tame and is_tame(of)
        if not tame:
            for lim, kind, value in limits:  # written at once before, so they fail where they did
                self._limit_text(kind, value, base_v, lim)
        if missing:
            known = [lim for lim, _, _ in limits]
            if base_v is not None:
                known.append(dec(base_v) * self.ratio)
            elif self.of is not None and of is not None:
                # Both levels together at most a share of the investment, whatever the municipal award.
                known.append(self.share * dec(of))
            if known and min(known) == 0 and tame:
                # A limit of 0 makes the award 0 whatever the facts still unknown: nothing to ask.
                zero = next((lim for lim in limits if lim[0] == 0), None)
                return ZERO, ZERO, lazy(self._zero_text, base_v, zero), (), ()
            return None, min(known, default=None), None, (), tuple(missing)
        assert base_v is not None
        raw = dec(base_v) * self.ratio
        amount = raw
        for lim, _, _ in limits:
            if lim < amount:
                amount = lim
        applied = tuple(limit for limit in limits if limit[0] == amount and limit[0] < raw)
        caps = lazy_if(tame, self._caps, applied, base_v) if applied else ()
        return amount, amount, lazy_if(tame, self._text, base_v, raw, amount, applied), caps, ()

    def _zero_text(self, base_v: Any, zero: tuple[Decimal, str, Any] | None) -> Text:
        if zero is not None:  # a limit of 0
            text = self._limit_text(zero[1], zero[2], base_v, ZERO)
            return say("formula.match.limit_zero", limit=text)
        if base_v is not None:  # the municipal award is 0
            return say("formula.match.municipal_zero", label=self.base_label)
        assert self.of_label is not None  # the investment is 0: both levels together at most 0
        return say("formula.match.investment_zero", of=self.of_label, share=fmt_pct(self.share))

    def _caps(self, applied: tuple[tuple[Decimal, str, Any], ...], base_v: Any) -> tuple[Text, ...]:
        return tuple(self._limit_text(kind, value, base_v, lim) for lim, kind, value in applied)

    def _text(
        self, base_v: Any, raw: Decimal, amount: Decimal, applied: tuple[tuple[Decimal, str, Any], ...]
    ) -> Text:
        zh, en = fill(
            "formula.match",
            label=self.base_label,
            base=fmt_yuan(dec(base_v)),
            ratio=fmt_num(self.ratio),
            amount=fmt_yuan(raw),
        )
        caps = self._caps(applied, base_v)
        if caps:
            sep_zh, sep_en = phrase("formula.match.limit_separator")
            limits = T(sep_zh.join(c.zh for c in caps), sep_en.join(c.en for c in caps))
            more_zh, more_en = fill("formula.match.limited", limits=limits, amount=fmt_yuan(amount))
            zh, en = zh + more_zh, en + more_en
        return T(zh, en)


class _TopUp(FormulaPlan):
    __slots__ = ("minus", "minus_label", "pct", "price", "price_label", "qty", "rate")

    def __init__(self, f: TopUp) -> None:
        self.price = Get(f.price)
        self.price_label = label_of(f.price)
        self.qty = _Quantity(f.quantity)
        self.rate = dec(f.rate)
        self.pct = fmt_pct(self.rate)
        self.minus = Get(f.minus) if f.minus else None
        self.minus_label = label_of(f.minus) if f.minus else None

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
        price = self.price(e, p)
        qty, values, qmissing = self.qty.read(e, p)
        missing = list(qmissing)
        if price is None:
            missing.insert(0, self.price.ref)
        minus = self.minus(e, p) if self.minus is not None else 0
        if self.minus is not None and minus is None:
            missing.append(self.minus.ref)
        if price is not None and dec(price) == 0:
            # A price of 0 makes the award 0 whatever the counts and the subsidy: nothing to ask.
            return ZERO, ZERO, lazy(self._text, price, values, ZERO, None, ZERO), (), ()
        if qty is not None and qty == 0:
            # No machine or vehicle to count (八(二)4: the lower of the counts is 0): 0 whatever the
            # price and the subsidy, so neither is asked.
            return ZERO, ZERO, lazy(self._none_text, values), (), ()
        if price is None or qty is None:
            # The subsidy already received matters only once the 30% it is taken from is known.
            if self.minus is not None and minus is None:
                missing.remove(self.minus.ref)
            return None, None, None, (), tuple(missing)
        gross = first = self.rate * dec(price) * qty
        tame = is_tame(price, *values, *(() if minus is None else (minus,)))
        if minus is None:
            if not tame:  # written at once before, so it fails where it did
                self._text(price, values, first, None, first)
            return None, gross, None, (), tuple(missing)
        if self.minus is not None:
            gross = max(ZERO, gross - dec(minus))
        return gross, gross, lazy_if(tame, self._text, price, values, first, minus, gross), (), ()

    def _none_text(self, values: list[Any]) -> Text:
        qtext = self.qty.text(values)
        return say("formula.top_up.none", quantity=qtext)

    def _text(self, price: Any, values: list[Any], first: Decimal, minus: Any, net: Decimal) -> Text:
        zh, en = fill(
            "formula.top_up",
            price_label=self.price_label,
            price=fmt_yuan(dec(price)),
            pct=self.pct,
            quantity=self.qty.text(values),
            amount=fmt_yuan(first),
        )
        if self.minus_label is not None and minus is not None:
            more_zh, more_en = fill(
                "formula.top_up.less", label=self.minus_label, minus=fmt_yuan(dec(minus)), net=fmt_yuan(net)
            )
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

    def money(self, e: Enterprise, p: ProjectFacts | None) -> _Money:
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
