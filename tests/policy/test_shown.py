"""Issue 7's statuses reach the user: pending (amount, step, clause), the totals now and after the
pending steps, reasons the right way round and the readings conditions carry — in the chat summary
and detail, the command line, the PDF and the staff post."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader

from bot.pdf import render_report_pdf
from bot.staff import lead_post
from dialogs.render import detail_text, explain_measure, report_text, summary_text
from dialogs.types import ReportPayload
from rules.engine import evaluate
from rules.facts import Profile
from rules.report import Report

ON = dt.date(2026, 6, 1)
CLEAN = {
    "major_penalty_3y": False,
    "criminal_record_3y": False,
    "dishonest_list": False,
    "major_accident_3y": False,
    "environmental_incident_3y": False,
}
# A model site not finished yet (pending 200,000), and a green building paid 1,000,000 now whose
# demonstration path (2,000,000) waits for the bureau's evaluation.
PROFILE: dict[str, Any] = {
    "enterprise": {"zone": "core60", "data_center": False, "general_contractor": True, **CLEAN},
    "projects": [
        {
            "id": "site",
            "name": "样板工地",
            "measures": [12],
            "facts": {
                "green_site_title": "model",
                "site_env_penalty": False,
                "site_written_notice": False,
                "site_completed": False,
            },
        },
        {
            "id": "gb",
            "name": "绿建",
            "measures": [25],
            "facts": {
                "three_simultaneous": False,
                "gov_funded": False,
                "municipal_green_building_award_yuan": 1_000_000,
                "building_area_m2": 100_000,
                "demonstration_in_newtown": True,
                "total_investment_yuan": 10_000_000,
                "science_prize": False,
                "review_result": "not_yet",
            },
        },
    ],
}


def _report() -> Report:
    return evaluate(Profile.model_validate(PROFILE), on=ON)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_shows_pending_with_amount_step_clause_and_both_totals(lang: str) -> None:
    text = summary_text(_report(), lang)
    if lang == "zh":
        assert "⏳" in text and "完成后可得20万元" in text and "工地完工（第12条）" in text
        assert "可同时获得合计：100万元" in text and "完成待办步骤后合计：220万元" in text
    else:
        assert "200,000 yuan once this is done: The construction work is finished (第12条)" in text
        assert "Total payable together: 1,000,000 yuan" in text
        assert "After the pending steps: 2,200,000 yuan in all" in text


def test_detail_shows_the_pending_step_and_the_readings_of_conditions() -> None:
    text = detail_text(_report(), 12, "zh")
    assert "待办" in text and "完成后可得20万元" in text and "工地完工（第12条）" in text
    text = detail_text(_report(), 25, "zh")
    assert "完成后可得200万元" in text and "通过主责部门组织的评审" in text
    # the reading on the 经评审 condition (convention 12) reaches the user, in plain words
    assert "经评审" in text and "上限而非定额" in text


def test_command_line_shows_pending_and_the_readings() -> None:
    text = report_text(_report(), "zh")
    assert "== 待办：完成步骤后可得 ==" in text and "第12条 绿色安全施工 [site]：20万元" in text
    assert "完成待办步骤后合计：220万元" in text
    explained = explain_measure(21, "zh")
    assert "机械只认报废" in explained  # convention 15, a condition's note
    assert "尚未做到时为“待办”" in explained  # the new-machine registration is a step


def test_a_reason_says_what_was_found_not_what_is_required() -> None:
    profile = {**PROFILE, "enterprise": {**PROFILE["enterprise"], "major_penalty_3y": True}}
    report = evaluate(Profile.model_validate(profile), on=ON)
    for text in (summary_text(report, "zh"), report_text(report, "zh")):
        assert "近三年有重大行政处罚公示信息，不符合七(二)2" in text
        assert "近三年无重大行政处罚公示信息" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_shows_pending_rows_and_the_total_after_pending_steps(lang: str) -> None:
    report = _report()
    data = render_report_pdf(
        ReportPayload(
            report=report, profile=Profile.model_validate(PROFILE), lang="en" if lang == "en" else "zh"
        )
    )
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    if lang == "zh":
        assert "待办 20万元" in text and "待完成：工地完工" in text and "完成待办步骤后合计：220万元" in text
        assert "完成待办后可达200万元" in text
    else:
        assert "200,000 pending" in text and "once done:" in text
        assert "2,200,000 yuan in all" in text


def test_staff_post_shows_pending_amount_and_step() -> None:
    report = _report()
    measures = [
        {
            "number": r.number,
            "project": r.project_id,
            "status": r.status,
            "amount_yuan": r.amount_yuan if r.counted else 0,
            "upper_bound_yuan": r.upper_bound_yuan,
            "pending_yuan": r.pending_yuan,
            "unlock": [f"{u.step.zh}（{u.clause}）" for u in r.unlock],
        }
        for r in report.measures
        if not r.no_project
    ]
    payload = {
        "company": "测试公司",
        "report": {"total_yuan": report.total_yuan, "measures": measures},
        "total_yuan": report.total_yuan,
    }
    post = lead_post(payload, created=True, lead_id=1)
    assert "待办：完成后20万元" in post and "工地完工（第12条）" in post
    assert "完成待办后200万元" in post
