"""One row per measure and project: status, amounts, missing facts and pending steps, before selection."""

from __future__ import annotations

from typing import Any

from rules.conditions import FAILED, MET, PENDING, UNKNOWN, merge_refs
from rules.details import (
    award_results,
    failed_gate_reasons,
    gates_in_order,
    near_miss,
    reasons_of,
    unlock_steps,
)
from rules.facts import Enterprise, Project, ProjectFacts
from rules.numbers import ZERO, whole_yuan
from rules.plans import NO_PROJECT_REASON, Light, MeasurePlan, Memo
from rules.report import ConditionResult, MeasureResult, Status, _Lazy, builder
from rules.schema import Text

_MEASURE = builder(MeasureResult)

# ---------------------------------------------------------------- rows


class Row:
    """A measure's row before selection; the MeasureResult for each selection outcome is made once."""

    __slots__ = (
        "amount",
        "args",
        "counted",
        "facts",
        "later",
        "lights",
        "made",
        "missing",
        "no_project",
        "number",
        "plain",
        "project_id",
        "sel",
        "status",
        "upper",
    )

    def __init__(
        self, args: tuple[Any, ...], lights: tuple[Light, ...] = (), facts: ProjectFacts | None = None
    ) -> None:
        self.args = args
        self.facts = facts  # the project's facts (a kind named by a fact's value reads them)
        (self.number, _, self.status, _, _, self.project_id, _, self.no_project, self.amount, self.upper) = (
            args[:10]
        )
        self.missing: tuple[str, ...] = args[13]
        self.later: int | None = args[-2]
        # What the row can pay for selection, now and after pending steps (see _contributions).
        self.sel: list[Any] = [None, None]
        # The award paths evaluated (their AwardResults are made on first read of ``awards``).
        self.lights = lights
        # The row as selected: not counted, counted, or an alternative to another measure.
        self.plain: MeasureResult | None = None
        self.counted: MeasureResult | None = None
        self.made: dict[int, MeasureResult] = {}

    def result(self, counted: bool, alternative_to: int | None) -> MeasureResult:
        """Return the row as selected."""
        if alternative_to is None:
            found = self.counted if counted else self.plain
            if found is None:
                a = self.args
                found = _MEASURE(*a[:10], counted, None, *a[10:])
                if counted:
                    self.counted = found
                else:
                    self.plain = found
            return found
        found = self.made.get(alternative_to)
        if found is None or found.counted != counted:
            a = self.args
            found = self.made[alternative_to] = _MEASURE(*a[:10], counted, alternative_to, *a[10:])
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
        a = self.args
        result: MeasureResult = _MEASURE(
            *a[:8], amount, a[9], counted, alternative_to, *a[10:13], missing, a[14], reasons, *a[16:]
        )
        return result


