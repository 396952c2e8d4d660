"""Time ``rules.evaluate`` on a full profile (facts for every money measure) against all 40 measures.

Three figures, because the row memo makes them differ a lot:

- cold: the row memo is cleared before every run (first evaluation of a profile);
- warm: the identical profile again (a repeated screen, e.g. the summary after a detail view);
- incremental: one project fact changed between runs, the interview's pattern of one answer per
  step (each step a new value, so the rows of that project that read it are recomputed);
- cold with ``report_to_json``: what a caller that reads everything pays, since a row's details
  (gates, awards, reasons) and the texts that depend on values (formulas worked through, current
  values) are made on first read.

Run: ``.venv/bin/python bench/engine.py`` (writes the figures into docs/performance.md;
``--no-write`` only prints them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._perfdoc import write_section  # noqa: E402
from rules.engine import clear_cache, evaluate  # noqa: E402
from rules.facts import Profile  # noqa: E402
from rules.report import report_to_json  # noqa: E402

ON = dt.date(2026, 6, 1)
# Facts the incremental runs change: amounts and sizes, so every step is a value not seen before.
CHANGING = ("_yuan", "_kw", "_kwh", "_m2")


def _incremental_profiles(raw: dict[str, Any], n: int) -> list[Profile]:
    """Return ``n`` profiles, each differing from the one before in one fact of one project.

    Built the way the interview builds them (validated from the answers, fresh objects every step).
    """
    targets = []
    for i, p in enumerate(raw["projects"]):
        # One target per project: its first amount; the steps take them round robin.
        name = next(
            (k for k, v in p["facts"].items() if k.endswith(CHANGING) and type(v) in (int, float) and v > 0),
            None,
        )
        if name is not None:
            targets.append((i, name))
    state = json.loads(json.dumps(raw))
    out = []
    for step in range(n):
        i, name = targets[step % len(targets)]
        state["projects"][i]["facts"][name] = raw["projects"][i]["facts"][name] + step + 1
        out.append(Profile.model_validate(state))
    return out


def _time(run: Callable[[int], object], before: Callable[[int], object], n: int) -> list[int]:
    samples = []
    for i in range(n):
        before(i)
        t0 = time.perf_counter_ns()
        run(i)
        samples.append(time.perf_counter_ns() - t0)
    return samples


def _chain(profiles: list[Profile]) -> Callable[[int], object]:
    return lambda i: evaluate(profiles[i], ON)


def _stats(samples: list[int]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) / 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] / 1000


# Run inside callgrind by --instructions: one figure N times in the tree given (argv: tree figure n).
# os.getppid and os.getpgrp mark the loop: callgrind zeroes its counts on the first and dumps them
# on the second, so only the loop is counted (the imports and the loading before it vary by tens of
# millions of instructions from run to run, which a subtraction of two whole runs let through).
_COUNT = r"""
import datetime as dt, json, os, sys
tree, figure, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
from rules.engine import clear_cache, evaluate
from rules.facts import Profile
sys.path.insert(0, %r)
from bench.engine import _incremental_profiles
ON = dt.date(2026, 6, 1)
raw = json.loads(open(f"{tree}/bench/profiles/full.json", encoding="utf-8").read())
profile = Profile.model_validate(raw)
steps = _incremental_profiles(raw, n + 1)
for _ in range(3):
    clear_cache()
    evaluate(profile, ON)
evaluate(steps[0], ON)
os.getppid()
if figure == "cold":
    for _ in range(n):
        clear_cache()
        evaluate(profile, ON)
elif figure == "warm":
    for _ in range(n):
        evaluate(profile, ON)
elif figure == "incremental":
    for p in steps[1:]:
        evaluate(p, ON)
