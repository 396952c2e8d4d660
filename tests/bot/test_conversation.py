"""Issue 10 through the real bot and the fake Bot API: first messages, live buttons, phone keyboards."""

from __future__ import annotations

import storage
from bot.app import BotRunner
from tests.bot.talk import Talk
from tests.fakebotapi import FakeTelegram, SentMessage

STALE = ("失效", "过期")


def said(messages: list[SentMessage]) -> str:
    """All the text the bot sent or edited in a step."""
    return "\n".join(m.content for m in messages)


async def test_a_first_message_asking_to_be_tested_starts_the_screening(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    talk = Talk(fake, 3001)
    replies = await talk.say("帮我测一下能拿多少钱")
    assert "企业在哪里经营" in said(replies)
    assert "答不上来" not in said(replies)


async def test_a_described_fleet_is_confirmed_and_not_asked_again(fake: FakeTelegram, bot: BotRunner) -> None:
    talk = Talk(fake, 3002)
    replies = await talk.say("我们是做物流的，自己有40辆货车，想换新能源，能拿什么补贴？")
    assert "自有货运车队" in said(replies) and "40" in said(replies)
    await talk.press("对，就这样")
    await talk.press("经开区60")
    seen = []
    for _ in range(25):
        question = talk.question
        if "测评结果" in question.content:
            break
        seen.append(question.content)
        labels = [b["text"] for row in question.inline_keyboard for b in row]
        for pick in ("都没有", "都不属于", "✔ 完成", "否", "不知道"):
            if pick in labels:
                await talk.press(pick, question)
                break
        else:
            await talk.say("3")
    assert not [q for q in seen if "做了或打算做哪些事" in q or "具体是哪几项" in q or "一共有几辆车" in q]


async def test_welcome_buttons_and_no_thanks_work_after_an_unanswered_question(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    talk = Talk(fake, 3003)
    await talk.say("/start")
    welcome = talk.question
    miss = await talk.say("你们食堂几点开饭？")
    assert "答不上来" in said(miss)
    offer = talk.question
    no_thanks = await talk.press("不用了", offer)
    assert no_thanks and not any(s in said(no_thanks) for s in STALE)
    assert "好的" in said(no_thanks)
    started = await talk.press("测一测", welcome)
    assert not any(s in said(started) for s in STALE)
    assert "企业在哪里经营" in said(started)
    with storage.session_scope(bot.service.sessions) as session:
        misses = [m.question for m in storage.list_faq_misses(session=session)]
    assert misses == ["你们食堂几点开饭？"]


async def test_did_you_mean_buttons_work_mid_interview(fake: FakeTelegram, bot: BotRunner) -> None:
    talk = Talk(fake, 3004)
    await talk.say("/start")
    await talk.press("测一测")
    await talk.press("经开区60")
    await talk.say("光伏")
    question = await talk.interview([(r"近三年", "@都没有")], stop=r"装机容量|投资")
    offered = await talk.say("车辆补贴有哪些？")
    suggestions = next(m for m in offered if "您是想问" in m.content)
    first = suggestions.inline_keyboard[0][0]["text"]
    answered = await talk.press(first, suggestions)
    assert not any(s in said(answered) for s in STALE)
    # The interview question is still there and still works.
    assert question.content.split("\n")[0] in talk.question.content


async def test_outside_the_zone_the_screening_stops_with_the_scope_quoted(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    talk = Talk(fake, 3005)
    await talk.say("/start")
    await talk.press("测一测")
    replies = await talk.press("不在以上范围")
    text = said(replies)
    assert "七(一)" in text and "其余的支持措施" in text
    assert "❌" not in text and "做了或打算做哪些事" not in text
    labels = [b["text"] for row in talk.question.inline_keyboard for b in row]
    assert any("联系方式" in label for label in labels) and any("问" in label for label in labels)


async def test_long_labels_get_a_row_each_on_a_phone(fake: FakeTelegram, bot: BotRunner) -> None:
    talk = Talk(fake, 3006)
    await talk.say("/start")
    await talk.press("测一测")
    await talk.press("经开区60")
    rows = talk.question.inline_keyboard
    for row in rows:
        if len(row) > 1:
            assert all(len(b["text"]) <= 8 for b in row), [b["text"] for b in row]
    vehicles = next(row for row in rows if any(b["text"].startswith("车辆") for b in row))
    assert len(vehicles) == 1


async def test_a_typed_figure_is_said_back_with_its_unit(fake: FakeTelegram, bot: BotRunner) -> None:
    talk = Talk(fake, 3007)
    await talk.say("/start")
    await talk.press("测一测")
    await talk.press("经开区60")
    await talk.say("光伏")
    await talk.interview(
        [(r"近三年", "@都没有"), (r"三同时", "@都不属于"), (r"自己投资的", "@自行投资建设")], stop=r"装机容量"
    )
    replies = await talk.say("0.5兆瓦")
    assert "记下了：500 千瓦" in said(replies)


async def test_a_typed_answer_is_said_back_on_the_question_it_answers(
    fake: FakeTelegram, bot: BotRunner
) -> None:
    talk = Talk(fake, 3010)
    await talk.say("/start")
    await talk.press("测一测")
    await talk.press("经开区60")
    await talk.say("光伏")
    question = await talk.interview([(r"近三年", "@都没有"), (r"三同时", "@都不属于")], stop=r"自己投资的")
    replies = await talk.say("1")
    marked = [m for m in replies if m.message_id == question.message_id]
    sent = [m for m in replies if m.message_id != question.message_id]
    # What was understood stays on the question it answers, its buttons gone; then one new message.
    assert marked and "» 记下了：自行投资建设" in marked[-1].content and not marked[-1].buttons
    assert len(sent) == 1 and sent[0].buttons and "装机容量" in sent[0].content
    assert "记下了" not in sent[0].content
    # Answered by typing in turn, the next question keeps the earlier reading above it.
    await talk.say("500千瓦")
    history = {m.message_id: m.content for m in fake.bot_messages(3010)}
    assert "» 记下了：自行投资建设" in history[question.message_id]
    assert "» 记下了：500 千瓦" in history[sent[0].message_id]


async def test_a_second_batch_of_vehicles_is_entered_on_its_own(fake: FakeTelegram, bot: BotRunner) -> None:
    talk = Talk(fake, 3009)
    await talk.say("/start")
    await talk.press("测一测")
    await talk.press("经开区60")
    await talk.say("车辆")
    await talk.press("自有车辆置换")
    batch = [
        (r"重点用车单位", "@否"),
        (r"近三年", "@都没有"),
        (r"三同时", "@都不属于"),
        (r"哪一类", "@国四"),
        (r"报废，或者淘汰转出", "@是"),
        (r"纯电动、氢燃料电池", "@纯电动"),
        (r"强制报废期限", "@否"),
        (r"政策发布之后", "@否"),
        (r"终端售价", "30万元"),
        (r"有几辆", "3辆"),
        (r"置换的新能源车辆", "3辆"),
        (r"已获得国家或市级补贴", "6万元"),
    ]
    more = await talk.interview(batch, default="@完成", stop=r"另一批")
    assert "国四和国五" in more.content
    await talk.press("再添加一批", more)
    second = [
        (p, "@国五" if a == "@国四" else a)
        for p, a in batch
        if p not in (r"重点用车单位", r"近三年", r"三同时")
    ]
    more = await talk.interview(second, default="@否", stop=r"第2批）】还有")
    summary = await talk.interview([(r"另一批", "@没有了")])
    assert "第2批" in summary.content and summary.content.count("第18条") == 2
