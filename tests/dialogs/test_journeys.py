"""Scripted conversations through ``dialogs.step``: what a user sees and what gets stored."""

from __future__ import annotations

from dialogs import Event, Phase, load_state, new_state, step
from tests.dialogs.journey import TODAY, Journey, clean_start

PV_SELF = {
    "@basic": "b:a:none",
    "enterprise.data_center": "b:a:no",
    "@kinds": ["done"],
    "@exclusions": "b:a:none",
    "project.pv_capacity_kw": "500千瓦",
    "project.pv_role": "b:a:self_invested",
}


def test_pv_owner_gets_800_yuan_per_kw_and_the_disclaimer() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    assert "第27条 分布式光伏发电" in j.text
    assert "40万元（400,000元）" in j.text
    assert "事后一次性兑现" in j.text
    assert "办事指南为准" in j.text
    # zone, topics, record, exclusions, role, capacity, data centre: nothing else is asked
    assert len(j.state.history) == 7
    # The data centre is asked last: alone, "no" settles 七(二)5(2) only once nothing else is open.
    assert j.state.history[-1].ref == "enterprise.data_center"


def test_typed_answers_work_wherever_buttons_do() -> None:
    j = Journey().say("/start").press("menu:screen")
    j.say("60平方公里范围内")
    assert j.state.phase == Phase.TOPICS
    j.say("光伏和绿电")
    assert set(j.state.topics) == {"pv", "green_power"}
    j.answer_until_summary(
        {
            "@basic": "没有",
            "enterprise.data_center": "不是",
            "@exclusions": "都不属于",
            "project.pv_capacity_kw": "0.5兆瓦",
            "project.pv_role": "1",
            "project.beijing_green_power_trade": "是的",
            "project.green_power_kwh": "1200万度",
        }
    )
    assert "40万元" in j.text  # 500 kW × 800
    assert "12万元" in j.text  # 12,000,000 kWh × 0.01
    assert "52万元" in j.text


def test_back_returns_to_the_previous_question_and_keeps_the_answer() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF, until="project.pv_capacity_kw")
    j.say("500千瓦")
    assert j.asking == "enterprise.data_center"
    j.say("返回")
    assert j.asking == "project.pv_capacity_kw"
    assert "当前回答：500千瓦" in j.text
    j.say("600千瓦")
    j.answer_until_summary(PV_SELF)
    assert "48万元" in j.text


def test_changing_an_answer_re_evaluates_without_asking_the_rest_again() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    asked_before = len(j.state.history)
    j.say("/change")
    assert "装机容量：500千瓦" in j.text
    index = next(i for i, h in enumerate(j.state.history) if h.ref == "project.pv_capacity_kw")
    j.press(f"chg:{index}").say("1000千瓦")
    assert j.state.phase == Phase.SUMMARY
    assert "80万元（800,000元）" in j.text
    assert len(j.state.history) == asked_before


def test_changing_the_role_asks_only_the_new_question_it_opens() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    j.say("/change")
    index = next(i for i, h in enumerate(j.state.history) if h.ref == "project.pv_role")
    j.press(f"chg:{index}").press("a:third_party_investor")
    assert j.asking == "project.site_owner_budget_unit"
    j.press("a:yes")
    assert "40万元" in j.text  # a budget-funded owner's investor gets the full 800 yuan/kW


def test_dont_know_leaves_the_fact_open_and_the_summary_says_what_is_missing() -> None:
    j = clean_start(Journey())
    j.answer_until_summary({**PV_SELF, "project.pv_capacity_kw": "不知道"})
    assert "❓" in j.text and "还需：装机容量" in j.text
    assert "可同时获得合计：0元" in j.text


def test_an_unreadable_figure_is_asked_again_with_an_example_and_nothing_is_lost() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF, until="project.pv_capacity_kw")
    before = j.state.to_json()
    j.say("挺大的")
    assert j.asking == "project.pv_capacity_kw"
    assert "500千瓦" in j.text  # the example
    assert j.state.enterprise == load_state(before).enterprise
    j.say("-20千瓦")
    assert j.asking == "project.pv_capacity_kw"
    j.say("300到500千瓦")
    assert j.asking == "project.pv_capacity_kw"
    j.say("500千瓦")
    assert j.asking == "enterprise.data_center"
    assert j.state.projects[0]["facts"]["pv_capacity_kw"] == 500


def test_a_question_typed_mid_interview_is_answered_and_the_interview_continues() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF, until="project.pv_capacity_kw")
    j.say("什么是三同时？")
    assert "三同时" in j.text
    assert j.asking == "project.pv_capacity_kw"
    assert j.replies[-1].kind == "question"


