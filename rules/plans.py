"""A rulebook compiled once into per-measure plans: gates, award paths and the kinds paid once per enterprise."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from rules.awards import AwardPlan, Kind, Memo
from rules.conditions import FAILED, MET, PENDING, UNKNOWN, Node, compile_condition
from rules.facts import Enterprise, ProjectFacts
from rules.formulas import compile_formula
from rules.loader import LoadedRulebook, load_catalog
from rules.reading import Get, either_or_only, merge_refs, refs_in
from rules.report import ConditionResult, Outcome
from rules.schema import Condition, Measure, Text
from rules.wording import option_label, say


def _getter(names: Sequence[str]) -> Callable[[Any], Any]:
    if not names:
        return lambda obj: ()
    return operator.attrgetter(*names)


NO_PROJECT_REASON = say("reason.no_project")


class MeasurePlan:
    """One measure compiled."""

    __slots__ = (
        "awards",
        "combine",
        "either",
        "ent_attrs",
        "ent_gates",
        "ent_group",
        "gate_order",
        "gates",
        "head",
        "informational",
        "number",
        "proj_gates",
        "proj_get",
        "scope",
        "static",
    )

    def __init__(self, book: LoadedRulebook, measure: Measure, node: Callable[[Condition], Node]) -> None:
        self.number = measure.number
        self.informational = measure.kind == "informational"
        self.combine = measure.combine
        self.head = (measure.title, measure.summary, measure.scope)
        documents = tuple(measure.documents) + (
            tuple(book.chapter7.basic_documents) if measure.kind == "money" else ()
        )
        # The fields of MeasureResult after ``reasons``, in order (condition notes added below).
        self.static: tuple[Any, ...] = (
            documents,
            tuple(measure.bureaus),
            tuple(measure.notes),
            tuple(measure.procedure),
            tuple(measure.cite),
        )
        gates: list[Condition] = []
        if measure.kind == "money":
            gates.extend(measure.applicant)
            gates.extend(book.chapter7.basic)
            exclusions = {x.id: x for x in book.chapter7.exclusions}
            gates.extend(exclusions[x].condition for x in measure.exclusions)
        self.gates = [node(c) for c in gates]
        # Facts asked only once nothing else the row needs is unknown (see either_or_only).
        self.either = either_or_only(
            [*gates, *(c for a in measure.awards for c in a.conditions)],
            [a.formula.model_dump() for a in measure.awards],
        )
        self.awards = [AwardPlan(book, a, node, compile_formula(a.formula, node)) for a in measure.awards]
        # Every reading the measure's conditions carry, once, unless the measure already says it.
        said = {n.zh for n in measure.notes}
        cond_notes: dict[str, Text] = {}
        for n in (*self.gates, *(c for a in self.awards for c in a.conds)):
            for note in n.notes:
                if note.zh not in said:
                    cond_notes.setdefault(note.zh, note)
        self.static = (*self.static, tuple(cond_notes.values()))
        # The gates that read the enterprise only give the same results on every row of an
        # evaluation; measures with the same such gates share one evaluation of them (CompiledBook).
        self.ent_gates = EnterpriseGates(tuple(n for n in self.gates if not n.reads_project))
        self.proj_gates = tuple(n for n in self.gates if n.reads_project)
        # Where each gate's result is in (scope, *enterprise gates, *project gates).
        ent_i, proj_i, order = 1, 1 + len(self.ent_gates.nodes), [0]
        for n in self.gates:
            if n.reads_project:
                order.append(proj_i)
                proj_i += 1
            else:
                order.append(ent_i)
                ent_i += 1
        self.gate_order = tuple(order)
        self.scope = ScopePlan(book, measure)
        # A row depends on the facts its measure reads and nothing else: the memo keys on those.
        refs: set[str] = set()
        if not self.informational:
            refs.add("enterprise.zone")
            for c in gates:
                refs_in(c.model_dump(), refs)
            for a in measure.awards:
                refs_in(a.model_dump(), refs)
        self.ent_attrs = tuple(sorted(r.partition(".")[2] for r in refs if r.startswith("enterprise.")))
        self.ent_group = 0  # the index of its ent_attrs among CompiledBook.ent_getters (set there)
        self.proj_get = _getter(sorted(r.partition(".")[2] for r in refs if r.startswith("project.")))


class EnterpriseGates:
    """A measure's gates that read no project fact, evaluated once per evaluation for all rows."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[Node, ...]) -> None:
        self.nodes = nodes

    def res(
        self, e: Enterprise, p: ProjectFacts | None, memo: Memo
    ) -> tuple[Outcome, tuple[ConditionResult, ...], tuple[str, ...]]:
        """Return their combined outcome, their results in order and their missing facts merged."""
        results = []
        for node in self.nodes:
            hit = memo.get(node)
            if hit is None:
                hit = memo[node] = node.res(e, p)
            results.append(hit[0])
        outcome = MET
        groups = []
        for r in results:
            o = r.outcome
            if o is FAILED:
                outcome = FAILED
            elif o is UNKNOWN:
                if outcome is not FAILED:
                    outcome = UNKNOWN
            elif o is PENDING and outcome is MET:
                outcome = PENDING
            if r.missing:
                groups.append(r.missing)
        return outcome, tuple(results), merge_refs(groups) if groups else ()


