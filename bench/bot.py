"""Our bot against a bare python-telegram-bot echo bot, through the same fake Bot API, in one run.

The fake Telegram server runs in its own process (so its CPU does not count against the bot);
this process runs the real Application (our polling loop, handlers, service, database), and the
bare echo bot (bench/bare_bot.py) through the same load, in interleaved rounds: the figures that
matter are the ratios within a round. Each chat types a whole screening (10 updates, all text so
the load needs no button lookups); all chats' updates are queued before the bot starts, so it
sees a backlog as after an outage. Then 1, 2 and 4 webhook processes (`etownbot run`) on one
PostgreSQL with many stored conversations: throughput, CPU and resident memory.

Run: ``.venv/bin/python bench/bot.py [--quick] [--rounds 3] [--chats 200] [--stored 100000]``
(writes the "Bot" section of docs/performance.md; ``--quick`` is a short try, ``--no-write``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import storage  # noqa: E402
from bench._perfdoc import write_section  # noqa: E402
from bot.app import BotRunner  # noqa: E402
from bot.runtime import freeze_startup_objects  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.settings import Settings  # noqa: E402
from dialogs import Event  # noqa: E402

TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbench"
SCRIPT = ["/start", "/screen", "1", "光伏", "都没有", "都不是", "都不属于", "1", "500千瓦", "/summary"]
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    """Return a free TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TimedRunner(BotRunner):
    """The real runner, timing each update from the Application's start to the last reply sent."""

    def __init__(self, settings: Settings) -> None:
        """Prepare the timings list and the counters of where the CPU goes."""
        super().__init__(settings)
        self.timings: list[float] = []
        # CPU seconds spent inside Service.process (worker threads) and Bot API calls by method.
        self.step_cpu = 0.0
        self.steps = 0
        self.api_calls: dict[str, int] = {}
        step = self.service.process

        def timed_step(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return step(*args, **kwargs)
            finally:
                self.step_cpu += time.thread_time() - began
                self.steps += 1

        self.service.process = timed_step  # type: ignore[method-assign]
        bot = self.application.bot
        for request in {id(r): r for r in bot._request}.values():  # (getUpdates, everything else)
            original = request.do_request

            async def counted(
                url: str, method: str, *args: Any, _original: Any = original, **kwargs: Any
            ) -> Any:
                name = url.rsplit("/", 1)[-1]
                self.api_calls[name] = self.api_calls.get(name, 0) + 1
                return await _original(url, method, *args, **kwargs)

            request.do_request = counted
        self.done = asyncio.Event()
        self.expected = 0
        self.first_start: float | None = None
        self.last_end = 0.0

    async def _process(self, update: Any) -> None:
        """Time one update through process_update (handlers, database, Bot API calls)."""
        start = time.perf_counter()
        if self.first_start is None:
            self.first_start = start
        await super()._process(update)
        self.last_end = time.perf_counter()
        self.timings.append(self.last_end - start)
        if self.processed >= self.expected:
            self.done.set()

    def reset(self, expected: int) -> None:
        """Start a new measured phase."""
        self.timings = []
        self.step_cpu = 0.0
        self.steps = 0
        self.api_calls = {}
        self.processed = 0
        self.expected = expected
        self.first_start = None
        self.done = asyncio.Event()


async def wait_for_server(url: str) -> None:
    """Wait until the fake server answers."""
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"{url}/_test/messages?chat_id=1") as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("fake Bot API did not start")


async def enqueue(url: str, chats: int, first_chat: int) -> int:
    """Queue every chat's script, step by step across chats; return the number of updates."""
    count = 0
    async with aiohttp.ClientSession() as session:
        for line in SCRIPT:
            sends = [
                session.post(f"{url}/_test/send", json={"chat_id": first_chat + n, "text": line})
                for n in range(chats)
            ]
            for response in await asyncio.gather(*sends):
                response.raise_for_status()
                response.release()
                count += 1
    return count


