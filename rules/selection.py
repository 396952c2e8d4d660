"""Which rows count: once per enterprise (convention 14), then 从优不重复 per project (convention 5).

Each kind of a once-per-enterprise award goes to the claim that pays most for it; a project that
loses a kind chooses again among its rows without it, until no kind is counted twice. What a row
can pay is summarised once per row (rows are memoised across evaluations), and the last selection
is kept for the same rows, so a repeated or slightly changed profile selects cheaply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from rules.awards import Kind, Light
from rules.details import now
from rules.plans import CompiledBook
from rules.reading import merge_refs
from rules.report import MeasureResult
from rules.rows import Row
from rules.schema import Text
from rules.wording import say


class Contribution(NamedTuple):
    """One award a row can pay: its kind (None: per claim), its amount and its evaluated path."""

    kind: Kind | None
    amount: int
    light: Light


class Summary(NamedTuple):
    """What a row can pay in selection (memoised on the row)."""

    project_id: str
    contributions: list[Contribution]
    worth: int  # with no kind blocked
    used: list[Contribution]  # the awards that make ``worth``
    kinds: tuple[Kind, ...]  # the once-per-enterprise kinds among ``used``


class Selection(NamedTuple):
    """Per project: its rows, the kinds blocked for it, the row it counts and what that pays."""

    by_project: dict[str, list[int]]  # the indexes of its rows that can count
    blocked: dict[str, set[Kind]]  # kinds counted in another project's claim
    chosen: dict[str, int | None]  # the index of the row it counts (None: none left)
    worth: dict[str, int]  # what that row pays
    used: dict[str, list[Contribution]]  # the awards it pays with, where blocking changed them


# Without NamedTuple.__new__'s argument parsing: one per kinded row of a cold evaluation.
_summary_of: Callable[[tuple[Any, ...]], Summary] = functools.partial(tuple.__new__, Summary)
_contribution: Callable[[tuple[Any, ...]], Contribution] = functools.partial(tuple.__new__, Contribution)
_NO_ENTERPRISE: Any = None  # a kind_by fact is a project fact: no enterprise is read
_NOTHING: frozenset[Kind] = frozenset()
# The contributions of a row whose measure has no once-per-enterprise kind (never read for amounts).
_UNKINDED: list[Contribution] = [Contribution(None, 0, None)]  # type: ignore[arg-type]
_OUT: Any = ()  # the summary of a row that cannot count (no project, nothing payable)
_PLAIN: Any = (None,)  # the summary of a row that pays its amount and holds no kind (most rows)

# The last selection made, now and after pending steps, with the rows it was made from (rows are
# memoised, so the same profile again finds the same row objects).
SELECTIONS: dict[bool, tuple[list[Row], Selection]] = {}


def _worth(
    contributions: list[Contribution], combine: str, blocked: set[Kind] | frozenset[Kind]
) -> tuple[int, list[Contribution]]:
    """Return what a row pays when the kinds in ``blocked`` are counted elsewhere, and the awards it uses."""
    avail = [c for c in contributions if c.kind is None or c.kind not in blocked]
    if not avail:
        return 0, []
    if combine == "sum":
        return sum([c.amount for c in avail]), avail
    best = avail[0]
    for c in avail[1:]:
        if c.amount > best.amount:
            best = c
    return best.amount, [best]


def _kinds(used: list[Contribution]) -> tuple[Kind, ...]:
    return tuple([c.kind for c in used if c.kind is not None])


def _summary(row: Row, book: CompiledBook, after: bool) -> Any:
    """Return the row's Summary, or ``_OUT`` when it cannot count (memoised on the row)."""
    found = row.sel[after]
    if found is not None:
        return found
    pid = row.project_id
    if pid is None or not (row.status == "eligible" or (after and row.status == "pending")):
        found = _OUT
    elif not after and row.number not in book.kinded and row.amount:
        # No once-per-enterprise kind: the row pays its amount, and nothing can block it.
        found = _PLAIN
    else:
        cs: list[Contribution] = []
        for light in row.lights:
            st = light.status
            if (st == "eligible" or (after and st == "pending")) and light.amount:
                award = light.plan
                kind = award.kind
                if award.kind_by is not None and kind is not None:
                    kind = (*kind, award.kind_by(_NO_ENTERPRISE, row.facts))
                cs.append(_contribution((kind, light.amount, light)))
        if not cs:
            found = _OUT
        else:
            value, used = (
                (cs[0].amount, cs) if len(cs) == 1 else _worth(cs, book.combine[row.number], _NOTHING)
            )
            found = _summary_of((pid, cs, value, used, _kinds(used)))
    row.sel[after] = found
    return found


def _contributions(row: Row, book: CompiledBook, after: bool) -> list[Contribution]:
    """Return what a row can pay, each award with its kind."""
    s = _summary(row, book, after)
    return [] if s is _OUT else _UNKINDED if s is _PLAIN else s.contributions


