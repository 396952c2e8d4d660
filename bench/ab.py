"""Before/after: the Bot backlog of this tree and of another (a git worktree), in turn, with the bare bot.

Each run is a process of its own (the other tree first on its path), so both trees are measured
alike; in each round the bare python-telegram-bot echo bot, ours before and ours after run one
after the other, and CPU per update is compared within the round.

Run: ``.venv/bin/python bench/ab.py --before DIR [--rounds 3] [--chats 100] [--db sqlite,pg]``
(prints a Markdown table for docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child(kind: str, tree: str, chats: int) -> None:
    """Run one measurement with `tree`'s code and print its figures as JSON."""
    sys.path.insert(0, tree)
    from bench import bot as b

    if kind == "bare":
        result = asyncio.run(b.bare_once(chats, 50.0))
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(b.run_once(f"sqlite:///{folder}/ab.db", chats, "SQLite", 50.0))
    else:
        pg = b.pg_schema_url()
        if pg is None:
            raise SystemExit("no PostgreSQL")
        try:
            result = asyncio.run(b.run_once(pg[0], chats, "PostgreSQL", 50.0))
        finally:
            b.drop_schema(pg[1])
    print(json.dumps({k: v for k, v in result.items() if isinstance(v, int | float | str)}))


def measure(kind: str, tree: str, chats: int) -> dict[str, Any]:
    """Run `child` in a new process (outside any source tree) and return its figures."""
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            kind,
            "--tree",
            tree,
            "--chats",
            str(chats),
        ],
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Measure in rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", help="the other source tree (the code before the change)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--db", default="sqlite,pg")
    parser.add_argument("--child")
    parser.add_argument("--tree")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.tree, args.chats)
        return
    load_before = os.getloadavg()[0]
    runs: list[tuple[str, str]] = [("bare", str(ROOT))]
    for db in args.db.split(","):
        runs += [(f"{db} before", args.before), (f"{db} after", str(ROOT))]
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in runs}
    for number in range(args.rounds):
        order = runs[number % len(runs) :] + runs[: number % len(runs)]
        for name, tree in order:
            rows[name].append(measure(name.split()[0], tree, args.chats))
            row = rows[name][-1]
            print(f"round {number + 1} {name}: {row['bot_cpu_ms_per_update']:.2f} ms CPU/update", flush=True)
    bare = [r["bot_cpu_ms_per_update"] for r in rows["bare"]]
    print(
        "\n| bot | CPU per update, ms | × bare (per round) | after / before (per round) | steady p99, ms |"
        "\n|---|---|---|---|---|"
    )

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    print(f"| bare PTB echo bot | {spread(bare)} | 1 | | {spread([r['p99_ms'] for r in rows['bare']])} |")
    for name, _ in runs[1:]:
        cpu = [r["bot_cpu_ms_per_update"] for r in rows[name]]
        ratio = [c / b for c, b in zip(cpu, bare, strict=True)]
        change = ""
        if name.endswith("after"):
            before = [r["bot_cpu_ms_per_update"] for r in rows[name.replace("after", "before")]]
            change = spread([a / b for a, b in zip(cpu, before, strict=True)])
        p99 = spread([r["p99_ms"] for r in rows[name]])
        print(f"| ours, {name} | {spread(cpu)} | {spread(ratio)} | {change} | {p99} |")
    print(
        f"\n{args.rounds} rounds of {args.chats} chats × 10 updates; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after."
    )


if __name__ == "__main__":
    main()
