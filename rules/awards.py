"""One award path compiled (conditions, formula, payout) and evaluated into what a row needs (Light)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple

from rules.conditions import FAILED, MET, PENDING, UNKNOWN, FactNode, Node
from rules.facts import Enterprise, ProjectFacts
from rules.formula_base import FormulaPlan
from rules.formulas import TierPlan
from rules.loader import LoadedRulebook
from rules.numbers import TAME_D, ZERO, whole_yuan
from rules.reading import Get, merge_refs
from rules.report import AwardResult, ConditionResult, Outcome, PayoutStep, Status, builder
from rules.schema import Award, Condition

_AWARD = builder(AwardResult)
_STEP = builder(PayoutStep)

# Results shared by the rows of one evaluation: a condition's (result, failed leaves) keyed by node,
# a group of enterprise gates' (outcome, results, missing), and per project (keyed by the id of its
# facts) a memo of its own for the conditions that read project facts.
Memo = dict[Any, Any]
# A once-per-enterprise kind: (measure, award id or "*"), or (measure, award id, value of its kind_by fact).
Kind = tuple[Any, ...]


class Light(NamedTuple):
    """An award path evaluated into what a row needs; ``AwardPlan.build`` makes its AwardResult."""

    plan: AwardPlan
    status: Status
    amount: Any  # int: what it pays, or (pending) what it will be worth; None otherwise
    bound: Any  # int: its upper bound ("最高…"); None: no limit known
    formula: Any  # the formula worked through (a Text, or lazy)
    caps: Any  # the caps applied (texts, or lazy)
    conditions: tuple[ConditionResult, ...]
    paid: Any  # the amount its payout splits, or NO_STEPS
    missing: tuple[str, ...]
    failed: tuple[Node, ...]  # the failed leaves (for reasons and the near miss)
    has_formula: bool
    steps: tuple[Node, ...]  # the pending leaves: the steps still to take


NO_STEPS: Any = object()  # a Light whose payout has no steps (ineligible)
# Light(...) without the keyword parsing of NamedTuple.__new__: hundreds are made per evaluation.
_light: Callable[[tuple[Any, ...]], Light] = functools.partial(tuple.__new__, Light)


class AwardPlan:
    """One award path compiled: its conditions, formula and payout."""

    __slots__ = (
        "conds",
        "id",
        "kind",
        "kind_by",
        "label",
        "money",
        "note",
        "payout",
        "payout_none",
        "tranches",
    )

    def __init__(
        self, book: LoadedRulebook, award: Award, node: Callable[[Condition], Node], formula: FormulaPlan
    ) -> None:
        self.id = award.id
        self.label = award.label
        self.conds = [node(c) for c in award.conditions]
        self.money = formula
        if isinstance(formula, TierPlan):
            for c in self.conds:
                if isinstance(c, FactNode) and c.pend is not None and c.get.ref == formula.get.ref:
                    formula.pend = tuple(v.value if isinstance(v, StrEnum) else v for v in c.pend)
        self.note = award.note
        self.payout = award.payout
        ch7 = book.chapter7
        self.tranches = (ch7.tranche[0], ch7.tranche[1]) if award.payout == "two_tranche" else (ch7.once,)
        self.payout_none = self._steps(None)
        # Convention 14: the kind this award is paid once per enterprise as (None: per claim); set by CompiledBook.
        self.kind: Kind | None = None
        self.kind_by: Get | None = None

    def _steps(self, amount: int | None) -> tuple[PayoutStep, ...]:
        if len(self.tranches) == 2:
            first = None if amount is None else amount // 2
            second = None if amount is None else amount - amount // 2
            return (_STEP(self.tranches[0], first), _STEP(self.tranches[1], second))
        return (_STEP(self.tranches[0], amount),)

    def evaluate(
        self,
        gate_outcome: Outcome,
        gate_steps: tuple[Node, ...],
        e: Enterprise,
        p: ProjectFacts | None,
        memo: Memo,
        pmemo: Memo,
    ) -> Light:
        """Evaluate the path into the numbers a row needs; ``build`` makes its AwardResult from them."""
        conds: list[ConditionResult] = []
        failed: tuple[Node, ...] = ()
        steps = gate_steps
        outcome = gate_outcome
        for node in self.conds:
            m = pmemo if node.reads_project else memo
            hit = m.get(node)
            if hit is None:
                hit = m[node] = node.res(e, p)
            cond = hit[0]
            conds.append(cond)
            o = cond.outcome
            if o is MET:
                continue
            # FAILED over UNKNOWN over PENDING over MET.
            if o is FAILED:
                outcome = o
                failed += hit[1]
            elif o is UNKNOWN:
                if outcome is not FAILED:
                    outcome = o
            else:
                steps += hit[1]
                if outcome is MET:
                    outcome = o
        results = tuple(conds)
        if outcome is FAILED:
            return _light(
                (self, "ineligible", None, None, None, (), results, NO_STEPS, (), failed, False, ())
            )
        m_amount, m_bound, formula, caps, m_missing = self.money.money(e, p)
        if outcome is PENDING and p is not None:
            m_amount, m_bound = self._worth_later(e, p, steps, m_amount, m_bound)
        # whole_yuan inlined for the common case (0 <= value < TAME_D: truncation is the floor).
        if m_amount is None:
            amount = None
        elif ZERO <= m_amount < TAME_D:
            amount = int(m_amount)
        else:
            amount = whole_yuan(m_amount)
        if m_bound is None:
            bound = None
        elif ZERO <= m_bound < TAME_D:
            bound = int(m_bound)
        else:
            bound = whole_yuan(m_bound)
        status: Status
        if (outcome is MET or outcome is PENDING) and amount is not None:
            status = ("eligible" if outcome is MET else "pending") if amount > 0 else "ineligible"
            missing = m_missing
        else:
            status = "needs_info"
            missing = merge_refs([merge_refs(r.missing for r in results), m_missing])
            if amount is not None and amount == 0:
                status = "ineligible"
        has_formula = formula is not None
        if status == "eligible" or status == "pending":
            return _light(
                (
                    self,
                    status,
                    amount,
                    bound,
                    formula,
                    caps,
                    results,
                    amount,
                    missing,
                    failed,
                    has_formula,
                    steps,
                )
            )
        if status == "ineligible":
            return _light(
                (self, status, None, None, formula, caps, results, bound, (), failed, has_formula, ())
            )
        return _light(
            (self, status, None, bound, formula, caps, results, bound, missing, failed, has_formula, steps)
        )

    def _worth_later(
        self, e: Enterprise, p: ProjectFacts, steps: tuple[Node, ...], amount: Any, bound: Any
    ) -> tuple[Any, Any]:
        """Return what a pending path is worth once its steps are taken (convention 11).

        A step may be the very figure the award is worked out from (第18条 pays 30% of the price less
        the municipal subsidy still to come; 第24条 matches a municipal award still to come): the path
        is then worth at most what the formula gives with that figure still open. Uncapped (第23条's
        1:1 matching) it has no figure to show, and stays as it was.
        """
        blank = {n.attr: None for n in steps if isinstance(n, FactNode) and not n.from_enterprise}
        if not blank:
            return amount, bound
        later, most, _, _, _ = self.money.money(e, p.model_copy(update=blank))
        return (most, most) if later is None and most is not None else (amount, bound)

    def build(self, light: Light) -> AwardResult:
        """Make the AwardResult of an evaluated path."""
        paid = light.paid
        if paid is NO_STEPS:
            steps: tuple[PayoutStep, ...] = ()
        else:
            steps = self.payout_none if paid is None else self._steps(paid)
        result: AwardResult = _AWARD(
            self.id,
            self.label,
            light.status,
            light.amount,
            light.bound,
            light.formula,
            light.caps,
            light.conditions,
            self.payout,
            steps,
            light.missing,
            self.note,
        )
        return result
