"""Real bot processes: killed mid-conversation, two sharing one PostgreSQL, the console, bad settings."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest

import storage
from bot.service import Service
from tests.bot.conftest import STAFF_CHAT, STAFF_USER
from tests.bot.talk import ServiceTalk, Talk
from tests.bot.test_journeys import PV_ANSWERS
from tests.fakebotapi import FakeTelegram, SentMessage

SECRET = "multi_instance-secret"
STARTUP_TIMEOUT = 60.0  # a guard only: on a loaded shared machine start-up alone takes 10-30 s


def bot_env(fake: FakeTelegram, database_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a bot process pointed at the fake server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "STAFF_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        DATABASE_URL=database_url,
        STAFF_USER_IDS=str(STAFF_USER),
        STAFF_CHAT_ID=str(STAFF_CHAT),
        POLL_TIMEOUT="1",
        RATE_LIMIT_BURST="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def bot_process(env: dict[str, str], cwd: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run `python -m bot run` (the `etownbot run` entry point); kill it at the end."""
    log = (cwd / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def wait_polling(fake: FakeTelegram, start: int) -> None:
    """Wait until a freshly started bot polls.

    deleteWebhook first: a long poll of a process stopped a moment ago can still be recorded after
    `start`, and a loaded machine can take longer to start than a reply may take.
    """
    await fake.wait_for_call("deleteWebhook", timeout=STARTUP_TIMEOUT, start=start)
    await fake.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT, start=start)


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_killed_mid_conversation_and_restarted_continues(fake: FakeTelegram, tmp_path: Path) -> None:
    """SIGKILL between and during steps: the restarted process continues, nothing lost or doubled."""
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = bot_env(fake, database_url)
    talk = Talk(fake, 3001)
    with bot_process(env, tmp_path, "first") as first:
        await wait_polling(fake, 0)
        await talk.say("/start")
        await talk.press("测一测")
        await talk.press("经开区60")
        topics = talk.question
        first.kill()
        first.wait()
    # While no bot runs, the user keeps tapping.
    fake.user_presses_button_with_text(3001, topics.message_id, "光伏")
    done_query = fake.user_presses_button_with_text(3001, topics.message_id, "完成")
    with bot_process(env, tmp_path, "second") as second:
        await fake.wait_for_callback_answer(done_query, timeout=STARTUP_TIMEOUT)
        assert "» 光伏" in fake.message(3001, topics.message_id).content
        await talk.interview(PV_ANSWERS, stop=r"装机容量")
        # Kill while the answer is being handled: as soon as the bot has fetched it.
        calls = len(fake.calls)
        update_id = fake.user_sends_text(3001, "500千瓦")
        await fake.wait_for_call(
            "getUpdates",
            lambda c: any(u.get("update_id") == update_id for u in c.response.get("result", [])),
            start=calls,
        )
        second.kill()
        second.wait()
    with bot_process(env, tmp_path, "third"):
        await fake.wait_until_delivered(update_id, timeout=STARTUP_TIMEOUT)
        summary = await talk.interview(PV_ANSWERS)
    # A graceful stop (SIGTERM above) confirms what it processed: the next process repeats nothing.
    shown = len(fake.bot_messages(3001))
    calls = len(fake.calls)
    with bot_process(env, tmp_path, "fourth"):
        await wait_polling(fake, calls)
        replies = await talk.say("/summary")
    assert len(replies) == 1 and "测评结果" in replies[0].content
    assert len(fake.bot_messages(3001)) == shown + 1
    service = Service(database_url)
    with storage.session_scope(service.sessions) as session:
        capacity = [a for a in storage.list_answers("tg:3001", session=session) if "capacity" in a.fact]
    assert len(capacity) == 1 and capacity[0].value["value"] == 500
    mirror = ServiceTalk(Service("sqlite://"))
    mirror.press("测一测")
    assert summary.content == mirror.interview(PV_ANSWERS)
    # The user saw each question once at least and never an answer recorded twice.
    asked = [
        m
        for m in fake.bot_messages(3001)
        # The question itself, whether or not it now shows the answer typed to it ("» 记下了：500 千瓦…").
        if "装机容量是多少" in m.content
    ]
    assert 1 <= len(asked) <= 2
    service.close()


