"""Properties of issue 7's second reading, over random profiles (hypothesis).

- No award of a once-per-enterprise kind (convention 14) is counted twice, whatever the profile lists.
- The total never drops when a project is added (nor the total after pending steps).
- Only questions that can change the answer are asked: for every fact the report asks, some
  answer changes a status or an amount the user would see.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rules.engine import evaluate
from rules.facts import Enterprise, Profile, ProjectFacts
from rules.loader import rulebook_for
from rules.schema import AllOf, AnyOf, RatioCondition
from tests.policy.test_properties import (
    MONEY,
    ON,
    STATIC_CAP,
    _consistent,
    _literal_options,
    _measure_refs,
    _value,
)

# Measures every award of which is paid once per enterprise (per kind): their counted rows together
# never pay more than one row can (STATIC_CAP is that most, every kind at its highest).
ONCE = [14, 15, 16, 17, 19, 31, 34, 35, 36, 37, 38, 39, 40]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def enterprises(draw: st.DrawFn, numbers: list[int]) -> dict[str, Any]:
    """Draw the enterprise facts the measures read."""
    refs = sorted(set().union(*(_measure_refs(n) for n in numbers)))
    out: dict[str, Any] = {}
    for ref in refs:
        scope, _, name = ref.partition(".")
        if scope == "enterprise":
            value = draw(_value(ref))
            if value is not None:
                out[name] = value
    return out


@st.composite
def projects(draw: st.DrawFn, pid: str, pool: list[int], max_measures: int = 2) -> dict[str, Any]:
    """Draw one project claiming up to ``max_measures`` of ``pool`` (a measure may repeat)."""
    numbers = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=max_measures))
    refs = sorted(set().union(*(_measure_refs(n) for n in numbers)))
    facts: dict[str, Any] = {}
    for ref in refs:
        scope, _, name = ref.partition(".")
        if scope == "project":
            value = draw(_value(ref))
            if value is not None:
                facts[name] = value
    _consistent(facts)
    return {"id": pid, "measures": numbers, "facts": facts}


@st.composite
def many(draw: st.DrawFn, pool: list[int], most: int = 4) -> dict[str, Any]:
    """Draw a profile of 1 to ``most`` projects over ``pool``."""
    n = draw(st.integers(1, most))
    ps = [draw(projects(f"p{i}", pool)) for i in range(n)]
    numbers = sorted({m for p in ps for m in p["measures"]})
    return {"enterprise": draw(enterprises(numbers)), "projects": ps}


def test_more_new_energy_vehicles_than_the_fleet_is_refused_with_a_clear_message() -> None:
    """第19条: 12 new-energy vehicles in a fleet of 10 is an inconsistent answer, not 500,000 yuan."""
    with pytest.raises(ValidationError, match="新能源车辆数不能多于自有货物运输车辆总数"):
        ProjectFacts(fleet_count=10, fleet_nev_count=12)
    assert ProjectFacts(fleet_count=10, fleet_nev_count=10).fleet_nev_count == 10


@SETTINGS
@given(many([*ONCE, 13, 32]))
def test_no_once_per_enterprise_award_is_counted_twice(raw: dict[str, Any]) -> None:
    """However often a profile lists a title, certificate or yearly award, it is paid once (convention 14)."""
    report = evaluate(Profile.model_validate(raw), on=ON)
    for number in ONCE:
        paid = sum(r.amount_yuan or 0 for r in report.counted() if r.number == number)
        assert paid <= STATIC_CAP[number], (
            f"measure {number} counted {paid} > {STATIC_CAP[number]} for one enterprise"
        )
    # 13's diagnosis (100,000) is once per enterprise; its titles and matching are per claim.
    diagnoses = [
        r
        for r in report.counted()
        if r.number == 13 and any(a.id == "diagnosis" and a.status == "eligible" for a in r.awards)
    ]
    diagnosis_paid = 0
    for r in diagnoses:
        others = sum(a.amount_yuan or 0 for a in r.awards if a.id != "diagnosis" and a.status == "eligible")
        diagnosis_paid += max(0, (r.amount_yuan or 0) - others)
    assert diagnosis_paid <= 100_000, f"13's diagnosis counted {diagnosis_paid} yuan"
    assert report.total_yuan == sum(r.amount_yuan or 0 for r in report.counted())
    assert report.total_after_pending_yuan >= report.total_yuan


@SETTINGS
@given(st.data())
def test_adding_a_project_never_lowers_the_total(data: st.DataObject) -> None:
    """A further project can only add money, whatever it claims (from 从优不重复 and once-per-enterprise)."""
    pool = data.draw(st.sampled_from([[*ONCE, 13, 32], MONEY]), label="pool")
    raw = data.draw(many(pool, most=3), label="profile")
    extra = data.draw(projects("extra", pool), label="added project")
    numbers = sorted({m for p in [*raw["projects"], extra] for m in p["measures"]})
    # The added project's measures may read enterprise facts the first ones did not: draw them first.
    enterprise = {**data.draw(enterprises(numbers), label="enterprise"), **raw["enterprise"]}
    before = evaluate(Profile.model_validate({**raw, "enterprise": enterprise}), on=ON)
    after = evaluate(
        Profile.model_validate({"enterprise": enterprise, "projects": [*raw["projects"], extra]}), on=ON
    )
    assert after.total_yuan >= before.total_yuan, (
        f"adding a project lowered the total {before.total_yuan} -> {after.total_yuan}"
    )
    assert after.total_after_pending_yuan >= before.total_after_pending_yuan, (
        f"adding a project lowered the total after pending steps {before.total_after_pending_yuan} -> "
        f"{after.total_after_pending_yuan}"
    )


def _candidates(ref: str) -> list[Any]:
    """Return answers worth trying for a fact: every option, or a spread of numbers."""
    scope, _, name = ref.partition(".")
    model = Enterprise if scope == "enterprise" else ProjectFacts
    annotation = model.model_fields[name].annotation
    options = _literal_options(annotation)
    if options is not None:
        return options
    if bool in typing.get_args(annotation):
        return [True, False]
    if name.endswith(("_count", "_months")):
        return [0, 1, 2, 5, 9, 10, 12, 30, 100]
    if name == "concentration_ratio":
        return [0, 0.1, 0.3, 0.31, 1, 5]
    return [0, 0.5, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 4_000_000, 10_000_000, 100_000_000, 10**10]


def _seen(report: Any) -> tuple[Any, ...]:
    """What the user sees change: each row's status, amounts ("最高…" too) and steps still to take, and the totals."""
    rows = tuple(
        (
            r.number,
            r.project_id,
            r.status,
            r.amount_yuan,
            r.upper_bound_yuan,
            r.pending_yuan,
            r.counted,
            tuple(u.step.zh for u in r.unlock),
            # The detail view shows each way the measure pays, with its status and amount.
            tuple((a.id, a.status, a.amount_yuan, a.upper_bound_yuan) for a in r.awards),
        )
        for r in report.measures
        if not r.no_project
    )
    return rows, report.total_yuan, report.total_after_pending_yuan


