"""Whole conversations through the real Application against the fake Bot API, as users have them."""

from __future__ import annotations

import io

import openpyxl

import storage
from bot.app import BotRunner
from bot.service import Service
from dialogs import SaveLead
from tests.bot.conftest import STAFF_CHAT, STAFF_USER
from tests.bot.talk import ServiceTalk, Talk
from tests.fakebotapi import FakeTelegram

# The PV story: core zone, solar only, clean record, 500 kW, self-invested.
PV_ANSWERS = [
    (r"企业在哪里经营", "@经开区60"),
    (r"做了或打算做哪些事", "@光伏"),
    (r"做了或打算做哪些事", "@完成"),
    (r"近三年", "@都没有"),
    (r"哪些类型", "@完成"),
    (r"三同时", "@都不属于"),
    (r"装机容量", "500千瓦"),
    (r"投资", "@自行投资建设"),
]
COMPANY = "北京A&B<绿色>科技有限公司"
CREDIT_CODE = "91110302MA01ABCD0Y"
PHONE = "13812345678"


async def start_screening(talk: Talk) -> None:
    """Open the menu and choose the screening."""
    replies = await talk.say("/start")
    assert "亦庄绿策" in replies[0].content
    await talk.press("测一测")


async def leave_contact(talk: Talk, company: str = COMPANY, code: str = CREDIT_CODE) -> None:
    """Go through the consent and contact steps from the result."""
    await talk.press("留下联系方式")
    assert "个人信息保护法" in talk.question.content
    await talk.press("同意")
    await talk.say(company)
    await talk.say(code)
    await talk.say("张三")
    confirm = await talk.say(PHONE)
    assert PHONE in confirm[-1].content
    await talk.press("确认提交")


def stored_leads(bot: BotRunner) -> list[storage.Lead]:
    """Read the leads from the bot's database."""
    with storage.session_scope(bot.service.sessions) as session:
        return storage.list_leads(session=session)


async def test_pv_journey_with_buttons_reaches_the_same_result_as_the_console(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """A solar enterprise taps through, gets 40万元, leaves its contact; staff see the lead at once."""
    talk = Talk(fake, 1001)
    await start_screening(talk)
    summary = await talk.interview(PV_ANSWERS)
    assert "第27条" in summary.content and "40万元" in summary.content
    mirror = ServiceTalk(Service("sqlite://", default_lang="zh"))
    mirror.press("测一测")
    assert summary.content == mirror.interview(PV_ANSWERS)
    for step in ("@留下联系方式", "@同意", COMPANY, CREDIT_CODE, "张三", PHONE, "@确认提交"):
        mirror.press(step[1:]) if step.startswith("@") else mirror.say(step)
    [effect] = [r for r in mirror.outcome.replies if isinstance(r, SaveLead)]

    await leave_contact(talk)
    assert any("已提交" in text for text in talk.texts)
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=0)
    assert COMPANY in post.content and CREDIT_CODE in post.content and "40万元" in post.content
    assert "第27条" in post.content and PHONE in post.content
    [lead] = stored_leads(bot)
    assert (lead.company, lead.credit_code, lead.phone, lead.measures) == (COMPANY, CREDIT_CODE, PHONE, [27])
    assert (lead.total_yuan, lead.report) == (effect.total_yuan, effect.report)


async def test_pv_journey_typed_throughout(fake: FakeTelegram, bot: BotRunner) -> None:
    """Typed answers (option numbers, topics in words, 都没有, 0.5兆瓦) work wherever a button does."""
    talk = Talk(fake, 1002)
    await start_screening(talk)
    summary = await talk.interview(
        [
            (r"企业在哪里经营", "1"),
            (r"做了或打算做哪些事", "光伏"),
            (r"近三年", "都没有"),
            (r"哪些类型", "都不是"),
            (r"三同时", "都不属于"),
            (r"装机容量", "0.5兆瓦"),
            (r"投资", "1"),
        ],
        default="不知道",
    )
    assert "40万元" in summary.content
    # Typed answers leave the questions' keyboards alone but every press was still answered.
    assert all(answer.callback_query_id for answer in fake.callback_answers)


