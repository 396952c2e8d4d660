"""Time ``rules.evaluate`` on a full profile (facts for every money measure) against all 40 measures.

Run: ``.venv/bin/python bench/engine.py`` (writes the figures into docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._perfdoc import write_section  # noqa: E402
from rules.engine import evaluate  # noqa: E402
from rules.facts import Profile  # noqa: E402


def main() -> None:
    """Measure and record."""
    os.sched_setaffinity(0, {0}) if hasattr(os, "sched_setaffinity") else None
    profile = Profile.model_validate(json.loads((ROOT / "bench/profiles/full.json").read_text(encoding="utf-8")))
    on = dt.date(2026, 6, 1)
    report = evaluate(profile, on)
    for _ in range(200):
        evaluate(profile, on)
    samples = []
    n = 3000
    for _ in range(n):
        t0 = time.perf_counter_ns()
        evaluate(profile, on)
        samples.append(time.perf_counter_ns() - t0)
    samples.sort()
    median = statistics.median(samples) / 1000
    p99 = samples[int(len(samples) * 0.99) - 1] / 1000
    per_sec = 1e9 / statistics.mean(samples)
    rows = [r for r in report.measures if not r.no_project]
    body = (
        f"Full profile `bench/profiles/full.json`: {len(profile.projects)} projects, {len(rows)} evaluated "
        f"project-measure rows plus {len(report.measures) - len(rows)} other rows, all 40 measures; "
        f"total {report.total_yuan:,} yuan.\n\n"
        f"| figure | value | goal |\n|---|---|---|\n"
        f"| median per evaluation | {median:.0f} µs | ≤ 200 µs |\n"
        f"| p99 per evaluation | {p99:.0f} µs | |\n"
        f"| evaluations per second (one core) | {per_sec:,.0f} | |\n\n"
        f"{n} timed runs after 200 warm-up runs, pinned to one core; Python {platform.python_version()}, "
        f"{platform.machine()}, {dt.date.today().isoformat()}.\n\n"
        "Command: `.venv/bin/python bench/engine.py`"
    )
    write_section("Engine", body)
    print(body)


if __name__ == "__main__":
    main()
