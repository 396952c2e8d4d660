"""One row per measure and project: status, amounts, missing facts and pending steps, before selection."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from rules.awards import Light, Memo
from rules.conditions import FAILED, MET, PENDING, UNKNOWN
from rules.details import (
    award_results,
    failed_gate_reasons,
    gates_in_order,
)
from rules.facts import Enterprise, Project, ProjectFacts
from rules.numbers import ZERO, whole_yuan
from rules.paths import combine
from rules.plans import NO_PROJECT_REASON, MeasurePlan
from rules.reading import merge_refs
from rules.report import ConditionResult, MeasureResult, Status, _Lazy, spliced_builder
from rules.schema import Document, Text


class RowFields(NamedTuple):
    """A row's MeasureResult fields, in its order, without the two that selection decides."""

    number: int
    title: Text
    status: Status
    summary: Text
    scope: str
    project_id: str | None
    project_name: str
    no_project: bool
    amount_yuan: int | None
    upper_bound_yuan: int | None
    gates: Any  # lazy until read, as are awards, reasons and unlock
    awards: Any
    chosen_award: str | None
    missing: tuple[str, ...]
    near_miss: tuple[Text, ...]
    reasons: Any
    documents: tuple[Document, ...]
    bureaus: tuple[Text, ...]
    notes: tuple[Text, ...]
    procedure: tuple[Text, ...]
    cite: tuple[str, ...]
    condition_notes: tuple[Text, ...]
    pending_yuan: int | None
    unlock: Any


# Where selection's two fields (counted, alternative_to) go among MeasureResult's fields.
_SELECTED = [f.name for f in dataclasses.fields(MeasureResult)].index("counted")
if [f.name for f in dataclasses.fields(MeasureResult)] != [
    *RowFields._fields[:_SELECTED],
    "counted",
    "alternative_to",
    *RowFields._fields[_SELECTED:],
]:
    raise TypeError("RowFields must list MeasureResult's fields in order, without counted and alternative_to")
# A row's MeasureResult: its fields with selection's two put in (one per row of a cold evaluation).
_MEASURE = spliced_builder(MeasureResult, _SELECTED)
# RowFields(...) without the argument parsing of NamedTuple.__new__ (one per row).
_fields: Callable[[tuple[Any, ...]], RowFields] = functools.partial(tuple.__new__, RowFields)


class Row:
    """A measure's row before selection; the MeasureResult for each selection outcome is made once."""

    __slots__ = (
        "amount",
        "counted",
        "facts",
        "fields",
        "later",
        "lights",
        "made",
        "missing",
        "number",
        "plain",
        "project_id",
        "sel",
        "status",
    )

    def __init__(
        self, fields: RowFields, lights: tuple[Light, ...] = (), facts: ProjectFacts | None = None
    ) -> None:
        self.fields = fields
        # What selection reads of it, as attributes (read for every row of every evaluation).
        self.number = fields.number
        self.status = fields.status
        self.project_id = fields.project_id
        self.amount = fields.amount_yuan
        self.missing = fields.missing
        self.later = fields.pending_yuan  # worth once its pending steps are taken (None: nothing pending)
        self.facts = facts  # the project's facts (a kind named by a fact's value reads them)
        # What the row can pay for selection, now and after pending steps (see rules.selection).
        self.sel: list[Any] = [None, None]
        # The award paths evaluated (their AwardResults are made on first read of ``awards``).
        self.lights = lights
        # The row as selected: not counted, counted, or an alternative to another measure.
        self.plain: MeasureResult | None = None
        self.counted: MeasureResult | None = None
        self.made: dict[int, MeasureResult] | None = None  # as an alternative to each measure

    def result(self, counted: bool, alternative_to: int | None) -> MeasureResult:
        """Return the row as selected."""
        if alternative_to is None:
            found = self.counted if counted else self.plain
            if found is None:
                found = _MEASURE(self.fields, counted, None)
                if counted:
                    self.counted = found
                else:
                    self.plain = found
            return found
        made = self.made
        if made is None:
            made = self.made = {}
        found = made.get(alternative_to)
        if found is None or found.counted != counted:
            found = made[alternative_to] = _MEASURE(self.fields, counted, alternative_to)
        return found

    def changed(
        self,
        counted: bool,
        alternative_to: int | None,
        amount: int | None,
        reasons: tuple[Text, ...],
        missing: tuple[str, ...],
    ) -> MeasureResult:
        """Return the row with its amount lowered by a once-per-enterprise award (not memoised: rare)."""
        f = self.fields._replace(amount_yuan=amount, reasons=reasons, missing=missing)
        return _MEASURE(f, counted, alternative_to)


# A group of enterprise gates' results, kept across evaluations: keyed by the group, the measure's
# group of enterprise facts and the number of their values (rules.engine), which say all it reads.
GATES: dict[tuple[Any, int, int], Any] = {}


