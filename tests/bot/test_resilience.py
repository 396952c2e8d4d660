"""What users and Telegram throw at the bot: repeats, stale buttons, odd messages, floods, failures."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import storage
import storage.db
from bot.app import DEAD_LETTER_AFTER, BotRunner
from bot.logs import mask, setup_logging
from bot.markup import TELEGRAM_LIMIT
from dialogs import Event
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, running_bot
from tests.bot.talk import Talk
from tests.bot.test_journeys import CREDIT_CODE, PHONE, PV_ANSWERS, leave_contact, start_screening
from tests.bot.test_processes import run_script
from tests.fakebotapi import FakeTelegram, SentMessage


def answers_of(bot: BotRunner, chat_key: str) -> list[storage.Answer]:
    """Read a chat's answer history."""
    with storage.session_scope(bot.service.sessions) as session:
        return storage.list_answers(chat_key, session=session)


async def reach_capacity_question(talk: Talk) -> None:
    """Walk the PV story up to the capacity question."""
    await start_screening(talk)
    await talk.interview(PV_ANSWERS, stop=r"装机容量")


async def test_a_redelivered_update_is_processed_once(fake: FakeTelegram, bot: BotRunner) -> None:
    """Telegram re-sending the same update (same update_id) changes nothing and says nothing twice."""
    talk = Talk(fake, 2001)
    await reach_capacity_question(talk)
    update_id = fake.user_sends_text(2001, "500千瓦")
    payload = next(u for u in fake.pending_updates if u["update_id"] == update_id)
    await fake.wait_until_delivered(update_id)
    before = len(fake.bot_messages(2001))
    history = answers_of(bot, "tg:2001")
    mark = fake.mark()
    fake.inject_raw_update(payload)
    await fake.wait_until_delivered(update_id)
    assert talk.since(mark) == []
    assert len(fake.bot_messages(2001)) == before
    assert len(answers_of(bot, "tg:2001")) == len(history)


