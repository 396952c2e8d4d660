"""Scripted journeys from issue 10: the first message, echoes, mixed situations, nobody stranded."""

from __future__ import annotations

import re

from dialogs import Event, Phase, Reply
from dialogs.live import Live
from tests.dialogs.journey import Journey, clean_start

FLEET_STORY = "我们是做物流的，自己有40辆货车，想换新能源，能拿什么补贴？"


class LiveJourney(Journey):
    """A journey that also keeps which buttons are live, as the channels do."""

    live: Live = Live()

    def _run(self, event: Event) -> Journey:
        super()._run(event)
        self.live = self.live.after(self.replies)
        return self

    def press_live(self, data: str) -> Journey:
        """Press a button on any live question (main or aside)."""
        offered = [c.id for q in self.live.questions() for c in q.choices]
        assert data in offered, f"button {data!r} not live; live: {offered}"
        return self._run(Event(kind="button", data=data))

    def live_ids(self) -> list[str]:
        """Ids of every live button."""
        return [c.id for q in self.live.questions() for c in q.choices]


def visible(replies: list[Reply]) -> list[Reply]:
    """The replies a user sees."""
    return [r for r in replies if r.kind != "effect"]


# ---------------------------------------------------------------- the first message


def test_a_request_to_be_tested_starts_the_screening_as_the_first_message() -> None:
    j = Journey().say("帮我测一下能拿多少钱")
    assert j.asking == "enterprise.zone"
    assert "答不上来" not in j.text
    j = Journey().say("/start").say("我想测一测能拿多少钱")
    assert j.asking == "enterprise.zone"


def test_a_description_is_shown_back_and_not_asked_again() -> None:
    j = Journey().say(FLEET_STORY)
    assert j.state.phase == Phase.INTAKE_CONFIRM
    assert "车辆" in j.text and "自有货运车队" in j.text and "40" in j.text
    j.press("intake:ok").press("a:core60")
    asked: list[str] = []
    for _ in range(30):
        if j.state.phase == Phase.SUMMARY:
            break
        asked.append(j.asking or j.state.phase)
        ids = j.choices()
        if "a:none" in ids:
            j.press("a:none")
        elif "done" in ids:
            j.press("done")
        elif "a:no" in ids:
            j.press("a:no")
        elif any(i.startswith("a:") for i in ids):
            j.press(next(i for i in ids if i.startswith("a:")))
        else:
            j.say("5")
    # Topics, which vehicle projects and the fleet size came from the description.
    assert Phase.TOPICS not in asked
    assert not any(a.startswith("@sub:") for a in asked)
    assert "project.fleet_count" not in asked
    assert j.state.projects[0]["id"] in ("vehicles", "fleet")
    fleet = next(p for p in j.state.projects if p["id"] == "fleet")
    assert fleet["facts"]["fleet_count"] == 40


def test_a_description_declined_is_asked_step_by_step() -> None:
    j = Journey().say(FLEET_STORY).press("intake:no")
    assert j.asking == "enterprise.zone"
    j.press("a:core60")
    assert j.state.phase == Phase.TOPICS and j.state.topics == []


def test_a_description_confirmed_by_typing() -> None:
    j = Journey().say("/start").say("我们公司屋顶装了500千瓦光伏，能申请什么补贴")
    assert "装机容量" in j.text and "500" in j.text
    j.say("对").press("a:core60")
    assert j.state.projects[0]["facts"]["pv_capacity_kw"] == 500


# ---------------------------------------------------------------- echo


def test_a_typed_figure_is_said_back_with_its_unit() -> None:
    j = clean_start(Journey()).answer_until_summary(
        {
            "@basic": "b:a:none",
            "enterprise.data_center": "b:a:no",
            "@kinds": ["done"],
            "@exclusions": "b:a:none",
        },
        until="project.pv_role",
    )
    j.press("a:self_invested")
    assert "记下了" not in j.text  # a pressed button shows itself
    j.say("0.5兆瓦")
    assert "记下了：500 千瓦" in j.text


# ---------------------------------------------------------------- never strand a user


def test_no_thanks_after_an_faq_miss_answers_and_shows_what_to_do() -> None:
    j = LiveJourney().say("/start").say("你们食堂几点开饭？")
    assert "faq:no" in j.choices()
    j.press("faq:no")
    assert visible(j.replies), "不用了 answered nothing"
    assert "menu:screen" in j.choices()


def test_the_welcome_buttons_still_work_after_an_unanswered_question() -> None:
    j = LiveJourney().say("/start").say("你们食堂几点开饭？")
    assert "menu:screen" in j.live_ids()
    j.press_live("menu:screen")
    assert j.asking == "enterprise.zone"


def test_did_you_mean_buttons_work_until_the_current_question_is_answered() -> None:
    j = LiveJourney()
    clean_start(j).answer_until_summary(
        {
            "@basic": "b:a:none",
            "enterprise.data_center": "b:a:no",
            "@kinds": ["done"],
            "@exclusions": "b:a:none",
        },
        until="project.pv_role",
    )
    j.say("车辆补贴有哪些？")
    suggestions = [c for c in j.live_ids() if c.startswith("faq:")]
    assert len(suggestions) >= 2, j.text
    assert j.asking == "project.pv_role"
    j.press_live(suggestions[0])
    assert "过期" not in j.text and "失效" not in j.text
    j.press_live(suggestions[1])  # still live: the question is the same one
    assert "过期" not in j.text and j.asking == "project.pv_role"
    j.say("自己投资的")
    assert not any(c.startswith("faq:") for c in j.live_ids())


def test_suggestions_passed_over_are_logged_for_staff() -> None:
    j = Journey().say("/start").press("menu:ask").say("车辆补贴有哪些？")
    suggestions = [c for c in j.choices() if c.startswith("faq:")]
    assert suggestions and not j.effects
    j.say("光伏怎么奖励？")
    miss = j.effect("faq_miss")
    assert miss.payload["question"] == "车辆补贴有哪些？"
    taken = Journey().say("/start").press("menu:ask").say("车辆补贴有哪些？")
    taken.press(next(c for c in taken.choices() if c.startswith("faq:")))
    assert not [e for e in taken.effects if e.effect == "faq_miss"]


def test_the_interview_speaks_to_the_user_as_nin() -> None:
    j = Journey().say("/start")
    texts = [j.text]
    clean_start(j)
    texts.append(j.text)
    j.answer_until_summary(
        {
            "@basic": "b:a:none",
            "enterprise.data_center": "b:a:no",
            "@kinds": ["done"],
            "@exclusions": "b:a:none",
            "project.pv_capacity_kw": "500千瓦",
            "project.pv_role": "b:a:self_invested",
        }
    )
    texts.append(j.text)
    j.press("cmd:contact")
    texts.append(j.text)
    j.say("/delete")
    texts.append(j.text)
    assert not [t for t in texts if re.search(r"你(?!好)", t)], texts
