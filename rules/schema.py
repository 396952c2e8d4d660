"""The shape of rule data: awards, measures and chapter 七, validated at load (conditions and formulas in their own modules)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from rules.schema_conditions import (
    AllOf,
    AnyOf,
    Condition,
    FactCondition,
    FactRef,
    Op,
    Pending,
    RatioCondition,
    Text,
    _check_ref,
    _Data,
)
from rules.schema_formulas import (
    Bonus,
    CombinedCap,
    Fixed,
    Formula,
    Match,
    MinOf,
    PerUnit,
    Quantity,
    RatioStep,
    RatioTier,
    Share,
    Tier,
    TopUp,
    UnitCap,
)
from rules.topics import Offered


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


# Re-exported: rules and its callers read every shape from here.
__all__ = [
    "AllOf",
    "AnyOf",
    "Award",
    "Bonus",
    "Chapter7",
    "CombinedCap",
    "Condition",
    "Document",
    "Exclusion",
    "FactCondition",
    "FactRef",
    "Fixed",
    "Formula",
    "Match",
    "Measure",
    "MinOf",
    "Op",
    "Pending",
    "PerUnit",
    "Quantity",
    "RatioCondition",
    "RatioStep",
    "RatioTier",
    "Rulebook",
    "ScopeRule",
    "Share",
    "Text",
    "Tier",
    "TopUp",
    "UnitCap",
]
