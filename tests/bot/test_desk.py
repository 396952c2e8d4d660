"""The help desk end to end: a user's question reaches staff, staff answer in the user's chat."""

from __future__ import annotations

import asyncio
import csv
import io

import openpyxl

import storage
from bot.app import BotRunner
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, running_bot
from tests.bot.talk import Talk
from tests.bot.test_journeys import COMPANY, PV_ANSWERS, leave_contact, start_screening
from tests.fakebotapi import FakeTelegram, SentMessage

UNKNOWN = "你们管委会食堂几点开饭？"
ANSWER = "食堂 11:30 开饭，外单位人员请提前一天预约。"
SECOND_STAFF = 900002
BOTH_STAFF = f"{STAFF_USER},{SECOND_STAFF}"
TIMEOUT = 10.0


async def pass_to_staff(fake: FakeTelegram, talk: Talk, question: str = UNKNOWN) -> SentMessage:
    """Ask something the FAQ cannot answer, pass it to staff; return the staff-chat post."""
    mark = fake.mark()
    asked = await talk.say(question)
    offer = next(m for m in asked if any("工作人员" in b or "staff" in b for b in m.button_texts))
    label = next(b for b in offer.button_texts if "工作人员" in b or "staff" in b)
    replies = await talk.press(label, offer)
    talk.handed_over = replies  # type: ignore[attr-defined]
    return await fake.wait_for_bot_message(STAFF_CHAT, since=mark, timeout=TIMEOUT)


async def staff_reply(fake: FakeTelegram, post: SentMessage, text: str, user_id: int = STAFF_USER) -> str:
    """Answer a post by Telegram's reply in the staff chat; return the bot's note to staff."""
    mark = fake.mark()
    update_id = fake.user_sends_text(STAFF_CHAT, text, user_id=user_id, reply_to_message_id=post.message_id)
    await fake.wait_until_delivered(update_id, TIMEOUT)
    notes = [m for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark and m.message_id != post.message_id]
    return "\n".join(m.content for m in notes)


async def staff_says(fake: FakeTelegram, chat_id: int, text: str, user_id: int = STAFF_USER) -> str:
    """Send a command as staff and return what the bot wrote back in that chat."""
    mark = fake.mark()
    update_id = fake.user_sends_text(chat_id, text, user_id=user_id)
    await fake.wait_until_delivered(update_id, TIMEOUT)
    return "\n".join(m.content for m in fake.bot_messages(chat_id) if m.seq > mark)


async def test_question_reaches_staff_and_the_reply_reaches_the_user(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """Mid-interview question → staff post with the screening → staff reply → user's chat → interview goes on."""
    talk = Talk(fake, 4001)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS, stop=r"装机容量")
    post = await pass_to_staff(fake, talk)
    told = "\n".join(m.content for m in talk.handed_over)  # type: ignore[attr-defined]
    assert "工作人员会直接在这里回复您" in told
    assert UNKNOWN in post.content and "中文" in post.content and "未留联系方式" in post.content
    assert "经开区60km²" in post.content and "光伏" in post.content
    assert post.button_texts == ["我来答", "存为问答", "无需回复"]

    mark = fake.mark()
    note = await staff_reply(fake, post, ANSWER)
    assert "已把答复发给" in note
    to_user = talk.since(mark)
    assert "管委会工作人员答复" in to_user[0].content
    assert UNKNOWN in to_user[0].content and ANSWER in to_user[0].content
    # The interview continues: the question the user was on comes back, and answering it moves on.
    assert "装机容量" in to_user[-1].content
    moved = await talk.say("500千瓦")
    assert "装机容量" not in moved[-1].content
    summary = await talk.interview(PV_ANSWERS)
    assert "第27条" in summary.content
    shown = fake.message(STAFF_CHAT, post.message_id)
    assert "已答复" in shown.content and ANSWER in shown.content and "我来答" not in shown.button_texts

    stats = await staff_says(fake, STAFF_CHAT, "/stats")
    assert "待答复：0" in stats and "今日已答复：1" in stats and "答复用时中位数" in stats
    assert UNKNOWN not in await staff_says(fake, STAFF_CHAT, "/misses")