async def last_text(url: str, chat_id: int) -> str:
    """Return the bot's newest message text in a chat."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/_test/messages?chat_id={chat_id}") as response,
    ):
        rows = await response.json()
    bot_rows = [row for row in rows if row.get("_from_bot")]
    return str(bot_rows[-1].get("text") or "") if bot_rows else ""


async def paced(url: str, chats: int, first_chat: int, rate: float) -> int:
    """Send every chat's script at `rate` updates a second (chats interleaved); return the count."""
    count = 0
    interval = 1.0 / rate
    began = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        for line in SCRIPT:
            for n in range(chats):
                delay = began + count * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                async with session.post(
                    f"{url}/_test/send", json={"chat_id": first_chat + n, "text": line}
                ) as r:
                    r.raise_for_status()
                count += 1
    return count


def _percentiles(timings: list[float]) -> tuple[float, float]:
    """Return p50 and p99 in milliseconds."""
    ordered = sorted(timings)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def start_fake_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start the fake Bot API server in its own process; return it and its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakebotapi", "--port", str(port), "--token", TOKEN, "--no-repl"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


async def run_once(
    database_url: str, chats: int, label: str, rate: float, *, alone: bool = False
) -> dict[str, Any]:
    """Backlog phase (throughput), then a paced phase (handling time at a steady rate)."""
    server, url = start_fake_server()
    try:
        await wait_for_server(url)
        first_chat = 5_000_000
        total = await enqueue(url, chats, first_chat)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=TOKEN,
            telegram_base_url=f"{url}/bot",
            database_url=database_url,
            rate_limit_burst=0,
            poll_timeout=1,
            staff_user_ids="",
            webhook_url="",
            webhook_secret="",
        )
        runner = TimedRunner(settings)
        runner.expected = total
        server_cpu_before = _process_cpu(server.pid)
        cpu_start = resource.getrusage(resource.RUSAGE_SELF)
        await runner.start()
        freeze_startup_objects()  # as `etownbot run` does once started (bot/process.py serve)
        await asyncio.wait_for(runner.done.wait(), timeout=900)
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
        assert runner.first_start is not None
        elapsed = runner.last_end - runner.first_start
        bot_cpu = (cpu_end.ru_utime + cpu_end.ru_stime) - (cpu_start.ru_utime + cpu_start.ru_stime)
        server_cpu = _process_cpu(server.pid) - server_cpu_before
        backlog_p50, backlog_p99 = _percentiles(runner.timings)
        step_cpu_ms = runner.step_cpu / max(1, runner.steps) * 1000
        api_per_update = {name: n / total for name, n in sorted(runner.api_calls.items())}
        final = await last_text(url, first_chat + chats - 1)
        if "测评结果" not in final:
            raise RuntimeError(f"{label}: the last chat did not reach its result: {final[:200]!r}")
        steady_chats = max(1, int(rate * 4 / len(SCRIPT)))
        runner.reset(steady_chats * len(SCRIPT))
        await paced(url, steady_chats, first_chat + chats, rate)
        await asyncio.wait_for(runner.done.wait(), timeout=300)
        steady_p50, steady_p99 = _percentiles(runner.timings)
        await runner.stop()
    finally:
        gc.unfreeze()  # the next bot measured in this process starts as its own process would
        server.terminate()
        server.wait(10)
    return {
        "label": label,
        "updates": total,
        "per_second": total / elapsed,
        "backlog_p50_ms": backlog_p50,
        "backlog_p99_ms": backlog_p99,
        "rate": rate,
        "p50_ms": steady_p50,
        "p99_ms": steady_p99,
        "bot_cpu_ms_per_update": bot_cpu / total * 1000,
        "server_cpu_ms_per_update": server_cpu / total * 1000,
        "step_cpu_ms": step_cpu_ms,
        "api_per_update": api_per_update,
        "alone": step_alone(database_url) if alone else None,
    }


def step_alone(database_url: str, chats: int = 30) -> dict[str, float]:
    """Return CPU ms of one service step with no other work running: whole, and the dialog part."""
    import dialogs

    service = Service(database_url)
    step = dialogs.step
    dialog_cpu = 0.0

    def timed(*args: Any) -> Any:
        nonlocal dialog_cpu
        began = time.thread_time()
        try:
            return step(*args)
        finally:
            dialog_cpu += time.thread_time() - began

    update_id = 900_000_000
    dialogs.step = timed  # type: ignore[assignment]
    try:
        began = time.thread_time()
        for line in SCRIPT:
            for n in range(chats):
                update_id += 1
                key = f"tg:{8_000_000 + n}"
                service.process(key, key, Event.from_text(line), update_id=update_id)
        whole = time.thread_time() - began
    finally:
        dialogs.step = step
        service.close()
    steps = chats * len(SCRIPT)
    return {"step_ms": whole / steps * 1000, "dialog_ms": dialog_cpu / steps * 1000}


