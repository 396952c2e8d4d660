"""What every formula kind shares: the plan's interface, what it gives, and counts read from facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules.facts import Enterprise, ProjectFacts
from rules.numbers import ZERO, dec, fmt_num, fmt_yuan, is_tame
from rules.reading import Get
from rules.report import T
from rules.schema import Text
from rules.schema_formulas import MinOf, Quantity
from rules.wording import label_of, say

# What a formula gives: amount, upper bound (None with amount None: no limit known), the formula
# text, the caps applied and the missing facts. Texts may be lazy placeholders.
Money = tuple[Decimal | None, Decimal | None, Any, Any, tuple[str, ...]]


def cap_text(cap: Decimal) -> Text:
    """Say a per-project cap."""
    return say("formula.cap_per_project", cap=fmt_yuan(cap))


class QuantityPlan:
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

    def money(self, e: Enterprise, p: ProjectFacts | None) -> Money:
        """Compute the amount, its bound and (lazily) its texts."""
        raise NotImplementedError