async def test_a_stale_button_is_explained_and_the_current_question_shown(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """Pressing 不知道 under an already answered question does not undo the answer."""
    talk = Talk(fake, 2002)
    await reach_capacity_question(talk)
    old = talk.question
    unknown = old.button("不知道")["callback_data"]
    await talk.say("500千瓦")
    current = talk.question
    assert current.message_id != old.message_id
    # The answered question lost its buttons (issue 10); a client showing the old keyboard still
    # sends its data: the press is explained and the current question shown.
    assert fake.message(2002, old.message_id).buttons == []
    user = {"id": 2002, "is_bot": False, "first_name": "测试"}
    message = {
        "message_id": old.message_id,
        "date": old.date,
        "chat": {"id": 2002, "type": "private", "first_name": "测试"},
        "from": fake.bot_user,
        "text": old.content,
    }
    update_id = fake.inject_raw_update(
        {
            "callback_query": {
                "id": "q-old",
                "from": user,
                "chat_instance": "9",
                "message": message,
                "data": unknown,
            }
        }
    )
    await fake.wait_until_delivered(update_id)
    shown = talk.since(current.seq)
    assert any("之前的问题" in m.content for m in shown)
    assert shown[-1].content == current.content and shown[-1].buttons
    listing = await talk.say("/change")
    assert "500千瓦" in listing[-1].content


async def test_multi_select_toggles_edit_the_question_in_place(fake: FakeTelegram, bot: BotRunner) -> None:
    """Ticks appear on the same message; 完成 keeps the question with the choice and drops the buttons."""
    talk = Talk(fake, 2003)
    await start_screening(talk)
    await talk.press("经开区60")
    topics = talk.question
    count = len(fake.bot_messages(2003))
    answered = len(fake.calls_to("answerCallbackQuery"))
    edited = await talk.press("光伏")
    assert [m.message_id for m in edited] == [topics.message_id]
    assert "✅ 光伏" in fake.message(2003, topics.message_id).button_texts
    await talk.press("车辆")
    await talk.press("光伏")
    labels = fake.message(2003, topics.message_id).button_texts
    assert "光伏" in labels and any(label.startswith("✅ 车辆") for label in labels)
    assert len(fake.bot_messages(2003)) == count
    await talk.press("完成")
    closed = fake.message(2003, topics.message_id)
    assert closed.buttons == [] and "» 车辆" in closed.content
    presses = fake.calls_to("answerCallbackQuery")[answered:]
    assert len(presses) == 4 and all(c.ok for c in presses)


async def test_odd_messages_get_a_sensible_answer(fake: FakeTelegram, bot: BotRunner) -> None:
    """Stickers, photos, edits, empty, oversized and malformed updates never break the conversation."""
    talk = Talk(fake, 2004)
    await start_screening(talk)
    question = talk.question.content
    mark = fake.mark()
    await fake.wait_until_delivered(fake.user_sends_sticker(2004))
    replies = talk.since(mark)
    assert "文字" in replies[0].content and replies[-1].content == question
    mark = fake.mark()
    await fake.wait_until_delivered(fake.user_sends_photo(2004, caption="我们的光伏板"))
    assert "文字" in talk.since(mark)[0].content
    sent = await talk.say("你好")
    own = next(m for m in fake.messages(2004) if not m.from_bot and m.content == "你好")
    mark = fake.mark()
    await fake.wait_until_delivered(fake.user_edits_message(2004, own.message_id, "你好啊"))
    assert "/change" in talk.since(mark)[0].content
    assert sent
    too_long = await talk.say("光" * 5000)
    assert "太长" in too_long[0].content
    chat = {"id": 2004, "type": "private", "first_name": "测试"}
    user = {"id": 2004, "is_bot": False, "first_name": "测试"}
    empty = fake.inject_raw_update(
        {"message": {"message_id": 999, "date": 1, "chat": chat, "from": user, "text": ""}}
    )
    await fake.wait_until_delivered(empty)
    broken = fake.inject_raw_update({"message": {"message_id": 1000, "text": "no chat, no date"}})
    junk_press = fake.inject_raw_update(
        {"callback_query": {"id": "q-junk", "from": user, "chat_instance": "1", "data": "x" * 64}}
    )
    await fake.wait_until_delivered(broken)
    await fake.wait_until_delivered(junk_press)
    # The queue is not blocked: the conversation goes on where it was.
    after = await talk.press("经开区60")
    assert "做了或打算做哪些事" in after[-1].content


async def test_unparseable_callback_data_is_treated_as_stale(fake: FakeTelegram, bot: BotRunner) -> None:
    """A press whose data is not ours (an old bot version, a forged update) is answered and explained."""
    talk = Talk(fake, 2005)
    await start_screening(talk)
    message = talk.question
    chat = {"id": 2005, "type": "private", "first_name": "测试"}
    user = {"id": 2005, "is_bot": False, "first_name": "测试"}
    forged = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat,
        "from": fake.bot_user,
        "text": message.content,
    }
    mark = fake.mark()
    update_id = fake.inject_raw_update(
        {
            "callback_query": {
                "id": "q-forged",
                "from": user,
                "chat_instance": "9",
                "message": forged,
                "data": "a:core60",
            }
        }
    )
    await fake.wait_until_delivered(update_id)
    shown = talk.since(mark)
    assert any("失效" in m.content for m in shown)
    assert "企业在哪里经营" in talk.question.content


async def test_a_flood_gets_one_polite_slow_down(fake: FakeTelegram, sqlite_url: str) -> None:
    """Twenty messages at once: a burst is served, one note asks to slow down, then service resumes."""
    async with running_bot(fake, sqlite_url, rate_limit_burst=5, rate_limit_per_minute=600):
        talk = Talk(fake, 2006)
        ids = [fake.user_sends_text(2006, f"问题{i}？") for i in range(20)]
        for update_id in ids:
            await fake.wait_until_delivered(update_id)
        texts = talk.texts
        assert sum("太快" in text for text in texts) == 1
        await asyncio.sleep(1.1)  # the bucket refills at 10 a second (message dates have 1 s steps)
        later = await talk.say("/start")
        assert "亦庄绿策" in later[0].content


