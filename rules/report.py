"""What an evaluation returns: per measure a status, the reasons, the money and the schedule.

Plain frozen dataclasses, because a report is built on every step of the interview and must
be cheap; ``report_to_json`` gives the JSON form through pydantic. A few texts (a formula worked
through, a condition's current value) and a row's details (its gates, awards and reasons) are
made only when someone reads them: the engine stores ``lazy(fn, *args)`` in those fields and the
first read replaces it with ``fn(*args)``, so a caller that reads statuses and amounts only (the
interview's summary) never pays for them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

from pydantic import TypeAdapter

from rules.schema import Document, Text

# pending (convention 11): everything holds but a step the applicant can still take ("not yet").
Status = Literal["eligible", "pending", "ineligible", "needs_info", "informational"]
Outcome = Literal["met", "failed", "unknown", "pending"]


def T(zh: str, en: str) -> Text:
    """Build a two-language text the engine wrote itself, without validating it again."""
    return Text.model_construct(zh=zh, en=en)


class _Lazy(functools.partial[Any]):
    """A field value not computed yet: ``fn(*args)`` (a partial, made without a Python-level ``__init__``)."""

    __slots__ = ()


def lazy(fn: Callable[..., Any], *args: Any) -> Any:
    """Return a placeholder for a lazy field (see ``_lazy_fields``): ``fn(*args)`` on first read."""
    return _Lazy(fn, *args)


def _lazy_fields(cls: type, *names: str) -> None:
    """Let these fields of a slots dataclass hold a ``lazy`` placeholder, computed and kept on first read.

    The field stays a dataclass field (pydantic, ``replace``, ``==``, pickling and ``repr`` all read it
    through the attribute, so they see the computed value); only its slot is wrapped.
    """
    for name in names:
        slot = cls.__dict__[name]

        def get(self: Any, slot: Any = slot) -> Any:
            value = slot.__get__(self)
            if type(value) is _Lazy:
                value = value()
                slot.__set__(self, value)
            return value

        def put(self: Any, value: Any, slot: Any = slot) -> None:
            slot.__set__(self, value)

        setattr(cls, name, property(get, put, doc=f"{cls.__name__}.{name}, computed on first read"))


_C = TypeVar("_C")


def _twin(cls: type) -> tuple[list[str], Any]:
    """Return a frozen slots dataclass's field names and a mutable twin class with the same slots."""
    names = [f.name for f in fields(cls)]
    twin: Any = dataclass(slots=True)(
        type(f"_{cls.__name__}Twin", (), {"__annotations__": dict.fromkeys(names, Any)})
    )
    if twin.__slots__ != cls.__slots__:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: the twin's slots differ")
    return names, twin


def _compile_builder(cls: type, params: str, values: list[str]) -> Callable[..., Any]:
    """Compile ``build(params)``: a twin instance whose slots get ``values`` in order, given the frozen class.

    The frozen ``__init__`` sets each field through ``object.__setattr__``; this fills a mutable twin
    with the same slots (one Python frame, no argument parsing) and then gives the instance the frozen
    class (same layout, which CPython allows), a few times faster. The engine builds hundreds of
    results per evaluation with it.
    """
    names, twin = _twin(cls)
    lines = [f"def build({params}):", "    o = new(twin)"]
    lines += [f"    o.{name} = {value}" for name, value in zip(names, values, strict=True)]
    lines += ["    o.__class__ = cls", "    return o"]
    scope: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec("\n".join(lines), scope)  # generated from the dataclass's own field names
    build: Callable[..., Any] = scope["build"]
    return build


def builder(cls: type[_C]) -> Callable[..., _C]:
    """Return a constructor of a frozen slots dataclass taking every field in order, without defaults."""
    n = len(fields(cls))  # type: ignore[arg-type]
    params = [f"a{i}" for i in range(n)]
    return _compile_builder(cls, ", ".join(params), params)


