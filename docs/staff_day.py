"""Write docs/staff.md: a day of BDA staff with the bot, every post captured from the real bot.

Drives the real Application (SQLite, in this process) through the project's fake Bot API, as the
end-to-end tests do, and prints Markdown with each message as a text screenshot:

    python docs/staff_day.py > docs/staff.md
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot.conftest import STAFF_CHAT, STAFF_USER, running_bot  # noqa: E402
from tests.bot.talk import Talk  # noqa: E402
from tests.fakebotapi import FakeTelegram, SentMessage  # noqa: E402

COLLEAGUE = 900002
ANSWERS = [
    (r"企业在哪里经营", "@经开区60"),
    (r"做了或打算做哪些事", "@光伏"),
    (r"做了或打算做哪些事", "@完成"),
    (r"近三年", "@都没有"),
    (r"哪些类型", "@完成"),
    (r"三同时", "@都不属于"),
    (r"装机容量", "500千瓦"),
    (r"投资", "@自行投资建设"),
]
QUESTION = "个体工商户能申报吗？"
ANSWER = "可以。本措施要求申报主体在适用范围内依法经营，没有限定企业类型；具体以各主责部门办事指南为准。"
QUOTE = "申报主体应在本措施规定的适用范围内依法经营"
TIMEOUT = 15.0
out: list[str] = []


def say(text: str) -> None:
    """Add prose to the document."""
    out.append(text.strip() + "\n")


def shot(title: str, messages: list[SentMessage]) -> None:
    """Add messages as a text screenshot: the text, then the buttons row by row."""
    lines: list[str] = []
    for message in messages:
        if lines:
            lines.append("")
        text = message.content if message.document is None else f"📎 {message.document.filename}"
        if message.document is not None and message.caption:
            text += f"\n{message.caption}"
        lines.extend(text.splitlines())
        for row in message.inline_keyboard:
            lines.append(" ".join(f"[{button.get('text', '')}]" for button in row))
    out.append(f"**{title}**\n\n```text\n" + "\n".join(lines) + "\n```\n")


async def staff_types(
    fake: FakeTelegram, chat_id: int, text: str, user_id: int = STAFF_USER, **kw: int
) -> list[SentMessage]:
    """Send a staff message and return what the bot sent in that chat because of it."""
    mark = fake.mark()
    update_id = fake.user_sends_text(chat_id, text, user_id=user_id, **kw)
    await fake.wait_until_delivered(update_id, TIMEOUT)
    return [m for m in fake.bot_messages(chat_id) if m.seq > mark]


async def staff_presses(fake: FakeTelegram, post: SentMessage, label: str, user_id: int = STAFF_USER) -> str:
    """Press a button of a staff-chat post; return the toast."""
    data = next(b["callback_data"] for b in post.buttons if b["text"] == label)
    query = fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=user_id)
    return (await fake.wait_for_callback_answer(query, TIMEOUT)).text or ""


def newest(fake: FakeTelegram, chat_id: int, needle: str) -> SentMessage:
    """Return the newest bot message in a chat containing a text (as it looks now)."""
    return max((m for m in fake.bot_messages(chat_id) if needle in m.content), key=lambda m: m.seq)


async def day() -> None:
    """Play the day and write it down."""
    async with FakeTelegram() as fake:
        fake.add_chat(STAFF_CHAT, title="亦庄绿策 工作群")
        fake.set_user(STAFF_USER, first_name="王芳")
        fake.set_user(COLLEAGUE, first_name="李明")
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'day.db'}"
            async with running_bot(
                fake, url, staff_user_ids=f"{STAFF_USER},{COLLEAGUE}", staff_remind_after_minutes=0.05
            ):
                await play(fake)


async def play(fake: FakeTelegram) -> None:
    """The day itself."""
    say(
        """
# 工作人员的一天 / A day of BDA staff with the bot

This page is written by `python docs/staff_day.py > docs/staff.md`: the script runs the real bot
(SQLite) against the project's fake Bot API and copies every message below as it was sent, so the
screenshots are what staff and users actually see. Times are Beijing time of the run.

Staff are the Telegram users listed in `STAFF_USER_IDS`; the bot posts to the group `STAFF_CHAT_ID`.
Everything below works the same with several bot processes on one PostgreSQL: claims, answers,
reminders and FAQ entries are rows in the database, changed by conditional updates.

Settings of the help desk (environment or `.env`):

