"""Start-up: `etownbot` commands as whole processes, and `etownbot run` to its first getUpdates.

Each command is started as a new process, in turn with the yardsticks (``python -c pass`` for the
one-shot commands; the bare python-telegram-bot echo bot, bench/bare_bot.py, for `run`), so the
ratios within a round hold while the machine's load moves. CPU is the child's own user + system
time (``os.wait4``); `run` is timed from its start to the first getUpdates reaching a stub Bot API
served here (getMe, setMyCommands, deleteWebhook answered at once), its CPU read at that moment.
The SQLite file of `run` exists already (created by a warm-up run): a restart, not a first start.

Run: ``.venv/bin/python bench/startup.py [--rounds 7] [--no-write]`` (writes the "Start-up"
section of docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bench._perfdoc import write_section  # noqa: E402

TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbench"
BIN = Path(sys.executable).parent
ETOWNBOT = str(BIN / "etownbot") if (BIN / "etownbot").exists() else None
PROFILE = ROOT / "bench" / "profiles" / "full.json"


SITE = next(p for p in sys.path if p.endswith("site-packages"))


def _cli(*args: str, tree: str | None = None) -> list[str]:
    """Return the command line of an `etownbot` command (of another source tree: `python -S`, that tree first)."""
    if tree is not None:
        return ["env", f"PYTHONPATH={tree}:{SITE}", sys.executable, "-S", "-m", "bot", *args]
    return [ETOWNBOT, *args] if ETOWNBOT else [sys.executable, "-m", "bot", *args]


def one_shot_commands(before: str | None) -> dict[str, list[str]]:
    """Return the one-shot commands to time (with a `before` tree: ours from both trees alike)."""
    now = str(ROOT) if before else None
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "etownbot evaluate full.json": _cli("evaluate", str(PROFILE), tree=now),
        "etownbot explain 27": _cli("explain", "27", tree=now),
        "etownbot measures": _cli("measures", tree=now),
    }
    if before:
        commands["etownbot evaluate full.json, before"] = _cli("evaluate", str(PROFILE), tree=before)
    return commands


def run_one_shot(command: list[str]) -> tuple[float, float]:
    """Run a command to its end; return (wall seconds, CPU seconds)."""
    began = time.perf_counter()
    # Not from a source tree: `python -m` puts the working folder first on the path.
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir()
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _cpu(pid: int) -> float:
    """Return a live process's CPU seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StubApi:
    """The few Bot API methods a start needs, noting when the first getUpdates arrives."""

    def __init__(self) -> None:
        """Start with nothing seen."""
        self.first_get_updates: asyncio.Future[float] | None = None

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Bot API call."""
        method = request.match_info["method"]
        result: Any = True
        if method == "getMe":
            result = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif method == "getUpdates":
            if self.first_get_updates is not None and not self.first_get_updates.done():
                self.first_get_updates.set_result(time.perf_counter())
            await asyncio.sleep(0.2)
            result = []
        return web.json_response({"ok": True, "result": result})


async def time_to_poll(
    command: list[str], env: dict[str, str], cwd: str, stub: StubApi
) -> tuple[float, float]:
    """Start a bot; return (wall, CPU) seconds from its start to its first getUpdates."""
    stub.first_get_updates = asyncio.get_running_loop().create_future()
    began = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reached = await asyncio.wait_for(stub.first_get_updates, timeout=60)
        cpu = _cpu(process.pid)
    finally:
        stub.first_get_updates = None
        process.terminate()
        # Waited for off the event loop: a stopping bot still calls the stub (getUpdates to confirm).
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
    return reached - began, cpu


async def measure_run(rounds: int, before: str | None) -> dict[str, list[tuple[float, float]]]:
    """Time `etownbot run` and the bare bot to their first getUpdates, in turn."""
    stub = StubApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", stub.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}/bot"
    folder = tempfile.mkdtemp(prefix="etb-start-")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE"))},
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base,
        "DATABASE_URL": f"sqlite:///{Path(folder) / 'bot.db'}",
        "LOG_LEVEL": "WARNING",
    }
    commands = {
        "etownbot run": _cli("run", tree=str(ROOT) if before else None),
        **({"etownbot run, before": _cli("run", tree=before)} if before else {}),
        "bare PTB echo bot": [
            sys.executable,
            str(ROOT / "bench" / "bare_bot.py"),
            "--base-url",
            base,
            "--token",
            TOKEN,
        ],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    try:
        for command in commands.values():  # warm-up: creates the database, fills the OS cache
            await time_to_poll(command, env, folder, stub)
        for _ in range(rounds):
            for name, command in commands.items():
                results[name].append(await time_to_poll(command, env, folder, stub))
    finally:
        await runner.cleanup()
    return results


HEAVY = ("telegram", "sqlalchemy", "alembic", "httpx", "tornado", "rapidfuzz", "opencc", "fpdf", "openpyxl")


def import_profile(command: list[str], runs: int = 3) -> tuple[list[tuple[str, float]], list[str]]:
    """Return each top-level package's median share of `-X importtime` self time, and the heavy ones loaded."""
    shares: dict[str, list[float]] = {}
    loaded: set[str] = set()
    for _ in range(runs):
        err = subprocess.run(
            [command[0], "-X", "importtime", *command[1:]],
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
            check=False,
        ).stderr
        own: dict[str, int] = {}
        for line in err.splitlines():
            parts = line.split("|")
            if len(parts) != 3 or not parts[0].startswith("import time:") or "self" in parts[0]:
                continue
            top = parts[2].strip().split(".")[0]
            own[top] = own.get(top, 0) + int(parts[0].split(":")[1])
            loaded.update(name for name in HEAVY if top == name)
        total = sum(own.values()) or 1
        for name, value in own.items():
            shares.setdefault(name, []).append(100 * value / total)
    ranked = sorted(((statistics.median(v), k) for k, v in shares.items()), reverse=True)
    return [(name, share) for share, name in ranked[:8]], sorted(loaded)