def spliced_builder(cls: type[_C], at: int) -> Callable[[tuple[Any, ...], Any, Any], _C]:
    """Return ``build(values, x, y)``: the fields in order from ``values`` with ``x`` and ``y`` put in at ``at``."""
    n = len(fields(cls))  # type: ignore[arg-type]
    values = [f"f[{i}]" for i in range(at)] + ["x", "y"] + [f"f[{i}]" for i in range(at, n - 2)]
    return _compile_builder(cls, "f, x, y", values)


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """One condition as met, failed or unknown, with the clause it comes from."""

    text: Text
    outcome: Outcome
    clause: str = ""
    cite: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    detail: Text | None = None
    miss: Text | None = None
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class PendingStep:
    """A step the applicant can still take that unlocks an award, with the clause that asks for it."""

    step: Text
    clause: str = ""
    cite: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PayoutStep:
    """One payment: when it is made and how much."""

    when: Text
    amount_yuan: int | None


@dataclass(frozen=True, slots=True)
class AwardResult:
    """One way the measure pays, evaluated."""

    id: str
    label: Text
    status: Status
    amount_yuan: int | None = None
    upper_bound_yuan: int | None = None
    formula: Text | None = None
    caps_applied: tuple[Text, ...] = ()
    conditions: tuple[ConditionResult, ...] = ()
    payout_mode: Literal["once", "two_tranche"] = "once"
    payout: tuple[PayoutStep, ...] = ()
    missing: tuple[str, ...] = ()
    note: Text | None = None


_lazy_fields(ConditionResult, "detail")
_lazy_fields(AwardResult, "formula", "caps_applied")


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """One measure for one project (or for the enterprise when no project names it)."""

    number: int
    title: Text
    status: Status
    summary: Text
    scope: str
    project_id: str | None = None
    project_name: str = ""
    no_project: bool = False
    amount_yuan: int | None = None
    upper_bound_yuan: int | None = None
    counted: bool = False
    alternative_to: int | None = None
    gates: tuple[ConditionResult, ...] = ()
    awards: tuple[AwardResult, ...] = ()
    chosen_award: str | None = None
    missing: tuple[str, ...] = ()
    near_miss: tuple[Text, ...] = ()
    reasons: tuple[Text, ...] = ()
    documents: tuple[Document, ...] = ()
    bureaus: tuple[Text, ...] = ()
    notes: tuple[Text, ...] = ()
    procedure: tuple[Text, ...] = ()
    cite: tuple[str, ...] = ()
    # The readings the measure's conditions carry (notes on a condition, not on the measure).
    condition_notes: tuple[Text, ...] = ()
    # What the row will be worth once the pending steps are taken (None: nothing pending), and those steps.
    pending_yuan: int | None = None
    unlock: tuple[PendingStep, ...] = ()


_lazy_fields(MeasureResult, "gates", "awards", "reasons", "unlock")


@dataclass(frozen=True, slots=True)
class MissingFact:
    """A fact still unknown, with how much money it could decide (None: no upper limit)."""

    ref: str
    project_id: str | None
    measures: tuple[int, ...]
    stake_yuan: int | None


@dataclass(frozen=True, slots=True)
class Report:
    """The result of evaluating one profile on one date."""

    on: dt.date
    in_force: bool
    rulebook_id: str | None = None
    doc_no: str | None = None
    message: Text | None = None
    measures: tuple[MeasureResult, ...] = ()
    total_yuan: int = 0
    pending_upper_yuan: int | None = 0
    missing: tuple[MissingFact, ...] = field(default=())
    disclaimer: Text | None = None
    # The total once every pending step is taken (从优不重复 applied again); total_yuan is payable now.
    total_after_pending_yuan: int = 0

    def rows(self, number: int) -> list[MeasureResult]:
        """Return the rows for one measure."""
        return [m for m in self.measures if m.number == number]

    def counted(self) -> list[MeasureResult]:
        """Return the rows whose money adds up to the total."""
        return [m for m in self.measures if m.counted]


_ADAPTER: TypeAdapter[Report] = TypeAdapter(Report)


def report_to_json(report: Report) -> dict[str, Any]:
    """Return the JSON-ready form of a report."""
    data: dict[str, Any] = _ADAPTER.dump_python(report, mode="json")
    return data


def report_from_json(data: dict[str, Any]) -> Report:
    """Return the report a ``report_to_json`` form describes (validated), e.g. read back from storage."""
    return _ADAPTER.validate_python(data)


def report_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a report."""
    return _ADAPTER.json_schema()