class ScopePlan:
    """七(一): the zones a measure's scope admits, with a result prepared for every zone."""

    __slots__ = ("by_zone", "cite", "get", "rule", "unknown")

    def __init__(self, book: LoadedRulebook, measure: Measure) -> None:
        self.rule = rule = book.chapter7.scopes[measure.scope]
        self.cite = tuple(rule.cite)
        self.get = Get("enterprise.zone")
        self.unknown = ConditionResult(rule.text, UNKNOWN, rule.clause, self.cite, ("enterprise.zone",), None)
        self.by_zone: dict[Any, ConditionResult] = {
            z: self._result(z) for z in load_catalog()["enterprise.zone"].options or {}
        }

    def _result(self, zone: Any) -> ConditionResult:
        rule = self.rule
        return ConditionResult(
            rule.text,
            MET if zone in rule.zones else FAILED,
            rule.clause,
            self.cite,
            (),
            option_label("enterprise.zone", zone),
        )

    def res(self, e: Enterprise) -> ConditionResult:
        """Return the scope's result for an enterprise."""
        # The zone read straight (a StrEnum hashes and compares as its value, so by_zone finds it).
        zone = e.zone
        found = self.by_zone.get(zone)
        if found is not None:
            return found
        return self.unknown if zone is None else self._result(self.get(e, None))


class CompiledBook:
    """A rulebook compiled: its plans in measure order and what selection needs."""

    __slots__ = ("book", "combine", "ent_getters", "kind_by", "kinded", "kinds", "plans", "totals")

    def __init__(self, book: LoadedRulebook) -> None:
        self.book = book  # held, so that its id keeps naming it in _BOOKS
        nodes: dict[tuple[type, str], Node] = {}

        def node(cond: Condition) -> Node:
            # One node per distinct condition: chapter 七's conditions are shared by the measures and
            # a measure's paths repeat conditions (YAML anchors), so one evaluation computes each once.
            key = (type(cond), cond.model_dump_json())
            found = nodes.get(key)
            if found is None:
                found = nodes[key] = compile_condition(cond, node)
            return found

        self.plans = [MeasurePlan(book, m, node) for m in book.measures.values()]
        shared: dict[tuple[Node, ...], EnterpriseGates] = {}
        for plan in self.plans:
            plan.ent_gates = shared.setdefault(plan.ent_gates.nodes, plan.ent_gates)
        groups = sorted({p.ent_attrs for p in self.plans})
        self.ent_getters = [_getter(attrs) for attrs in groups]
        for plan in self.plans:
            plan.ent_group = groups.index(plan.ent_attrs)
        # Convention 14: the kind of each award paid at most once per enterprise (None: per claim).
        # A measure-wide title is one kind whatever its level; otherwise each flagged award is one.
        self.kinds: dict[int, dict[str, Kind | None]] = {}
        for m in book.measures.values():
            self.kinds[m.number] = {
                a.id: (m.number, "*")
                if m.once_per_enterprise
                else (m.number, a.id)
                if a.once_per_enterprise
                else None
                for a in m.awards
            }
        # Awards whose kind is named by a fact's value (13: which title): one kind per value.
        self.kind_by = {
            (m.number, a.id): Get(a.kind_by) for m in book.measures.values() for a in m.awards if a.kind_by
        }
        for plan, m in zip(self.plans, book.measures.values(), strict=True):
            for award_plan, award in zip(plan.awards, m.awards, strict=True):
                award_plan.kind = self.kinds[m.number][award.id]
                award_plan.kind_by = Get(award.kind_by) if award.kind_by else None
        self.combine = {m.number: m.combine for m in book.measures.values()}
        self.kinded = frozenset(n for n, ks in self.kinds.items() if any(k is not None for k in ks.values()))
        # Project facts that are a total per enterprise, by measure.
        self.totals = {
            m.number: tuple(ref.partition(".")[2] for ref in m.totals)
            for m in book.measures.values()
            if m.totals
        }


_BOOKS: dict[int, CompiledBook] = {}


def compile_book(book: LoadedRulebook) -> CompiledBook:
    found = _BOOKS.get(id(book))
    if found is None or found.book is not book:
        found = _BOOKS[id(book)] = CompiledBook(book)
    return found