def _median_range(values: list[float], digits: int = 2) -> str:
    """Return 'median (min–max)'."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main() -> None:
    """Measure and write the Start-up section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", help="another source tree (a git worktree) to time side by side")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    one_shot = one_shot_commands(args.before)
    load_before = f"{os.getloadavg()[0]:.1f}"
    for command in one_shot.values():  # warm-up
        run_one_shot(command)
    shots: dict[str, list[tuple[float, float]]] = {name: [] for name in one_shot}
    for _ in range(args.rounds):
        for name, command in one_shot.items():
            shots[name].append(run_one_shot(command))
    polls = asyncio.run(measure_run(args.rounds, args.before))
    python = sys.executable
    profiles = {
        "etownbot evaluate full.json": import_profile([python, "-m", "bot", "evaluate", str(PROFILE)]),
        "etownbot run (import bot.process)": import_profile([python, "-c", "import bot.cli, bot.process"]),
    }
    load_after = f"{os.getloadavg()[0]:.1f}"

    floor = shots["python -c pass"]
    lines = [
        "| command (whole process) | wall s | CPU s | CPU × `python -c pass` | goal |",
        "|---|---|---|---|---|",
    ]
    for name, rows in shots.items():
        ratio = [cpu / base_cpu for (_, cpu), (_, base_cpu) in zip(rows, floor, strict=True)]
        goal = "≤ 0.5 s" if "evaluate" in name else ""
        lines.append(
            f"| `{name}` | {_median_range([w for w, _ in rows])} | **{_median_range([c for _, c in rows])}** | "
            f"{_median_range(ratio, 1)} | {goal} |"
        )
    bare = polls["bare PTB echo bot"]
    lines += [
        "",
        "| to the first getUpdates | wall s | CPU s | CPU × bare bot | goal |",
        "|---|---|---|---|---|",
    ]
    for name, rows in polls.items():
        ratio = [cpu / base_cpu for (_, cpu), (_, base_cpu) in zip(rows, bare, strict=True)]
        goal = "≤ 1.5 s" if name.startswith("etownbot run") else ""
        lines.append(
            f"| `{name}` | {_median_range([w for w, _ in rows])} | **{_median_range([c for _, c in rows])}** | "
            f"{_median_range(ratio, 2)} | {goal} |"
        )
    lines += [
        "",
        "| `-X importtime`: share of import time by top-level package (median of 3) | heavy packages loaded |",
        "|---|---|",
    ]
    for name, (ranked, loaded) in profiles.items():
        shares = ", ".join(f"{package} {share:.0f} %" for package, share in ranked)
        lines.append(f"| `{name}`: {shares} | {', '.join(loaded) or 'none of ' + '/'.join(HEAVY[:3])} |")
    table = "\n".join(lines)
    before_note = (
        "\n\nRows marked *before* run the same commands from a git worktree of the code before the "
        "start-up changes (given with `--before`); in such a run ours are started the same way "
        "(`python -S -m bot` with the tree first on the path), so the two compare like for like.\n"
        if args.before
        else ""
    )
    body = f"""
{table}{before_note}

Median (min–max) over {args.rounds} rounds; in each round every command runs once, in turn, so a ratio
compares runs a few seconds apart. Wall time is what a user waits and moves with the machine's load;
CPU time is the process's own work and is the figure to hold against the goals on a busy machine
(on an idle core wall ≈ CPU). `etownbot run` is a restart on an existing SQLite file (the schema
check included) with a stub Bot API answering at once. Load average (1 min) {load_before} before,
{load_after} after (2 cores shared with other developers' work), Python {platform.python_version()},
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.

Command: `.venv/bin/python bench/startup.py{" --before DIR" if args.before else ""}` (options: `--rounds N`,
`--before DIR`, `--no-write`). Import times:
`.venv/bin/python -X importtime -m bot evaluate bench/profiles/full.json 2>&1 >/dev/null | sort -t'|' -k2 -n | tail`.
"""
    print(body)
    if not args.no_write:
        write_section("Start-up", body)


if __name__ == "__main__":
    main()