async def test_two_staff_claim_one_question_only_one_gets_it(fake: FakeTelegram, sqlite_url: str) -> None:
    """Both press 我来答 at the same moment: one owns it, the other is told who, and cannot answer."""
    fake.set_user(STAFF_USER, first_name="王芳")
    fake.set_user(SECOND_STAFF, first_name="李明")
    async with running_bot(fake, sqlite_url, staff_user_ids=BOTH_STAFF):
        talk = Talk(fake, 4002)
        await talk.say("/start")
        post = await pass_to_staff(fake, talk)
        data = next(b["callback_data"] for b in post.buttons if b["text"] == "我来答")
        first = fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=STAFF_USER)
        second = fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=SECOND_STAFF)
        answers = [await fake.wait_for_callback_answer(q, TIMEOUT) for q in (first, second)]
        toasts = [a.text or "" for a in answers]
        assert sorted("已认领" in t for t in toasts) == [False, True], toasts
        winner, loser = (STAFF_USER, SECOND_STAFF) if "已认领" in toasts[0] else (SECOND_STAFF, STAFF_USER)
        names = {STAFF_USER: "王芳", SECOND_STAFF: "李明"}
        assert f"已由 {names[winner]} 认领" in toasts[1 - [STAFF_USER, SECOND_STAFF].index(winner)]
        shown = fake.message(STAFF_CHAT, post.message_id)
        assert f"认领：{names[winner]}" in shown.content and "我来答" not in shown.button_texts

        mark = fake.mark()
        refused = await staff_reply(fake, post, "我也来答一下", user_id=loser)
        assert f"已由 {names[winner]} 认领" in refused and "未发送" in refused
        assert talk.since(mark) == []
        done = await staff_reply(fake, post, ANSWER, user_id=winner)
        assert "已把答复发给" in done and ANSWER in talk.since(mark)[0].content


async def test_reply_command_in_private_and_an_english_user(fake: FakeTelegram, bot: BotRunner) -> None:
    """/reply N in a private chat with the bot answers; an English user reads English around it."""
    talk = Talk(fake, 4003)
    await talk.say("/start")
    await talk.say("/lang")
    post = await pass_to_staff(fake, talk, "What is the canteen menu today?")
    told = "\n".join(m.content for m in talk.handed_over)  # type: ignore[attr-defined]
    assert "Staff will answer right here" in told
    assert "English" in post.content
    number = post.content.split("#", 1)[1].split()[0]
    mark = fake.mark()
    note = await staff_says(fake, STAFF_USER, f"/reply {number} The canteen opens at 11:30.")
    assert "已把答复发给" in note
    received = talk.since(mark)[0].content
    assert "Answer from BDA staff" in received and "What is the canteen menu today?" in received
    assert "11:30" in received
    usage = await staff_says(fake, STAFF_USER, "/reply abc")
    assert "用法" in usage
    outsider = await staff_says(fake, 4003, f"/reply {number} hello", user_id=4003)
    assert "staff only" in outsider