def _answer(raw: dict[str, Any], ref: str, project_id: str | None, value: Any) -> Profile | None:
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        changed = {**raw, "enterprise": {**raw["enterprise"], name: value}}
    else:
        changed = {
            **raw,
            "projects": [
                {**p, "facts": {**p["facts"], name: value}} if p["id"] == project_id else p
                for p in raw["projects"]
            ],
        }
    try:
        return Profile.model_validate(changed)
    except ValidationError:  # an answer the fact model refuses is re-asked, not evaluated
        return None


def _changes(raw: dict[str, Any], shown: Any, answers: list[tuple[str, str | None, Any]]) -> bool:
    """Say whether giving these answers changes what the user sees."""
    for ref, project_id, value in answers:
        profile = _answer(raw, ref, project_id, value)
        if profile is None:
            return False
        raw = profile.model_dump(mode="json")
    return _seen(evaluate(Profile.model_validate(raw), on=ON)) != shown


def _leaves(cond: Any) -> list[str]:
    if isinstance(cond, AllOf | AnyOf):
        return [ref for part in cond.of for ref in _leaves(part)]
    if isinstance(cond, RatioCondition):
        return [cond.num, cond.den]
    return [cond.fact]


def _renewal_facts() -> set[str]:
    """Return the facts of 第32条's renewal condition ("再次认证仍满足其所属类别的上述要求")."""
    book = rulebook_for(ON)
    assert book is not None
    renewed = next(a for a in book.measures[32].awards if a.id == "renewed")
    return {ref for c in renewed.conditions if isinstance(c, AnyOf) for ref in _leaves(c)}