async def test_a_bug_is_retried_then_kept_as_a_dead_letter_never_confirmed_silently(
    fake: FakeTelegram, bot: BotRunner, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A step that fails for a reason retrying cannot cure: tried a bounded number of times, then kept."""
    talk = Talk(fake, 2007)
    await talk.say("/start")
    real = bot.service.process
    calls = {"help": 0}

    def broken(chat_key: str, user_key: str, event: Event, **kwargs: Any) -> Any:
        if event.command == "help":
            calls["help"] += 1
            raise ValueError("bad data in the step")
        return real(chat_key, user_key, event, **kwargs)

    monkeypatch.setattr(bot.service, "process", broken)
    with caplog.at_level(logging.WARNING):
        said = await talk.say("/help")
    assert calls["help"] == DEAD_LETTER_AFTER
    assert [m.content for m in said] == ["抱歉，这条消息没能处理，已转给工作人员查看。"]
    assert any("kept as a dead letter" in r.getMessage() for r in caplog.records)
    with storage.session_scope(bot.service.sessions) as session:
        [letter] = storage.list_dead_letters(session=session)
    assert letter.payload["message"]["text"] == "/help" and letter.error == "ValueError"
    assert (letter.chat_key, letter.attempts) == ("tg:2007", DEAD_LETTER_AFTER)
    # The chat goes on, and staff see the dead letter in /stats.
    pressed = await talk.press("测一测")
    assert "企业在哪里经营" in pressed[-1].content
    stats = await Talk(fake, STAFF_USER).say("/stats")
    assert "未处理的失败消息：1" in stats[0].content
    # Replayed once the cause is fixed: the user gets the answer after all.
    monkeypatch.setattr(bot.service, "process", real)
    mark = fake.mark()
    assert await bot.replay(letter.payload)
    assert any("/start" in m.content for m in talk.since(mark))


class PatientTalk(Talk):
    """A user whose presses count as done when Telegram has the update confirmed, not when answered.

    During an outage a press is answered at once (with a toast) but processed only later.
    """

    async def press(self, label: str, message: SentMessage | None = None) -> list[SentMessage]:
        """Press a button and wait until the bot has processed (and confirmed) the update."""
        target = message or self.question
        mark = self.fake.mark()
        before = {u["update_id"] for u in self.fake.pending_updates}
        self.fake.user_presses_button_with_text(self.chat_id, target.message_id, label)
        [update_id] = [u["update_id"] for u in self.fake.pending_updates if u["update_id"] not in before]
        await self.fake.wait_until_delivered(update_id, 20)
        return self.since(mark)

    async def say(self, text: str) -> list[SentMessage]:
        """Send a text and wait (longer than usual) until it is processed and confirmed."""
        mark = self.fake.mark()
        await self.fake.wait_until_delivered(self.fake.user_sends_text(self.chat_id, text), 20)
        return self.since(mark)


def hold_sqlite_lock(path: Path, seconds: float, taken: threading.Event) -> None:
    """Hold SQLite's write lock on a file for a while, as a long transaction elsewhere would."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        taken.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_a_long_sqlite_lock_loses_nothing_and_tells_each_user_once(
    fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polling, the database locked far beyond the busy timeout mid-journey: nothing is confirmed
    unprocessed, each user is told once that the system is busy, and every journey ends as without it."""
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "locked.db"
    async with running_bot(fake, f"sqlite:///{path}") as runner:
        reference = Talk(fake, 2201)
        await run_script(reference)
        chats = [PatientTalk(fake, chat_id) for chat_id in (2202, 2203, 2204)]
        for talk in chats:
            await talk.say("/start")
            await talk.press("测一测")
        taken = threading.Event()
        lock = asyncio.get_running_loop().run_in_executor(None, hold_sqlite_lock, path, 3.0, taken)
        await asyncio.get_running_loop().run_in_executor(None, taken.wait, 10)
        # Each user answers while the database is locked; the updates wait, then carry on by themselves.
        await asyncio.gather(*(talk.interview(PV_ANSWERS) for talk in chats))
        await lock
        for talk in chats:
            await talk.say("/change")
            await talk.press("装机容量")
            await talk.say("1000千瓦")
            await talk.say("/summary")
        busy = "系统繁忙，恢复后会自动继续。"
        expected = [(m.content, m.button_texts) for m in fake.bot_messages(2201)]
        for talk in chats:
            shown = [(m.content, m.button_texts) for m in fake.bot_messages(talk.chat_id)]
            assert sum(content == busy for content, _ in shown) == 1, talk.chat_id
            assert [item for item in shown if item[0] != busy] == expected
            assert "抱歉" not in "".join(content for content, _ in shown)
        with storage.session_scope(runner.service.sessions) as session:
            for talk in chats:
                mine = [a.fact for a in storage.list_answers(f"tg:{talk.chat_id}", session=session)]
                theirs = [a.fact for a in storage.list_answers("tg:2201", session=session)]
                assert mine == theirs
            assert storage.list_dead_letters(session=session) == []


async def test_telegram_flood_control_and_blocked_chats(fake: FakeTelegram, bot: BotRunner) -> None:
    """A 429 is waited out and the message still arrives; a 403 is logged, not raised at anyone."""
    talk = Talk(fake, 2008)
    fake.inject_error("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    replies = await talk.say("/start")
    assert "亦庄绿策" in replies[0].content
    fake.inject_error("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await talk.say("/help")
    again = await talk.say("/start")
    assert "亦庄绿策" in again[0].content


async def test_non_staff_cannot_reach_staff_commands(
    fake: FakeTelegram, bot: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """Every staff command is refused politely for others, nothing is sent, and the attempt is logged."""
    talk = Talk(fake, 2009)
    with caplog.at_level(logging.WARNING):
        for command in ("/leads", "/export", "/stats", "/misses", "/export@etown_policy_test_bot"):
            replies = await talk.say(command)
            assert len(replies) == 1 and "工作人员" in replies[0].content and replies[0].document is None
    refused = [r for r in caplog.records if "refused staff command" in r.getMessage()]
    assert len(refused) == 5
    assert fake.calls_to("sendDocument") == []
    # In the staff group, someone who is not on the list gets nothing at all.
    mark = fake.mark()
    update_id = fake.user_sends_text(STAFF_CHAT, "/export", user_id=2010)
    await fake.wait_until_delivered(update_id)
    assert [m for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark] == []
    # Staff themselves cannot pull lead data into some other group the bot was added to.
    other_group = -1009999
    fake.add_chat(other_group, title="某个外部群")
    update_id = fake.user_sends_text(other_group, "/export", user_id=STAFF_USER)
    await fake.wait_until_delivered(update_id)
    assert fake.bot_messages(other_group) == [] and fake.calls_to("sendDocument") == []
    staff_here = fake.user_sends_text(STAFF_CHAT, "/stats", user_id=STAFF_USER)
    await fake.wait_until_delivered(staff_here)
    assert "统计" in fake.last_bot_message(STAFF_CHAT).content


async def test_faq_miss_reaches_staff_and_long_lists_are_split(fake: FakeTelegram, bot: BotRunner) -> None:
    """An unanswerable question is passed to staff; /misses over 4096 characters arrives in pieces."""
    talk = Talk(fake, 2011)
    await talk.say("/start")
    await talk.press("问一个政策问题")
    asked = await talk.say("月球上的<工厂>&仓库能申请吗？")
    assert "答不上来" in asked[-1].content
    await talk.press("转给工作人员")
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=0)
    assert "月球上的<工厂>&仓库能申请吗？" in post.content
    with storage.session_scope(bot.service.sessions) as session:
        for number in range(12):
            storage.record_faq_miss(
                "tg:3", f"第{number}个长问题<b>&amp;" + "很长的问题" * 100, "zh", session=session
            )
    officer = Talk(fake, STAFF_USER)
    parts = await officer.say("/misses")
    assert len(parts) >= 2 and all(len(part.content) <= TELEGRAM_LIMIT for part in parts)
    joined = "\n".join(part.content for part in parts)
    assert "月球上的<工厂>&仓库能申请吗？" in joined and "第11个长问题<b>&amp;" in joined


async def test_command_menus_in_both_languages_and_for_staff(fake: FakeTelegram, bot: BotRunner) -> None:
    """setMyCommands: Chinese and English menus for everyone, the staff commands only for staff."""
    zh = {c["command"]: c["description"] for c in fake.commands_for(language_code="zh")}
    en = {c["command"]: c["description"] for c in fake.commands_for(language_code="en")}
    assert zh["start"].startswith("开始") and en["start"].startswith("Start")
    assert {"start", "summary", "change", "contact", "delete", "lang"} <= zh.keys() == en.keys()
    assert "export" not in zh
    staff = {c["command"] for c in fake.commands_for({"type": "chat", "chat_id": STAFF_USER})}
    group = {c["command"] for c in fake.commands_for({"type": "chat", "chat_id": STAFF_CHAT})}
    desk = {"leads", "export", "stats", "misses", "questions", "reply", "lead", "faq"}
    assert desk <= staff and group == desk


@pytest.fixture
def configured_log() -> Iterator[tuple[io.StringIO, list[str]]]:
    """Configure logging as `etownbot run` does, into a buffer; yield it and the secrets to hide."""
    buffer = io.StringIO()
    secrets: list[str] = []
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    noisy = {
        name: logging.getLogger(name).level
        for name in ("httpx", "httpcore", "tornado.access", "sqlalchemy", "alembic")
    }
    try:
        yield buffer, secrets
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_no_personal_data_or_secret_reaches_the_logs(
    fake: FakeTelegram, sqlite_url: str, configured_log: tuple[io.StringIO, list[str]], level: str
) -> None:
    """A whole journey with a lead through the webhook, then a failing statement: nothing personal logged."""
    buffer, _ = configured_log
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    secret = "hook_SECRET-4711"
    setup_logging(level, buffer, secrets=(fake.token, secret))
    async with running_bot(
        fake, sqlite_url, webhook_url=url, webhook_secret=secret, webhook_port=port, log_level=level
    ) as runner:
        talk = Talk(fake, 2012)
        await start_screening(talk)
        await talk.interview(PV_ANSWERS)
        await leave_contact(talk)
        await talk.say(f"我的手机是 +86 {PHONE}，公司是北京保密示例科技有限公司")
        # A statement failing on a duplicate lead, logged as the handlers log a failed update.
        with storage.session_scope(runner.service.sessions) as session:
            [lead] = storage.list_leads(session=session)
        try:
            with runner.service.engine.begin() as connection:
                connection.execute(
                    storage.Lead.__table__.insert(),
                    {c.name: getattr(lead, c.name) for c in storage.Lead.__table__.columns if c.name != "id"},
                )
        except Exception:
            logging.getLogger("bot.handlers").exception("update 1180713811303424 failed")
    text = buffer.getvalue()
    assert "lead 1 created" in text and "update 1180713811303424 failed" in text
    assert "IntegrityError" in text and "INSERT INTO leads" in text
    for private in (fake.token, secret, PHONE, CREDIT_CODE, "张三", "A&B", "A&amp;B", "保密示例"):
        assert private not in text, private
    if level == "DEBUG":
        assert "sendMessage" in text  # the library's debug lines are there, masked


def _free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_refuses_requests_without_the_secret(fake: FakeTelegram, sqlite_url: str) -> None:
    """Webhook mode: no or a wrong X-Telegram-Bot-Api-Secret-Token gets 403; Telegram's own gets served."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    async with running_bot(
        fake, sqlite_url, webhook_url=url, webhook_secret="s3cret_TOKEN-1", webhook_port=port
    ):
        assert fake.webhook.url == url and fake.webhook.secret_token == "s3cret_TOKEN-1"
        chat = {"id": 2013, "type": "private", "first_name": "测试"}
        user = {"id": 2013, "is_bot": False, "first_name": "测试"}
        forged = {"message": {"message_id": 1, "date": 1, "chat": chat, "from": user, "text": "/start"}}
        assert await fake.deliver_via_webhook(forged, secret_token=None) == 403
        assert await fake.deliver_via_webhook(forged, secret_token="guess") == 403
        assert fake.bot_messages(2013) == []
        talk = Talk(fake, 2014)
        replies = await talk.say("/start")
        assert "亦庄绿策" in replies[0].content
        pressed = await talk.press("测一测")
        assert "企业在哪里经营" in pressed[-1].content
        assert all(d.status == 200 for d in fake.webhook_deliveries if d.secret_sent == "s3cret_TOKEN-1")


