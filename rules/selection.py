"""Which rows count: once per enterprise (convention 14), then 从优不重复 per project (convention 5)."""

from __future__ import annotations

from typing import Any

from rules.conditions import merge_refs
from rules.details import now
from rules.plans import CompiledBook, Kind, Light
from rules.report import MeasureResult, T
from rules.rows import Row
from rules.schema import Text

_NO_ENTERPRISE: Any = None  # a kind_by fact is a project fact: no enterprise is read
_NOTHING: frozenset[Kind] = frozenset()
_UNKINDED: list[Any] = [(None, 0, None)]  # stands for "can pay, no kind" (never read for amounts)
# One award a row can pay: its kind (None: per claim), its amount and its evaluated path.
_Contribution = tuple[Kind | None, int, Light]


def _worth(
    contributions: list[_Contribution], combine: str, blocked: set[Kind] | frozenset[Kind]
) -> tuple[int, list[_Contribution]]:
    """Return what a row pays when the kinds in ``blocked`` are counted elsewhere, and the awards it uses."""
    avail = [c for c in contributions if c[0] is None or c[0] not in blocked]
    if not avail:
        return 0, []
    if combine == "sum":
        return sum([c[1] for c in avail]), avail
    best = avail[0]
    for c in avail[1:]:
        if c[1] > best[1]:
            best = c
    return best[1], [best]


_OUT: Any = ()  # a row's selection summary when it cannot count (no project, nothing payable)
# A row's selection summary: (project id, contributions, worth with no kind blocked, the awards
# that make it, the once-per-enterprise kinds among those), memoised on the row.
_Summary = tuple[str, list[_Contribution], int, list[_Contribution], tuple[Kind, ...]]


def _summary(row: Row, book: CompiledBook, after: bool) -> Any:
    """Return the row's selection summary, or ``_OUT`` when it cannot count (memoised on the row)."""
    found = row.sel[after]
    if found is not None:
        return found
    pid = row.project_id
    if pid is None or not (row.status == "eligible" or (after and row.status == "pending")):
        found = _OUT
    elif not after and row.number not in book.kinded and row.amount:
        # No once-per-enterprise kind: the row pays its amount, and nothing can block it.
        found = (pid, _UNKINDED, row.amount, [], ())
    else:
        cs: list[_Contribution] = []
        for a in row.lights:
            st = a[1]
            if (st == "eligible" or (after and st == "pending")) and a[2]:
                award = a[0]
                kind = award.kind
                if award.kind_by is not None and kind is not None:
                    kind = (*kind, award.kind_by(_NO_ENTERPRISE, row.facts))
                cs.append((kind, a[2], a))
        if not cs:
            found = _OUT
        elif len(cs) == 1:
            c = cs[0]
            found = (pid, cs, c[1], cs, (c[0],) if c[0] is not None else ())
        else:
            value, used = _worth(cs, book.combine[row.number], _NOTHING)
            found = (pid, cs, value, used, tuple([c[0] for c in used if c[0] is not None]))
    row.sel[after] = found
    return found


def _contributions(
    row: Row, book: CompiledBook, after: bool
) -> tuple[list[_Contribution], int, list[_Contribution]]:
    """Return what a row can pay (each award with its kind), its worth with no kind blocked, and the awards that make it."""
    s = _summary(row, book, after)
    if s is _OUT:
        return [], 0, []
    return s[1], s[2], s[3]


# Per project, the row it counts: (row index, what it pays, the awards that make it, their kinds).
_Chosen = tuple[int, int, list[_Contribution], tuple[Kind, ...]]


