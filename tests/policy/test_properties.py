"""Properties every evaluation must have, whatever the enterprise answers (hypothesis)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.engine import evaluate
from rules.facts import Enterprise, Profile, ProjectFacts
from rules.loader import LoadedRulebook, rulebook_for
from rules.report import MeasureResult, Report, report_to_json

ON = dt.date(2026, 1, 1)
INFORMATIONAL = {5, 6, 8, 30, 33}
MONEY = [n for n in range(1, 41) if n not in INFORMATIONAL]
BASIC = (
    "enterprise.major_penalty_3y",
    "enterprise.criminal_record_3y",
    "enterprise.dishonest_list",
    "enterprise.major_accident_3y",
    "enterprise.environmental_incident_3y",
)
MOSTLY_FALSE = {
    *BASIC,
    "enterprise.data_center",
    "enterprise.key_vehicle_unit",
    "project.three_simultaneous",
    "project.gov_funded",
    "project.scrapped_within_year_of_deadline",
    "project.old_registered_after_policy",
}
_REF = re.compile(r"^(enterprise|project)\.[a-z0-9_]+$")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Run per measure, so that every measure's money paths get examples of their own.
PER_MEASURE = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Highest amount the text allows one row of a measure, whatever the inputs (yuan).
STATIC_CAP: dict[int, int] = {
    1: 5_000_000,  # 单个项目最高 500 万元（含）
    2: 5_000_000,
    3: 5_000_000,
    4: 10_000_000,  # 单个项目最高 1000 万元
    12: 200_000,  # 10 万元、20 万元
    14: 500_000,
    15: 500_000,  # 30 万 for an upgrade to A, 20 万 for three years of A
    16: 300_000,
    17: 100_000,
    19: 500_000,
    22: 100_000,
    25: 5_500_000,  # 500 万 + 再奖励 50 万
    26: 5_000_000,
    31: 100_000,
    32: 500_000,
    34: 200_000,
    35: 200_000,
    36: 200_000,
    37: 1_000_000,  # two titles, 50 万 each
    38: 200_000,
    39: 500_000,
    40: 300_000,  # 认建 20 万 + 认养 10 万
}

# Facts whose increase can only help (investment, capacity, higher-level awards, counts).
RAISING = (
    "total_investment_yuan",
    "rd_investment_yuan",
    "total_investment_with_operation_yuan",
    "boiler_retrofit_investment_yuan",
    "membrane_investment_yuan",
    "retrofit_investment_yuan",
    "pv_capacity_kw",
    "green_power_kwh",
    "municipal_funding_yuan",
    "municipal_energy_saving_award_yuan",
    "municipal_green_building_award_yuan",
    "municipal_ultralow_award_yuan",
    "municipal_retrofit_award_yuan",
    "diagnosis_equipment_funding_yuan",
    "new_unit_price_yuan",
    "building_area_m2",
    "retrofit_area_m2",
    "metering_sets_count",
    "served_key_units_count",
    "green_adoption_area_ha",
    "lease_term_months",
    "old_count",
    "new_count",
)
# Convention 3: measure 24's district award is at most 50% of the investment *less* the
# municipal award, so a larger municipal award can lower it.
NOT_MONOTONE = {(24, "municipal_retrofit_award_yuan")}


@functools.cache
def _book() -> LoadedRulebook:
    book = rulebook_for(ON)
    assert book is not None
    return book


def _refs_in(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node} if _REF.match(node) else set()
    if isinstance(node, dict):
        return set().union(*(_refs_in(v) for v in node.values())) if node else set()
    if isinstance(node, list | tuple):
        return set().union(*(_refs_in(v) for v in node)) if node else set()
    return set()


@functools.cache
def _measure_refs(number: int) -> tuple[str, ...]:
    """Return the facts a measure reads, plus the zone and chapter 七's facts."""
    book = _book()
    refs = _refs_in(book.measures[number].model_dump()) | _refs_in(book.chapter7.model_dump())
    refs |= {"enterprise.zone"}
    return tuple(sorted(refs))


def _literal_options(annotation: Any) -> list[Any] | None:
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is Literal:
            return list(typing.get_args(arg))
        if isinstance(arg, type) and issubclass(arg, Enum):
            return [m.value for m in arg]
    return None


def _value(ref: str) -> st.SearchStrategy[Any]:
    scope, _, name = ref.partition(".")
    model = Enterprise if scope == "enterprise" else ProjectFacts
    annotation = model.model_fields[name].annotation
    args = typing.get_args(annotation)
    options = _literal_options(annotation)
    base: st.SearchStrategy[Any]
    if ref in MOSTLY_FALSE:
        # Chapter 七's gates: mostly passed, so that the money paths behind them get exercised.
        return st.sampled_from([False] * 18 + [True, None])
    if ref == "enterprise.zone":
        return st.sampled_from(["core60"] * 12 + ["newtown225", "outside", None])
    elif options is not None:
        base = st.sampled_from(options)
    elif bool in args:
        base = st.booleans()
    elif name.endswith(("_count",)):
        base = st.integers(0, 30)
    elif name == "concentration_ratio":
        base = st.floats(0, 1)
    elif name.endswith("_kw") or name.endswith("_ha"):
        base = st.floats(0, 5000 if name.endswith("_kw") else 3)
    elif name.endswith("_months"):
        base = st.integers(0, 48)
    elif name.endswith("_kwh"):
        base = st.integers(0, 20_000_000)
    elif name.endswith("_m2"):
        base = st.integers(0, 500_000)
    else:  # yuan
        base = st.one_of(
            st.integers(0, 40_000_000),
            st.sampled_from([0, 1, 1_000_000, 5_000_000, 10_000_000, 16_666_667, 20_000_000, 100_000_000]),
            st.floats(0, 40_000_000).map(lambda v: round(v, 2)),
        )
    return st.one_of(base, base, base, base, st.none())