async def test_change_of_an_answer_re_evaluates_without_asking_again(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """Changing the capacity to 1000 kW goes straight back to a new result."""
    talk = Talk(fake, 1003)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    listing = await talk.say("/change")
    assert "500千瓦" in listing[-1].content
    asked = await talk.press("装机容量")
    assert "装机容量" in asked[-1].content
    after = await talk.say("1000千瓦")
    result = after[-1]
    assert "测评结果" in result.content and "80万元" in result.content
    assert not any("投资" in m.content and m.buttons for m in after[:-1]), (
        "an answered question was asked again"
    )


async def test_english_journey_with_back(fake: FakeTelegram, bot: BotRunner) -> None:
    """An English speaker switches language, steps back once, and gets the result in English."""
    talk = Talk(fake, 1004)
    await talk.say("/start")
    switched = await talk.press("English")
    assert "E-Town" in switched[-1].content
    await talk.press("Check my awards")
    await talk.press("60")
    back = await talk.say("/back")
    assert "where does the enterprise operate" in back[-1].content.lower()
    summary = await talk.interview(
        [
            (r"operate", "@60"),
            (r"what have you done", "@Solar"),
            (r"what have you done", "@Done"),
            (r"three years", "@None"),
            (r"describe the enterprise", "@Done"),
            (r"three simultaneities", "@None"),
            (r"capacity", "500 kW"),
            (r"invest", "@Self-invested"),
        ],
        default="@Don't know",
    )
    assert "Your result" in summary.content and "Measure 27" in summary.content
    commands = await talk.say("/lang")
    assert "中文" in commands[0].content


async def test_campaign_deep_link_with_unknowns_reaches_staff(fake: FakeTelegram, bot: BotRunner) -> None:
    """A link from an event (/start c_expo2025) tags the lead; unknown answers still give a result."""
    talk = Talk(fake, 1005)
    menu = await talk.say("/start c_expo2025")
    assert "亦庄绿策" in menu[0].content
    await talk.press("测一测")
    summary = await talk.interview(
        [(r"企业在哪里经营", "@经开区60"), (r"做了或打算做哪些事", "@建筑"), (r"做了或打算做哪些事", "@完成")]
    )
    assert "测评结果" in summary.content
    await leave_contact(talk, company="亦庄建筑示范有限公司", code="91110115MA02XYX11M")
    [lead] = stored_leads(bot)
    assert lead.campaign == "expo2025"
    post = await fake.wait_for_bot_message(STAFF_CHAT, since=0)
    assert "expo2025" in post.content and "亦庄建筑示范有限公司" in post.content


async def test_measure_deep_link_and_untrusted_payloads(fake: FakeTelegram, bot: BotRunner) -> None:
    """/start m27 explains measure 27 and asks its questions; junk payloads just open the menu."""
    talk = Talk(fake, 1006)
    replies = await talk.say("/start m27")
    assert "27" in replies[0].content and "光伏" in replies[0].content
    assert replies[-1].buttons, "the interview should continue with a question"
    for junk in ("/start <script>alert(1)</script>", "/start " + "x" * 300, "/start m99", "/start ../../etc"):
        shown = await talk.say(junk)
        assert "亦庄绿策" in shown[-1].content, junk


async def test_report_document_and_data_deletion(fake: FakeTelegram, bot: BotRunner) -> None:
    """The result can be downloaded as a report; /delete erases the lead and the conversation."""
    talk = Talk(fake, 1007)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    sent = await talk.press("PDF报告")
    document = next(m for m in sent if m.document is not None)
    assert document.document is not None and document.document.filename is not None
    if document.document.filename.endswith(".txt"):
        assert (
            "400,000" in document.document.data.decode("utf-8") or "40万元" in document.document.data.decode()
        )
    else:
        assert document.document.data.startswith(b"%PDF")
    await leave_contact(talk, code="91110302MA00TEXT1Y")
    assert len(stored_leads(bot)) == 1
    await talk.say("/delete")
    done = await talk.press("确定删除")
    assert "已全部删除" in done[-1].content
    assert stored_leads(bot) == []
    with storage.session_scope(bot.service.sessions) as session:
        assert storage.load_conversation("tg:1007", session=session) is None
    fresh = await talk.say("/start")
    assert "亦庄绿策" in fresh[0].content


async def test_staff_export_and_lists_after_a_lead(fake: FakeTelegram, bot: BotRunner) -> None:
    """Staff get /leads, /stats and a CSV + XLSX export holding the lead a user just left."""
    talk = Talk(fake, 1008)
    await start_screening(talk)
    await talk.interview(PV_ANSWERS)
    await leave_contact(talk)
    officer = Talk(fake, STAFF_USER)
    leads = await officer.say("/leads 27")
    assert COMPANY in leads[0].content and PHONE in leads[0].content
    assert "没有符合条件的线索" in (await officer.say("/leads 5"))[0].content
    stats = await officer.say("/stats")
    assert "线索：1" in stats[0].content and "完成测评：1" in stats[0].content
    sent = await officer.say("/export")
    files = {m.document.filename: m.document.data for m in sent if m.document is not None}
    csv_name = next(name for name in files if name.endswith(".csv"))
    xlsx_name = next(name for name in files if name.endswith(".xlsx"))
    csv_text = files[csv_name].decode("utf-8-sig")
    assert COMPANY in csv_text and CREDIT_CODE in csv_text and PHONE in csv_text
    sheet = openpyxl.load_workbook(io.BytesIO(files[xlsx_name])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][3] == COMPANY and rows[1][6] == PHONE


async def test_staff_asking_a_policy_question_get_the_clause_ready_to_copy(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    """Staff see the whole clause quoted; an enterprise sees the short answer to the same question."""
    question = "光伏发电每千瓦奖励多少？"
    for chat in (1011, STAFF_USER):
        await Talk(fake, chat).say("/start")
    public = (await Talk(fake, 1011).say(question))[0].content
    officer = (await Talk(fake, STAFF_USER).say(question))[0].content
    assert "800" in public and "800" in officer
    assert "责任单位：经济发展局" in officer
    assert officer != public


async def test_a_question_answered_by_typing_loses_its_keyboard(fake: FakeTelegram, bot: BotRunner) -> None:
    """Typing the zone edits the zone question to show the answer; no stale buttons linger (issue 10)."""
    talk = Talk(fake, 1051)
    await start_screening(talk)
    zone = talk.question
    assert "企业在哪里经营" in zone.content and zone.buttons
    await talk.say("经开区60平方公里")
    after = fake.message(talk.chat_id, zone.message_id)
    assert not after.buttons, "the answered question still has its buttons"
    assert "» 记下了：经开区60平方公里" in after.content  # what was understood, not only what was typed
    assert "做了或打算做哪些事" in talk.question.content
    # A question typed in the middle keeps the question on screen and its buttons.
    topics = talk.question
    await talk.say("什么是三同时？")
    assert fake.message(talk.chat_id, topics.message_id).buttons