def _used(row: Row, book: CompiledBook, after: bool) -> list[Contribution]:
    """Return the awards a row pays with when nothing is blocked."""
    s = _summary(row, book, after)
    return [] if s is _OUT or s is _PLAIN else s.used


def _choose(rows: list[Row], book: CompiledBook, after: bool) -> Selection:
    """Apply convention 14, then 从优不重复 per project: the row each project counts and what it pays.

    ``after``: as if every pending step were taken (pending paths count at their amounts).
    """
    last = SELECTIONS.get(after)
    if last is not None and last[0] == rows:  # the same row objects (a list compares them by identity)
        return last[1]
    by_project: dict[str, list[int]] = {}
    # First pass, nothing blocked: per project the row worth most (the first of the largest, the
    # lower measure number on a tie), as 从优不重复 alone would choose.
    chosen: dict[str, int | None] = {}
    worth: dict[str, int] = {}
    numbers: dict[str, int] = {}
    kinded: list[str] = []  # projects whose chosen row may hold a kind
    for i, row in enumerate(rows):
        sel = row.sel[after]
        if sel is None:
            sel = _summary(row, book, after)
        if sel is _OUT:
            continue
        pid: str
        value: int
        if sel is _PLAIN:
            pid, value = row.project_id, row.amount  # type: ignore[assignment]  # known for a _PLAIN row
        else:
            pid, value = sel.project_id, sel.worth
            if sel.kinds:
                kinded.append(pid)
        found = by_project.get(pid)
        if found is None:
            by_project[pid] = [i]
            chosen[pid] = i
            worth[pid] = value
            numbers[pid] = row.number
        else:
            found.append(i)
            if value > worth[pid] or (value == worth[pid] and row.number < numbers[pid]):
                chosen[pid] = i
                worth[pid] = value
                numbers[pid] = row.number
    result = Selection(by_project, {}, chosen, worth, {})
    # Most profiles hold each kind in one project's chosen row at most: nothing to block.
    if len(kinded) > 1:
        # The kinds of a chosen row's used awards are its summary's (a _PLAIN row holds none).
        seen: set[Kind] = set()
        for pid in dict.fromkeys(kinded):
            at = chosen[pid]
            assert at is not None
            s = rows[at].sel[after]
            if s is _PLAIN:
                continue
            for kind in s.kinds:
                if kind in seen:
                    _settle(rows, book, after, result)
                    break
                seen.add(kind)
            else:
                continue
            break
    SELECTIONS[after] = (rows, result)
    return result


def _settle(rows: list[Row], book: CompiledBook, after: bool, sel: Selection) -> None:
    """Give each kind counted twice to the claim that pays most; the others choose again without it."""
    by_project, blocked, chosen, worth, used_by = sel

    def pick(pid: str) -> None:
        best: int | None = None
        best_value, best_used = 0, list[Contribution]()
        gone = blocked.get(pid)
        for i in by_project[pid]:
            cs = _contributions(rows[i], book, after)
            used: list[Contribution]
            if cs is _UNKINDED:
                value, used = rows[i].amount or 0, []
            elif gone:
                value, used = _worth(cs, book.combine[rows[i].number], gone)
            else:
                value, used = _summary(rows[i], book, after).worth, _used(rows[i], book, after)
            if value > 0 and (
                best is None
                or value > best_value
                or (value == best_value and rows[i].number < rows[best].number)
            ):
                best, best_value, best_used = i, value, used
        chosen[pid] = best
        worth[pid] = best_value
        used_by[pid] = best_used

    while True:
        # Per kind, the claims holding it: (amount, earlier project first, project).
        holders: dict[Kind, list[tuple[int, int, str]]] = {}
        for order, (pid, i) in enumerate(chosen.items()):
            if i is not None:
                for c in used_by[pid] if pid in used_by else _used(rows[i], book, after):
                    if c.kind is not None:
                        holders.setdefault(c.kind, []).append((c.amount, -order, pid))
        lost: set[str] = set()
        for kind, claims in holders.items():
            if len(claims) > 1:
                winner = max(claims)
                for claim in claims:
                    if claim is not winner:
                        blocked.setdefault(claim[2], set()).add(kind)
                        lost.add(claim[2])
        if not lost:
            break
        for pid in chosen:
            if pid in lost:
                pick(pid)