@st.composite
def profiles(draw: st.DrawFn, include: int | None = None, max_measures: int = 3) -> dict[str, Any]:
    """Draw a profile (as JSON) with one project put forward under ``include`` and up to two more money measures.

    Only the facts those measures read are drawn, so a failing example stays short.
    """
    others = draw(st.lists(st.sampled_from(MONEY), max_size=max_measures - 1, unique=True))
    numbers = list(dict.fromkeys([include, *others] if include is not None else others or [MONEY[0]]))
    refs = sorted(set().union(*(_measure_refs(n) for n in numbers)))
    enterprise: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for ref in refs:
        scope, _, name = ref.partition(".")
        value = draw(_value(ref))
        if value is not None:
            (enterprise if scope == "enterprise" else facts)[name] = value
    _consistent(facts)
    return {"enterprise": enterprise, "projects": [{"id": "p", "measures": numbers, "facts": facts}]}


def _consistent(facts: dict[str, Any]) -> None:
    """Keep drawn facts that contradict each other out (the fact model refuses them)."""
    if "fleet_nev_count" in facts and "fleet_count" in facts:
        facts["fleet_nev_count"] = min(facts["fleet_nev_count"], facts["fleet_count"])


def _draw(data: st.DataObject, number: int) -> Profile:
    return Profile.model_validate(data.draw(profiles(include=number), label="profile"))


def _amount(row: MeasureResult) -> int:
    return row.amount_yuan or 0 if row.status == "eligible" else 0


def _rows(report: Report) -> dict[tuple[int, str | None], MeasureResult]:
    return {(r.number, r.project_id): r for r in report.measures}


def _d(v: Any) -> Decimal:
    return Decimal(str(v))


def _input_caps(number: int, f: ProjectFacts) -> list[Decimal]:
    """Return the limits the text sets for this measure given these facts (only those known)."""
    caps: list[Decimal] = []

    def add(*values: Any, make: Any) -> None:
        if all(v is not None for v in values):
            caps.append(_d(make(*(_d(v) for v in values))))

    lo = None if f.old_count is None or f.new_count is None else min(f.old_count, f.new_count)
    # Convention 11: a municipal amount of 0 is one not granted yet, so it sets no limit on the pending
    # amount (the award will match whatever is granted); 第23条 has no cap and stays ineligible.
    if number in (2, 24, 25) and not (
        f.municipal_funding_yuan if number == 2 else f.municipal_retrofit_award_yuan if number == 24 else 1
    ):
        f = f.model_copy(update={"municipal_funding_yuan": None, "municipal_retrofit_award_yuan": None})
    if number == 1:
        add(f.rd_investment_yuan, make=lambda b: b * _d("0.3"))
    elif number in (2, 23):
        add(
            f.municipal_funding_yuan if number == 2 else f.municipal_energy_saving_award_yuan,
            make=lambda b: b,
        )
    elif number in (3, 7):
        add(f.total_investment_yuan, make=lambda b: b * _d("0.3"))
    elif number == 4:
        add(f.total_investment_yuan, make=lambda b: b * _d("0.5"))
    elif number == 11:
        add(f.membrane_investment_yuan, make=lambda b: b * _d("0.3"))
    elif number == 18:
        add(f.new_unit_price_yuan, lo, make=lambda p, n: p * n * _d("0.5"))
    elif number == 20:
        add(lo, make=lambda n: n * 60_000)
    elif number == 21:
        add(f.new_unit_price_yuan, lo, make=lambda p, n: p * n * _d("0.3"))
    elif number == 24:
        add(f.municipal_retrofit_award_yuan, make=lambda m: m * _d("0.5"))
        add(f.retrofit_area_m2, make=lambda a: a * 10)
        add(f.retrofit_investment_yuan, f.municipal_retrofit_award_yuan, make=lambda i, m: max(0, i / 2 - m))
    elif number == 26:
        add(f.municipal_ultralow_award_yuan, make=lambda m: m * _d("0.5"))
        add(f.building_area_m2, make=lambda a: a * 100)
    elif number == 27:
        add(f.pv_capacity_kw, make=lambda kw: kw * 800)
    elif number == 28:
        add(f.total_investment_yuan, make=lambda b: b * _d("0.1"))
    elif number == 29:
        add(f.green_power_kwh, make=lambda kwh: kwh * _d("0.01"))
    return caps


