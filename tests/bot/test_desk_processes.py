"""Staff FAQ entries across processes: saved through one webhook process, answering in another."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.bot.conftest import STAFF_CHAT, STAFF_USER
from tests.bot.test_processes import SECRET, WebhookUser, webhook_processes
from tests.fakebotapi import FakeTelegram, SentMessage

QUESTION = "个体工商户能申报吗？"
PARAPHRASE = "个体户可以申请这些补贴吗"
ANSWER = "可以。本措施要求申报主体在适用范围内依法经营，没有限定企业类型；具体以各主责部门办事指南为准。"
ANSWER_EN = (
    "Yes. The measures require the applicant to operate lawfully within the area; they do not limit "
    "the type of business. The bureaus' guides decide the details."
)
QUOTE = "申报主体应在本措施规定的适用范围内依法经营"
TIMEOUT = 15.0
COLLEAGUE = 900002


async def deliver_new(fake: FakeTelegram, url: str, act: Any) -> None:
    """Do a user action on the fake and POST the update(s) it queued to one process."""
    before = {u["update_id"] for u in fake.pending_updates}
    act()
    for update in [u for u in fake.pending_updates if u["update_id"] not in before]:
        assert await fake.deliver_via_webhook(update, url=url, secret_token=SECRET) == 200


async def staff_command(fake: FakeTelegram, url: str, text: str) -> str:
    """Send a staff command in the staff chat through one process; return what the bot wrote."""
    mark = fake.mark()
    await deliver_new(fake, url, lambda: fake.user_sends_text(STAFF_CHAT, text, user_id=STAFF_USER))
    return "\n".join(m.content for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark)


def newest_post(fake: FakeTelegram, needle: str) -> SentMessage:
    """Return the newest staff-chat post containing a text."""
    return max((m for m in fake.bot_messages(STAFF_CHAT) if needle in m.content), key=lambda m: m.seq)


async def test_a_saved_entry_answers_the_next_users_paraphrase_in_another_process(
    fake: FakeTelegram, pg_database_url: str, tmp_path: Path
) -> None:
    """存为问答 in process A, completed and switched on there; process B answers a new user with it."""
    fake.add_chat(STAFF_CHAT, title="亦庄绿策 工作群")
    fake.set_user(STAFF_USER, first_name="王芳")
    fake.set_user(COLLEAGUE, first_name="李明")
    async with webhook_processes(
        fake, pg_database_url, tmp_path, 2, STAFF_USER_IDS=f"{STAFF_USER},{COLLEAGUE}"
    ) as (first, second):
        asker = WebhookUser(fake, 5001, [first])
        await asker.say("/start")
        asked = await asker.say(QUESTION)
        offer = next(m for m in asked if "转给工作人员" in m.button_texts)
        await asker.press("转给工作人员", offer)
        post = newest_post(fake, QUESTION)
        await deliver_new(
            fake,
            first,
            lambda: fake.user_sends_text(
                STAFF_CHAT, ANSWER, user_id=STAFF_USER, reply_to_message_id=post.message_id
            ),
        )
        assert ANSWER in fake.bot_messages(5001)[-1].content or any(
            ANSWER in m.content for m in fake.bot_messages(5001)
        )
        data = next(
            b["callback_data"]
            for b in fake.message(STAFF_CHAT, post.message_id).buttons
            if b["text"] == "存为问答"
        )
        mark = fake.mark()
        await deliver_new(
            fake,
            first,
            lambda: fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=STAFF_USER),
        )
        card = "\n".join(m.content for m in fake.bot_messages(STAFF_CHAT) if m.seq > mark)
        assert "F1" in card and "未启用" in card and QUESTION in card and "en 答复为空" in card

        refused = await staff_command(fake, first, "/faq 1 原文 本措施对个体户另有规定")
        assert "政策原文中找不到" in refused and "未修改" in refused
        assert "还不能启用" in await staff_command(fake, first, "/faq 1 启用")
        await staff_command(fake, first, f"/faq 1 原文 {QUOTE}")
        await staff_command(fake, first, "/faq 1 条款 七（二）1")
        await staff_command(fake, first, f"/faq 1 问 {PARAPHRASE}")
        await staff_command(fake, first, f"/faq 1 en {ANSWER_EN}")
        live = await staff_command(fake, first, "/faq 1 启用")
        assert "已启用" in live and "v6" in live and "启用前还需" not in live

        # Process B never saw any of it; within a few seconds it answers the paraphrase.
        newcomer = WebhookUser(fake, 5002, [second])
        await newcomer.say("/start")
        for _ in range(20):
            replies = await newcomer.say(PARAPHRASE)
            if any(ANSWER in m.content for m in replies):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError([m.content for m in replies])
        assert any(QUOTE in m.content for m in replies)

        listing = await staff_command(fake, second, "/faq")
        assert "F1 ✅ v6" in listing and "王芳" in listing
        yaml_mark = fake.mark()
        await deliver_new(
            fake, second, lambda: fake.user_sends_text(STAFF_CHAT, "/faq 1 yaml", user_id=STAFF_USER)
        )
        [document] = [
            m for m in fake.bot_messages(STAFF_CHAT) if m.seq > yaml_mark and m.document is not None
        ]
        assert document.document is not None
        exported = document.document.data.decode()
        assert QUESTION in exported and QUOTE in exported and "clause: 七（二）1" in exported

        # Switched off in B: A stops answering with it.
        await staff_command(fake, second, "/faq 1 停用")
        later = WebhookUser(fake, 5003, [first])
        await later.say("/start")
        for _ in range(20):
            replies = await later.say(PARAPHRASE)
            if not any(ANSWER in m.content for m in replies):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError("the switched-off entry still answers")

        # Two staff press 我来答 on the same post at the same moment, each through another process.
        racer = WebhookUser(fake, 5004, [second])
        await racer.say("/start")
        asked = await racer.say("你们周末有人值班吗？")
        await racer.press("转给工作人员", next(m for m in asked if "转给工作人员" in m.button_texts))
        post = newest_post(fake, "周末有人值班")
        data = next(b["callback_data"] for b in post.buttons if b["text"] == "我来答")
        before = {u["update_id"] for u in fake.pending_updates}
        queries = [
            fake.user_presses_button(STAFF_CHAT, post.message_id, data, user_id=u)
            for u in (STAFF_USER, COLLEAGUE)
        ]
        presses = [u for u in fake.pending_updates if u["update_id"] not in before]
        statuses = await asyncio.gather(
            *(
                fake.deliver_via_webhook(u, url=url, secret_token=SECRET)
                for u, url in zip(presses, (first, second), strict=True)
            )
        )
        assert statuses == [200, 200]
        toasts = [(await fake.wait_for_callback_answer(q, TIMEOUT)).text or "" for q in queries]
        assert sorted("已认领，" in t for t in toasts) == [False, True], toasts
        assert any("已由" in t for t in toasts)
