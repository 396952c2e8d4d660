"""The topics question: which measures a topic leads to comes from the measure files (issue 9)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dialogs import QuestionReply
from dialogs.topics import (
    REPEATABLE,
    TEMPLATE_BY_ID,
    TEMPLATE_FACTS,
    TOPIC_BY_ID,
    TOPIC_WORDS,
    batch_unit,
    build_topics,
)
from rules.loader import DATA_DIR, load_rulebook_dir
from tests.dialogs.journey import Journey

ZH_TOPICS = [
    "光伏",
    "绿电交易",
    "车辆（货车、客车、专项作业车换新能源）",
    "非道路机械（挖掘机、叉车等）",
    "施工工地（绿色安全工地、车械电动化、基坑气膜）",
    "建筑（公建节能改造、绿色建筑、超低能耗）",
    "燃气锅炉改造",
    "废水废气深度治理、挥发性有机物",
    "固废与源头减量、原料替代",
    "节能降碳技改",
    "新能源供热",
    "认证与称号（绿色工厂、碳足迹、ESG、水效领跑者等）",
    "研发与示范场景（揭榜挂帅、成果验证、AI场景）",
    "碳中和认证",
    "绿地认建认养",
    "为企业提供节能降碳咨询服务",
]


def _labels(j: Journey) -> list[str]:
    """Return the labels of the buttons on the last question."""
    return [c.label for r in j.replies if isinstance(r, QuestionReply) for c in r.choices]


def test_the_topics_question_offers_the_same_topics_in_both_languages() -> None:
    zh = Journey().say("/start").press("menu:screen").press("a:core60")
    assert _labels(zh)[: len(ZH_TOPICS)] == ZH_TOPICS
    en = Journey(lang="en").say("/start").press("menu:screen").press("a:core60")
    assert _labels(en)[:3] == [
        "Solar PV",
        "Green power purchase",
        "Vehicles (trucks, buses, special vehicles to new energy)",
    ]


def test_a_construction_site_is_asked_about_measures_12_22_and_11_in_that_order() -> None:
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("施工工地")
    assert _labels(j)[:3] == ["绿色安全工地称号", "工地车械电动化试点", "基坑气膜"]
    assert [p.measures for p in TOPIC_BY_ID["construction"].projects] == [(12,), (22,), (11,)]


def test_a_measure_offered_in_its_file_joins_the_template_it_names(tmp_path: Path) -> None:
    folder = tmp_path / "jjgf-2025-11"
    shutil.copytree(DATA_DIR / "jjgf-2025-11", folder)
    m33 = folder / "measures" / "m33.yaml"
    text = m33.read_text(encoding="utf-8")
    m33.write_text(
        text.replace("interview: not_offered", "interview: {topic: carbon_neutral, project: carbon_neutral}"),
        encoding="utf-8",
    )
    topics = {t.id: t for t in build_topics(load_rulebook_dir(folder))}
    assert topics["carbon_neutral"].projects[0].measures == (32, 33)
    assert (
        topics["carbon_neutral"].zh == "碳中和认证"
        and topics["carbon_neutral"].en == "Carbon neutrality certification"
    )


def test_the_words_units_and_facts_of_topics_name_ids_the_measure_files_use() -> None:
    """A topic or project id in TOPIC_WORDS, REPEATABLE or TEMPLATE_FACTS that no file names is a typo."""
    assert set(TOPIC_WORDS) == set(TOPIC_BY_ID)
    assert set(REPEATABLE) <= set(TEMPLATE_BY_ID) and set(TEMPLATE_FACTS) <= set(TEMPLATE_BY_ID)


def test_another_batch_is_counted_in_the_unit_of_its_project() -> None:
    assert [batch_unit("vehicles", "zh"), batch_unit("green_manufacturing", "zh")] == ["批", "项"]
    assert [batch_unit("footprint", "en"), batch_unit("green_manufacturing", "en")] == [
        "certificate",
        "title",
    ]
    assert (batch_unit("pv", "zh"), batch_unit("pv", "en")) == ("批", "batch")


def test_an_english_user_sees_project_names_in_english_and_staff_get_them_in_chinese() -> None:
    en = Journey(lang="en").say("/start").press("menu:screen").press("a:core60").say("solar")
    en.say("/summary")
    assert "(PV project)" in en.text and "光伏项目" not in en.text
    en.say("/detail 27")
    assert "(PV project)" in en.text and "光伏项目" not in en.text
    en.say("/pdf")
    (pdf,) = [r for r in en.replies if r.kind == "attachment"]
    assert [p.name for p in pdf.payload.profile.projects] == ["PV project"]  # type: ignore[union-attr]
    # The stored answers keep the Chinese name that staff read in lead posts.
    assert [p["name"] for p in en.state.projects] == ["光伏项目"]
    zh = Journey().say("/start").press("menu:screen").press("a:core60").say("光伏")
    zh.say("/summary")
    assert "光伏项目" in zh.text
