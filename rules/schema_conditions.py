"""The shape of rule data's base (two-language texts, fact references) and of conditions, validated at load."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.facts import ENTERPRISE_FACTS, PROJECT_FACTS


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