| Variable | Default | Meaning |
|---|---|---|
| `STAFF_HOURS` | `09:00-17:30` | office hours (Beijing time), told to users who pass a question on |
| `STAFF_WORKDAYS` | `1-5` | working days, ISO weekdays (Monday = 1) |
| `STAFF_REPLY_HOURS` | `2` | "usually within N hours" during office hours |
| `STAFF_REMIND_AFTER_MINUTES` | `120` | a question open this long is brought up again in the staff chat |

## 1. A question the bot cannot answer
"""
    )
    user = Talk(fake, 6001)
    await user.say("/start")
    await user.press("测一测")
    await user.interview(ANSWERS, stop=r"装机容量")
    asked = await user.say(QUESTION)
    shot(f"The user's chat: “{QUESTION}” is not in the FAQ", asked)
    offer = next(m for m in asked if "转给工作人员" in m.button_texts)
    mark = fake.mark()
    passed = await user.press("转给工作人员", offer)
    shot("The user's chat after pressing 转给工作人员", passed)
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=mark, timeout=TIMEOUT)
    say(
        """
The user is told that staff answer in this same chat and roughly when (from the office hours);
the interview carries on. The staff chat gets the question with what staff need to answer it:
the user's language, the screening so far in two lines, whether a lead exists.
"""
    )
    shot("Staff chat: the question", [post])

    say(
        "## 2. Claiming it\n\n王芳 presses 我来答. If 李明 presses it at the same moment, only one gets it; the other is told who has it."
    )
    data = next(b["callback_data"] for b in post.buttons if b["text"] == "我来答")
    presses = [
        fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=u)
        for u in (STAFF_USER, COLLEAGUE)
    ]
    toasts = [(await fake.wait_for_callback_answer(q, TIMEOUT)).text for q in presses]
    say(f"Both pressed at once. Toast for 王芳: “{toasts[0]}”. Toast for 李明: “{toasts[1]}”.")
    shot("Staff chat: the post after the claim", [fake.message(STAFF_CHAT, post.message_id)])

    say(
        """
## 3. Answering in the user's chat

王芳 answers with Telegram's *reply* to the post (or, from a private chat with the bot,
`/reply 1 text`). The user gets it in their chat, their question quoted, and the interview goes
on with the question they were on. Had the user blocked the bot or deleted their data, 王芳 would
be told instead.
"""
    )
    mark = fake.mark()
    owner = STAFF_USER if "认领：王芳" in fake.message(STAFF_CHAT, post.message_id).content else COLLEAGUE
    note = await staff_types(fake, STAFF_CHAT, ANSWER, user_id=owner, reply_to_message_id=post.message_id)
    shot("Staff chat: the bot confirms", [m for m in note if m.message_id != post.message_id])
    shot("The user's chat", user.since(mark))
    shot("Staff chat: the post now", [fake.message(STAFF_CHAT, post.message_id)])

    say(
        """
## 4. The FAQ learns: 存为问答

