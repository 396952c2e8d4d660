"""Scripted journeys from issue 10: the first message, echoes, mixed situations, nobody stranded."""

from __future__ import annotations

import re

from dialogs import Event, FaqMiss, Phase, QuestionReply, Reply
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
    j = vehicles_start().answer_until_summary(
        {**VEHICLE_BATCH, "project.old_vehicle_class": "b:a:cn4_diesel_truck_bus"}, until="project.old_count"
    )
    j.say("十辆")
    assert "记下了：10（" in j.text  # a count has no unit to space off


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
    assert isinstance(miss, FaqMiss) and miss.question == "车辆补贴有哪些？"
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


# ---------------------------------------------------------------- mixed situations and plain questions

VEHICLE_BATCH = {
    "@kinds": ["done"],
    "enterprise.key_vehicle_unit": "b:a:no",
    "@basic": "b:a:none",
    "@exclusions": "b:a:none",
    "project.old_scrapped_or_moved_out": "b:a:yes",
    "project.new_energy_type": "b:a:bev",
    "project.scrapped_within_year_of_deadline": "b:a:no",
    "project.old_registered_after_policy": "b:a:no",
    "project.old_count": "3辆",
    "project.new_count": "3辆",
    "project.new_unit_price_yuan": "30万元",
    "project.higher_subsidy_yuan": "6万元",
}


def vehicles_start() -> Journey:
    """Start a screening of own-vehicle replacement only."""
    return (
        Journey()
        .say("/start")
        .press("menu:screen")
        .press("a:core60")
        .say("车辆")
        .press("s:vehicles")
        .press("done")
    )


def test_a_fleet_of_china_iv_and_china_v_vehicles_is_entered_batch_by_batch() -> None:
    j = vehicles_start().answer_until_summary(
        {**VEHICLE_BATCH, "project.old_vehicle_class": "b:a:cn4_diesel_truck_bus"}, until="@more"
    )
    assert "国四和国五" in j.text and "a:yes" in j.choices()
    j.press("a:yes")
    assert j.state.current is not None and j.state.current.project_id == "vehicles#2"
    assert "【自有车辆置换（第2批）】" in j.text
    j.answer_until_summary(
        {**VEHICLE_BATCH, "project.old_vehicle_class": "b:a:cn5plus_truck_bus"}, until="@more"
    )
    j.press("a:no")
    assert j.state.phase == Phase.SUMMARY
    assert j.text.count("第18条") == 2 and "第2批" in j.text
    # Both batches count: 国四 3 × 30万 × 30% − 6万 = 21万; 国五 3 × 30万 × 30% = 27万.
    assert "48万元" in j.text


def answer_one(j: Journey, answers: dict[str, str | list[str]]) -> None:
    """Answer the current question from a table, else with the first plain option, else a figure."""
    ref = j.asking or ""
    if ref in answers:
        answer = answers[ref]
        if isinstance(answer, list):
            for item in answer:
                j.press(item)
        elif answer.startswith("b:"):
            j.press(answer[2:])
        else:
            j.say(answer)
        return
    ids = j.choices()
    pick = next((i for i in ("a:none", "done", "a:yes", "a:national") if i in ids), None)
    pick = pick or next((i for i in ids if i.startswith("a:")), None)
    j.press(pick) if pick else j.say("5")


def test_green_factory_and_green_supply_chain_titles_are_two_items() -> None:
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("认证")
    j.press("s:green_manufacturing").press("done")
    for _ in range(20):
        if j.asking == "@more":
            break
        answer_one(j, {})
    assert "绿色供应链" in j.text
    assert "➕ 再添加一项" in [c.label for r in j.replies if isinstance(r, QuestionReply) for c in r.choices]
    j.press("a:yes")
    assert "第2项" in j.text


def test_an_added_batch_can_be_taken_back_from_the_change_list() -> None:
    j = vehicles_start().answer_until_summary(
        {**VEHICLE_BATCH, "project.old_vehicle_class": "b:a:cn4_diesel_truck_bus"}, until="@more"
    )
    j.press("a:yes").press("cmd:back")
    assert j.asking == "@more"
    j.press("a:no")
    assert j.state.phase == Phase.SUMMARY
    assert [p["id"] for p in j.state.projects] == ["vehicles"]


def test_choosing_own_vehicle_replacement_is_not_followed_by_are_they_owned() -> None:
    j = vehicles_start().answer_until_summary(
        {**VEHICLE_BATCH, "project.old_vehicle_class": "b:a:cn4_diesel_truck_bus"}, until="@more"
    )
    assert not any(h.ref == "project.own_vehicles" for h in j.state.history)


def test_counts_and_prices_come_before_the_subsidy_already_received() -> None:
    j = vehicles_start()
    order: list[str] = []
    answers: dict[str, str | list[str]] = {
        **VEHICLE_BATCH,
        "project.old_vehicle_class": "b:a:cn4_diesel_truck_bus",
    }
    for _ in range(20):
        if j.asking == "@more":
            break
        order.append(j.asking or "")
        answer_one(j, answers)
    subsidy = order.index("project.higher_subsidy_yuan")
    for fact in ("project.old_count", "project.new_count", "project.new_unit_price_yuan"):
        assert order.index(fact) < subsidy, order