def test_lead_with_consent_validates_the_credit_code_and_mobile() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    j.press("cmd:contact")
    assert "12个月" in j.text and "个人信息保护法" in j.text
    j.press("lead:yes").say("北京亦庄示例科技有限公司")
    j.say("91110302MA01ABCD13")
    assert j.state.phase == Phase.LEAD_CREDIT_CODE and "GB 32100-2015" in j.text
    j.say("91110302ma01abcd12")
    j.say("王经理").say("138 1234 567")
    assert j.state.phase == Phase.LEAD_PHONE
    j.say("+86 138-1234-5678")
    j.press("lead:ok")
    lead = j.effect("save_lead").model_dump()
    assert lead["credit_code"] == "91110302MA01ABCD12"
    assert lead["phone"] == "13812345678"
    assert lead["total_yuan"] == 400_000
    assert lead["measures"] == [27]
    assert lead["consent_text_version"]
    assert j.state.phase == Phase.SUMMARY
    assert j.state.lead.phone is None  # nothing personal lingers in the conversation state


def test_refusing_consent_keeps_nothing() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    j.press("cmd:contact").press("lead:no")
    assert not [e for e in j.effects if e.effect == "save_lead"]
    assert "没有保存" in j.text


def test_delete_my_data_asks_first_then_deletes_and_resets() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    j.say("/delete")
    assert j.state.phase == Phase.DELETE_CONFIRM
    j.press("del:yes")
    assert j.effect("delete_data")
    assert j.state.enterprise == {} and j.state.projects == []


def test_restart_in_the_middle_starts_afresh_but_keeps_the_campaign() -> None:
    j = Journey().say("/start c_expo2026").press("menu:screen").press("a:core60")
    j.say("/restart")
    assert j.state.enterprise == {}
    assert j.state.campaign == "expo2026"
    assert j.asking == "enterprise.zone"


def test_language_switch_repeats_the_current_question_in_english() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF, until="project.pv_capacity_kw")
    j.say("/lang en")
    assert j.state.lang == "en"
    assert "kW" in j.text
    assert j.asking == "project.pv_capacity_kw"


def test_vehicle_replacement_counts_the_lower_of_scrapped_and_new() -> None:
    j = clean_start(Journey(), topics="车辆")
    assert j.asking == "@sub:vehicles"
    j.answer_until_summary(
        {
            "@sub:vehicles": ["s:vehicles", "done"],
            "@basic": "b:a:none",
            "@kinds": ["done"],
            "enterprise.data_center": "b:a:no",
            "enterprise.key_vehicle_unit": "b:a:no",
            "@exclusions": "b:a:none",
            "@more": "b:a:no",  # one batch
            "project.old_vehicle_class": "b:a:cn5plus_truck_bus",
            "project.old_scrapped_or_moved_out": "b:a:yes",
            "project.old_count": "10辆",
            "project.new_count": "8辆",
            "project.new_energy_type": "b:a:bev",
            "project.new_unit_price_yuan": "30万",
            "project.higher_subsidy_yuan": "0",
            "project.scrapped_within_year_of_deadline": "b:a:no",
            "project.old_registered_after_policy": "b:a:no",
        }
    )
    assert "72万元（720,000元）" in j.text  # 30% × 300,000 × min(10, 8)
    # only the chosen kind of vehicle project was asked about
    assert [p["id"] for p in j.state.projects] == ["vehicles"]
    assert not any(h.ref in ("project.fleet_count", "project.lease_term_months") for h in j.state.history)


def test_certificates_ask_only_about_the_titles_the_enterprise_holds() -> None:
    j = clean_start(Journey(), topics="认证与称号")
    j.press("s:esg").press("s:water_leader").press("done")
    j.answer_until_summary(
        {
            "@basic": "b:a:none",
            "project.esg_a_or_above": "b:a:yes",
            "project.water_efficiency_leader": "b:a:municipal",
        }
    )
    assert "可同时获得合计：45万元" in j.text  # 200,000 (36) + 250,000 (39)
    assert len(j.state.history) <= 6


def test_outside_the_new_town_the_screening_stops_at_once_quoting_the_scope() -> None:
    j = Journey().say("/start").press("menu:screen").press("a:outside")
    assert j.state.phase == Phase.OUTSIDE
    assert "七(一)" in j.text and "其余的支持措施，适用于亦庄新城 225 平方公里范围" in j.text
    assert "❌" not in j.text and "第2步" not in j.text  # no topics question, no list of ❌
    assert {"menu:ask", "cmd:contact", "out:zone"} <= set(j.choices())
    j.say("/summary")
    assert "❌" not in j.text and "七(一)" in j.text
    j.press("out:zone").press("a:core60")
    assert j.state.phase == Phase.TOPICS


def test_a_bad_record_rules_everything_out_and_says_why() -> None:
    j = clean_start(Journey()).press("a:some")
    assert j.asking.startswith("enterprise.")
    j.answer_until_summary(
        {
            "enterprise.major_penalty_3y": "b:a:yes",
            "enterprise.criminal_record_3y": "b:a:no",
            "enterprise.dishonest_list": "b:a:no",
            "enterprise.major_accident_3y": "b:a:no",
            "enterprise.environmental_incident_3y": "b:a:no",
            **PV_SELF,
        }
    )
    # Issue 7: the reason says what was found and the clause it fails, not the requirement.
    assert "不符合：近三年有重大行政处罚公示信息，不符合七(二)2" in j.text
    assert "近三年无重大行政处罚" not in j.text