@pytest.mark.parametrize("number", MONEY)
@PER_MEASURE
@given(data=st.data())
def test_award_is_never_negative_nor_above_its_caps(number: int, data: st.DataObject) -> None:
    """No row promises less than nothing or more than the text allows."""
    profile = _draw(data, number)
    report = evaluate(profile, on=ON)
    facts = profile.projects[0].facts
    for row in report.rows(number):
        shown = f"measure {row.number} project {row.project_id}: amount {row.amount_yuan}, upper {row.upper_bound_yuan}"
        assert row.amount_yuan is None or row.amount_yuan >= 0, shown
        assert row.upper_bound_yuan is None or row.upper_bound_yuan >= 0, shown
        if row.amount_yuan is not None and row.upper_bound_yuan is not None:
            assert row.amount_yuan <= row.upper_bound_yuan, shown
        if row.status != "eligible" and row.amount_yuan:
            raise AssertionError(f"non-eligible row with money: {shown}")
        if row.number in STATIC_CAP:
            cap = STATIC_CAP[row.number]
            assert (row.amount_yuan or 0) <= cap, f"{shown} above the cap {cap}"
            assert row.upper_bound_yuan is None or row.upper_bound_yuan <= cap, f"{shown} above the cap {cap}"
        if row.project_id is not None:
            for limit in _input_caps(row.number, facts):
                assert (row.amount_yuan or 0) <= limit, (
                    f"{shown} above the limit {limit} the text sets for these facts"
                )
                assert row.upper_bound_yuan is None or row.upper_bound_yuan <= limit, (
                    f"{shown}: upper bound above the limit {limit} the text sets for the facts already known"
                )
    assert report.total_yuan == sum(r.amount_yuan or 0 for r in report.counted())
    assert report.total_yuan >= 0


@pytest.mark.parametrize("number", MONEY)
@PER_MEASURE
@given(data=st.data())
def test_raising_an_investment_never_lowers_an_award(number: int, data: st.DataObject) -> None:
    """More investment, capacity, higher-level award or vehicles never means less money."""
    profile = _draw(data, number)
    project = profile.projects[0]
    known = [n for n in RAISING if getattr(project.facts, n) is not None]
    candidates = [n for n in known if any(f"project.{n}" in _measure_refs(m) for m in project.measures)]
    if not candidates:
        return
    name = data.draw(st.sampled_from(candidates), label="raised fact")
    if any((m, name) in NOT_MONOTONE for m in project.measures):
        return
    before_value = getattr(project.facts, name)
    is_int = isinstance(before_value, int) and not isinstance(before_value, bool)
    step = data.draw(st.integers(1, 10) if is_int else st.floats(0.01, 20_000_000), label="step")
    raised = project.model_copy(
        update={"facts": project.facts.model_copy(update={name: before_value + step})}
    )
    after_profile = profile.model_copy(update={"projects": [raised]})
    before, after = evaluate(profile, on=ON), evaluate(after_profile, on=ON)
    rows_after = _rows(after)
    for key, row in _rows(before).items():
        assert _amount(rows_after[key]) >= _amount(row), (
            f"raising {name} from {before_value} by {step} lowered measure {key[0]}: "
            f"{_amount(row)} -> {_amount(rows_after[key])} ({row.status} -> {rows_after[key].status})"
        )
    assert after.total_yuan >= before.total_yuan, f"raising {name} lowered the total"


@SETTINGS
@given(profiles())
def test_same_input_same_report(raw: dict[str, Any]) -> None:
    """An evaluation is a pure function of the profile and the date."""
    profile = Profile.model_validate(raw)
    first = report_to_json(evaluate(profile, on=ON))
    again = report_to_json(evaluate(Profile.model_validate(profile.model_dump(mode="json")), on=ON))
    assert first == again


@pytest.mark.parametrize("number", MONEY)
@PER_MEASURE
@given(data=st.data())
def test_an_unknown_fact_never_makes_a_row_eligible(number: int, data: st.DataObject) -> None:
    """Forgetting an answer can only keep a row undecided; it never turns it eligible or adds money."""
    profile = _draw(data, number)
    project = profile.projects[0]
    known = [f"project.{n}" for n, v in project.facts if v is not None]
    known += [f"enterprise.{n}" for n, v in profile.enterprise if v is not None]
    if not known:
        return
    ref = data.draw(st.sampled_from(sorted(known)), label="forgotten fact")
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        forgotten = profile.model_copy(
            update={"enterprise": profile.enterprise.model_copy(update={name: None})}
        )
    else:
        facts = project.facts.model_copy(update={name: None})
        forgotten = profile.model_copy(update={"projects": [project.model_copy(update={"facts": facts})]})
    before, after = evaluate(profile, on=ON), evaluate(forgotten, on=ON)
    rows_after = _rows(after)
    for key, row in _rows(before).items():
        if row.status in ("ineligible", "needs_info"):
            assert rows_after[key].status != "eligible", (
                f"forgetting {ref} made measure {key[0]} eligible (was {row.status})"
            )
    assert after.total_yuan <= before.total_yuan, (
        f"forgetting {ref} raised the total {before.total_yuan} -> {after.total_yuan}"
    )
