"""FAQ matching: top-1 / top-3 accuracy on the paraphrase table, outcomes, misses, and lookup latency."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dialogs.faq import load_faq  # noqa: E402

TABLE = ROOT / "tests" / "dialogs" / "faq_paraphrases.yaml"
UNRELATED = ["明天天气怎么样", "推荐个餐厅", "北京到上海的高铁票多少钱", "股票怎么买", "what's the weather tomorrow"]


def main() -> int:
    """Print accuracy, outcome counts, the misses and p50/p99 lookup time."""
    faq = load_faq()
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    top1 = top3 = 0
    outcomes = {"answer_right": 0, "answer_wrong": 0, "suggest_has": 0, "suggest_lacks": 0, "unknown": 0}
    misses = []
    for row in rows:
        ranked = faq.ranked(row["q"], k=3)
        ids = [e.id for e, _ in ranked]
        top1 += bool(ids) and ids[0] == row["id"]
        top3 += row["id"] in ids
        if not ids or ids[0] != row["id"]:
            misses.append((row["q"], row["id"], [(e.id, s) for e, s in ranked]))
        m = faq.match(row["q"])
        if m.outcome == "answer":
            outcomes["answer_right" if m.entry and m.entry.id == row["id"] else "answer_wrong"] += 1
        elif m.outcome == "suggest":
            outcomes["suggest_has" if row["id"] in {e.id for e in m.suggestions} else "suggest_lacks"] += 1
        else:
            outcomes["unknown"] += 1
    n = len(rows)
    print(f"entries: {len(faq.entries)}  paraphrases: {n}")
    print(f"top-1: {top1}/{n} = {top1 / n:.1%}   top-3: {top3}/{n} = {top3 / n:.1%}")
    print("outcomes:", outcomes)
    for q in UNRELATED:
        m = faq.match(q)
        print(f"unrelated {q!r}: {m.outcome} ({m.score:.3f})")
    if misses:
        print("misses (question, expected, got):")
        for q, want, got in misses:
            print(f"  {q}  -> want {want}; got {got}")
    questions = [r["q"] for r in rows] + UNRELATED
    for q in questions:  # warm up
        faq.match(q)
    times = []
    for _ in range(20):
        for q in questions:
            t0 = time.perf_counter()
            faq.match(q)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"lookup latency over {len(times)} calls: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
