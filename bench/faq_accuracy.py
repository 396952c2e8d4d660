"""FAQ matching: top-1 / top-3 accuracy on the paraphrase table, outcomes, misses, and lookup latency."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dialogs.faq import load_faq  # noqa: E402

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


def main() -> int:
    """Print accuracy, outcome counts, the misses and p50/p99 lookup time."""
    started = time.perf_counter()
    faq = load_faq()
    build_ms = (time.perf_counter() - started) * 1000
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    top1 = top3 = 0
    outcomes = {"answer_right": 0, "answer_wrong": 0, "suggest_has": 0, "suggest_lacks": 0, "unknown": 0}
    misses = []
    wrong: list[tuple[str, str, str]] = []
    for row in rows:
        # "also": entries that answer the question as well, where the policy gives two places.
        good = {row["id"], *row.get("also", [])}
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
    n = len(rows)
    print(f"entries: {len(faq.entries)}  paraphrases: {n}  (knowledge base built in {build_ms:.0f} ms)")
    print(f"top-1: {top1}/{n} = {top1 / n:.1%}   top-3: {top3}/{n} = {top3 / n:.1%}")
    right = outcomes["answer_right"]
    print(
        f"direct answers (right): {right}/{n} = {right / n:.1%}   "
        f"confident wrong answers: {outcomes['answer_wrong']}"
    )
    print("outcomes of match():", outcomes)
    for q, want, got in wrong:
        print(f"  WRONG {q} -> {want}; answered {got}")
    for q in UNRELATED:
        m = faq.match(q)
        print(f"unrelated {q!r}: {m.outcome} ({m.score:.3f})")
    if misses:
        print("misses (question -> expected; got top 3):")
        for q, want, got in misses:
            print(f"  {q} -> {want}; got {got}")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