os.getpgrp()
"""


_VALGRIND = ("valgrind", "--tool=callgrind", "--zero-before=os_getppid", "--dump-before=os_getpgrp")


def _instructions(trees: list[str], n: int) -> None:
    """Print instructions per evaluation (callgrind, deterministic on a loaded machine) for each tree."""
    import re
    import subprocess
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    def count(tree: str, figure: str) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "count.py"
            script.write_text(_COUNT % str(ROOT), encoding="utf-8")
            out = Path(tmp) / "callgrind.out"
            subprocess.run(
                [
                    *_VALGRIND,
                    f"--callgrind-out-file={out}",
                    sys.executable,
                    str(script),
                    tree,
                    figure,
                    str(n),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            # The dump made at os.getpgrp (the file with suffix .1) holds the loop's count alone.
            dump = Path(f"{out}.1").read_text(encoding="utf-8")
        found = re.search(r"^summary: (\d+)$", dump, re.MULTILINE)
        assert found is not None, dump[:2000]
        return int(found.group(1))

    print(f"| tree | cold | warm | incremental |  (thousand instructions per evaluation, {n} runs)")
    print("|---|---|---|---|")
    figures = ("cold", "warm", "incremental")
    # Counts do not depend on what else runs, so two at a time (the machine has 2 cores).
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = {(t, f): pool.submit(count, t, f) for t in trees for f in figures}
        for tree in trees:
            per = [counts[tree, f].result() / n / 1000 for f in figures]
            print(f"| {tree} | " + " | ".join(f"{v:,.0f}k" for v in per) + " |")


def main(argv: list[str] | None = None) -> None:
    """Measure and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000, help="timed runs per figure (default 3000)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds the runs are split into, interleaving the figures"
    )
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (default 0)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/performance.md alone")
    parser.add_argument(
        "--instructions",
        nargs="+",
        metavar="TREE",
        help="count instructions per evaluation under callgrind in each source tree (side by side), then stop",
    )
    args = parser.parse_args(argv)
    if args.instructions:
        _instructions(args.instructions, 200)
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    raw = json.loads((ROOT / "bench/profiles/full.json").read_text(encoding="utf-8"))
    profile = Profile.model_validate(raw)
    per_round = max(1, args.runs // args.rounds)
    steps = _incremental_profiles(raw, per_round * args.rounds + 1)

    # The memo must not change a result: every figure's report equals a cold one.
    clear_cache()
    expected = report_to_json(evaluate(profile, ON))
    assert report_to_json(evaluate(profile, ON)) == expected
    for p in steps[:3]:
        got = report_to_json(evaluate(p, ON))
        clear_cache()
        assert got == report_to_json(evaluate(p, ON))
    report = evaluate(profile, ON)

    for _ in range(200):  # warm-up of the interpreter and the rule data, not of the memo
        clear_cache()
        evaluate(profile, ON)
    load_before = os.getloadavg()
    samples: dict[str, list[int]] = {"cold": [], "warm": [], "incremental": [], "json": []}
    round_medians: dict[str, list[float]] = {k: [] for k in samples}
    nothing: Callable[[int], None] = lambda i: None  # noqa: E731
    for r in range(args.rounds):
        base = r * per_round
        got = {
            "cold": _time(lambda i: evaluate(profile, ON), lambda i: clear_cache(), per_round),
            "warm": _time(lambda i: evaluate(profile, ON), nothing, per_round),
        }
        # Start the chain from its own previous step, so each timed run changes exactly one fact.
        evaluate(steps[base], ON)
        got["incremental"] = _time(_chain(steps[base + 1 : base + 1 + per_round]), nothing, per_round)
        got["json"] = _time(
            lambda i: report_to_json(evaluate(profile, ON)), lambda i: clear_cache(), per_round
        )
        for k, v in got.items():
            samples[k].extend(v)
            round_medians[k].append(statistics.median(v) / 1000)
    load_after = os.getloadavg()
    # How many rows each incremental step recomputes: the rows that are new objects.
    recomputed = []
    previous = {id(r) for r in evaluate(steps[0], ON).measures}
    for p in steps[1:101]:
        current = evaluate(p, ON).measures
        recomputed.append(sum(1 for r in current if id(r) not in previous))
        previous = {id(r) for r in current}

    rows = [r for r in report.measures if not r.no_project]
    table = ["| figure | median | p99 | median range over rounds | goal |", "|---|---|---|---|---|"]
    what = {
        "cold": "cold (row memo cleared before each run)",
        "warm": "warm (identical profile again)",
        "incremental": "incremental (one project fact changed per run)",
        "json": "cold, then `report_to_json` (every detail and text made)",
    }
    for k, v in samples.items():
        med, p99 = _stats(v)
        lo, hi = min(round_medians[k]), max(round_medians[k])
        goal = "" if k == "json" else "≤ 200 µs"
        table.append(f"| {what[k]} | {med:.0f} µs | {p99:.0f} µs | {lo:.0f}–{hi:.0f} µs | {goal} |")
    medians = {k: _stats(v)[0] for k, v in samples.items() if k != "json"}
    met = [k for k, m in medians.items() if m <= 200]
    unmet = [k for k, m in medians.items() if m > 200]
    verdict = (
        f"Goal (median ≤ 200 µs) met by: {', '.join(met) or 'none'}; not met by: {', '.join(unmet) or 'none'}. "
        "Warm and incremental are what the interview does on each step; cold is a profile whose rows this "
        "process has not computed yet (first screen after a restart or a new enterprise).\n\n"
    )
    body = (
        f"`evaluate(profile, on)` on the full profile `bench/profiles/full.json`: {len(profile.projects)} projects, "
        f"{len(rows)} project-measure rows, {len(report.measures) - len(rows)} other rows, all 40 measures; "
        f"total {report.total_yuan:,} yuan.\n\n"
        + "\n".join(table)
        + "\n\n"
        + verdict
        + f"{per_round * args.rounds} timed runs per figure in {args.rounds} interleaved rounds, after 200 cold warm-up runs, "
        f"pinned to core {args.cpu}, garbage collector on. Incremental: each run adds 1 to one amount of one project "
        "(round robin over the projects that have one), so the rows that read it are recomputed "
        f"({statistics.mean(recomputed):.2f} rows per step on average) and the others come from the memo; "
        "the profiles are validated from JSON beforehand, as the interview builds them. "
        f"Load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (2 cores shared with other work). "
        f"Python {platform.python_version()}, {platform.machine()}, {dt.date.today().isoformat()}.\n\n"
        "Command: `.venv/bin/python bench/engine.py`"
    )
    if not args.no_write:
        write_section("Engine", body)
    print(body)


if __name__ == "__main__":
    main()