def test_kinds_a_non_expert_may_not_know_are_explained_in_one_line() -> None:
    """数据中心, 全额预算拨款单位 and 重点用车单位 carry a one-line reason wherever they are asked.

    Asked in the kinds multi-select ("• 数据中心：…") or, as a half of an either-or condition asked
    once nothing else is open (issue 7), on their own with "为什么问：…".
    """
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("车辆、燃气锅炉")
    j.press("s:vehicles").press("done")
    answers: dict[str, str | list[str]] = {
        "project.scrapped_within_year_of_deadline": "b:a:no",
        "project.old_registered_after_policy": "b:a:no",
        "@more": "b:a:no",
    }
    seen = []
    texts = []
    for _ in range(40):
        if j.state.phase == Phase.SUMMARY:
            break
        texts.append(j.text)
        lines = j.text.splitlines()
        for ref, word in (
            ("enterprise.data_center", "数据中心"),
            ("enterprise.full_budget_unit", "全额预算拨款单位"),
            ("enterprise.key_vehicle_unit", "经开区重点用车单位"),
        ):
            if j.asking == "@kinds" and any(
                c.label == word for r in j.replies if isinstance(r, QuestionReply) for c in r.choices
            ):
                assert any(line.startswith(f"• {word}：") for line in lines), word
                seen.append(ref)
            elif j.asking == ref:
                assert any(line.startswith("为什么问：") for line in lines), word
                seen.append(ref)
        answer_one(j, answers)
    assert "enterprise.key_vehicle_unit" in seen and "enterprise.data_center" in seen, seen
    assert j.state.phase == Phase.SUMMARY
    assert any("八(二)8" in text for text in texts)


def test_a_question_about_one_measure_stays_a_policy_question() -> None:
    j = Journey().say("/start").press("menu:ask").say("光伏有什么补贴？")
    assert j.state.phase != Phase.INTAKE_CONFIRM and j.asking is None
    assert "第27条" in j.text and "答不上来" not in j.text
    j = Journey().say("/start").press("menu:ask").say("我们公司想装光伏，帮我算一下能拿多少")
    assert j.state.phase == Phase.INTAKE_CONFIRM and "光伏" in j.text


# ---------------------------------------------------------------- issue 10: leftovers


def test_a_question_typed_at_the_start_goes_to_the_faq_without_a_question_mark() -> None:
    j = Journey().say("屋顶光伏补贴")
    assert "第27条" in j.text and "menu:screen" in j.choices()
    j = Journey().say("/start").say("储能补贴")
    assert "没有对储能项目的资金奖励" in j.text
    j = Journey().say("锅炉改造")
    assert "您是想问" in j.text and any(c.startswith("faq:") for c in j.choices())


def test_a_greeting_at_the_start_shows_the_menu_and_logs_no_miss() -> None:
    j = Journey().say("你好")
    assert "menu:screen" in j.choices() and not j.effects


def test_a_question_in_several_parts_answers_the_first_and_offers_the_others() -> None:
    j = LiveJourney()
    j.say("光伏补多少？要准备什么材料？")
    assert "第27条" in j.text
    assert "faq:m27-docs" in j.choices()
    j.press_live("faq:m27-docs")
    assert "材料" in j.text and "过期" not in j.text and "失效" not in j.text


def test_a_description_gives_the_zone_and_the_investment_shown_back_for_confirmation() -> None:
    j = Journey().say("我们在经开区，投资了300万做燃气锅炉改造，能拿多少？")
    assert j.state.phase == Phase.INTAKE_CONFIRM
    assert "经开区60平方公里" in j.text and "300万元" in j.text
    j.press("intake:ok")
    assert j.state.enterprise.get("zone") == "core60"
    assert j.asking != "enterprise.zone"
    boiler = next(p for p in j.state.projects if p["id"] == "boiler")
    assert boiler["facts"].get("boiler_retrofit_investment_yuan") == 3_000_000
    asked = []
    for _ in range(25):
        if j.state.phase == Phase.SUMMARY:
            break
        asked.append(j.asking)
        ids = j.choices()
        pick = next((i for i in ("a:none", "done", "a:no") if i in ids), None)
        j.press(pick) if pick else j.say("不知道")
    assert "enterprise.zone" not in asked and "project.boiler_retrofit_investment_yuan" not in asked
    assert j.state.phase == Phase.SUMMARY


def test_a_description_outside_the_zone_stops_at_once_after_confirmation() -> None:
    j = Journey().say("我们在大兴采育，不在亦庄新城，自己装了屋顶光伏，能拿什么补贴？")
    assert j.state.phase == Phase.INTAKE_CONFIRM and "不在以上范围" in j.text
    j.press("intake:ok")
    assert j.state.phase == Phase.OUTSIDE and "七(一)" in j.text
