"""Policy versions are chosen by date, and a new version is only new data files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from rules.engine import evaluate
from rules.facts import Enterprise, Profile, Project, ProjectFacts
from rules.loader import DATA_DIR, RuleDataError, load_rulebooks, rulebook_for

CLEAN = dict(
    zone="newtown225",
    major_penalty_3y=False,
    criminal_record_3y=False,
    dishonest_list=False,
    major_accident_3y=False,
    environmental_incident_3y=False,
    data_center=False,
)
PV = Profile(
    enterprise=Enterprise(**CLEAN),
    projects=[
        Project(
            id="pv",
            measures=[27],
            facts=ProjectFacts(
                pv_capacity_kw=500, pv_role="self_invested", three_simultaneous=False, gov_funded=False
            ),
        )
    ],
)


@pytest.fixture
def two_versions(tmp_path: Path) -> Path:
    """Copy the data and add a hypothetical later version that pays 600 yuan/kW under measure 27."""
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root)
    old = root / "jjgf-2025-11"
    new = root / "jjgf-2026-x"
    shutil.copytree(old, new)
    meta = yaml.safe_load((old / "rulebook.yaml").read_text(encoding="utf-8"))
    meta["effective_to"] = dt.date(2026, 3, 1)
    (old / "rulebook.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    meta.update(
        id="jjgf-2026-x",
        doc_no="京技管发〔2026〕X号",
        issued=dt.date(2026, 2, 20),
        effective_from=dt.date(2026, 3, 1),
        effective_to=None,
    )
    (new / "rulebook.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    m27 = new / "measures" / "m27.yaml"
    m27.write_text(m27.read_text(encoding="utf-8").replace("rate: 800", "rate: 600"), encoding="utf-8")
    return root


def test_before_the_policy_no_rulebook_is_in_force() -> None:
    report = evaluate(PV, dt.date(2025, 5, 16))
    assert not report.in_force
    assert report.measures == ()
    assert report.message is not None and "2025年5月17日" in report.message.zh


def test_the_policy_applies_from_its_issue_date() -> None:
    report = evaluate(PV, dt.date(2025, 5, 17))
    assert report.in_force and report.doc_no == "京技管发〔2025〕11号"
    assert report.rows(27)[0].amount_yuan == 400_000


def test_a_later_version_takes_over_on_its_effective_date(two_versions: Path) -> None:
    before = rulebook_for(dt.date(2026, 2, 28), two_versions)
    after = rulebook_for(dt.date(2026, 3, 1), two_versions)
    assert before is not None and after is not None
    assert before.meta.doc_no == "京技管发〔2025〕11号"
    assert after.meta.doc_no == "京技管发〔2026〕X号"
    assert evaluate(PV, dt.date(2026, 2, 28), before).rows(27)[0].amount_yuan == 400_000
    assert evaluate(PV, dt.date(2026, 3, 1), after).rows(27)[0].amount_yuan == 300_000


def test_a_version_missing_a_measure_fails_at_load(two_versions: Path) -> None:
    (two_versions / "jjgf-2026-x" / "measures" / "m13.yaml").unlink()
    load_rulebooks.cache_clear()
    with pytest.raises(RuleDataError, match=r"measures missing: \[13\]"):
        load_rulebooks(two_versions)
    load_rulebooks.cache_clear()
