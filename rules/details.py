"""A row's details made on first read: its award results, gates in order, reasons, steps and near miss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rules.awards import Light
from rules.conditions import FAILED, Node
from rules.facts import Enterprise, ProjectFacts
from rules.plans import MeasurePlan
from rules.report import AwardResult, ConditionResult, PendingStep, T, _Lazy
from rules.schema import Text
from rules.wording import say


def award_results(lights: Sequence[Light]) -> tuple[AwardResult, ...]:
    """Make a row's AwardResults (on first read of ``MeasureResult.awards``)."""
    return tuple([light.plan.build(light) for light in lights])


def now(value: Any) -> Any:
    """Return a field value, computing it if it is still a ``lazy`` placeholder."""
    return value() if type(value) is _Lazy else value


def reasons_of(lights: Sequence[Light], e: Enterprise, p: ProjectFacts | None) -> tuple[Text, ...]:
    """Say why a row's paths all fail, from the path that came closest (on first read of ``reasons``)."""
    nearest: Light | None = None
    fewest = 0
    for light in lights:
        if light.status != "ineligible":
            continue
        n = len(dict.fromkeys(light.failed))
        if nearest is None or n < fewest:
            nearest, fewest = light, n
    if nearest is None:
        return ()
    plan, _, _, _, formula, _, results, _, _, failed, has_formula, _ = nearest
    reasons = [node.reason(e, p) for node, r in zip(plan.conds, results, strict=True) if r.outcome is FAILED]
    if has_formula and not failed:
        text = now(formula)
        label = plan.label
        reasons.append(say("reason.formula_zero", label=label, formula=text))
    return tuple(dict.fromkeys(reasons))


def gates_in_order(
    order: tuple[int, ...], results: tuple[ConditionResult, ...]
) -> tuple[ConditionResult, ...]:
    """Put a row's gate results back in the measure's order (on first read of ``MeasureResult.gates``)."""
    return tuple([results[i] for i in order])


def failed_gate_reasons(
    plan: MeasurePlan,
    order: tuple[int, ...],
    results: tuple[ConditionResult, ...],
    e: Enterprise,
    p: ProjectFacts | None,
) -> tuple[Text, ...]:
    """Say what fails a row's gates and which clause it breaks, in the measure's order."""
    out: list[Text] = []
    for k, i in enumerate(order):
        r = results[i]
        if r.outcome is not FAILED:
            continue
        if k == 0:  # 七(一): the zone
            where = r.detail or T("?", "?")
            out.append(say("reason.zone", zone=where, clause=r.clause, condition=r.text))
        else:
            out.append(plan.gates[k - 1].reason(e, p))
    return tuple(dict.fromkeys(out))


def unlock_steps(used: Sequence[Light]) -> tuple[PendingStep, ...]:
    """List the steps that unlock a row's pending paths (on first read of ``MeasureResult.unlock``)."""
    steps: dict[int, PendingStep] = {}
    for a in used:
        for node in a.steps:
            if node.step is not None:
                steps.setdefault(id(node), node.step)
    return tuple(steps.values())


def near_miss(failures: Sequence[tuple[Node, ...]]) -> list[Text]:
    # The path that failed on the fewest conditions is the nearest; say what it still needs.
    candidates = [(len(failed), failed) for failed in failures if failed]
    if not candidates:
        return []
    fewest = min(n for n, _ in candidates)
    if fewest > 2:
        return []
    hints: dict[str, Text] = {}
    for n, failed in candidates:
        if n == fewest:
            for leaf in failed:
                if leaf.miss is not None:
                    hints.setdefault(leaf.miss.zh, leaf.miss)
    return list(hints.values())