RENEWAL = _renewal_facts()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_only_questions_that_can_change_the_answer_are_asked(data: st.DataObject) -> None:
    """Every fact the report asks has an answer that, alone, changes a status or an amount the user sees.

    Issue 7: "answering any asked fact with any value changes a status or an amount for some value".
    The halves of an either-or condition ("不是重点用车单位，或门禁已联网", "不运营数据中心，或该项目不属于
    数据中心") hold to it too: alone, one half can settle the condition but never rule it out, so the
    engine asks them only once nothing else the row needs is open.

    One exception, from the text: 第32条's renewal pays "继续按上述要求获得碳中和认证的", i.e. the
    requirements of whichever of the four kinds the enterprise is — its kind, the certification's
    scope, its self-generation share and (two kinds) its electricity use. While a kind's requirements
    are open in two or more facts and another kind is still possible, no single answer to one of them
    can meet or rule out the condition (measure 32 renewing alone, with its first-time paths ruled out).
    """
    raw = data.draw(many(MONEY, most=2), label="profile")
    report = evaluate(Profile.model_validate(raw), on=ON)
    shown = _seen(report)
    for fact in report.missing:
        if any(_changes(raw, shown, [(fact.ref, fact.project_id, v)]) for v in _candidates(fact.ref)):
            continue
        assert fact.measures == (32,) and fact.ref in RENEWAL, (
            f"{fact.ref} (project {fact.project_id}, measures {fact.measures}) is asked, "
            "but no answer to it changes a status or an amount"
        )
        rows = [r for r in report.measures if r.number == 32 and fact.ref in r.missing]
        assert rows, fact
        for row in rows:
            assert {a.id for a in row.awards if a.status != "ineligible"} == {"renewed"}, (
                f"{fact.ref} is asked for 第32条 but changes nothing, though a first-time path is still open"
            )


def test_the_interview_asks_again_when_the_fleet_answers_contradict() -> None:
    """Typing 12 new-energy vehicles after a fleet of 10 gets the reason and the same question again."""
    from dialogs.engine import step
    from dialogs.types import Asked, Event, Phase, State

    asked = Asked(ref="project.fleet_nev_count", project_id="fleet")
    state = State(
        phase=Phase.ASK,
        enterprise={"zone": "core60"},
        projects=[{"id": "fleet", "measures": [19], "facts": {"fleet_count": 10}}],
        current=asked,
    )
    after, replies = step(state, Event(kind="text", text="12"), ON)
    shown = "\n".join(r.text for r in replies)
    assert "新能源车辆数不能多于自有货物运输车辆总数" in shown
    assert after.current is not None and after.current.ref == "project.fleet_nev_count"
    assert "fleet_nev_count" not in after.projects[0]["facts"]
    after, replies = step(after, Event(kind="text", text="10"), ON)
    assert after.projects[0]["facts"]["fleet_nev_count"] == 10


def test_two_title_entries_that_do_not_say_which_title_are_asked_which() -> None:
    """第13条: two title entries count once until the user says which title each is, and that is asked."""
    facts = {
        "green_diagnosis_done": False,
        "diagnosis_equipment_funding_yuan": 0,
        "green_manufacturing_title": "national",
    }
    raw = {
        "enterprise": {
            "zone": "newtown225",
            "major_penalty_3y": False,
            "criminal_record_3y": False,
            "dishonest_list": False,
            "major_accident_3y": False,
            "environmental_incident_3y": False,
        },
        "projects": [
            {"id": "a", "measures": [13], "facts": facts},
            {"id": "b", "measures": [13], "facts": facts},
        ],
    }
    report = evaluate(Profile.model_validate(raw), on=ON)
    assert report.total_yuan == 1_000_000
    asked = [(m.ref, m.project_id) for m in report.missing]
    assert ("project.green_manufacturing_title_name", "b") in asked
    raw["projects"][0]["facts"] = {**facts, "green_manufacturing_title_name": "green_factory"}
    raw["projects"][1]["facts"] = {**facts, "green_manufacturing_title_name": "green_supply_chain"}
    assert evaluate(Profile.model_validate(raw), on=ON).total_yuan == 2_000_000