def _process_cpu(pid: int) -> float:
    """Return the CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bot_api_ceiling(calls: int = 400) -> tuple[float, float]:
    """Return sendMessage calls/s and CPU ms per call of python-telegram-bot alone (the bot's client, 20 in flight)."""
    from telegram import Bot

    from bot.tg_http import BotRequest

    server, url = start_fake_server()
    try:
        await wait_for_server(url)
        async with aiohttp.ClientSession() as session:
            for n in range(20):
                async with session.post(
                    f"{url}/_test/send", json={"chat_id": 9_000_000 + n, "text": "hi"}
                ) as r:
                    r.raise_for_status()
        bot = Bot(TOKEN, base_url=f"{url}/bot", request=BotRequest(connection_pool_size=16))
        await bot.initialize()
        slots = asyncio.Semaphore(20)

        async def one(n: int) -> None:
            async with slots:
                await bot.send_message(
                    9_000_000 + n % 20, "<b>测评结果</b>\n" + "第27条 分布式光伏发电 " * 10, parse_mode="HTML"
                )

        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(calls)))
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        await bot.shutdown()
    finally:
        server.terminate()
        server.wait(10)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return calls / elapsed, cpu / calls * 1000


def pg_schema_url() -> tuple[str, str] | None:
    """Create a throwaway schema on the test PostgreSQL; None when no server answers."""
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    schema = f"etb_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        print(f"PostgreSQL skipped: {type(error).__name__}: {str(error).splitlines()[0]}")
        return None
    finally:
        admin.dispose()
    url = (
        make_url(PG_URL)
        .set(drivername="postgresql+psycopg")
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    return url, schema


def drop_schema(schema: str) -> None:
    """Drop a throwaway schema."""
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def cost_table(results: list[dict[str, Any]], send_ms: float) -> str:
    """Return a Markdown table of where the bot's CPU goes per update, one column per database."""
    header = "| CPU per update (µs) | " + " | ".join(r["label"] for r in results) + " |"
    rule = "|---|" + "---|" * len(results)
    lines = [header, rule]

    def row(name: str, values: list[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + " |")

    sends = [r["api_per_update"].get("sendMessage", 0.0) for r in results]
    gets = [r["api_per_update"].get("getUpdates", 0.0) for r in results]
    row("dialog step (`dialogs.step`), alone", [f"{r['alone']['dialog_ms'] * 1000:.0f}" for r in results])
    row(
        "database transaction (rest of `Service.process`), alone",
        [f"{(r['alone']['step_ms'] - r['alone']['dialog_ms']) * 1000:.0f}" for r in results],
    )
    row(
        "**the whole step in the running bot** (worker thread, GIL hand-offs included)",
        [f"**{r['step_cpu_ms'] * 1000:.0f}**" for r in results],
    )
    row(
        "**Bot API sends**: sendMessage calls × CPU a call alone",
        [f"**{n * send_ms * 1000:.0f}** ({n:.2f} × {send_ms * 1000:.0f})" for n in sends],
    )
    row(
        "everything else on the event loop: getUpdates (calls per update in brackets), update "
        "parsing, handlers, scheduling, asyncio",
        [
            f"{(r['bot_cpu_ms_per_update'] - r['step_cpu_ms'] - n * send_ms) * 1000:.0f} ({g:.2f})"
            for r, n, g in zip(results, sends, gets, strict=True)
        ],
    )
    row("**total bot CPU**", [f"**{r['bot_cpu_ms_per_update'] * 1000:.0f}**" for r in results])
    return "\n".join(lines)


async def bare_once(chats: int, rate: float) -> dict[str, Any]:
    """The yardstick: the bare echo bot (bench/bare_bot.py) through the same backlog and steady load."""
    from bench import bare_bot

    server, url = start_fake_server()
    try:
        await wait_for_server(url)
        first_chat = 5_000_000
        total = await enqueue(url, chats, first_chat)
        application = bare_bot.build(TOKEN, f"{url}/bot", timed=True)
        assert isinstance(application, bare_bot.TimedApplication)
        done = asyncio.Event()
        expected = [total]

        def processed(count: int) -> None:
            if count >= expected[0]:
                done.set()

        application.on_processed = processed
        cpu_start = resource.getrusage(resource.RUSAGE_SELF)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        await asyncio.wait_for(done.wait(), timeout=900)
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)
        assert application.first_start is not None
        elapsed = application.last_end - application.first_start
        bot_cpu = (cpu_end.ru_utime + cpu_end.ru_stime) - (cpu_start.ru_utime + cpu_start.ru_stime)
        backlog_p50, backlog_p99 = _percentiles(application.timings)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/_test/messages?chat_id={first_chat + chats - 1}") as response,
        ):
            echoes = sorted(str(r.get("text")) for r in await response.json() if r.get("_from_bot"))
        if echoes != sorted(SCRIPT):  # 64 updates at once: a chat's echoes may come in any order
            raise RuntimeError(f"bare bot: the last chat's echoes are {echoes!r}")
        steady_chats = max(1, int(rate * 4 / len(SCRIPT)))
        application.timings = []
        application.processed = 0
        expected[0] = steady_chats * len(SCRIPT)
        done.clear()
        await paced(url, steady_chats, first_chat + chats, rate)
        await asyncio.wait_for(done.wait(), timeout=300)
        steady_p50, steady_p99 = _percentiles(application.timings)
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    finally:
        server.terminate()
        server.wait(10)
    return {
        "label": "bare PTB echo bot",
        "updates": total,
        "per_second": total / elapsed,
        "backlog_p50_ms": backlog_p50,
        "backlog_p99_ms": backlog_p99,
        "rate": rate,
        "p50_ms": steady_p50,
        "p99_ms": steady_p99,
        "bot_cpu_ms_per_update": bot_cpu / total * 1000,
    }


