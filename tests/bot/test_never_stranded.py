"""Property: over random events, every event gets a visible reply and no live button goes dead."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.service import Service
from dialogs import Event, QuestionReply
from dialogs.live import ButtonPress, Live, question_tag

TEXTS = (
    "/start",
    "帮我测一下能拿多少钱",
    "我们是做物流的，自己有40辆货车，想换新能源，能拿什么补贴？",
    "光伏",
    "光伏、燃气锅炉",
    "500千瓦",
    "不知道",
    "跳过",
    "返回",
    "结果",
    "修改",
    "是",
    "没有",
    "确认",
    "你们食堂几点开饭？",
    "车辆补贴有哪些？",
    "/contact",
    "/cancel",
    "/summary",
    "/help",
    "/delete",
    "/restart",
    "english",
    "asdf",
    "大兴采育，不在亦庄新城",
    "经开区里面",
    "车辆",
    "再添加一批",
    "对",
    "不对",
    "都不是",
    "0.5兆瓦",
)

# An event: type a text, or press the n-th button of the k-th newest question ever shown.
EVENTS = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(TEXTS), st.just(0)),
    st.tuples(st.just("press"), st.integers(0, 5), st.integers(0, 40)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENTS, min_size=1, max_size=25))
def test_every_event_gets_a_reply_and_live_buttons_work(events: list[tuple[str, object, int]]) -> None:
    service = Service("sqlite://")
    try:
        shown: list[QuestionReply] = []  # every question ever shown, oldest first
        live = Live()
        for kind, what, index in events:
            if kind == "text":
                outcome = service.process("c", "u", Event.from_text(str(what)))
                pressed_live = None
            else:
                if not shown:
                    continue
                question = shown[-1 - int(what) % len(shown)]
                i = index % len(question.choices)
                pressed_live = any(question_tag(q) == question_tag(question) for q in live.questions())
                outcome = service.process("c", "u", Event(kind="button"), press=ButtonPress.on(question, i))
            assert outcome.visible, f"no visible reply to {kind} {what!r}"
            if pressed_live is True:
                assert not outcome.stale, "a live button was refused as out of date"
            if pressed_live is False:
                assert outcome.stale
                # The press explains and shows the current question again.
                if live.main is not None:
                    assert any(r.kind == "question" for r in outcome.visible)
            if outcome.deleted:
                live = Live()
            elif not outcome.stale:
                live = live.after(outcome.replies)
            shown += [r for r in outcome.replies if isinstance(r, QuestionReply) and r.choices]
    finally:
        service.close()
