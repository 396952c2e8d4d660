"""The deterministic evaluation of a profile against a rulebook.

Each rulebook is compiled once, on its first evaluation, into per-measure plans: conditions as
small node objects with their results prepared for every outcome that does not depend on a value,
formulas with their rates and caps as ``Decimal`` and their static texts written. Evaluating a
profile then reads facts, compares, multiplies and picks prepared results. A row computes at once
only what its status, amounts, selection, missing facts and near miss need; its gates, awards (with
their conditions and payout) and reasons, and the texts that depend on values (a formula worked
through, a condition's current value), are made when first read (``rules.report.lazy``), from
values captured at evaluation. Rows are memoised on the facts each measure reads, so the
interview, which changes one fact per step, recomputes only the rows that read it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from rules.awards import Memo
from rules.facts import Profile, Project
from rules.loader import LoadedRulebook, load_rulebooks, rulebook_for
from rules.numbers import fmt_num, fmt_pct, fmt_yuan
from rules.plans import CompiledBook, compile_book
from rules.report import MeasureResult, MissingFact, Report, builder
from rules.rows import GATES, Row, make_row
from rules.schema import Text
from rules.selection import forget, groups_of, reselect, select, simple, total_after
from rules.wording import condition_text, say

_REPORT = builder(Report)

_ROW_CACHE: dict[tuple[Any, ...], Row] = {}
_ROW_CACHE_MAX = 50_000
# The enterprise values a row reads, numbered (see evaluate).
_ENT_IDS: dict[Any, int] = {}
_NEXT_ID = itertools.count()


def clear_cache() -> None:
    """Forget memoised rows and selections (for benchmarks of cold evaluation); compiled rulebooks stay."""
    _ROW_CACHE.clear()
    _ENT_IDS.clear()
    GATES.clear()
    forget()
    _TAILS.clear()


def _missing_facts(rows: Sequence[MeasureResult], source: Sequence[Row]) -> tuple[MissingFact, ...]:
    stakes: dict[tuple[str, str | None], tuple[set[int], int | None]] = {}
    for row, src in zip(rows, source, strict=True):
        # A measure nobody has put a project forward for has no facts worth asking yet.
        if row.status not in ("needs_info", "eligible", "pending") or row.no_project or not row.missing:
            continue
        gain: int | None
        if row.missing is not src.missing and not row.counted and row.alternative_to == row.number:
            # Convention 14 kept it out until a fact tells its kind apart (13: which title).
            gain = row.amount_yuan or 0
        elif row.upper_bound_yuan is None:
            gain = None
        else:
            gain = row.upper_bound_yuan - (row.pending_yuan or row.amount_yuan or 0)
            if gain <= 0 and row.status in ("eligible", "pending"):
                continue
        for ref in row.missing:
            key = (ref, None if ref.startswith("enterprise.") else row.project_id)
            measures, stake = stakes.get(key, (set(), 0))
            measures.add(row.number)
            stakes[key] = (measures, None if stake is None or gain is None else stake + gain)
    facts = [MissingFact(ref, pid, tuple(sorted(ms)), stake) for (ref, pid), (ms, stake) in stakes.items()]
    # Stable sort: equal stakes keep the order the conditions name them in, which puts the
    # gating question ("是重点用车单位吗") before the one it gates ("门禁联网了吗").
    facts.sort(
        key=lambda f: (f.stake_yuan is not None, -len(f.measures) if f.stake_yuan is None else -f.stake_yuan)
    )
    return tuple(facts)


def evaluate(profile: Profile, on: dt.date | None = None, book: LoadedRulebook | None = None) -> Report:
    """Evaluate every measure for a profile, as the rulebook in force on ``on`` (today by default) reads."""
    on = on or dt.date.today()
    book = book or rulebook_for(on)
    if book is None or not book.in_force(on):
        return Report(on=on, in_force=False, message=_not_in_force(on))
    compiled = compile_book(book)
    enterprise = profile.enterprise
    claimed: dict[int, list[Project]] = {}
    for project in profile.projects:
        ms = project.measures
        for number in ms if len(ms) < 2 else dict.fromkeys(ms):  # a measure named twice is one claim
            claimed.setdefault(number, []).append(project)
    for number, attrs in compiled.totals.items():
        claims = claimed.get(number)
        if claims and len(claims) > 1:
            claimed[number] = _with_totals(claims, attrs)
    # Each distinct set of enterprise values read gets a number, so a row's key holds a small int
    # instead of a tuple hashed again for every row (numbers are never reused: forgetting is safe).
    ids = _ENT_IDS
    if len(ids) >= _ROW_CACHE_MAX:
        ids.clear()
        GATES.clear()
    ent_ids: list[int] = []
    for get in compiled.ent_getters:
        values = get(enterprise)
        found = ids.get(values)
        if found is None:
            found = ids[values] = next(_NEXT_ID)
        ent_ids.append(found)
    cache = _ROW_CACHE
    memo: Memo = {}
    rows: list[Row] = []
    waits = False  # some row has a pending path
    for plan in compiled.plans:
        ent_key = ent_ids[plan.ent_group]
        for claim in claimed.get(plan.number) or (None,):
            if claim is None:
                key: tuple[Any, ...] = (plan, ent_key)
            else:
                key = (plan, claim.id, claim.name, ent_key, plan.proj_get(claim.facts))
            row = cache.get(key)
            if row is None:
                if len(cache) >= _ROW_CACHE_MAX:
                    cache.clear()
                    GATES.clear()
                row = cache[key] = make_row(plan, enterprise, claim, memo, ent_key)
            rows.append(row)
            if row.later is not None:
                waits = True
    last = _TAILS.get(compiled)
    if last is not None and last.rows == rows:  # the same row objects: the same selection and totals
        tail = last
    else:
        tail = _TAILS[compiled] = _tail(rows, compiled, waits, last)
    report: Report = _REPORT(
        on,
        True,
        book.meta.id,
        book.meta.doc_no,
        None,
        tail.results,
        tail.total,
        tail.open_upper,
        tail.missing,
        book.chapter7.disclaimer,
        tail.after,
    )
    return report


class _Tail(NamedTuple):
    """What the rows of one evaluation select and add up to."""

    rows: list[Row]
    results: tuple[MeasureResult, ...]
    total: int
    open_upper: int | None
    missing: tuple[MissingFact, ...]
    after: int
    # Whether no kind was counted twice, and then the rows' indexes per project (made on the next
    # evaluation's first use): it re-chooses only the projects whose rows changed (reselect).
    simple: bool
    groups: dict[str, list[int]] | None


# The last selection's results per compiled rulebook, with the rows they were made from.
_TAILS: dict[CompiledBook, _Tail] = {}


def _tail(rows: list[Row], compiled: CompiledBook, waits: bool, last: _Tail | None) -> _Tail:
    """Select the rows that count and sum the totals, now and after the pending steps."""
    results = None
    groups = None
    if last is not None and last.simple:
        groups = last.groups
        if groups is None:
            groups = groups_of(last.rows)
        results = reselect(rows, last.rows, last.results, groups, compiled)
    if results is None:
        results = select(rows, compiled)
        groups = None
        simple_ = simple()
    else:
        simple_ = True
    total = 0
    open_upper: int | None = 0
    for r in results:
        if r.counted:
            total += r.amount_yuan or 0
        if r.status == "needs_info" and not r.no_project:
            open_upper = (
                None if open_upper is None or r.upper_bound_yuan is None else open_upper + r.upper_bound_yuan
            )
    after = total_after(rows, compiled) if waits else total
    return _Tail(
        rows,
        tuple(results),
        total,
        open_upper,
        _missing_facts(results, rows),
        max(after, total),
        simple_,
        groups,
    )


def _with_totals(claims: list[Project], attrs: tuple[str, ...]) -> list[Project]:
    """Give each claim the enterprise's total of these facts.

    A claim whose value is unknown adds nothing yet (the total of the known ones is a lower bound,
    so adding a claim never lowers what the others already reach); unknown when none is known.
    """
    update: dict[str, Any] = {}
    for attr in attrs:
        known = [v for c in claims if (v := getattr(c.facts, attr)) is not None]
        update[attr] = sum(known) if known else None
    return [c.model_copy(update={"facts": c.facts.model_copy(update=update)}) for c in claims]


def _not_in_force(on: dt.date) -> Text:
    """Say which policy applied on a date no encoded version covers."""
    first = min(load_rulebooks(), key=lambda b: b.meta.effective_from)
    start = first.meta.effective_from
    doc = first.meta.doc_no
    if on < start and first.meta.repeals:
        earlier = first.meta.repeals[0]
        return say(
            "engine.not_yet_in_force",
            on=on.isoformat(),
            doc=doc,
            year=start.year,
            month=start.month,
            day=start.day,
            start=start.isoformat(),
            earlier=earlier,
        )
    return say("engine.no_version", on=on.isoformat(), doc=doc, start=start.isoformat())


def unknown_measures(profile: Profile, book: LoadedRulebook) -> list[int]:
    """Return measure numbers a profile names that the rulebook does not have."""
    return sorted({n for p in profile.projects for n in p.measures} - set(book.measures))


__all__ = ["clear_cache", "condition_text", "evaluate", "fmt_num", "fmt_pct", "fmt_yuan", "unknown_measures"]
