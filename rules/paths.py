"""A row's award paths combined (best or sum): status, amounts now and after pending steps, upper bound, missing facts, reasons and steps."""

from __future__ import annotations

from typing import Any

from rules.awards import Light
from rules.details import (
    near_miss,
    reasons_of,
    unlock_steps,
)
from rules.facts import Enterprise, ProjectFacts
from rules.plans import MeasurePlan
from rules.reading import merge_refs
from rules.report import Status, _Lazy
from rules.schema import Text

# What combine gives: status, amount, upper bound, chosen path, missing facts, near miss, reasons,
# the amount after pending steps and the steps still to take (reasons and steps lazily).
Combined = tuple[Status, Any, Any, Any, tuple[str, ...], tuple[Text, ...], Any, Any, Any]


def combine(
    plan: MeasurePlan,
    lights: tuple[Light, ...],
    gate_missing: tuple[str, ...],
    e: Enterprise,
    p: ProjectFacts | None,
) -> Combined:
    """Combine a row's evaluated paths (best or sum) into its status, amounts, missing facts and steps."""
    eligible: list[Light] = []
    waiting: list[Light] = []  # pending: worth their amount once a step is taken
    open_: list[Light] = []  # needs_info: a fact can still decide them
    for a in lights:
        st = a.status
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
        amount = sum([a.amount for a in eligible]) if eligible else None
        if waiting:
            used = waiting
            later = (amount or 0) + sum([a.amount for a in waiting])
        extra: int | None = 0
        for a in open_:
            extra = None if extra is None or a.bound is None else extra + a.bound
        for paths in (eligible, waiting):
            for a in paths:
                if a.missing and extra is not None and a.bound is not None:
                    extra += a.bound - a.amount
        upper = None if extra is None else (later if later is not None else amount or 0) + extra
    else:
        best = None
        for a in eligible:  # the first of the largest, as max() picks
            if best is None or a.amount > best.amount:
                best = a
        amount = best.amount if best is not None else None
        chosen = best.plan.id if best is not None else None
        floor = amount or 0
        top_wait = None
        for a in waiting:
            if a.amount > floor and (top_wait is None or a.amount > top_wait.amount):
                top_wait = a
        if top_wait is not None:
            used = [top_wait]
            later = top_wait.amount
        reach = later if later is not None else floor
        if open_:
            open_ = [a for a in open_ if a.bound is None or a.bound > reach]
        # An eligible (or pending) path whose bonus is still unknown can pay more too.
        for paths in (eligible, waiting):
            for a in paths:
                if a.missing and (a.bound or 0) > reach:
                    open_.append(a)
        upper = reach
        for a in open_:
            if a.bound is None:
                upper = None
                break
            if a.bound > upper:
                upper = a.bound
    groups = [gate_missing] if gate_missing else []
    for a in open_:
        if a.missing:
            groups.append(a.missing)
    for paths in (eligible, used):
        for a in paths:
            if a.missing:
                groups.append(a.missing)
    # One group is already merged (gate_missing is, and an award's missing is too).
    missing = (
        (groups[0] if len(groups) == 1 and groups[0] is gate_missing else merge_refs(groups))
        if groups
        else ()
    )
    if missing and plan.either:
        # A half of an either-or condition alone changes nothing while another fact is open: it is
        # asked once the rest is known (and then either half settles the condition).
        rest = tuple([ref for ref in missing if ref not in plan.either])
        if rest:
            missing = rest
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
        reasons = _Lazy(reasons_of, lights, e, p)
        near = near_miss([a.failed for a in lights])
    # The steps still to take: of the pending paths counted, and of the undecided ones (which
    # may also wait for a step once their facts are known).
    unlock: Any = ()
    if status != "ineligible" and (used or open_):
        steps_of = [*used, *(a for a in open_ if a.steps)]
        if steps_of:
            unlock = _Lazy(unlock_steps, steps_of)
    return (
        status,
        amount,
        upper if status != "ineligible" else None,
        chosen,
        missing,
        tuple(near),
        reasons,
        later,
        unlock,
    )
