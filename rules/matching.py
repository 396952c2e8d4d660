"""Formulas over another level's support: 1:x matching of an award (match) and the difference up to a share of a price (top_up)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules.facts import Enterprise, ProjectFacts
from rules.formula_base import FormulaPlan, Money, QuantityPlan
from rules.numbers import ZERO, dec, fmt_num, fmt_pct, fmt_yuan, is_tame, lazy_if
from rules.reading import Get
from rules.report import T, lazy
from rules.schema import Text
from rules.schema_formulas import Match, TopUp
from rules.texts import fill, phrase
from rules.wording import label_of, say


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

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
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
        self.qty = QuantityPlan(f.quantity)
        self.rate = dec(f.rate)
        self.pct = fmt_pct(self.rate)
        self.minus = Get(f.minus) if f.minus else None
        self.minus_label = label_of(f.minus) if f.minus else None

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
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