async def test_staff_told_when_the_user_blocked_the_bot_or_deleted_their_data(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """An answer that cannot reach the user says so to staff instead of vanishing."""
    blocked = Talk(fake, 4004)
    await blocked.say("/start")
    post = await pass_to_staff(fake, blocked)
    fake.user_blocks_bot(4004)
    note = await staff_reply(fake, post, ANSWER)
    assert "用户已屏蔽机器人" in note and "未送达" in fake.message(STAFF_CHAT, post.message_id).content

    gone = Talk(fake, 4005)
    await gone.say("/start")
    post = await pass_to_staff(fake, gone)
    await gone.say("/delete")
    await gone.press("确定删除")
    erased = fake.message(STAFF_CHAT, post.message_id)
    assert "用户已删除数据" in erased.content and UNKNOWN not in erased.content and not erased.buttons
    mark = fake.mark()
    note = await staff_reply(fake, post, ANSWER)
    assert "删除" in note and "未发送" in note
    assert gone.since(mark) == []


async def test_reminder_for_a_question_waiting_too_long(fake: FakeTelegram, sqlite_url: str) -> None:
    """A question open longer than the configured time is brought up again in the staff chat, once."""
    async with running_bot(fake, sqlite_url, staff_remind_after_minutes=0.03):
        talk = Talk(fake, 4006)
        await talk.say("/start")
        post = await pass_to_staff(fake, talk)
        reminder = await fake.wait_for_bot_message(
            STAFF_CHAT, lambda m: "等待答复较久" in m.content, timeout=TIMEOUT, since=post.seq
        )
        assert "#1" in reminder.content and UNKNOWN[:10] in reminder.content
        await staff_reply(fake, post, ANSWER)
        await asyncio.sleep(3)
        later = [
            m for m in fake.bot_messages(STAFF_CHAT) if m.seq > reminder.seq and "等待答复较久" in m.content
        ]
        assert later == []


async def test_a_lead_moves_through_its_states_and_the_export_shows_them(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """新线索 → 已联系 → 已申报 → 已结束 from the post's buttons and /lead; /leads filters; export carries it."""
    fake.set_user(STAFF_USER, first_name="王芳")
    talk = Talk(fake, 4010)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    mark = fake.mark()
    await leave_contact(talk)
    post = await fake.wait_for_bot_message(STAFF_CHAT, lambda m: COMPANY in m.content, since=mark)
    assert "跟进：新线索（无负责人）" in post.content
    assert post.button_texts == ["已联系", "已申报", "已结束", "无效", "我来跟进"]
    lead_id = int(post.content.split("#", 1)[1].split()[0].rstrip("*"))

    data = next(b["callback_data"] for b in post.buttons if b["text"] == "已联系")
    answer = await fake.wait_for_callback_answer(
        fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=STAFF_USER), TIMEOUT
    )
    assert answer.text == "已联系"
    shown = fake.message(STAFF_CHAT, post.message_id)
    assert "跟进：已联系（王芳）" in shown.content and "已联系" not in shown.button_texts

    card = await staff_says(fake, STAFF_CHAT, f"/lead {lead_id} 备注 电话已联系，周五上门")
    assert "电话已联系，周五上门" in card and "王芳 状态 → 已联系" in card
    await staff_says(fake, STAFF_CHAT, f"/lead {lead_id} 已申报")
    done = await staff_says(fake, STAFF_USER, f"/lead {lead_id} closed")
    assert "跟进：已结束（王芳）" in done
    assert done.index("状态 → 已联系") < done.index("备注：电话已联系") < done.index("状态 → 已申报")
    assert "状态 → 已结束" in done

    assert COMPANY in await staff_says(fake, STAFF_CHAT, "/leads 已结束 我的")
    assert COMPANY in await staff_says(fake, STAFF_CHAT, "/leads @王芳")
    assert "没有符合条件的线索" in await staff_says(fake, STAFF_CHAT, "/leads @李明")
    assert "没有符合条件的线索" in await staff_says(fake, STAFF_CHAT, "/leads 已联系")
    assert "没有符合条件的线索" in await staff_says(fake, STAFF_CHAT, "/leads 无人")
    assert "用法" in await staff_says(fake, STAFF_CHAT, f"/lead {lead_id} 飞了")

    mark = fake.mark()
    fake.user_sends_text(STAFF_USER, "/export", user_id=STAFF_USER)
    sent = await fake.wait_for_bot_messages(
        STAFF_USER, 2, lambda m: m.document is not None, since=mark, timeout=TIMEOUT
    )
    files = {m.document.filename: m.document.data for m in sent if m.document is not None}
    csv_rows = list(
        csv.reader(io.StringIO(next(d for n, d in files.items() if n.endswith(".csv")).decode("utf-8-sig")))
    )
    header, row = csv_rows[0], csv_rows[1]
    record = dict(zip(header, row, strict=True))
    assert (record["跟进状态"], record["负责人"], record["最新备注"]) == (
        "已结束",
        "王芳",
        "电话已联系，周五上门",
    )
    assert record["跟进更新时间"] and record["备注时间"]
    sheet = openpyxl.load_workbook(
        io.BytesIO(next(d for n, d in files.items() if n.endswith(".xlsx")))
    ).active
    xlsx = list(sheet.iter_rows(values_only=True))
    assert dict(zip(xlsx[0], xlsx[1], strict=True))["跟进状态"] == "已结束"

    await talk.say("/delete")
    await talk.press("确定删除")
    with storage.session_scope(bot.service.sessions) as session:
        assert storage.get_lead(lead_id, session=session) is None
        assert storage.lead_history(lead_id, session=session) == []


async def test_the_desk_in_english(fake: FakeTelegram, sqlite_url: str) -> None:
    """With BOT_LANG=en, staff posts, buttons, toasts and notes are English, and so is the user's side."""
    async with running_bot(fake, sqlite_url, bot_lang="en"):
        talk = Talk(fake, 4020)
        await talk.say("/start")
        post = await pass_to_staff(fake, talk, "What is the canteen menu today?")
        told = "\n".join(m.content for m in talk.handed_over)  # type: ignore[attr-defined]
        assert "Staff will answer right here" in told
        assert "Question from a user" in post.content and "no contact left" in post.content
        assert post.button_texts == ["I'll answer", "Save as FAQ", "No reply needed"]
        data = next(b["callback_data"] for b in post.buttons if b["text"] == "I'll answer")
        answer = await fake.wait_for_callback_answer(
            fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=STAFF_USER), TIMEOUT
        )
        assert answer.text is not None and answer.text.startswith("Claimed")
        mark = fake.mark()
        note = await staff_reply(fake, post, "Noodles and rice.")
        assert "sent to the user" in note
        assert "Answer from BDA staff" in talk.since(mark)[0].content
        stats = await staff_says(fake, STAFF_CHAT, "/stats")
        assert "Help desk" in stats and "Answered today: 1" in stats


