"""FAQ matching: top-1 / top-3 accuracy on the paraphrase table, outcomes, misses, and lookup latency.

A row may name other right entries (`also`) and, for a question in several parts, its other parts
(`parts`): the first entry found counts when it is any of them, and every part must be answered
(`FaqMatch.others`) or offered (`FaqMatch.suggestions`).

With staff entries (`--staff-db DATABASE_URL` for the live ones, or `--staff-yaml FILE` in
faq.yaml's shape) the table runs twice, without and with them, and every paraphrase whose
answer changed is listed: a staff entry that steals other questions shows up there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dialogs.faq import Faq, FaqEntry, build_faq, load_faq  # noqa: E402
from rules.loader import latest_rulebook  # noqa: E402

TABLE = ROOT / "tests" / "dialogs" / "faq_paraphrases.yaml"
UNRELATED = [
    "明天天气怎么样",
    "推荐个餐厅",
    "北京到上海的高铁票多少钱",
    "股票怎么买",
    "what's the weather tomorrow",
]
ROUNDS = 20


def _pct(values: list[float], q: float) -> float:
    """Return the q-quantile (nearest rank) of sorted values."""
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def staff_entries_from_db(url: str) -> list[FaqEntry]:
    """Read the live staff entries of a bot database (only those that pass the checks)."""
    import storage
    from bot.faq_live import staff_entry
    from dialogs.staff_faq import live_entries

    engine = storage.make_engine(url)
    try:
        with storage.session_scope(storage.make_session_factory(engine)) as session:
            rows = storage.list_faq_entries(session=session, active_only=True)
            return live_entries([staff_entry(row) for row in rows])
    finally:
        engine.dispose()


def staff_entries_from_yaml(path: Path) -> list[FaqEntry]:
    """Read staff entries written as faq.yaml entries (e.g. from /faq N yaml), with the same checks."""
    from dialogs.staff_faq import StaffEntry, live_entries, problems

    entries = []
    for number, item in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [], start=1):
        entry = StaffEntry(
            number=number,
            questions=item["questions"],
            answer_zh=item["answer"]["zh"],
            answer_en=item["answer"]["en"],
            cite=item["cite"],
            clause=item["clause"],
            measures=item.get("measures", []),
        )
        if trouble := problems(entry, "en"):
            raise SystemExit(f"{path}: entry {number}: {'; '.join(trouble)}")
        entries.append(entry)
    return live_entries(entries)


def outcomes_of(faq: Faq, rows: list[dict[str, str]]) -> list[str]:
    """Return what match() does with each paraphrase: "answer:<id>", "suggest" or "unknown"."""
    out = []
    for row in rows:
        m = faq.match(row["q"])
        out.append(f"answer:{m.entry.id}" if m.outcome == "answer" and m.entry else m.outcome)
    return out


def main() -> int:
    """Print accuracy, outcome counts, the misses and p50/p99 lookup time (and the staff entries' effect)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff-db", help="database URL whose live staff FAQ entries to add")
    parser.add_argument("--staff-yaml", type=Path, help="YAML file of staff entries to add")
    args = parser.parse_args()
    extra: list[FaqEntry] = []
    if args.staff_db:
        extra += staff_entries_from_db(args.staff_db)
    if args.staff_yaml:
        extra += staff_entries_from_yaml(args.staff_yaml)
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    if extra:
        print("== without staff entries ==")
        measure(load_faq(), rows, timing=False)
        with_staff = build_faq(latest_rulebook(), extra=extra)
        print(f"\n== with {len(extra)} staff entries ({', '.join(e.id for e in extra)}) ==")
        measure(with_staff, rows, timing=True)
        changed = [
            (row["q"], row["id"], before, after)
            for row, before, after in zip(
                rows, outcomes_of(load_faq(), rows), outcomes_of(with_staff, rows), strict=True
            )
            if before != after
        ]
        print(f"\nparaphrases whose outcome the staff entries changed: {len(changed)}")
        for q, want, before, after in changed:
            print(f"  {q} (expected {want}): {before} -> {after}")
        return 0
    measure(load_faq(), rows, timing=True)
    return 0


def measure(faq: Faq, rows: list[dict[str, str]], *, timing: bool) -> None:
    """Print accuracy, outcome counts, the misses and (with `timing`) p50/p99 lookup time."""
    started = time.perf_counter()
    faq.match("预热")
    build_ms = (time.perf_counter() - started) * 1000
    top1 = top3 = 0
    outcomes = {"answer_right": 0, "answer_wrong": 0, "suggest_has": 0, "suggest_lacks": 0, "unknown": 0}
    misses = []
    wrong: list[tuple[str, str, str]] = []
    multi = covered = 0
    uncovered: list[tuple[str, list[str], list[str]]] = []
    for row in rows:
        # "also": entries that answer the question as well, where the policy gives two places;
        # "parts": the other parts of a question in several parts (answering any part is right).
        good = {row["id"], *row.get("also", []), *row.get("parts", [])}
        ranked = faq.ranked(row["q"], k=3)
        ids = [e.id for e, _ in ranked]
        top1 += bool(ids) and ids[0] in good
        top3 += bool(good & set(ids))
        if not ids or ids[0] not in good:
            misses.append((row["q"], row["id"], [(e.id, s) for e, s in ranked]))
        m = faq.match(row["q"])
        if m.outcome == "answer" and m.entry is not None:
            outcomes["answer_right" if m.entry.id in good else "answer_wrong"] += 1
            if m.entry.id not in good:
                wrong.append((row["q"], row["id"], m.entry.id))
        elif m.outcome == "suggest":
            outcomes["suggest_has" if good & {e.id for e in m.suggestions} else "suggest_lacks"] += 1
        else:
            outcomes["unknown"] += 1
        if row.get("parts"):
            # Every part must be answered (entry, others) or offered (suggestions).
            multi += 1
            shown = [e.id for e in (*((m.entry,) if m.entry else ()), *m.others, *m.suggestions)]
            need = [row["id"], *row["parts"]]
            if all(p in shown for p in need):
                covered += 1
            else:
                uncovered.append((row["q"], need, shown))
    n = len(rows)
    print(f"entries: {len(faq.entries)}  paraphrases: {n}  (first lookup {build_ms:.0f} ms)")
    print(f"top-1: {top1}/{n} = {top1 / n:.1%}   top-3: {top3}/{n} = {top3 / n:.1%}")
    right = outcomes["answer_right"]
    print(
        f"direct answers (right): {right}/{n} = {right / n:.1%}   "
        f"confident wrong answers: {outcomes['answer_wrong']}"
    )
    print("outcomes of match():", outcomes)
    print(f"questions in several parts with every part answered or offered: {covered}/{multi}")
    for q, need, shown in uncovered:
        print(f"  PARTS {q} -> {need}; shown {shown}")
    for q, want, got in wrong:
        print(f"  WRONG {q} -> {want}; answered {got}")
    for q in UNRELATED:
        m = faq.match(q)
        print(f"unrelated {q!r}: {m.outcome} ({m.score:.3f})")
    if misses:
        print("misses (question -> expected; got top 3):")
        for q, want, got in misses:
            print(f"  {q} -> {want}; got {got}")
    if not timing:
        return
    questions = [r["q"] for r in rows] + UNRELATED
    for q in questions:  # warm up
        faq.match(q)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(ROUNDS):
        for q in questions:
            t0, c0 = time.perf_counter(), time.thread_time()
            faq.match(q)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
    wall.sort()
    cpu.sort()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"match() latency over {len(wall)} calls: wall p50 {statistics.median(wall):.3f} ms, "
        f"p99 {_pct(wall, 0.99):.3f} ms, max {wall[-1]:.3f} ms; "
        f"CPU p50 {statistics.median(cpu):.3f} ms, p99 {_pct(cpu, 0.99):.3f} ms "
        f"(load average {load:.2f} on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