def make_row(plan: MeasurePlan, e: Enterprise, project: Project | None, memo: Memo) -> Row:
    pid = project.id if project is not None else None
    name = project.name if project is not None else ""
    title, summary, scope = plan.head
    if plan.informational:
        return Row(
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
    p = project.facts if project is not None else None
    # Gate results repeat across the rows of one evaluation (chapter 七's conditions): share them.
    first = plan.scope.res(e)
    group = plan.ent_gates
    shared = memo.get(group)
    if shared is None:
        shared = memo[group] = group.res(e, p, memo)
    gate_outcome, ent_results, ent_missing = shared
    o = first.outcome
    if o is FAILED:
        gate_outcome = FAILED
    elif o is UNKNOWN and gate_outcome is MET:
        gate_outcome = UNKNOWN
    proj_results: list[ConditionResult] = []
    proj_missing = False
    pid_key = id(p)
    for node in plan.proj_gates:
        key = (node, pid_key)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = node.res(e, p)
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
    gates = _Lazy(gates_in_order, (order, results))
    if gate_outcome is FAILED:
        failed_gates = _Lazy(failed_gate_reasons, (plan, order, results, e, p))
        return Row(
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
    if project is None:
        top = [a.money.money(e, p)[1] for a in plan.awards]
        if any(b is None for b in top):
            bound = None
        else:
            known = [b for b in top if b is not None]
            bound = whole_yuan(sum(known, ZERO) if plan.combine == "sum" else max(known))
        return Row(
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
    lights = tuple([a.evaluate(gate_outcome, (), e, p, memo) for a in plan.awards])
    # (plan, status, amount_yuan, upper_bound_yuan, ..., missing at 8, ..., steps at 11): see Light.
    # The common row: every path paid or ruled out, nothing more to learn (its gates are met).
    best: Light | None = None
    plain = True
    for a in lights:
        st = a[1]
        if st == "eligible":
            if a[8]:
                plain = False
                break
            if best is None or a[2] > best[2]:  # the first of the largest, as max() picks
                best = a
        elif st != "ineligible":
            plain = False
            break
    if plain and best is not None:
        if plan.combine == "sum":
            paid = sum([a[2] for a in lights if a[1] == "eligible"])
            pick = None
        else:
            paid, pick = best[2], best[0].id
        return Row(
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
                _Lazy(award_results, (lights,)),
                pick,
                (),
                (),
                (),
                *plan.static,
                None,
                (),
            ),
            lights,
            p,
        )
    eligible: list[Light] = []
    waiting: list[Light] = []  # pending: worth their amount once a step is taken
    open_: list[Light] = []  # needs_info: a fact can still decide them
    for a in lights:
        st = a[1]
        if st == "eligible":
            eligible.append(a)
        elif st == "pending":
            waiting.append(a)
        elif st == "needs_info":
            open_.append(a)
    chosen: str | None = None
    amount: int | None
    later: int | None = None  # worth after the pending steps
    upper: int | None
    used: list[Light] = []  # the pending paths that make ``later``
    if plan.combine == "sum":
        amount = sum([a[2] for a in eligible]) if eligible else None
        if waiting:
            used = waiting
            later = (amount or 0) + sum([a[2] for a in waiting])
        extra: int | None = 0
        for a in open_:
            extra = None if extra is None or a[3] is None else extra + a[3]
        for paths in (eligible, waiting):
            for a in paths:
                if a[8] and extra is not None and a[3] is not None:
                    extra += a[3] - a[2]
        upper = None if extra is None else (later if later is not None else amount or 0) + extra
    else:
        best = None
        for a in eligible:  # the first of the largest, as max() picks
            if best is None or a[2] > best[2]:
                best = a
        amount = best[2] if best is not None else None
        chosen = best[0].id if best is not None else None
        floor = amount or 0
        top_wait = None
        for a in waiting:
            if a[2] > floor and (top_wait is None or a[2] > top_wait[2]):
                top_wait = a
        if top_wait is not None:
            used = [top_wait]
            later = top_wait[2]
        reach = later if later is not None else floor
        if open_:
            open_ = [a for a in open_ if a[3] is None or a[3] > reach]
        # An eligible (or pending) path whose bonus is still unknown can pay more too.
        for paths in (eligible, waiting):
            for a in paths:
                if a[8] and (a[3] or 0) > reach:
                    open_.append(a)
        upper = reach
        for a in open_:
            if a[3] is None:
                upper = None
                break
            if a[3] > upper:
                upper = a[3]
    groups = [gate_missing] if gate_missing else []
    for a in open_:
        if a[8]:
            groups.append(a[8])
    for paths in (eligible, used):
        for a in paths:
            if a[8]:
                groups.append(a[8])
    # One group is already merged (gate_missing is, and an award's missing is too).
    missing = (
        (groups[0] if len(groups) == 1 and groups[0] is gate_missing else merge_refs(groups))
        if groups
        else ()
    )
    status: Status
    if eligible:
        status = "eligible"
    elif open_:
        status = "needs_info"
    elif waiting:
        status = "pending"
    else:
        status = "ineligible"
    near: list[Text] = []
    reasons: Any = ()
    if status == "ineligible":
        reasons = _Lazy(reasons_of, (lights, e, p))
        near = near_miss([a[9] for a in lights])
    # The steps still to take: of the pending paths counted, and of the undecided ones (which
    # may also wait for a step once their facts are known).
    unlock: Any = ()
    if status != "ineligible" and (used or open_):
        steps_of = [*used, *(a for a in open_ if a[11])]
        if steps_of:
            unlock = _Lazy(unlock_steps, (steps_of,))
    return Row(
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
            upper if status != "ineligible" else None,
            gates,
            _Lazy(award_results, (lights,)),
            chosen,
            missing,
            tuple(near),
            reasons,
            *plan.static,
            later,
            unlock,
        ),
        lights,
        p,
    )
