"""The shape of the closed set of formula kinds, validated at load."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, model_validator

from rules.schema_conditions import Condition, FactRef, Text, _check_ref, _Data


class MinOf(_Data):
    """The lower of several counts, per 八(二)4."""

    min: list[FactRef] = Field(min_length=2)

    @model_validator(mode="after")
    def _valid(self) -> MinOf:
        for ref in self.min:
            _check_ref(ref)
        return self


Quantity = FactRef | MinOf


class Bonus(_Data):
    """An amount added on top of a capped share when a condition holds."""

    when: Condition
    amount: PositiveFloat


class _Formula(_Data):
    cite: list[str] = []


class Fixed(_Formula):
    """A fixed amount."""

    kind: Literal["fixed"]
    amount: PositiveFloat


class Tier(_Formula):
    """An amount chosen by the value of an enumerated fact."""

    kind: Literal["tier"]
    fact: FactRef
    amounts: dict[str, float] = Field(min_length=1)
    labels: dict[str, Text] = {}

    @model_validator(mode="after")
    def _valid(self) -> Tier:
        _check_ref(self.fact)
        return self


class Share(_Formula):
    """A rate of a base in yuan, optionally capped, optionally with a bonus."""

    kind: Literal["share"]
    base: FactRef
    rate: PositiveFloat
    cap: PositiveFloat | None = None
    bonus: Bonus | None = None
    # A fact the base never exceeds: while the base is unknown, ``rate`` of it bounds the award.
    bound_by: FactRef | None = None

    @model_validator(mode="after")
    def _valid(self) -> Share:
        _check_ref(self.base)
        if self.bound_by:
            _check_ref(self.bound_by)
        return self


class PerUnit(_Formula):
    """A rate in yuan per unit of a quantity."""

    kind: Literal["per_unit"]
    quantity: Quantity
    rate: PositiveFloat
    unit: Text
    cap: PositiveFloat | None = None

    @model_validator(mode="after")
    def _valid(self) -> PerUnit:
        if isinstance(self.quantity, str):
            _check_ref(self.quantity)
        return self


class UnitCap(_Data):
    """A cap of ``rate`` yuan per unit of ``per`` (e.g. 10 元/平方米)."""

    rate: PositiveFloat
    per: FactRef
    unit: Text


class CombinedCap(_Data):
    """Both levels' awards together may not exceed ``share`` of ``of``."""

    share: PositiveFloat
    of: FactRef


class Match(_Formula):
    """A ratio of a higher-level award or subsidy, with caps."""

    kind: Literal["match"]
    base: FactRef
    ratio: PositiveFloat
    cap: PositiveFloat | None = None
    unit_cap: UnitCap | None = None
    combined_cap: CombinedCap | None = None

    @model_validator(mode="after")
    def _valid(self) -> Match:
        _check_ref(self.base)
        if self.unit_cap:
            _check_ref(self.unit_cap.per)
        if self.combined_cap:
            _check_ref(self.combined_cap.of)
        return self


class TopUp(_Formula):
    """``rate`` of the unit price times the count, less what higher levels paid, never below zero."""

    kind: Literal["top_up"]
    price: FactRef
    quantity: Quantity
    rate: PositiveFloat
    minus: FactRef | None = None

    @model_validator(mode="after")
    def _valid(self) -> TopUp:
        _check_ref(self.price)
        if isinstance(self.quantity, str):
            _check_ref(self.quantity)
        if self.minus:
            _check_ref(self.minus)
        return self


class RatioStep(_Data):
    """One step of a ratio tier: at least ``min`` gives ``amount``."""

    min: float
    amount: PositiveFloat


class RatioTier(_Formula):
    """An amount chosen by the highest step that num / den reaches."""

    kind: Literal["ratio_tier"]
    num: FactRef
    den: FactRef
    steps: list[RatioStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> RatioTier:
        _check_ref(self.num)
        _check_ref(self.den)
        return self


Formula = Annotated[Fixed | Tier | Share | PerUnit | Match | TopUp | RatioTier, Field(discriminator="kind")]
