"""The measures of a zone, a scope and a topic come from the rule data (issue 9: one source per fact)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules.loader import DATA_DIR, RuleDataError, load_rulebook_dir
from rules.measure_index import (
    interview,
    measures_for_template,
    measures_for_topic,
    measures_for_zone,
    measures_in_scope,
    not_in_interview,
    scope_of,
    template_of_measure,
    topic_of_measure,
    topics,
    zones_of_scope,
)

# 七(一)1: "本措施中第 7~11、14~22、34~37、39~40 条支持措施适用于经开区60 平方公里范围…"
CORE60 = (*range(7, 12), *range(14, 23), *range(34, 38), 39, 40)


def test_the_core_area_scope_is_the_list_in_chapter_seven() -> None:
    """The measures of 七(一)1 are exactly those the clause names; the rest are 七(一)2's."""
    assert measures_in_scope("core60") == CORE60
    assert measures_in_scope("newtown225") == tuple(n for n in range(1, 41) if n not in CORE60)
    assert scope_of(27) == "newtown225" and scope_of(18) == "core60"


def test_a_zone_reaches_the_measures_of_every_scope_that_admits_it() -> None:
    """An enterprise in the 60 km² area may apply for all 40 measures; in the new town for 七(一)2's only."""
    assert measures_for_zone("core60") == tuple(range(1, 41))
    assert measures_for_zone("newtown225") == measures_in_scope("newtown225")
    assert measures_for_zone("outside") == ()
    assert zones_of_scope("newtown225") == ("core60", "newtown225")


def test_the_interview_topics_come_from_the_measure_files() -> None:
    """A measure file says the topic and project the interview offers it under; templates keep their order."""
    assert measures_for_topic("pv") == (27,)
    assert measures_for_topic("construction") == (12, 22, 11)  # 绿色安全工地, 车械电动化, 基坑气膜
    assert measures_for_template("building") == (24, 25, 26)
    assert topic_of_measure(22) == "construction" and template_of_measure(11) == "membrane"
    assert list(interview()["vehicles"]) == ["vehicles", "fleet", "leasing"]
    assert measures_for_topic("no such topic") == () and measures_for_template("no such project") == ()
    every = topics()
    assert all(topic_of_measure(n) in every for n in range(1, 41) if n not in not_in_interview())


def test_the_measures_for_service_providers_say_the_interview_does_not_offer_them() -> None:
    """Measures 5, 6, 8, 30 and 33 are services of the bureaus: their files say not_offered, the rest a topic."""
    assert not_in_interview() == (5, 6, 8, 30, 33)
    assert topic_of_measure(30) is None and template_of_measure(5) is None
    offered = sorted(n for ns in topics().values() for n in ns)
    assert offered == [n for n in range(1, 41) if n not in not_in_interview()]


def _copy_with(tmp_path: Path, number: int, old: str, new: str) -> Path:
    """Copy the newest rule data with one line of a measure file changed; return the version's folder."""
    folder = tmp_path / "jjgf-2025-11"
    shutil.copytree(DATA_DIR / "jjgf-2025-11", folder)
    path = folder / "measures" / f"m{number:02d}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_a_typo_in_a_measure_files_topic_or_project_fails_loading(tmp_path: Path) -> None:
    """An interview topic or project outside rules/topics.py stops loading, naming the file."""
    folder = _copy_with(tmp_path, 27, "topic: pv, project: pv", "topic: solar, project: pv")
    with pytest.raises(RuleDataError, match=r"m27\.yaml.*unknown interview topic 'solar'"):
        load_rulebook_dir(folder)
    folder = _copy_with(tmp_path / "b", 11, "project: membrane", "project: membran")
    with pytest.raises(RuleDataError, match=r"m11\.yaml.*no project 'membran'"):
        load_rulebook_dir(folder)
    folder = _copy_with(tmp_path / "c", 5, "interview: not_offered", "interview: no")
    with pytest.raises(RuleDataError, match=r"m05\.yaml"):
        load_rulebook_dir(folder)


def test_moving_a_measure_in_its_file_moves_it_in_the_interview(tmp_path: Path) -> None:
    """Offering measure 33 under carbon neutrality is one line in m33.yaml; a template left empty is refused."""
    book = load_rulebook_dir(
        _copy_with(
            tmp_path,
            33,
            "interview: not_offered",
            "interview: {topic: carbon_neutral, project: carbon_neutral}",
        )
    )
    assert measures_for_template("carbon_neutral", book) == (32, 33)
    assert not_in_interview(book) == (5, 6, 8, 30)
    book = load_rulebook_dir(
        _copy_with(
            tmp_path / "b", 40, "topic: greenland, project: greenland", "topic: building, project: building"
        )
    )
    with pytest.raises(ValueError, match="no measure file offers the project 'greenland'"):
        interview(book)


def test_an_unknown_scope_is_refused() -> None:
    """A typo in a scope name fails loudly instead of giving no measures."""
    with pytest.raises(KeyError, match="unknown scope"):
        measures_in_scope("core 60")