存为问答 makes an FAQ entry from the question (its first phrasing) and the answer. It starts
switched off; staff add phrasings, a quote (checked against the policy text like every entry of
`dialogs/data/faq.yaml`), the clause, and the answer in the other language, then switch it on.
Within a second every bot process answers with it.
"""
    )
    mark = fake.mark()
    await staff_presses(fake, fake.message(STAFF_CHAT, post.message_id), "存为问答", user_id=owner)
    shot(
        "Staff chat: the new entry",
        [m for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark and m.message_id != post.message_id],
    )
    refused = await staff_types(fake, STAFF_CHAT, "/faq 1 原文 个体户另有规定")
    shot("A quote that is not in the policy text is refused", refused)
    await staff_types(fake, STAFF_CHAT, f"/faq 1 原文 {QUOTE}")
    await staff_types(fake, STAFF_CHAT, "/faq 1 条款 七（二）1")
    await staff_types(fake, STAFF_CHAT, "/faq 1 问 个体户可以申请这些补贴吗")
    await staff_types(
        fake,
        STAFF_CHAT,
        "/faq 1 en Yes. The measures require the applicant to operate lawfully within the area; "
        "they do not limit the type of business.",
    )
    live = await staff_types(fake, STAFF_CHAT, "/faq 1 启用")
    shot("/faq 1 启用", live)
    await asyncio.sleep(1.2)
    other = Talk(fake, 6002)
    await other.say("/start")
    shot("Another user, later: answered from the staff entry", await other.say("个体户可以申请这些补贴吗"))
    shot("/faq", await staff_types(fake, STAFF_CHAT, "/faq"))
    say(
        "`/faq 1 yaml` sends the entry as a `faq.yaml` fragment to add in a release; `/faq 1 停用` "
        "switches it off everywhere. `bench/faq_accuracy.py --staff-db URL` shows whether live staff "
        "entries take paraphrases away from the shipped entries."
    )

    say("## 5. A lead, followed up\n\nA user leaves their contact at the end of the screening:")
    await user.interview(ANSWERS)
    mark = fake.mark()
    await user.press("留下联系方式")
    await user.press("同意")
    for text in ("北京亦庄光伏示范有限公司", "91110302MA01ABCD0Y", "张三", "13812345678"):
        await user.say(text)
    await user.press("确认提交")
    lead_post = await fake.wait_for_bot_message(
        STAFF_CHAT, lambda m: "新线索" in m.content, since=mark, timeout=TIMEOUT
    )
    shot("Staff chat: the lead", [lead_post])
    toast = await staff_presses(fake, lead_post, "已联系")
    say(f"王芳 calls the company and presses 已联系 (toast “{toast}”); she becomes the owner:")
    shot("Staff chat: the lead post after 已联系", [fake.message(STAFF_CHAT, lead_post.message_id)])
    await staff_types(fake, STAFF_CHAT, "/lead 1 备注 电话已联系，周五上门核对装机容量")
    card = await staff_types(fake, STAFF_CHAT, "/lead 1 已申报")
    shot("/lead 1 备注 … then /lead 1 已申报: the card with the whole history", card)
    shot("/leads 已申报 我的", await staff_types(fake, STAFF_CHAT, "/leads 已申报 我的"))
    say(
        "`/leads` filters by state (新线索 已联系 已申报 已结束 无效), owner (我的, 无人, `@姓名`), "
        "measure and date, in any order. "
        "`/export` takes the same filters and sends CSV and XLSX with 跟进状态, 负责人, 最新备注, 备注时间 and 跟进更新时间 "
        "next to every lead's data. A user's `/delete` removes the lead and all its notes."
    )

    say(
        "## 6. Nothing forgotten\n\nA question nobody has answered for `STAFF_REMIND_AFTER_MINUTES` comes back to the staff chat (once per period, by one process only):"
    )
    late = Talk(fake, 6003)
    await late.say("/start")
    asked = await late.say("你们周末有人值班吗？")
    offer = next(m for m in asked if "转给工作人员" in m.button_texts)
    mark = fake.mark()
    await late.press("转给工作人员", offer)
    reminder = await fake.wait_for_bot_message(
        STAFF_CHAT, lambda m: "等待答复较久" in m.content, since=mark, timeout=TIMEOUT
    )
    shot("Staff chat: the reminder (this run reminds after 3 seconds)", [reminder])
    shot("/questions", await staff_types(fake, STAFF_CHAT, "/questions"))
    stats = await staff_types(fake, STAFF_CHAT, "/stats")
    shot("/stats (the help-desk lines at the end)", stats)

    say(
        "## 7. When an answer cannot arrive\n\nThe user of question #2 blocks the bot; another "
        "deletes their data (`/delete`) after asking. Staff are told, and the deleted user's post "
        "loses the question text."
    )
    waiting = newest(fake, STAFF_CHAT, "用户提问 #2")
    fake.user_blocks_bot(6003)
    blocked = await staff_types(fake, STAFF_CHAT, "周末有值班电话。", reply_to_message_id=waiting.message_id)
    shot("Staff chat: replying to #2", [m for m in blocked if m.message_id != waiting.message_id])
    leaving = Talk(fake, 6004)
    await leaving.say("/start")
    asked = await leaving.say("我们公司的电费发票怎么开？")
    offer = next(m for m in asked if "转给工作人员" in m.button_texts)
    mark = fake.mark()
    await leaving.press("转给工作人员", offer)
    gone = await fake.wait_for_bot_message(
        STAFF_CHAT, lambda m: "电费发票" in m.content, since=mark, timeout=TIMEOUT
    )
    await leaving.say("/delete")
    await leaving.press("确定删除")
    shot("Staff chat: the post of a user who deleted their data", [fake.message(STAFF_CHAT, gone.message_id)])
    note = await staff_types(fake, STAFF_USER, "/reply 3 可以在网上营业厅开具。")
    shot("/reply 3 … in a private chat with the bot", note)
    text = "\n".join(out)
    print(re.sub(r"\n{3,}", "\n\n", text))


if __name__ == "__main__":
    asyncio.run(day())