class WebhookUser(Talk):
    """A user whose updates are delivered by hand to bot processes in turn, as a load balancer would."""

    def __init__(self, fake: FakeTelegram, chat_id: int, urls: list[str]) -> None:
        """Deliver to the urls round-robin."""
        super().__init__(fake, chat_id)
        self.urls = urls
        self.turn = 0

    async def _deliver(self, update_id: int) -> None:
        """POST the queued update to the next process and check it was accepted after processing."""
        payload = next(u for u in self.fake.pending_updates if u["update_id"] == update_id)
        url = self.urls[self.turn % len(self.urls)]
        self.turn += 1
        status = await self.fake.deliver_via_webhook(payload, url=url, secret_token=SECRET)
        assert status == 200, (url, status)

    async def say(self, text: str) -> list[SentMessage]:
        """Send a text through the next process."""
        mark = self.fake.mark()
        await self._deliver(self.fake.user_sends_text(self.chat_id, text))
        return self.since(mark)

    async def press(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Press a button through the next process."""
        target = message or self.question
        mark = self.fake.mark()
        before = {u["update_id"] for u in self.fake.pending_updates}
        self.fake.user_presses_button_with_text(self.chat_id, target.message_id, label)
        [update_id] = [u["update_id"] for u in self.fake.pending_updates if u["update_id"] not in before]
        await self._deliver(update_id)
        return self.since(mark)


@asynccontextmanager
async def webhook_processes(
    fake: FakeTelegram, database_url: str, cwd: Path, count: int, **extra: str
) -> AsyncIterator[list[str]]:
    """Start `count` webhook-mode bot processes on one database (`extra`: more environment); yield their URLs."""
    ports = [free_port() for _ in range(count)]
    # Telegram would call the load balancer; here nothing listens there, so updates wait in the
    # fake's queue and the test hands each one to a process of its choice.
    balancer = f"http://127.0.0.1:{free_port()}/hook"
    with contextlib_exit_stack() as stack:
        for index, port in enumerate(ports):
            env = bot_env(
                fake,
                database_url,
                WEBHOOK_URL=balancer,
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port),
                **extra,
            )
            stack.enter_context(bot_process(env, cwd, f"web{index}"))
        urls = [f"http://127.0.0.1:{port}/hook" for port in ports]
        for url in urls:
            await wait_listening(url)
        yield urls


def contextlib_exit_stack() -> Any:
    """Return an ExitStack (kept apart so the import stays local to this helper)."""
    import contextlib

    return contextlib.ExitStack()


async def wait_listening(url: str) -> None:
    """Wait until a webhook process answers its health check."""
    import aiohttp

    health = url.rsplit("/", 1)[0] + "/healthz"
    async with aiohttp.ClientSession() as session:
        for _ in range(int(STARTUP_TIMEOUT * 10)):
            try:
                async with session.get(health) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"no bot listening at {url}")


async def run_script(user: Talk) -> None:
    """A journey with a change of answer, the same for every run."""
    await user.say("/start")
    await user.press("测一测")
    await user.interview(PV_ANSWERS)
    await user.say("/change")
    await user.press("装机容量")
    await user.say("1000千瓦")
    await user.say("/summary")


async def test_two_processes_on_one_postgresql_behave_as_one(
    fake: FakeTelegram, pg_database_url: str, tmp_path: Path
) -> None:
    """One chat's updates alternate between two processes: the chat ends exactly as with one process."""
    async with webhook_processes(fake, pg_database_url, tmp_path, 2) as urls:
        alternating = WebhookUser(fake, 3101, urls)
        await run_script(alternating)
        single = WebhookUser(fake, 3102, urls[:1])
        await run_script(single)
        assert alternating.turn > 10
        assert [(m.content, m.button_texts) for m in fake.bot_messages(3101)] == [
            (m.content, m.button_texts) for m in fake.bot_messages(3102)
        ]
        # Two toggles of one chat at the same moment on both processes: both are kept.
        racer = WebhookUser(fake, 3103, urls)
        await racer.say("/start")
        await racer.press("测一测")
        await racer.press("经开区60")
        topics = racer.question
        messages_before = len(fake.bot_messages(3103))
        before = {u["update_id"] for u in fake.pending_updates}
        fake.user_presses_button_with_text(3103, topics.message_id, "光伏")
        fake.user_presses_button_with_text(3103, topics.message_id, "车辆")
        new = [u for u in fake.pending_updates if u["update_id"] not in before]
        statuses = await asyncio.gather(
            *(
                fake.deliver_via_webhook(u, url=url, secret_token=SECRET)
                for u, url in zip(new, urls, strict=True)
            )
        )
        assert statuses == [200, 200]
        # The same update delivered to both processes at once is handled once.
        fake.user_presses_button_with_text(3103, topics.message_id, "绿电交易")
        [again] = [u for u in fake.pending_updates if u["update_id"] not in before and u not in new]
        await asyncio.gather(*(fake.deliver_via_webhook(again, url=url, secret_token=SECRET) for url in urls))
        # Toggles edit the question in place: no message was added, none repeated.
        assert len(fake.bot_messages(3103)) == messages_before
    service = Service(pg_database_url, migrate=False)
    with storage.session_scope(service.sessions) as session:
        stored = storage.load_conversation("tg:3103", session=session)
        alt = storage.load_conversation("tg:3101", session=session)
        one = storage.load_conversation("tg:3102", session=session)
    service.close()
    assert stored is not None and sorted(stored.state["topic_selection"]) == ["green_power", "pv", "vehicles"]
    assert alt is not None and one is not None
    for key in ("enterprise", "projects", "history", "settled", "phase"):
        assert alt.state[key] == one.state[key], key


def run_cli(
    args: list[str], cwd: Path, stdin: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot …` with piped stdin."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "STAFF_"))
    }
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base,
        timeout=60,
    )


class ConsoleDriver:
    """Talk to `python -m bot chat` over pipes, answering each question as it comes."""

    def __init__(self, db: str, cwd: Path) -> None:
        """Start the console process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.transcript = ""
        self.stderr = ""

    def read_turn(self) -> str:
        """Return what the console printed up to its next "> " prompt (or its end)."""
        assert self.process.stdout is not None
        chunk = b""
        while True:
            byte = self.process.stdout.read(1)
            if not byte:
                break
            chunk += byte
            if chunk == b"> " or chunk.endswith(b"\n> "):
                break
        text = chunk.decode("utf-8")
        self.transcript += text
        return text

    def send(self, line: str) -> str:
        """Type a line and return the console's answer."""
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        self.process.stdin.flush()
        self.transcript += line + "\n"
        return self.read_turn()

    def interview(self, answers: list[tuple[str, str]], default: str) -> str:
        """Answer by regex on each printed turn until the result shows; return the result turn."""
        turn = self.read_turn()
        pending = list(answers)
        for _ in range(40):
            if "测评结果" in turn:
                return turn
            chosen = next(((p, a) for p, a in pending if re.search(p, turn)), None)
            if chosen is not None:
                pending.remove(chosen)
            turn = self.send(chosen[1] if chosen else default)
        raise AssertionError(self.transcript[-2000:])

    def close(self, line: str | None = "/quit") -> int:
        """Leave by typing `line`, or by closing stdin (Ctrl-D) when it is None; return the exit code."""
        assert self.process.stdin is not None and self.process.stdout is not None
        assert self.process.stderr is not None
        if line is not None:
            self.process.stdin.write((line + "\n").encode())
        self.process.stdin.close()
        self.transcript += self.process.stdout.read().decode()
        self.stderr = self.process.stderr.read().decode()
        return self.process.wait(30)


def test_console_journey_in_a_real_process_and_resume(tmp_path: Path) -> None:
    """`etownbot chat`: numbers press buttons, "1,3" in a multi-select, typed figures; resumes later."""
    db = f"sqlite:///{tmp_path / 'console.db'}"
    console = ConsoleDriver(db, tmp_path)
    result = console.interview(
        [
            (r"1\. 🔍 测一测", "1"),
            (r"企业在哪里经营", "1"),
            (r"做了或打算做哪些事", "1,3"),
            (r"近三年", "都没有"),
            (r"哪些类型", "都不是"),
            (r"三同时", "都不属于"),
            (r"装机容量", "500千瓦"),
            (r"投资", "1"),
        ],
        default="不知道",
    )
    assert "[ ] 光伏" in console.transcript
    assert "第27条" in result and "光伏" in result
    assert console.close(None) == 0, console.stderr
    assert "再见" in console.transcript and "Traceback" not in console.transcript + console.stderr
    again = ConsoleDriver(db, tmp_path)
    resumed = again.read_turn()
    assert "继续上次的对话" in resumed and "测评结果" in resumed
    listing = again.send("/change")
    assert "500千瓦" in listing and "光伏、车辆" in listing.replace("，", "、")
    assert again.close() == 0


def test_run_without_token_and_without_a_terminal_refuses_with_one_line(tmp_path: Path) -> None:
    """Under systemd (no terminal) `etownbot run` without a token says so once and exits 2, writing nothing."""
    database = tmp_path / "x.db"
    result = run_cli(["run"], tmp_path, "/quit\n", {"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0] and "etownbot chat" in lines[0]
    assert result.stdout == "" and not database.exists()


def test_run_without_token_on_a_terminal_opens_the_console_on_the_configured_database(
    tmp_path: Path, pg_database_url: str
) -> None:
    """On a terminal the console opens, and it names the database DATABASE_URL points at."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))}
    env["DATABASE_URL"] = pg_database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=tmp_path,
        env=env,
    )
    os.close(follower)
    seen = b""
    try:
        while b"> " not in seen:
            chunk = os.read(leader, 4096)
            if not chunk:
                break
            seen += chunk
        os.write(leader, b"/quit\n")
        assert process.wait(60) == 0
        with contextlib.suppress(OSError):
            while chunk := os.read(leader, 4096):
                seen += chunk
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "PostgreSQL 127.0.0.1:5432/test" in text and "SQLite" not in text
    assert "亦庄绿策" in text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_the_bot_within_5_s_while_telegram_is_unreachable(
    fake: FakeTelegram, tmp_path: Path, sig: signal.Signals
) -> None:
    """Telegram unreachable: the bot retries with backoff, and a stop signal ends it within 5 s."""
    nowhere = f"http://127.0.0.1:{free_port()}/bot"
    env = bot_env(fake, f"sqlite:///{tmp_path / 'bot.db'}", TELEGRAM_BASE_URL=nowhere)
    with bot_process(env, tmp_path, "unreachable") as process:
        log = tmp_path / "unreachable.log"
        for _ in range(int(STARTUP_TIMEOUT * 10)):
            if log.read_text(errors="replace").count("cannot reach Telegram") >= 2:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(log.read_text(errors="replace")[-2000:])
        started = time.monotonic()
        process.send_signal(sig)
        code = await asyncio.get_running_loop().run_in_executor(None, process.wait, 30)
        assert time.monotonic() - started < 5.0
        assert code == 0
    assert "Traceback" not in log.read_text(errors="replace")


@contextmanager
def silent_server() -> Iterator[socket.socket]:
    """Listen on a local port that accepts connections and never says a word."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        yield silent


def test_a_postgresql_that_never_answers_fails_start_up_with_one_line(tmp_path: Path) -> None:
    """Connect timeout: one clear line naming the database, a non-zero exit, no hang, no traceback."""
    with silent_server() as silent:
        port = silent.getsockname()[1]
        result = run_cli(
            ["run"],
            tmp_path,
            "",
            {
                "TELEGRAM_BOT_TOKEN": "123:abc",
                "DATABASE_URL": f"postgresql://bot@127.0.0.1:{port}/etown",
                "DATABASE_CONNECT_TIMEOUT": "2",
            },
        )
    assert result.returncode == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Cannot open the database" in lines[0] and f"127.0.0.1:{port}/etown" in lines[0]
    assert "timeout" in lines[0]


async def test_sigterm_stops_start_up_while_postgresql_never_answers(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Waiting on a silent database does not make the bot deaf to SIGTERM."""
    with silent_server() as silent:
        port = silent.getsockname()[1]
        env = bot_env(fake, f"postgresql://bot@127.0.0.1:{port}/etown", DATABASE_CONNECT_TIMEOUT="120")
        with bot_process(env, tmp_path, "silent-db") as process:
            silent.settimeout(STARTUP_TIMEOUT)
            connection, _ = await asyncio.get_running_loop().run_in_executor(None, silent.accept)
            await asyncio.sleep(0.5)  # the bot has sent its greeting and waits for an answer
            assert process.poll() is None
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = await asyncio.get_running_loop().run_in_executor(None, process.wait, 30)
            connection.close()
            assert time.monotonic() - started < 5.0 and code == 0


def test_dead_letters_are_listed_and_replayed_from_the_command_line(tmp_path: Path) -> None:
    """`etownbot dead-letters` lists kept updates; `--replay ID` feeds one to the bot, which answers."""

    async def scenario() -> None:
        async with FakeTelegram() as fake:
            fake.add_chat(3301, first_name="测试")
            database_url = f"sqlite:///{tmp_path / 'bot.db'}"
            chat = {"id": 3301, "type": "private", "first_name": "测试"}
            user = {"id": 3301, "is_bot": False, "first_name": "测试"}
            update = {
                "update_id": 77,
                "message": {"message_id": 5, "date": 1, "chat": chat, "from": user, "text": "/start"},
            }
            service = Service(database_url)
            with storage.session_scope(service.sessions) as session:
                storage.add_dead_letter(77, update, "ValueError", 3, session=session, chat_key="tg:3301")
            service.close()
            env = bot_env(fake, database_url)
            loop = asyncio.get_running_loop()
            listing = await loop.run_in_executor(None, run_cli, ["dead-letters"], tmp_path, "", env)
            assert listing.returncode == 0, listing.stderr
            assert "#1  update 77  tg:3301  ValueError x3" in listing.stdout and "'/start'" in listing.stdout
            replay = await loop.run_in_executor(
                None, run_cli, ["dead-letters", "--replay", "1"], tmp_path, "", env
            )
            assert replay.returncode == 0, replay.stdout + replay.stderr
            assert replay.stdout.startswith("OK")
            assert "亦庄绿策" in fake.bot_messages(3301)[0].content
            after = await loop.run_in_executor(None, run_cli, ["dead-letters"], tmp_path, "", env)
            assert "No dead letters" in after.stdout
            kept = await loop.run_in_executor(None, run_cli, ["dead-letters", "--all"], tmp_path, "", env)
            assert "(replayed)" in kept.stdout

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STAFF_USER_IDS", "12,abc"),
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("WEBHOOK_URL", "https://bot.example.com/hook"),
        ("BOT_LANG", "fr"),
        ("DATABASE_URL", "mysql://localhost/x"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    """One clear line in Chinese and English, exit code 2, no traceback."""
    result = run_cli(
        ["run"], tmp_path, "", {variable: value, "TELEGRAM_BOT_TOKEN": "123:abc"} | {variable: value}
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "配置错误" in lines[0] and "Configuration error" in lines[0]
    assert "Traceback" not in result.stderr
    assert (variable if variable != "WEBHOOK_URL" else "WEBHOOK_SECRET") in lines[0]


def _postgresql_binaries() -> Path | None:
    """Return the directory with initdb and pg_ctl, if a PostgreSQL server is installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@contextmanager
def private_postgresql() -> Iterator[tuple[str, Callable[..., None]]]:
    """Run a throwaway PostgreSQL cluster of our own (never the shared one); yield its URL and pg_ctl."""
    binaries = _postgresql_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # initdb refuses to run as root: the cluster belongs to the postgres user then.
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="etb-pg-"))
    if as_owner:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = free_port()
    subprocess.run(
        [*as_owner, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )

    def pg_ctl(*args: str) -> None:
        """Run pg_ctl on the private cluster and wait for it."""
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [
                *as_owner,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-o",
                options,
                "-w",
                *args,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    pg_ctl("start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", pg_ctl
    finally:
        with contextlib.suppress(Exception):
            pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


class RetryingWebhookUser(WebhookUser):
    """A user whose updates are re-delivered until a process accepts them, as Telegram does."""

    refused: ClassVar[list[int]] = []

    async def _deliver(self, update_id: int) -> None:
        """POST to the next process; on a 5xx wait a little and try again (the next process)."""
        payload = next(u for u in self.fake.pending_updates if u["update_id"] == update_id)
        for _ in range(400):
            url = self.urls[self.turn % len(self.urls)]
            self.turn += 1
            status = await self.fake.deliver_via_webhook(payload, url=url, secret_token=SECRET)
            if status == 200:
                return
            assert status in (500, 503), status
            self.refused.append(status)
            await asyncio.sleep(0.3)
        raise AssertionError(f"update {update_id} never accepted")


async def test_a_postgresql_restart_during_traffic_through_two_webhook_processes(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """The database goes away mid-journey: updates are refused (5xx) until it is back, each user is told
    once per process that the system is busy, and every conversation ends exactly as without the outage."""
    busy = "系统繁忙，恢复后会自动继续。"
    RetryingWebhookUser.refused = []
    with private_postgresql() as (database_url, pg_ctl):
        async with webhook_processes(fake, database_url, tmp_path, 2) as urls:
            reference = RetryingWebhookUser(fake, 3201, urls)
            await run_script(reference)
            assert RetryingWebhookUser.refused == []
            users = [RetryingWebhookUser(fake, chat_id, urls) for chat_id in (3202, 3203, 3204, 3205)]
            for user in users:
                await user.say("/start")
                await user.press("测一测")
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, pg_ctl, "stop", "-m", "fast")

            async def restart_later() -> None:
                await asyncio.sleep(2.5)
                await loop.run_in_executor(None, pg_ctl, "start")

            async def carry_on(user: RetryingWebhookUser) -> None:
                await user.interview(PV_ANSWERS)
                await user.say("/change")
                await user.press("装机容量")
                await user.say("1000千瓦")
                await user.say("/summary")

            await asyncio.gather(restart_later(), *(carry_on(user) for user in users))
        assert len(RetryingWebhookUser.refused) >= len(users)
        expected = [(m.content, m.button_texts) for m in fake.bot_messages(3201)]
        for user in users:
            shown = [(m.content, m.button_texts) for m in fake.bot_messages(user.chat_id)]
            assert 1 <= sum(content == busy for content, _ in shown) <= len(urls), user.chat_id
            assert [item for item in shown if item[0] != busy] == expected, user.chat_id
        service = Service(database_url, migrate=False)
        with storage.session_scope(service.sessions) as session:
            theirs = [a.fact for a in storage.list_answers("tg:3201", session=session)]
            for user in users:
                assert [a.fact for a in storage.list_answers(f"tg:{user.chat_id}", session=session)] == theirs
            assert storage.list_dead_letters(session=session) == []
        service.close()
