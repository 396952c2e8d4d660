"""What a user reads: a short result about what they told us, a detail that fits a phone screen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.markup import runs
from dialogs.render import detail_text
from rules.engine import evaluate
from rules.facts import Profile
from tests.dialogs.journey import TODAY, Journey, clean_start
from tests.dialogs.test_journeys import PV_SELF


def test_summary_in_the_225_area_lists_only_what_the_answers_touch() -> None:
    """A solar firm in the 225 km² area reads its one measure, not 19 ❌ about the 60 km² area."""
    j = clean_start(Journey(), zone="newtown225").answer_until_summary(PV_SELF)
    assert "✅ **第27条 分布式光伏发电**" in j.text
    assert "❌" not in j.text
    assert "其余39条与您填写的情况无关" in j.text
    assert len(j.text) < 400, len(j.text)


def test_a_chosen_measure_ruled_out_by_the_zone_is_still_shown_with_its_reason() -> None:
    """The boiler the user asked about is not hidden: it is shown ❌ with the zone as the reason."""
    j = clean_start(Journey(), zone="newtown225", topics="锅炉")
    for _ in range(20):
        if j.state.phase == "summary":
            break
        options = [c for c in j.choices() if c.startswith("a:")]
        if "done" in j.choices():
            j.press("done")
        elif options:
            j.press("a:none" if "a:none" in options else options[0])
        else:
            j.say("不知道")
    assert "❌ **第10条 燃气锅炉环保绩效争A保B**（锅炉改造）" in j.text
    assert "60平方公里" in j.text
    assert "其余39条与您填写的情况无关" in j.text


def test_a_company_name_with_asterisks_is_confirmed_as_typed() -> None:
    """A company named "**粗体**公司" keeps its asterisks in the confirmation; nothing of it turns bold."""
    j = clean_start(Journey()).answer_until_summary(PV_SELF)
    j.press("cmd:contact").press("lead:yes").say("**粗体**公司").say("91110302MA01ABCD0Y")
    j.say("张*三").say("13812345678")
    pieces = runs(j.text)
    shown = "".join(text for text, _ in pieces)
    assert "企业：**粗体**公司" in shown and "联系人：张*三" in shown
    assert not any(bold and "粗体" in text for text, bold in pieces)


PHONE_SCREEN = 600  # characters: what a phone shows without scrolling far


def pv_result(role: str = "b:a:self_invested") -> Journey:
    """Reach the result of the PV story in the core zone, with the investor role given."""
    return clean_start(Journey()).answer_until_summary(
        {**PV_SELF, "project.pv_role": role, "project.site_owner_budget_unit": "b:a:no"}
    )


def title_result(diagnosis: str = "b:a:no", funding: str = "288万元") -> Journey:
    """Reach the result of a factory holding a national green-factory title."""
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("绿色工厂")
    j.press("s:green_manufacturing").press("done")
    return j.answer_until_summary(
        {
            "@basic": "b:a:none",
            "project.green_diagnosis_done": diagnosis,
            "project.diagnosis_equipment_funding_yuan": funding,
            "project.green_manufacturing_title": "b:a:national",
            "@exclusions": "b:a:none",
            "enterprise.data_center": "b:a:no",
            "@more": "b:a:no",  # one title only
        }
    )


def test_detail_first_screen_fits_a_phone_with_the_calculation_and_its_clause() -> None:
    """Verdict, amount, the calculation with units, the path and its text; the rest behind a button."""
    j = pv_result().press("d:27:pv")
    assert len(j.text) <= PHONE_SCREEN, len(j.text)
    assert "**符合：40万元（400,000元）**，事后一次性兑现" in j.text
    assert "计算：装机容量 500 千瓦 × 800 元/千瓦 = 400,000 元" in j.text
    assert "适用情形：自投自建" in j.text
    assert "原文：「分布式光伏发电项目，按照装机容量给予每千瓦 800 元的一次性奖励。」" in j.text
    assert "需准备的材料" not in j.text and "**条件**" not in j.text
    assert j.choices() == ["d:27:pv:more", "cmd:summary"]
    j.press("d:27:pv:more")
    assert "**条件**" in j.text and "需准备的材料" in j.text and "责任单位：经济发展局" in j.text
    j.press("cmd:summary")
    assert "测评结果" in j.text


def test_documents_follow_the_path_that_applies() -> None:
    """A self-invested plant needs no investor-owner contract; a third-party investor does."""
    own = pv_result().press("d:27:pv").press("d:27:pv:more")
    assert "光伏项目并网验收或装机容量证明材料" in own.text
    assert "投资方与场地业主方之间的合同" not in own.text
    third = pv_result("b:a:third_party_investor").press("d:27:pv").press("d:27:pv:more")
    assert "投资方与场地业主方之间的合同" in third.text


def test_a_title_is_quoted_from_the_title_clause_and_needs_no_diagnosis_proof() -> None:
    """Measure 13 for a title quotes the title sentence, not the diagnosis one, and asks no diagnosis report."""
    j = title_result().press("d:13:green_manufacturing")
    assert "原文：「获得国家级“绿色工厂”或“绿色供应链管理示范企业”称号的奖励 100 万元" in j.text
    assert "完成绿色诊断的企业，奖励" not in j.text
    j.press("d:13:green_manufacturing:more")
    assert "称号文件" in j.text
    assert "绿色诊断报告" not in j.text and "按配套申报的" not in j.text


def test_detail_speaks_the_users_language_not_the_rule_authors() -> None:
    """No 读法 or 约定N; a figure in a condition carries its unit."""
    j = title_result("b:a:yes").press("d:13:green_manufacturing")
    assert len(j.text) <= PHONE_SCREEN, len(j.text)
    assert "完成绿色诊断" in j.text and "1,440,000 元" in j.text  # all three items are shown
    j.press("d:13:green_manufacturing:more")
    assert "读法" not in j.text and "约定" not in j.text
    assert "同一称号同时获得国家级和市级的，只按国家级计一次" in j.text
    assert "当前：2,880,000 元" in j.text


def test_no_detail_of_any_measure_shows_the_rule_authors_working_words() -> None:
    """Every measure, both languages, on the profile that touches them all: no 读法, 约定, convention."""
    profile = json.loads((Path(__file__).resolve().parents[2] / "bench/profiles/full.json").read_text())
    report = evaluate(Profile.model_validate(profile), TODAY)
    for row in report.measures:
        for lang in ("zh", "en"):
            text = detail_text(report, row.number, lang, row.project_id)
            for word in ("读法", "约定", "onvention", "Reading:"):
                assert word not in text, (row.number, lang, word)


def test_documents_follow_the_facts_the_user_gave() -> None:
    """A fleet that is not a key vehicle unit is not asked for proof of a networked gate."""
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("车辆")
    j.press("s:fleet").press("done")
    j.answer_until_summary(
        {
            "enterprise.key_vehicle_unit": "b:a:no",
            "@basic": "b:a:none",
            "project.fleet_count": "40辆",
            "project.fleet_nev_count": "38辆",
        }
    )
    assert "30万元" in j.text
    j.press("d:19:fleet").press("d:19:fleet:more")
    assert "自有货物运输车辆清单" in j.text
    assert "门禁安装并联网的证明" not in j.text


def test_the_detail_quotes_no_sentence_twice() -> None:
    """A condition citing half a sentence the measure quotes whole adds nothing to the policy text shown."""
    j = Journey(lang="en").say("/start").press("menu:screen").press("a:core60").say("solar").say("/detail 27")
    (line,) = [ln for ln in j.text.splitlines() if ln.startswith("Policy text:")]
    quotes = [
        re.sub(r"\s+", "", q) for q in line.split("：", 1)[-1].split(": ", 1)[-1].strip("「」").split("」「")
    ]
    assert len(quotes) >= 2
    assert not [q for i, q in enumerate(quotes) if any(i != k and q in o for k, o in enumerate(quotes))]


def test_a_list_of_facts_still_needed_says_how_many_it_leaves_out() -> None:
    for lang, more in (("zh", "，另有 {} 项"), ("en", " and {} more")):
        j = Journey(lang=lang).say("/start").press("menu:screen").press("a:core60").say("光伏")
        (row,) = [r for r in evaluate_state_of(j).measures if r.number == 27]
        assert len(row.missing) > 3
        j.say("/summary")
        assert more.format(len(row.missing) - 3) in j.text
        j.say("/detail 27")
        assert more.format(len(row.missing) - 3) in j.text


def evaluate_state_of(j: Journey) -> Any:
    """Evaluate a journey's answers so far."""
    from dialogs.answers import evaluate_state

    return evaluate_state(j.state, TODAY)


HAN = re.compile(r"[\u4e00-\u9fff]")


def test_an_english_user_is_asked_again_in_english_with_english_examples() -> None:
    """A re-ask names options in the user's language: no "自有车辆置换" as the example to an English user."""
    j = Journey(lang="en").say("/start").press("menu:screen").press("a:core60").say("trucks").say("7")
    reask = j.text.splitlines()[0]
    assert "There is no option 7" in reask and "“own vehicle replacement”" in reask
    j.press("s:vehicles").press("done").press("a:none").press("a:none")
    assert j.asking == "project.old_vehicle_class"
    assert j.text.startswith("[own vehicle replacement] What kind of old vehicle")  # not 【…】
    j.say("12x")
    reask = j.text.splitlines()[0]
    assert "“China IV or older diesel truck or large/medium bus”" in reask
    j.press("a:cn4_diesel_truck_bus").say("maybe")
    assert not HAN.search(j.text.splitlines()[0]), j.text
    zh = Journey().say("/start").press("menu:screen").press("a:core60").say("货车").say("7")
    assert "“自有车辆置换”" in zh.text.splitlines()[0]