def test_a_stale_button_is_explained_and_the_current_question_shown() -> None:
    j = clean_start(Journey())
    j.press_stale("a:core60")
    assert "过期" in j.text
    assert j.asking == "@basic"


def test_a_conversation_survives_a_restart_of_the_process() -> None:
    j = clean_start(Journey()).answer_until_summary(PV_SELF, until="project.pv_capacity_kw")
    stored = j.state.to_json()
    revived = load_state(stored)
    state, replies = step(revived, Event(kind="text", text="500千瓦"), TODAY)
    state, replies = step(load_state(state.to_json()), Event(kind="button", data="a:no"), TODAY)
    assert state.phase == Phase.SUMMARY
    assert "40万元" in replies[-1].text


def test_an_unreadable_or_future_stored_state_starts_afresh_rather_than_crashing() -> None:
    assert load_state({"schema_version": 99, "lang": "en"}).lang == "en"
    assert load_state({"schema_version": 1, "phase": "no-such-phase"}).phase == Phase.START
    assert load_state(None).phase == Phase.START


def test_deep_link_to_a_measure_explains_it_and_asks_only_its_questions() -> None:
    j = Journey().say("/start m27")
    assert "分布式光伏发电" in j.text
    assert j.state.focus_measure == 27
    assert j.state.topics == ["pv"]
    assert j.asking == "enterprise.zone"


def test_an_untrusted_deep_link_payload_is_ignored() -> None:
    j = Journey().say("/start <script>alert(1)</script>")
    assert j.state.campaign is None and j.state.focus_measure is None
    assert j.state.phase == Phase.MENU


def test_building_project_pays_the_larger_of_24_25_26_not_all() -> None:
    j = clean_start(Journey(), topics="建筑")
    answers = {
        "@basic": "b:a:none",
        "enterprise.data_center": "b:a:no",
        "@exclusions": "b:a:none",
        "project.municipal_retrofit_award_yuan": "80万",
        "project.retrofit_area_m2": "5万平方米",
        "project.retrofit_investment_yuan": "300万",
        "project.municipal_green_building_award_yuan": "90万",
        "project.building_area_m2": "5万平方米",
        "project.demonstration_in_newtown": "b:a:no",
        "project.municipal_ultralow_award_yuan": "0",
    }
    j.answer_until_summary(answers)
    assert "与第25条为同一项目，从优不重复" in j.text
    assert "可同时获得合计：90万元" in j.text


def test_unknown_commands_and_empty_or_huge_messages_get_a_polite_answer() -> None:
    state = new_state()
    for event in (
        Event.from_text("/nosuch"),
        Event(kind="text", text="   "),
        Event(kind="text", text="好" * 5000),
    ):
        state, replies = step(state, event, TODAY)
        assert replies and all(r.kind != "effect" for r in replies)


def test_staff_get_the_clause_quoted_in_full_ready_to_copy() -> None:
    state, _ = step(new_state(), Event.from_text("/start"), TODAY)
    _, public = step(state, Event(kind="text", text="光伏发电每千瓦奖励多少？"), TODAY)
    _, staff = step(state, Event(kind="text", text="光伏发电每千瓦奖励多少？", staff=True), TODAY)
    assert "每千瓦 800 元" in staff[0].text or "每千瓦800元" in staff[0].text
    assert "责任单位" in staff[0].text
    assert staff[0].text != public[0].text


def test_passing_an_unanswered_question_to_staff_happens_once() -> None:
    j = Journey().say("/start").press("menu:ask").say("你们食堂几点开饭？")
    assert j.effect("faq_miss").model_dump()["question"] == "你们食堂几点开饭？"
    j.press("faq:staff")
    assert "你们食堂几点开饭？" in j.effect("notify_staff").model_dump()["question"]
    j.press_stale("faq:staff")
    assert len([e for e in j.effects if e.effect == "notify_staff"]) == 1
    assert "已经转给工作人员" in j.text


def test_keys_the_channel_stores_beside_the_state_are_ignored() -> None:
    j = clean_start(Journey())
    stored = {**j.state.to_json(), "_channel": {"last_question": 7}}
    assert load_state(stored).topics == ["pv"]


def test_typed_words_work_where_buttons_do_on_the_menu_the_result_and_the_change_list() -> None:
    j = Journey().say("/start").say("开始测评")
    assert j.asking == "enterprise.zone"
    j.say("60平方公里").say("光伏").answer_until_summary(PV_SELF)
    j.say("第27条详情")
    assert "适用情形：自投自建" in j.text and "40万元" in j.text
    j.press("d:27:pv:more")
    assert "✓ 光伏项目由申报单位自行投资" in j.text and "责任单位：经济发展局" in j.text
    j.say("修改答案")
    index = next(i for i, h in enumerate(j.state.history) if h.ref == "project.pv_capacity_kw")
    j.say(str(index + 1))
    assert j.asking == "project.pv_capacity_kw"