def seed_bulk(database_url: str, count: int, first_chat: int) -> None:
    """Store `count` mid-interview conversations tg:<first_chat + n> in bulk (a busy season's database)."""
    service = Service(database_url)
    service.process("seed", "seed", Event.from_text("/start"))
    service.process("seed", "seed", Event.from_text("/screen"))
    with storage.session_scope(service.sessions) as session:
        stored = storage.load_conversation("seed", session=session)
    assert stored is not None
    table = storage.Conversation.__table__
    now = dt.datetime.now(dt.UTC)
    with service.engine.begin() as connection:
        for begin in range(0, count, 5000):
            rows = [
                {
                    "chat_key": f"tg:{first_chat + n}",
                    "user_key": f"tg:{first_chat + n}",
                    "state": stored.state,
                    "schema_version": stored.schema_version,
                    "version": 1,
                    "finished": False,
                    "updated_at": now,
                }
                for n in range(begin, min(count, begin + 5000))
            ]
            connection.execute(table.insert(), rows)  # type: ignore[attr-defined]
    service.close()


def _proc_status(pid: int, field: str) -> float:
    """Return a /proc/<pid>/status figure in MB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _raw_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """Return a private text message update as Telegram sends it."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "测试"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def _make_chats(url: str, chats: int, first_chat: int) -> None:
    """Make the chats known to the fake server, then confirm those updates so none is pushed later."""
    async with aiohttp.ClientSession() as session:
        for begin in range(0, chats, 200):
            sends = [
                session.post(f"{url}/_test/send", json={"chat_id": first_chat + n, "text": "hi"})
                for n in range(begin, min(chats, begin + 200))
            ]
            for response in await asyncio.gather(*sends):
                response.raise_for_status()
                response.release()
        offset = None
        while True:
            params: dict[str, Any] = {"timeout": 0, "limit": 100}
            if offset is not None:
                params["offset"] = offset
            async with session.post(f"{url}/bot{TOKEN}/getUpdates", json=params) as response:
                batch = (await response.json())["result"]
            if not batch:
                break
            offset = batch[-1]["update_id"] + 1