async def test_faq_entry_edits_are_checked(fake: FakeTelegram, bot: BotRunner) -> None:
    """存为问答 on an unanswered question; edits that would break the entry are refused and said why."""
    talk = Talk(fake, 4030)
    await talk.say("/start")
    post = await pass_to_staff(fake, talk)
    data = next(b["callback_data"] for b in post.buttons if b["text"] == "存为问答")
    mark = fake.mark()
    toast = await fake.wait_for_callback_answer(
        fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=STAFF_USER), TIMEOUT
    )
    assert toast.text is not None and "F1" in toast.text
    card = "\n".join(
        m.content for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark and m.message_id != post.message_id
    )
    assert "zh 答复为空" in card and "en 答复为空" in card and UNKNOWN in card
    assert "存为问答" not in fake.message(STAFF_CHAT, post.message_id).button_texts
    assert "已存为问答 F1" in fake.message(STAFF_CHAT, post.message_id).content

    assert "未修改" in await staff_says(fake, STAFF_CHAT, "/faq 1 删问 1")  # the only phrasing stays
    added = await staff_says(fake, STAFF_CHAT, "/faq 1 问 食堂什么时候开饭")
    assert "2. 食堂什么时候开饭" in added and "v2" in added
    dropped = await staff_says(fake, STAFF_CHAT, "/faq 1 删问 1")
    assert UNKNOWN not in dropped and "1. 食堂什么时候开饭" in dropped
    markup = await staff_says(fake, STAFF_CHAT, "/faq 1 答 **午饭 11:30")
    assert "zh 答复格式" in markup
    clause = await staff_says(fake, STAFF_CHAT, "/faq 1 条款 第27条")
    assert "措施 27" in clause
    assert "用法" in await staff_says(fake, STAFF_CHAT, "/faq 1 飞")
    assert "没有问答 F9" in await staff_says(fake, STAFF_CHAT, "/faq 9")
    listing = await staff_says(fake, STAFF_CHAT, "/faq")
    assert "F1 ⏸" in listing