def _choose(
    rows: list[Row], book: CompiledBook, after: bool
) -> tuple[dict[str, list[int]], dict[str, set[Kind]], dict[str, _Chosen | None]]:
    """Apply convention 14, then 从优不重复 per project: the row each project counts and what it pays.

    Each kind of a once-per-enterprise award goes to the claim that pays most for it; a project
    that loses a kind chooses again among its rows without it, until no kind is counted twice.
    ``after``: as if every pending step were taken (pending paths count at their amounts).
    """
    last = SELECTIONS.get(after)
    if last is not None and last[0] == rows:  # the same row objects (a list compares them by identity)
        return last[1]
    by_project: dict[str, list[int]] = {}
    # First pass, nothing blocked: per project the row worth most (the first of the largest, the
    # lower measure number on a tie), as 从优不重复 alone would choose.
    chosen: dict[str, _Chosen | None] = {}
    numbers: dict[str, int] = {}
    for i, row in enumerate(rows):
        sel = row.sel[after]
        if sel is None:
            sel = _summary(row, book, after)
        if sel is _OUT:
            continue
        pid = sel[0]
        found = by_project.get(pid)
        if found is None:
            by_project[pid] = [i]
            chosen[pid] = (i, sel[2], sel[3], sel[4])
            numbers[pid] = row.number
        else:
            found.append(i)
            cur = chosen[pid]
            assert cur is not None
            if sel[2] > cur[1] or (sel[2] == cur[1] and row.number < numbers[pid]):
                chosen[pid] = (i, sel[2], sel[3], sel[4])
                numbers[pid] = row.number
    blocked: dict[str, set[Kind]] = {}  # per project, the kinds counted in another project's claim
    # Most profiles hold each kind in one project's chosen row at most: nothing to block.
    seen: set[Kind] = set()
    clash = False
    for ch in chosen.values():
        if ch is not None and ch[3]:
            for kind in ch[3]:
                if kind in seen:
                    clash = True
                seen.add(kind)
    if clash:
        _settle(rows, book, after, by_project, chosen, blocked)
    result = (by_project, blocked, chosen)
    SELECTIONS[after] = (rows, result)
    return result


def _settle(
    rows: list[Row],
    book: CompiledBook,
    after: bool,
    by_project: dict[str, list[int]],
    chosen: dict[str, _Chosen | None],
    blocked: dict[str, set[Kind]],
) -> None:
    """Give each kind counted twice to the claim that pays most; the others choose again without it."""

    def pick(pid: str) -> _Chosen | None:
        best: _Chosen | None = None
        gone = blocked.get(pid)
        for i in by_project[pid]:
            cs, value, used = _contributions(rows[i], book, after)
            if gone and cs is not _UNKINDED:
                value, used = _worth(cs, book.combine[rows[i].number], gone)
            if value > 0 and (
                best is None
                or value > best[1]
                or (value == best[1] and rows[i].number < rows[best[0]].number)
            ):
                best = (i, value, used, tuple([c[0] for c in used if c[0] is not None]))
        return best

    while True:
        holders: dict[Kind, list[tuple[int, int, str]]] = {}
        for order, (pid, ch) in enumerate(chosen.items()):
            if ch is not None:
                for kind, amount, _ in ch[2]:
                    if kind is not None:
                        holders.setdefault(kind, []).append((amount, -order, pid))
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
                chosen[pid] = pick(pid)


# The last selection made, now and after pending steps, with the rows it was made from (rows are
# memoised, so the same profile again finds the same row objects).
SELECTIONS: dict[
    bool, tuple[list[Row], tuple[dict[str, list[int]], dict[str, set[Kind]], dict[str, _Chosen | None]]]
] = {}


def select(rows: list[Row], book: CompiledBook) -> list[MeasureResult]:
    """Apply convention 14 and 从优不重复: which rows count, and for how much."""
    by_project, blocked, chosen = _choose(rows, book, after=False)
    n = len(rows)
    counted = [False] * n
    alternative: list[int | None] = [None] * n
    if not blocked:  # no kind counted twice: 从优不重复 alone
        for pid, idxs in by_project.items():
            ch = chosen[pid]
            assert ch is not None
            best = ch[0]
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
            if ch is not None and i == ch[0]:
                counted[i] = True
                if ch[1] != row.amount:
                    reasons = list(now(row.args[15]))
                    for kind, _, light in _contributions(row, book, False)[0]:
                        if kind is not None and kind in gone:
                            label = light[0].label
                            reasons.append(
                                T(
                                    f"{label.zh}每家企业只奖励一次，已在另一项申报中计入",
                                    f"{label.en} is paid once per enterprise and is counted in another claim",
                                )
                            )
                    changed[i] = (ch[1], tuple(reasons), _kind_questions(row, book, gone))
            elif ch is None or (
                gone and any(c[0] is not None and c[0] in gone for c in _contributions(row, book, False)[0])
            ):
                # What it pays is counted in another claim (convention 14).
                alternative[i] = row.number
                asks = _kind_questions(row, book, gone)
                if asks:
                    changed[i] = (row.amount, now(row.args[15]), asks)
            else:
                alternative[i] = rows[ch[0]].number
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
    for kind, _, light in _contributions(row, book, False)[0]:
        if kind is not None and kind in gone and len(kind) == 3 and kind[2] is None:
            asks.append(book.kind_by[(row.number, light[0].id)].ref)
    return tuple(asks)


def total_after(rows: list[Row], book: CompiledBook) -> int:
    """Return the total as if every pending step were taken."""
    _, _, chosen = _choose(rows, book, after=True)
    return sum(ch[1] for ch in chosen.values() if ch is not None)
