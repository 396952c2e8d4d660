"""Record whole conversations with the real bot through the fake Bot API, as a phone shows them.

    .venv/bin/python -m tests.bot.transcripts          # rewrites the transcripts in docs/dialogs.md

Each conversation is played by a user who types or taps what a person would: a rule per question
(a regular expression on the question, the answer to give), "不知道" when no rule fits. What is
written is the chat as it stands at the end: every message in order, a question with the answer
the bot marked on it, the buttons still shown, and each tap between the messages.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.bot.conftest import STAFF_CHAT, running_bot
from tests.bot.talk import SUMMARY_MARK, Talk
from tests.fakebotapi import FakeTelegram, SentMessage

DOC = Path(__file__).resolve().parents[2] / "docs" / "dialogs.md"
START, END = "<!-- transcripts:start -->", "<!-- transcripts:end -->"


@dataclass
class Script:
    """One conversation: an opening, answers by question, then what the user does with the result."""

    title: str
    chat_id: int
    opening: list[str]  # typed, or "@label" tapped on the newest question
    answers: list[tuple[str, str]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


SCRIPTS = (
    Script(
        "光伏：自投自建屋顶光伏，500千瓦",
        2001,
        ["/start", "@测一测"],
        [
            (r"企业在哪里经营", "@经开区60"),
            (r"做了或打算做哪些事", "屋顶光伏"),
            (r"近三年", "@都没有"),
            (r"哪些类型", "都不是"),
            (r"数据中心", "不是"),
            (r"三同时", "@都不属于"),
            (r"装机容量", "500千瓦"),
            (r"投资", "自己投的"),
        ],
        ["@第27条详情", "@条件与材料"],
    ),
    Script(
        "车队：物流企业，40辆货车中38辆新能源",
        2002,
        ["/start", "我们是做物流的，自己有40辆货车，想换新能源，能拿什么补贴？"],
        [
            (r"我从您的描述里读到", "@对，就这样"),
            (r"企业在哪里经营", "经开区里面"),
            (r"做了或打算做哪些事", "车辆"),
            (r"具体是哪几项", "自有货运车队"),
            (r"重点用车单位", "不是"),
            (r"近三年", "都没有"),
            (r"自有货物运输车辆", "40辆"),
            (r"三同时", "@都不属于"),
            (r"老旧车辆是哪一类", "@国四"),
            (r"报废，或者淘汰转出", "都报废了"),
            (r"纯电动、氢燃料电池", "@纯电动"),
            (r"强制报废期限", "@否"),
            (r"政策发布之后", "@否"),
            (r"终端售价", "30万元"),
            (r"老旧车辆（或机械）有几辆", "2辆"),
            (r"置换的新能源车辆（或机械）有几辆", "2辆"),
            (r"车队中新能源车有几辆", "38辆"),
            (r"已获得国家或市级补贴", "4万元"),
            (r"另一批", "@没有了"),
        ],
        ["@第19条详情"],
    ),
    Script(
        "亦庄新城以外：大兴采育的企业",
        2003,
        ["/start", "@测一测"],
        [(r"企业在哪里经营", "大兴采育，不在亦庄新城")],
    ),
)


def _buttons(message: SentMessage) -> list[str]:
    """Draw a message's inline keyboard, one line per row."""
    return ["   " + " ".join(f"[{b.get('text', '')}]" for b in row) for row in message.inline_keyboard]


def _block(message: SentMessage) -> list[str]:
    """Draw one message as a phone shows it."""
    who = "🤖" if message.from_bot else "👤"
    if message.document is not None:
        return [f"{who} 📄 {message.document.filename}（{message.caption or ''}）"]
    lines = message.content.split("\n")
    out = [f"{who} {lines[0]}", *(f"   {line}" for line in lines[1:])]
    return out + _buttons(message)


async def _play(fake: FakeTelegram, script: Script) -> list[str]:
    """Play a script and return the chat as drawn lines."""
    talk = Talk(fake, script.chat_id)
    taps: list[tuple[int, str]] = []  # (newest message id at the tap, label)

    async def act(step: str) -> None:
        newest = max((m.message_id for m in fake.messages(script.chat_id)), default=0)
        if step.startswith("@"):
            target = talk.question
            label = next((t for t in target.button_texts if step[1:] in t), step[1:])
            taps.append((newest, label))
            await talk.press(step[1:], target)
        else:
            await talk.say(step)

    for step in script.opening:
        await act(step)
    pending = list(script.answers)
    for _ in range(30):
        questions = [m for m in fake.bot_messages(script.chat_id) if m.buttons]
        newest = fake.bot_messages(script.chat_id)[-1]
        if not questions or any(mark in newest.content for mark in SUMMARY_MARK):
            break
        question = max(questions, key=lambda m: m.message_id)
        if question.message_id < newest.message_id and not pending:
            break  # the bot said its last word without a question to answer
        rule = next(((p, a) for p, a in pending if re.search(p, question.content)), None)
        if rule is None:
            break
        pending.remove(rule)
        await act(rule[1])
    if any(mark in fake.bot_messages(script.chat_id)[-1].content for mark in SUMMARY_MARK):
        for step in script.after:
            await act(step)
    lines: list[str] = []
    for message in fake.messages(script.chat_id):
        lines.extend(_block(message))
        lines.extend(f"👆 {label}" for at, label in taps if at == message.message_id)
        lines.append("")
    return lines


async def record() -> str:
    """Play every script against the real bot on a throwaway SQLite database; return the Markdown."""
    parts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="etownbot-transcripts-") as tmp:
        async with FakeTelegram() as fake:
            fake.add_chat(STAFF_CHAT, title="亦庄绿策 工作群")
            async with running_bot(fake, f"sqlite:///{tmp}/bot.db"):
                for script in SCRIPTS:
                    lines = await _play(fake, script)
                    parts.append(f"### {script.title}\n\n```text\n" + "\n".join(lines).rstrip() + "\n```\n")
    return "\n".join(parts)


def main() -> None:
    """Rewrite the transcripts between the markers of docs/dialogs.md."""
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        sys.exit(f"{DOC}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = asyncio.run(record())
    DOC.write_text(f"{head}{START}\n{body}{END}{tail}", encoding="utf-8")
    print(f"{DOC}: {len(SCRIPTS)} conversations written")


if __name__ == "__main__":
    main()