async def webhook_once(
    processes: int, database_url: str, chats: int, first_chat: int, in_flight: int
) -> dict[str, Any]:
    """Run `processes` webhook processes (`etownbot run`) on one database; Telegram's part played here.

    Updates are POSTed as Telegram does (secret header, up to `in_flight` at once over all
    processes, each chat's next update after the previous one was acknowledged), round robin
    over the processes as a load balancer would.
    """
    server, url = start_fake_server()
    procs: list[subprocess.Popen[bytes]] = []
    secret = "bench-secret"
    # Update ids of their own per run: the database remembers processed ids across runs.
    update_base = 1_000_000_000 + (first_chat % 1_000_000) * 100
    # The bot processes' PostgreSQL connections are found by this name, to count their server CPU.
    application = f"etb_bench_{uuid.uuid4().hex[:8]}"
    try:
        await wait_for_server(url)
        await _make_chats(url, chats, first_chat)
        ports = [free_port() for _ in range(processes)]
        folder = tempfile.mkdtemp(prefix="etb-hook-")
        for port in ports:
            env = {
                **{
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE"))
                },
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": f"{url}/bot",
                "DATABASE_URL": _named(database_url, application),
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
                "WEBHOOK_SECRET": secret,
                "WEBHOOK_PORT": str(port),
                "WEBHOOK_LISTEN": "127.0.0.1",
                "RATE_LIMIT_BURST": "0",
                "STAFF_USER_IDS": "",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),  # this tree's code (not whatever the venv has installed)
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"],
                    cwd=folder,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=open(Path(folder) / f"{port}.log", "wb"),  # noqa: SIM115
                )
            )
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as session:
            for port in ports:
                for _ in range(600):
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)
                else:
                    raise RuntimeError(f"webhook process on {port} did not start: see {folder}")
            cpu_before = [_process_cpu(p.pid) for p in procs]
            pg_before = _backends_cpu(database_url, application)
            server_before = _process_cpu(server.pid)
            driver_before = resource.getrusage(resource.RUSAGE_SELF)
            slots = asyncio.Semaphore(in_flight)
            counter = iter(range(10**9))
            timings: list[float] = []

            async def chat(n: int) -> None:
                chat_id = first_chat + n
                for step, line in enumerate(SCRIPT):
                    update = _raw_update(update_base + n * 100 + step, chat_id, line)
                    port = ports[next(counter) % len(ports)]
                    async with slots:
                        began = time.perf_counter()
                        async with session.post(
                            f"http://127.0.0.1:{port}/hook",
                            json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                        ) as response:
                            if response.status != 200:
                                raise RuntimeError(f"webhook answered {response.status}")
                        timings.append(time.perf_counter() - began)

            started = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(chat(n) for n in range(chats))), timeout=900)
            elapsed = time.perf_counter() - started
        cpu = sum(_process_cpu(p.pid) - before for p, before in zip(procs, cpu_before, strict=True))
        pg_after = _backends_cpu(database_url, application)
        pg_cpu = sum(seconds - pg_before.get(pid, 0.0) for pid, seconds in pg_after.items())
        server_cpu = _process_cpu(server.pid) - server_before
        driver_after = resource.getrusage(resource.RUSAGE_SELF)
        driver_cpu = (driver_after.ru_utime + driver_after.ru_stime) - (
            driver_before.ru_utime + driver_before.ru_stime
        )
        rss = max(_proc_status(p.pid, "VmRSS") for p in procs)
        peak = max(_proc_status(p.pid, "VmHWM") for p in procs)
        final = await last_text(url, first_chat + chats - 1)
        if "测评结果" not in final:
            raise RuntimeError(f"{processes} webhook processes: no result in the last chat: {final[:200]!r}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        server.terminate()
        server.wait(10)
    total = chats * len(SCRIPT)
    p50, p99 = _percentiles(timings)
    return {
        "processes": processes,
        "updates": total,
        "per_second": total / elapsed,
        "p50_ms": p50,
        "p99_ms": p99,
        "bot_cpu_ms_per_update": cpu / total * 1000,
        "server_cpu_ms_per_update": server_cpu / total * 1000,
        "pg_cpu_ms_per_update": pg_cpu / total * 1000,
        "driver_cpu_ms_per_update": driver_cpu / total * 1000,
        "rss_mb": rss,
        "peak_mb": peak,
    }


def _named(database_url: str, application: str) -> str:
    """Return a PostgreSQL URL whose connections carry `application` as their application_name."""
    return (
        make_url(database_url)
        .update_query_dict({"application_name": application})
        .render_as_string(hide_password=False)
    )


def _backends_cpu(database_url: str, application: str) -> dict[int, float]:
    """Return the CPU seconds of each PostgreSQL server process serving connections named `application`."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": application}
            ).scalars()
            found = list(pids)
    finally:
        engine.dispose()
    cpu: dict[int, float] = {}
    for pid in found:
        # Missing when the server runs on another machine, or the process just ended.
        with contextlib.suppress(OSError):
            cpu[pid] = _process_cpu(pid)
    return cpu


def _cores_busy(row: dict[str, Any]) -> float:
    """Return the cores the bot processes, PostgreSQL, the fake server and this driver kept busy together."""
    per_update = sum(
        row[name]
        for name in (
            "bot_cpu_ms_per_update",
            "pg_cpu_ms_per_update",
            "server_cpu_ms_per_update",
            "driver_cpu_ms_per_update",
        )
    )
    return float(row["per_second"]) * per_update / 1000


def _spread(values: list[float], digits: int = 2) -> str:
    """Return 'median (min–max)' of per-round figures."""
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _load() -> str:
    """Return the 1-minute load average."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    """Run the bare bot and ours (SQLite, PostgreSQL) in interleaved rounds, then the webhook curve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short try: 1 round, 50 chats, 10,000 stored")
    parser.add_argument("--rounds", type=int, help="interleaved rounds of bare / SQLite / PostgreSQL (3)")
    parser.add_argument("--chats", type=int, help="chats, each typing a 10-update screening (200)")
    parser.add_argument("--stored", type=int, help="conversations stored before the webhook runs (100,000)")
    parser.add_argument("--rate", type=float, default=50.0, help="updates a second in the steady phase")
    parser.add_argument("--processes", default="1,2,4", help="webhook process counts on PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    defaults = {"rounds": 1, "chats": 50, "stored": 10_000} if args.quick else {}
    for name, value in {"rounds": 3, "chats": 200, "stored": 100_000, **defaults}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    curve_counts = [int(n) for n in args.processes.split(",") if n.strip()]
    load_before = _load()
    began = time.perf_counter()

    rounds: list[dict[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(args.rounds):
            results: dict[str, dict[str, Any]] = {}
            kinds = ["bare", "sqlite", "pg"]
            kinds = kinds[number % 3 :] + kinds[: number % 3]  # a different one first in each round
            for kind in kinds:
                if kind == "bare":
                    results[kind] = asyncio.run(bare_once(args.chats, args.rate))
                elif kind == "sqlite":
                    sqlite_url = f"sqlite:///{Path(folder) / f'bench{number}.db'}"
                    results[kind] = asyncio.run(
                        run_once(sqlite_url, args.chats, "SQLite (file, WAL)", args.rate, alone=number == 0)
                    )
                else:
                    pg = pg_schema_url()
                    if pg is None:
                        continue
                    try:
                        results[kind] = asyncio.run(
                            run_once(pg[0], args.chats, "PostgreSQL (local)", args.rate, alone=number == 0)
                        )
                    finally:
                        drop_schema(pg[1])
                row = results[kind]
                print(
                    f"round {number + 1} {row['label']}: {row['per_second']:.0f} updates/s, "
                    f"{row['bot_cpu_ms_per_update']:.2f} ms CPU/update, steady p99 {row['p99_ms']:.1f} ms",
                    flush=True,
                )
            rounds.append(results)

    curve: list[dict[str, Any]] = []
    pg = pg_schema_url() if curve_counts else None
    if pg is not None:
        url, schema = pg
        try:
            first_stored = 10_000_000
            seeded = time.perf_counter()
            seed_bulk(url, args.stored, first_stored)
            print(f"seeded {args.stored:,} conversations in {time.perf_counter() - seeded:.0f}s", flush=True)
            for index, processes in enumerate(curve_counts):
                # Each run's chats are stored conversations (loaded and updated, not new).
                first_chat = first_stored + index * args.chats
                row = asyncio.run(webhook_once(processes, url, args.chats, first_chat, in_flight=64))
                curve.append(row)
                print(
                    f"{processes} webhook process(es): {row['per_second']:.0f} updates/s, "
                    f"{row['bot_cpu_ms_per_update']:.2f} ms CPU/update, peak RSS {row['peak_mb']:.0f} MB",
                    flush=True,
                )
        finally:
            drop_schema(schema)

    ceiling = asyncio.run(bot_api_ceiling())
    load_after = _load()
    minutes = (time.perf_counter() - began) / 60
    body = report(args, rounds, curve, ceiling, load_before, load_after, minutes)
    print(body)
    if not args.no_write:
        write_section("Bot", body)


def report(
    args: argparse.Namespace,
    rounds: list[dict[str, dict[str, Any]]],
    curve: list[dict[str, Any]],
    ceiling: tuple[float, float],
    load_before: str,
    load_after: str,
    minutes: float,
) -> str:
    """Return the Markdown of the Bot section."""
    labels = {"sqlite": "ours, SQLite (file, WAL)", "pg": "ours, PostgreSQL (local)"}
    bare = [r["bare"] for r in rounds]
    lines = [
        "| bot | backlog updates/s | × bare | CPU per update | × bare | steady p50 / p99 | p99 × bare |",
        "|---|---|---|---|---|---|---|",
        f"| bare PTB echo bot | {_spread([b['per_second'] for b in bare], 0)} | 1 | "
        f"{_spread([b['bot_cpu_ms_per_update'] for b in bare])} ms | 1 | "
        f"{_spread([b['p50_ms'] for b in bare], 1)} / {_spread([b['p99_ms'] for b in bare], 1)} ms | 1 |",
    ]
    ratios: dict[str, float] = {}
    for kind in ("sqlite", "pg"):
        ours = [r for r in rounds if kind in r]
        if not ours:
            continue
        cpu_ratio = [r[kind]["bot_cpu_ms_per_update"] / r["bare"]["bot_cpu_ms_per_update"] for r in ours]
        ratios[kind] = statistics.median(cpu_ratio)
        lines.append(
            f"| {labels[kind]} | {_spread([r[kind]['per_second'] for r in ours], 0)} | "
            f"{_spread([r[kind]['per_second'] / r['bare']['per_second'] for r in ours])} | "
            f"{_spread([r[kind]['bot_cpu_ms_per_update'] for r in ours])} ms | **{_spread(cpu_ratio)}** | "
            f"{_spread([r[kind]['p50_ms'] for r in ours], 1)} / **{_spread([r[kind]['p99_ms'] for r in ours], 1)}** ms | "
            f"{_spread([r[kind]['p99_ms'] / r['bare']['p99_ms'] for r in ours])} |"
        )
    table = "\n".join(lines)
    bare_cpu = statistics.median(b["bot_cpu_ms_per_update"] for b in bare)
    curve_lines = [
        "| webhook processes | updates/s | × one process | bot CPU per update (all processes) | × bare | "
        "webhook p50 / p99 | PostgreSQL server CPU per update | fake server CPU per update | "
        "this driver's CPU per update | cores busy (all four) | peak RSS per process |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    one = curve[0]["per_second"] if curve else 1.0
    for row in curve:
        curve_lines.append(
            f"| {row['processes']} | **{row['per_second']:.0f}** | {row['per_second'] / one:.2f} | "
            f"{row['bot_cpu_ms_per_update']:.2f} ms | {row['bot_cpu_ms_per_update'] / bare_cpu:.2f} | "
            f"{row['p50_ms']:.0f} / {row['p99_ms']:.0f} ms | {row['pg_cpu_ms_per_update']:.2f} ms | "
            f"{row['server_cpu_ms_per_update']:.2f} ms | {row['driver_cpu_ms_per_update']:.2f} ms | "
            f"{_cores_busy(row):.2f} | "
            f"{row['peak_mb']:.0f} MB |"
        )
    curve_table = "\n".join(curve_lines)
    peak = max((row["peak_mb"] for row in curve), default=0.0)
    two = next((row["per_second"] for row in curve if row["processes"] == 2), None)
    steady = [r[k]["p99_ms"] for r in rounds for k in ("sqlite", "pg") if k in r]
    verdicts = [
        f"CPU per update ≤ 1.8× bare on SQLite: {'met' if ratios.get('sqlite', 99) <= 1.8 else 'missed'} "
        f"({ratios.get('sqlite', float('nan')):.2f}×)",
        f"≤ 2.2× on PostgreSQL: {'met' if ratios.get('pg', 99) <= 2.2 else 'missed'} "
        f"({ratios.get('pg', float('nan')):.2f}×)",
        f"steady p99 ≤ 50 ms: {'met' if steady and max(steady) <= 50 else 'missed'}",
        "≥ 300 updates/s with two webhook processes: "
        + ("not measured" if two is None else f"{'met' if two >= 300 else 'missed'} ({two:.0f})"),
        f"≤ 150 MB resident with {args.stored:,} stored: {'met' if curve and peak <= 150 else 'missed'} "
        f"({peak:.0f} MB)",
    ]
    given = " ".join(sys.argv[1:]).replace(" --no-write", "").replace("--no-write", "")
    quick = f" {given}" if given else ""
    return f"""
Our bot against **a bare python-telegram-bot echo bot** (bench/bare_bot.py: PTB's own Application
and Updater, no database, one sendMessage per update, the same concurrency of 64 updates and HTTP
pool of 16), one after the other in each round (the first in a round rotates), each against its own
fake Bot API server (tests/fakebotapi) in a separate process, in this one benchmark process.
Absolute figures move with the machine's load; **the ratios, taken within a round, are the figures
to compare**. Median over {args.rounds} round(s), range in brackets.

* **Backlog** (throughput, CPU): {args.chats} chats each type a full screening ({len(SCRIPT)} updates: menu,
  zone, topic, basic conditions, data centre, exclusions, investment, capacity, result; the bare
  bot echoes them), all queued before the bot starts, as after an outage. Updates/s is from the
  first update taken up to the last one finished; CPU per update is the bot process's user +
  system CPU over that phase divided by the updates (the fake server's CPU is not counted).
* **Steady** (handling time): new chats type the same screening at {args.rate:.0f} updates a second.
  Handling time is from the Application receiving an update to its last reply being accepted.

{table}

**Scaling out: webhook processes on one PostgreSQL**, with {args.stored:,} conversations stored
beforehand; each run's {args.chats} chats are among the stored ones ({args.chats * len(SCRIPT):,}
updates). Each process is a real `etownbot run` in webhook mode; this benchmark plays Telegram
(secret header, at most 64 requests in flight over all processes as `max_connections` allows, a
chat's next update once its previous one was acknowledged, round robin over the processes). The
bot acknowledges an update only after it is processed and stored, so updates/s is end to end.
"× bare" compares with the bare bot's CPU per update above. Everything (the bot processes, the
fake server, PostgreSQL and this driver) shares the machine's {os.cpu_count()} cores, with whatever
else runs on it; "cores busy" is updates/s × the CPU per update of all four (PostgreSQL's counted
over the server processes serving the bot's connections).

{curve_table}

Goals: **{"; ".join(verdicts)}.**

Where our CPU goes, per update of the first round (µs):

{cost_table([r for r in (rounds[0].get("sqlite"), rounds[0].get("pg")) if r], ceiling[1])}

"Alone" figures are measured with nothing else running (the step: 300 steps in one thread; a
sendMessage: 400 calls with 20 in flight through our Bot API client, peaking at {ceiling[0]:.0f} calls/s).
Load average (1 min) {load_before} before and {load_after} after the run ({minutes:.0f} minutes;
2 cores shared with other developers' work while measured), Python {platform.python_version()},
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.

Command: `.venv/bin/python bench/bot.py{quick}` (options: `--quick`, `--rounds N`, `--chats N`,
`--stored N`, `--rate R`, `--processes 1,2,4`, `--no-write`)
"""


if __name__ == "__main__":
    main()
