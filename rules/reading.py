"""Reading facts: one fact of an enterprise or a project (Get), and the fact references in rule data."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from rules.facts import ENTERPRISE_FACTS, PROJECT_FACTS, Enterprise, ProjectFacts
from rules.schema import AllOf, AnyOf, Condition


def merge_refs(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Return the references of every group once, in the order first named."""
    seen: dict[str, None] = {}
    for group in groups:
        for ref in group:
            seen.setdefault(ref, None)
    return tuple(seen)


_ENUM_FACTS = frozenset(
    f"{scope}.{name}"
    for scope, model in (("enterprise", Enterprise), ("project", ProjectFacts))
    for name, info in model.model_fields.items()
    if any(
        isinstance(a, type) and issubclass(a, StrEnum)
        for a in (*getattr(info.annotation, "__args__", ()), info.annotation)
    )
)


class Get:
    """Read one fact (``enterprise.x`` or ``project.x``) of an enterprise and a project's facts."""

    __slots__ = ("attr", "ent", "enum", "ref")

    def __init__(self, ref: str) -> None:
        scope, _, name = ref.partition(".")
        self.ref = ref
        self.ent = scope == "enterprise"
        self.attr = name
        self.enum = ref in _ENUM_FACTS

    def __call__(self, e: Enterprise, p: ProjectFacts | None) -> Any:
        if self.ent:
            value = getattr(e, self.attr)
        elif p is None:
            return None
        else:
            value = getattr(p, self.attr)
        if self.enum and isinstance(value, StrEnum):
            return str(
                value
            )  # a StrEnum's str is its value (str(), unlike .value, is not a Python-level property)
        return value


def refs_in(value: Any, out: set[str]) -> None:
    """Collect the fact references anywhere in rule data (every fact a plan can read is one)."""
    if isinstance(value, str):
        scope, _, name = value.partition(".")
        if (scope == "enterprise" and name in ENTERPRISE_FACTS) or (
            scope == "project" and name in PROJECT_FACTS
        ):
            out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            refs_in(v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            refs_in(v, out)


def either_or_only(conditions: Iterable[Condition], elsewhere: Iterable[Any]) -> frozenset[str]:
    """Return the facts read only as a half of an either-or (``any``) condition.

    One half alone can settle such a condition but never rule it out ("不是重点用车单位，或门禁已联网":
    being a key vehicle-use unit fails nothing until the gate is known), so the row asks them only
    once nothing else it needs is unknown (see rules.paths). ``elsewhere``: other rule data of the
    measure (formulas) whose facts are read outright.
    """
    inside: set[str] = set()
    outside: set[str] = set()

    def walk(cond: Condition, under_any: bool) -> None:
        if isinstance(cond, AnyOf | AllOf):
            for part in cond.of:
                walk(part, under_any or isinstance(cond, AnyOf))
        else:
            refs_in(cond.model_dump(), inside if under_any else outside)

    for cond in conditions:
        walk(cond, False)
    for data in elsewhere:
        refs_in(data, outside)
    return frozenset(inside - outside)


def cond_reads_project(cond: Condition) -> bool:
    """Say whether a condition reads a project fact anywhere in it."""
    refs: set[str] = set()
    refs_in(cond.model_dump(), refs)
    return any(r.startswith("project.") for r in refs)
