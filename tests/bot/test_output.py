"""What users and staff read in Telegram: user text shown as typed, labels instead of internal ids."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.app import BotRunner
from bot.markup import runs
from dialogs.render import literal
from tests.bot.conftest import STAFF_CHAT, STAFF_USER
from tests.bot.talk import Talk
from tests.bot.test_journeys import PV_ANSWERS, leave_contact, start_screening
from tests.fakebotapi import FakeTelegram, SentMessage

BOLD_COMPANY = "**粗体**公司"


def bold_parts(message: SentMessage) -> list[str]:
    """Return the pieces of a message Telegram shows in bold."""
    text = message.content.encode("utf-16-le")
    return [
        text[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "bold"
    ]


async def test_a_company_named_with_asterisks_is_never_bold(fake: FakeTelegram, bot: BotRunner) -> None:
    """The confirmation, the staff post and /leads show "**粗体**公司" with its asterisks, not bold."""
    talk = Talk(fake, 1201)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    await talk.press("留下联系方式")
    await talk.press("同意")
    await talk.say(BOLD_COMPANY)
    await talk.say("91110302MA01ABCD0Y")
    await talk.say("张三")
    confirm = (await talk.say("13812345678"))[-1]
    assert f"企业：{BOLD_COMPANY}" in confirm.content
    assert not any("粗体" in part for part in bold_parts(confirm))
    await talk.press("确认提交")
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=0)
    assert BOLD_COMPANY in post.content
    assert not any(part == "粗体" for part in bold_parts(post))
    listing = (await Talk(fake, STAFF_USER).say("/leads"))[0]
    assert BOLD_COMPANY in listing.content
    assert not any(part.strip() == "粗体" for part in bold_parts(listing))


async def test_staff_post_names_the_project_not_its_internal_id(fake: FakeTelegram, bot: BotRunner) -> None:
    """The lead post says 光伏项目 where it used to say （pv）."""
    talk = Talk(fake, 1202)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    await leave_contact(talk)
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=0)
    assert "第27条 分布式光伏发电（光伏项目）" in post.content
    assert "（pv）" not in post.content


@given(st.text(max_size=60))
def test_quoted_user_text_reads_back_exactly(typed: str) -> None:
    """Whatever a user types, quoted inside a bold reply it comes back as typed and nothing else is bold."""
    pieces = runs(f"**企业**：{literal(typed)} **完**")
    assert "".join(text for text, _ in pieces) == f"企业：{typed} 完"
    assert [text for text, bold in pieces if bold] == ["企业", "完"]


async def test_a_measure_detail_is_one_phone_screen_with_the_rest_behind_a_button(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """第27条详情 shows the verdict, calculation and clause; 条件与材料 shows the documents."""
    talk = Talk(fake, 1203)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    detail = (await talk.press("第27条详情"))[-1]
    assert len(detail.content) <= 600, len(detail.content)
    assert "计算：装机容量 500 千瓦 × 800 元/千瓦 = 400,000 元" in detail.content
    assert "需准备的材料" not in detail.content
    assert detail.button_texts == ["📋 条件与材料", "⬅️ 返回结果"]
    rest = (await talk.press("📋 条件与材料"))[-1]
    assert "需准备的材料" in rest.content and "投资方与场地业主方之间的合同" not in rest.content
    back = (await talk.press("⬅️ 返回结果"))[-1]
    assert "测评结果" in back.content


async def test_the_result_in_the_225_area_fits_on_a_phone(fake: FakeTelegram, bot: BotRunner) -> None:
    """A solar firm in the 225 km² area sees its measure and one line for the rest, not 19 ❌."""
    talk = Talk(fake, 1204)
    await start_screening(talk)
    answers = [(r"企业在哪里经营", "@亦庄新城225"), *PV_ANSWERS[1:]]
    summary = await talk.interview(answers)
    assert "第27条 分布式光伏发电" in summary.content and "40万元" in summary.content
    assert "❌" not in summary.content
    assert "其余39条与您填写的情况无关" in summary.content
    assert len(summary.content) < 400, len(summary.content)