async def test_one_chat_waiting_out_a_flood_limit_does_not_hold_up_others(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """Telegram makes one reply wait 3 s (429); another user is answered meanwhile."""
    calls = len(fake.calls)
    fake.inject_error("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    slow = fake.user_sends_text(2101, "/start")
    await fake.wait_for_call("sendMessage", lambda c: c.status == 429, start=calls)
    fake.user_sends_text(2102, "/start")
    other = await fake.wait_for_bot_message(2102, timeout=2.5)
    assert "亦庄绿策" in other.content
    assert fake.bot_messages(2101) == []
    await fake.wait_until_delivered(slow, timeout=10)
    assert "亦庄绿策" in fake.bot_messages(2101)[0].content


async def test_webhook_refuses_deep_big_and_non_json_bodies(fake: FakeTelegram, sqlite_url: str) -> None:
    """Deeply nested JSON gets 400 (no traceback), over 1 MB 413, a non-JSON content type 415."""
    import aiohttp

    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_TOKEN-1"}
    as_json = {**secret, "Content-Type": "application/json"}
    async with (
        running_bot(fake, sqlite_url, webhook_url=url, webhook_secret="s3cret_TOKEN-1", webhook_port=port),
        aiohttp.ClientSession() as http,
    ):
        statuses = []
        for body, headers in (
            (b"[" * 100_000 + b"]" * 100_000, as_json),
            (b'{"update_id": 1, "message": ' + b'{"a": ' * 200 + b"1" + b"}" * 201, as_json),
            (b'{"update_id": 2, "pad": "' + b"x" * (1 << 20) + b'"}', as_json),
            (b"x" * (5 << 20), as_json),
            (b'{"update_id": 3}', {**secret, "Content-Type": "text/plain"}),
            (b'{"update_id": 4}', {**secret, "Content-Type": "application/x-www-form-urlencoded"}),
        ):
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
            except aiohttp.ClientError as error:
                statuses.append(type(error).__name__)
        assert statuses == [400, 400, 413, 413, 415, 415]
        # Telegram's own deliveries still work afterwards.
        replies = await Talk(fake, 2015).say("/start")
        assert "亦庄绿策" in replies[0].content


def test_masking_keeps_ids_whole_and_hides_what_has_a_shape() -> None:
    """Long ids keep every digit; mobiles, credit codes, tokens and company names are hidden."""
    line = (
        "update 1180713811303424 chat -1001234567890 user 13812345678 +8613912345678 "
        "code 91110302MA01ABCD0Y token 123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345 北京亦庄示例科技有限公司"
    )
    masked = mask(line)
    assert "update 1180713811303424 chat -1001234567890" in masked
    for private in ("13812345678", "13912345678", "91110302MA01ABCD0Y", "ABCdefGHI", "亦庄示例"):
        assert private not in masked
    assert "138********" in masked
    assert (
        mask("Message(text='王五', chat=Chat(first_name='李四'))")
        == "Message(text='…', chat=Chat(first_name='…'))"
    )
