"""The shape of rule data: conditions, formulas, awards and measures, validated at load."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from rules.facts import ENTERPRISE_FACTS, PROJECT_FACTS
from rules.topics import Offered


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_ref(ref: str) -> str:
    scope, _, name = ref.partition(".")
    known = {"enterprise": ENTERPRISE_FACTS, "project": PROJECT_FACTS}.get(scope)
    if known is None or name not in known:
        raise ValueError(f"unknown fact {ref!r}: use enterprise.<name> or project.<name> from rules/facts.py")
    return ref


FactRef = Annotated[str, Field(pattern=r"^(enterprise|project)\.[a-z0-9_]+$")]


class Text(_Data):
    """A piece of user-facing text in both languages."""

    zh: str
    en: str


class Pending(_Data):
    """A step the applicant can still take (convention 11): failing only on it is "pending", not "ineligible"."""

    # The step that unlocks the award, in the applicant's words ("工地完工").
    step: Text
    # The values that mean "not yet" (a boolean condition: the opposite of what it asks).
    values: list[Any] | None = None


class _Node(_Data):
    text: Text | None = None
    cite: list[str] = []
    clause: str = ""
    miss: Text | None = None
    note: Text | None = None
    # What a failure of the condition means, said the right way round ("近三年有重大行政处罚公示信息").
    found: Text | None = None
    pending: Pending | None = None


Op = Literal["eq", "ne", "in", "not_in", "ge", "gt", "le", "lt", "is_true", "is_false"]


class FactCondition(_Node):
    """A test on one fact."""

    kind: Literal["fact"]
    fact: FactRef
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _valid(self) -> FactCondition:
        _check_ref(self.fact)
        if (
            self.pending is not None
            and self.pending.values is None
            and self.op not in ("is_true", "is_false")
        ):
            raise ValueError("a pending step on a non-boolean condition needs its 'not yet' values")
        if self.op in ("is_true", "is_false"):
            if self.value is not None:
                raise ValueError(f"op {self.op} takes no value")
        elif self.value is None:
            raise ValueError(f"op {self.op} needs a value")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op} needs a list value")
        return self


class RatioCondition(_Node):
    """A threshold on num / den (an unknown or zero den leaves it undecided)."""

    kind: Literal["ratio"]
    num: FactRef
    den: FactRef
    op: Literal["ge", "gt", "le", "lt"]
    value: float

    @model_validator(mode="after")
    def _valid(self) -> RatioCondition:
        _check_ref(self.num)
        _check_ref(self.den)
        return self


class AllOf(_Node):
    """Every part must hold."""

    kind: Literal["all"]
    of: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    """At least one part must hold."""

    kind: Literal["any"]
    of: list[Condition] = Field(min_length=1)


Condition = Annotated[FactCondition | RatioCondition | AllOf | AnyOf, Field(discriminator="kind")]
AllOf.model_rebuild()
AnyOf.model_rebuild()


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


class Award(_Data):
    """One way a measure pays: its own conditions, formula and payout."""

    id: str
    label: Text
    conditions: list[Condition] = []
    formula: Formula
    payout: Literal["once", "two_tranche"] = "once"
    note: Text | None = None
    # An item the enterprise gets once however many claims name it (e.g. 13's diagnosis award).
    once_per_enterprise: bool = False
    # With once_per_enterprise: the fact whose value names the kind (13: which title), one kind per
    # value; claims that leave it unknown share one kind until they say.
    kind_by: FactRef | None = None

    @model_validator(mode="after")
    def _valid(self) -> Award:
        if self.kind_by is not None:
            _check_ref(self.kind_by)
            if not self.once_per_enterprise:
                raise ValueError("kind_by names the kind of a once_per_enterprise award")
        return self


class Document(_Data):
    """A document to prepare, derived from what the measure asks the applicant to prove."""

    zh: str
    en: str
    # The award paths it proves (their ids); empty: every path of the measure needs it.
    awards: list[str] = []
    # A fact it proves ("属于重点用车单位的，…"): not needed once that fact is known to be false or 0.
    when: FactRef | None = None

    @model_validator(mode="after")
    def _valid(self) -> Document:
        if self.when:
            _check_ref(self.when)
        return self


class Measure(_Data):
    """One of the numbered measures."""

    number: int = Field(ge=1)
    title: Text
    chapter: str
    section: str
    bureaus: list[Text] = Field(min_length=1)
    scope: Literal["core60", "newtown225"]
    kind: Literal["money", "informational"]
    summary: Text
    text: str
    cite: list[str] = Field(min_length=1)
    applicant: list[Condition] = []
    exclusions: list[str] = []
    combine: Literal["best", "sum"] = "best"
    awards: list[Award] = []
    documents: list[Document] = []
    notes: list[Text] = []
    procedure: list[Text] = []
    # Where the interview offers it (a topic and project template of rules/topics.py) or not_offered.
    interview: Offered
    keywords: list[str] = []
    # Titles and certificates an enterprise holds once: several claims of it count once.
    once_per_enterprise: bool = False
    # Project facts that are a total per enterprise: summed over every claim of this measure.
    totals: list[FactRef] = []

    @model_validator(mode="after")
    def _valid(self) -> Measure:
        if self.kind == "money" and not self.awards:
            raise ValueError("a money measure needs at least one award")
        if self.kind == "informational" and self.awards:
            raise ValueError("an informational measure has no awards")
        ids = [a.id for a in self.awards]
        if len(ids) != len(set(ids)):
            raise ValueError(f"award ids repeat: {ids}")
        for ref in self.totals:
            _check_ref(ref)
            if not ref.startswith("project."):
                raise ValueError(f"a total sums a project fact, not {ref}")
        for doc in self.documents:
            if unknown := set(doc.awards) - set(ids):
                raise ValueError(f"document {doc.zh!r} names awards the measure lacks: {sorted(unknown)}")
        return self


class Exclusion(_Data):
    """One of the 七(二)5 exclusions: the condition must hold for a project to be supported."""

    id: str
    condition: Condition


class ScopeRule(_Data):
    """Which zones a scope admits, per 七(一)."""

    zones: list[str]
    text: Text
    cite: list[str]
    clause: str


class Chapter7(_Data):
    """Scope, basic conditions, tranches and exclusions shared by all measures."""

    scopes: dict[str, ScopeRule]
    basic: list[Condition]
    exclusions: list[Exclusion]
    tranche: list[Text] = Field(min_length=2, max_length=2)
    tranche_cite: list[str]
    once: Text
    once_cite: list[str]
    basic_documents: list[Document]
    disclaimer: Text
    disclaimer_cite: list[str]


class Rulebook(_Data):
    """A version of the policy: its metadata. Measures and chapter 七 load beside it."""

    id: str
    doc_no: str
    title: Text
    issued: dt.date
    effective_from: dt.date
    effective_to: dt.date | None = None
    repeals: list[Text] = []
    interpreted_by: Text
    source_file: str = "policy.txt"
    expected_measures: int = Field(ge=1)