def make_row(plan: MeasurePlan, e: Enterprise, project: Project | None, memo: Memo, ent_key: int) -> Row:
    pid = project.id if project is not None else None
    name = project.name if project is not None else ""
    title, summary, scope = plan.head
    if plan.informational:
        return Row(
            _fields(
                (
                    plan.number,
                    title,
                    "informational",
                    summary,
                    scope,
                    pid,
                    name,
                    False,
                    None,
                    None,
                    (),
                    (),
                    None,
                    (),
                    (),
                    (),
                    *plan.static,
                    None,
                    (),
                )
            )
        )
    p = project.facts if project is not None else None
    # Gate results repeat across the rows of one evaluation (chapter 七's conditions): share them.
    first = plan.scope.res(e)
    group = plan.ent_gates
    shared = memo.get(group)
    if shared is None:
        gates_key = (group, plan.ent_group, ent_key)
        shared = GATES.get(gates_key)
        if shared is None:
            shared = GATES[gates_key] = group.res(e, p, memo)
        memo[group] = shared
    gate_outcome, ent_results, ent_missing = shared
    o = first.outcome
    if o is FAILED:
        gate_outcome = FAILED
    elif o is UNKNOWN and gate_outcome is MET:
        gate_outcome = UNKNOWN
    proj_results: list[ConditionResult] = []
    proj_missing = False
    # The conditions that read this project's facts, memoised per project (keyed by its facts).
    pmemo = memo.get(id(p))
    if pmemo is None:
        pmemo = memo[id(p)] = {}
    for node in plan.proj_gates:
        hit = pmemo.get(node)
        if hit is None:
            hit = pmemo[node] = node.res(e, p)
        found = hit[0]
        proj_results.append(found)
        o = found.outcome
        if o is not MET:
            if o is FAILED:
                gate_outcome = FAILED
            elif o is UNKNOWN:
                if gate_outcome is not FAILED:
                    gate_outcome = UNKNOWN
            elif gate_outcome is MET:
                gate_outcome = PENDING
            if found.missing:
                proj_missing = True
    results = (first, *ent_results, *proj_results)
    order = plan.gate_order
    gate_missing: tuple[str, ...]
    if proj_missing:
        gate_missing = merge_refs(results[i].missing for i in order)
    elif first.missing:
        gate_missing = merge_refs((first.missing, ent_missing))
    else:
        gate_missing = ent_missing
    gates = _Lazy(gates_in_order, order, results)
    if gate_outcome is FAILED:
        failed_gates = _Lazy(failed_gate_reasons, plan, order, results, e, p)
        return Row(
            _fields(
                (
                    plan.number,
                    title,
                    "ineligible",
                    summary,
                    scope,
                    pid,
                    name,
                    False,
                    None,
                    None,
                    gates,
                    (),
                    None,
                    (),
                    (),
                    failed_gates,
                    *plan.static,
                    None,
                    (),
                )
            )
        )
    if project is None:
        top = [a.money.money(e, p)[1] for a in plan.awards]
        if any(b is None for b in top):
            bound = None
        else:
            known = [b for b in top if b is not None]
            bound = whole_yuan(sum(known, ZERO) if plan.combine == "sum" else max(known))
        return Row(
            _fields(
                (
                    plan.number,
                    title,
                    "needs_info",
                    summary,
                    scope,
                    None,
                    "",
                    True,
                    None,
                    bound,
                    gates,
                    (),
                    None,
                    gate_missing,
                    (),
                    (NO_PROJECT_REASON,),
                    *plan.static,
                    None,
                    (),
                )
            )
        )
    lights = tuple([a.evaluate(gate_outcome, (), e, p, memo, pmemo) for a in plan.awards])
    # (plan, status, amount_yuan, upper_bound_yuan, ..., missing at 8, ..., steps at 11): see Light.
    # The common row: every path paid or ruled out, nothing more to learn (its gates are met).
    best: Light | None = None
    plain = True
    for a in lights:
        st = a.status
        if st == "eligible":
            if a.missing:
                plain = False
                break
            if best is None or a.amount > best.amount:  # the first of the largest, as max() picks
                best = a
        elif st != "ineligible":
            plain = False
            break
    if plain and best is not None:
        if plan.combine == "sum":
            paid = sum([a.amount for a in lights if a.status == "eligible"])
            pick = None
        else:
            paid, pick = best.amount, best.plan.id
        return Row(
            _fields(
                (
                    plan.number,
                    title,
                    "eligible",
                    summary,
                    scope,
                    pid,
                    name,
                    False,
                    paid,
                    paid,
                    gates,
                    _Lazy(award_results, lights),
                    pick,
                    (),
                    (),
                    (),
                    *plan.static,
                    None,
                    (),
                )
            ),
            lights,
            p,
        )
    status, amount, upper, chosen, missing, near, reasons, later, unlock = combine(
        plan, lights, gate_missing, e, p
    )
    return Row(
        _fields(
            (
                plan.number,
                title,
                status,
                summary,
                scope,
                pid,
                name,
                False,
                amount,
                upper,
                gates,
                _Lazy(award_results, lights),
                chosen,
                missing,
                near,
                reasons,
                *plan.static,
                later,
                unlock,
            )
        ),
        lights,
        p,
    )