def select(rows: list[Row], book: CompiledBook) -> list[MeasureResult]:
    """Apply convention 14 and 从优不重复: which rows count, and for how much."""
    by_project, blocked, chosen, worth, _ = _choose(rows, book, after=False)
    n = len(rows)
    counted = [False] * n
    alternative: list[int | None] = [None] * n
    if not blocked:  # no kind counted twice: 从优不重复 alone
        for pid, idxs in by_project.items():
            best = chosen[pid]
            assert best is not None
            counted[best] = True
            if len(idxs) > 1:
                number = rows[best].number
                for i in idxs:
                    if i != best:
                        alternative[i] = number
        return [row.result(counted[i], alternative[i]) for i, row in enumerate(rows)]
    changed: dict[int, tuple[int | None, tuple[Text, ...], tuple[str, ...]]] = {}
    for pid, idxs in by_project.items():
        ch = chosen[pid]
        gone = blocked.get(pid) or _NOTHING
        for i in idxs:
            row = rows[i]
            if ch is not None and i == ch:
                counted[i] = True
                if worth[pid] != row.amount:
                    reasons = list(now(row.fields.reasons))
                    for c in _contributions(row, book, False):
                        if c.kind is not None and c.kind in gone:
                            label = c.light.plan.label
                            reasons.append(say("reason.once_per_enterprise", label=label))
                    changed[i] = (worth[pid], tuple(reasons), _kind_questions(row, book, gone))
            elif ch is None or (
                gone and any(c.kind is not None and c.kind in gone for c in _contributions(row, book, False))
            ):
                # What it pays is counted in another claim (convention 14).
                alternative[i] = row.number
                asks = _kind_questions(row, book, gone)
                if asks:
                    changed[i] = (row.amount, now(row.fields.reasons), asks)
            else:
                alternative[i] = rows[ch].number
    out = [row.result(counted[i], alternative[i]) for i, row in enumerate(rows)]
    for i, (amount, why, asks) in changed.items():
        missing = merge_refs((rows[i].missing, asks)) if asks else rows[i].missing
        out[i] = rows[i].changed(counted[i], alternative[i], amount, why, missing)
    return out


def _kind_questions(row: Row, book: CompiledBook, gone: set[Kind] | frozenset[Kind]) -> tuple[str, ...]:
    """Name the facts that would tell a blocked kind apart, where the row leaves them unknown (13: which title)."""
    if not book.kind_by or not gone:
        return ()
    asks: list[str] = []
    for c in _contributions(row, book, False):
        kind = c.kind
        if kind is not None and kind in gone and len(kind) == 3 and kind[2] is None:
            asks.append(book.kind_by[(row.number, c.light.plan.id)].ref)
    return tuple(asks)


def total_after(rows: list[Row], book: CompiledBook) -> int:
    """Return the total as if every pending step were taken."""
    sel = _choose(rows, book, after=True)
    return sum(sel.worth[pid] for pid, i in sel.chosen.items() if i is not None)


def groups_of(rows: list[Row]) -> dict[str, list[int]]:
    """Return the indexes of each project's rows (every row of a claim, whether it can count or not)."""
    out: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        pid = row.project_id
        if pid is not None:
            found = out.get(pid)
            if found is None:
                out[pid] = [i]
            else:
                found.append(i)
    return out


def reselect(
    rows: list[Row],
    before: list[Row],
    results: tuple[MeasureResult, ...],
    groups: dict[str, list[int]],
    book: CompiledBook,
) -> list[MeasureResult] | None:
    """Return ``select(rows)`` from the last selection, re-choosing only the projects whose rows changed.

    ``before``, ``results`` and ``groups``: the last rows, what ``select`` made of them (no kind was
    counted twice) and their ``groups_of``. None where that is not enough: the rows are laid out
    differently, or a changed project holds a once-per-enterprise kind (then every project may
    choose differently, and the caller selects afresh).
    """
    if len(rows) != len(before):
        return None
    touched: list[str] = []
    for i, row in enumerate(rows):
        old = before[i]
        if row is not old:
            if row.number != old.number or row.project_id != old.project_id:
                return None
            if row.project_id is not None and row.project_id not in touched:
                touched.append(row.project_id)
    out = list(results)
    for i, row in enumerate(rows):
        if row.project_id is None and row is not before[i]:
            out[i] = row.result(False, None)
    for pid in touched:
        # 从优不重复 alone, as _choose's first pass: the row worth most, the lower number on a tie.
        best: int | None = None
        best_value = 0
        members: list[int] = []
        for i in groups[pid]:
            row = rows[i]
            sel = row.sel[False]
            if sel is None:
                sel = _summary(row, book, False)
            if sel is _OUT:
                continue
            if sel is _PLAIN:
                value: int = row.amount  # type: ignore[assignment]  # known for a _PLAIN row
            elif sel.kinds:
                return None
            else:
                value = sel.worth
            members.append(i)
            if best is None or value > best_value or (value == best_value and row.number < rows[best].number):
                best, best_value = i, value
        for i in groups[pid]:
            if i == best:
                out[i] = rows[i].result(True, None)
            elif best is not None and i in members:
                out[i] = rows[i].result(False, rows[best].number)
            else:
                out[i] = rows[i].result(False, None)
    return out


def simple() -> bool:
    """Say whether the last ``select`` counted no kind twice (从优不重复 alone chose every project)."""
    last = SELECTIONS.get(False)
    return last is not None and not last[1].blocked


def forget() -> None:
    """Forget the last selections (for benchmarks of cold evaluation)."""
    SELECTIONS.clear()
