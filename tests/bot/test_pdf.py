"""The forwardable PDF report: one A4 page, the money, the measures, the disclaimer, in both languages."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.pdf import FontUnavailableError, render_report_pdf
from dialogs.render import tx
from dialogs.types import ReportPayload
from rules.engine import evaluate, fmt_yuan
from rules.facts import Profile
from rules.report import Report, report_from_json, report_to_json

ROOT = Path(__file__).resolve().parents[2]
ON = dt.date(2026, 6, 1)
A4 = (595.28, 841.89)  # points
MAX_BYTES = 300 * 1024

CLEAN_RECORD = {
    "major_penalty_3y": False,
    "criminal_record_3y": False,
    "dishonest_list": False,
    "major_accident_3y": False,
    "environmental_incident_3y": False,
    "data_center": False,
}
# One wastewater project: measure 9 pays in two tranches, 30% of 3,000,000.
SMALL = {
    "enterprise": {"zone": "core60", "above_scale_industrial": True, **CLEAN_RECORD},
    "projects": [
        {
            "id": "ww",
            "name": "废水深度治理一期",
            "measures": [9],
            "facts": {
                "three_simultaneous": False,
                "gov_funded": False,
                "deep_treatment": True,
                "characteristic_pollutant_retrofit": False,
                "total_investment_yuan": 3000000,
            },
        }
    ],
}


def full_profile() -> dict[str, Any]:
    """Return the benchmark profile that has facts for every money measure."""
    data: dict[str, Any] = json.loads((ROOT / "bench/profiles/full.json").read_text(encoding="utf-8"))
    return data


def report_of(profile: dict[str, Any], on: dt.date = ON) -> Report:
    """Evaluate a profile on a date."""
    return evaluate(Profile.model_validate(profile), on)


def payload(profile: dict[str, Any], lang: str, on: dt.date = ON) -> ReportPayload:
    """Build the attachment payload the dialogs send for /pdf."""
    return ReportPayload(
        report=report_of(profile, on),
        profile=Profile.model_validate(profile),
        lang="en" if lang == "en" else "zh",
    )


@cache
def rendered(name: str, lang: str) -> bytes:
    """Render one of the named profiles once per test run."""
    profile = {"full": full_profile(), "small": SMALL}[name]
    return render_report_pdf(payload(profile, lang))


def pages(data: bytes) -> list[str]:
    """Return the text of each page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Drop all whitespace, so wrapped lines compare equal to the one-line source."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["full", "small"])
def test_report_is_one_small_a4_page(name: str, lang: str) -> None:
    data = rendered(name, lang)
    assert data.startswith(b"%PDF-")
    assert len(data) < MAX_BYTES, f"{len(data)} bytes"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4[0], 1), round(A4[1], 1))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["full", "small"])
def test_text_has_total_measures_and_disclaimer(name: str, lang: str) -> None:
    report = report_of(full_profile() if name == "full" else SMALL)
    text = squash("".join(pages(rendered(name, lang))))
    assert squash(fmt_yuan(report.total_yuan)) in text
    if lang == "zh":
        assert squash(f"{report.total_yuan / 10000:,.2f}".rstrip("0").rstrip(".") + "万元") in text
    listed = [m for m in report.measures if m.status in ("eligible", "needs_info") and not m.no_project]
    assert listed
    for m in listed:
        assert squash(tx(m.title, lang)) in text, tx(m.title, lang)
    assert squash(tx(report.disclaimer, lang)) in text
    assert "办事指南" in text
    assert squash(report.doc_no or "") in text
    assert ON.isoformat() in text


def test_full_report_ranks_by_money_and_marks_the_duplicate() -> None:
    report = report_of(full_profile())
    text = squash(pages(rendered("full", "zh"))[0])
    # 第25条 pays the most, so its row comes first; 第7条 is the same project as 第9条 and is not counted
    first = text.index("第25条绿色建筑创新示范")
    assert first < text.index("第3条数智强链") < text.index("第1条绿色治理技术揭榜挂帅")
    assert "从优不重复：同一项目按第9条计" in text
    counted = sum(m.amount_yuan or 0 for m in report.counted())
    assert counted == report.total_yuan


def test_small_report_shows_both_tranches_documents_and_clauses() -> None:
    zh = squash(pages(rendered("small", "zh"))[0])
    # 30% of 3,000,000 = 900,000, paid 450,000 at the start and 450,000 after completion
    assert "90万元" in zh
    assert "开工后45万元·完工后45万元" in zh
    assert "废水深度治理一期" in zh
    assert "需准备的材料" in zh and "营业执照" in zh
    assert "政策原文摘录" in zh and "第9条「在废气和废水达标排放的基础上" in zh
    en = squash(pages(rendered("small", "en"))[0])
    assert squash("450,000 + 450,000 (2 tranches)") in en
    assert "Documentstoprepare" in en and "Policytextcited" in en


def test_documents_are_listed_once() -> None:
    text = pages(rendered("full", "zh"))[0]
    assert text.count("营业执照（或事业单位法人证书）") == 1


def test_unusual_project_names_render(caplog: pytest.LogCaptureFixture) -> None:
    profile = json.loads(json.dumps(SMALL))
    profile["projects"][0]["name"] = "光伏🚀☀️ \u202egnp\u202c\x00\x07\n二期 " + "长" * 300
    with caplog.at_level(logging.WARNING):
        data = render_report_pdf(payload(profile, "zh"))
    assert not [r for r in caplog.records if "missing" in r.getMessage()], (
        "the font was asked for a glyph it lacks"
    )
    [text] = pages(data)
    assert "光伏□" in text  # the rocket has no glyph: a box stands in for it
    assert "二期" in text
    assert "\x00" not in text and "\u202e" not in text
    assert len(data) < MAX_BYTES


def test_too_many_rows_continue_on_a_second_page() -> None:
    projects = [
        {
            "id": f"pv{i}",
            "name": f"屋顶光伏{i}号",
            "measures": [27],
            "facts": {
                "pv_capacity_kw": 100 + i,
                "pv_role": "self_invested",
                "three_simultaneous": False,
                "gov_funded": False,
            },
        }
        for i in range(80)
    ]
    profile = {
        "enterprise": {"zone": "core60", "above_scale_industrial": True, **CLEAN_RECORD},
        "projects": projects,
    }
    data = render_report_pdf(payload(profile, "zh"))
    texts = pages(data)
    assert len(texts) == 2
    assert "屋顶光伏0号" in squash(texts[1])  # the smallest award is ranked last
    assert "办事指南" in texts[-1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_made_from_the_report_object_has_the_figures_of_its_stored_form(lang: str) -> None:
    """No JSON on the way to the PDF: the typed report gives the same page as its JSON form read back."""
    typed = payload(full_profile(), lang)
    stored = typed.model_copy(update={"report": report_from_json(report_to_json(typed.report))})
    assert stored.report is not typed.report
    page, page_from_json = pages(render_report_pdf(typed)), pages(render_report_pdf(stored))
    assert page == page_from_json
    figures = re.findall(r"\d[\d,.]*", "".join(page))
    assert fmt_yuan(typed.report.total_yuan) in figures
    assert figures == re.findall(r"\d[\d,.]*", "".join(page_from_json))


def test_report_before_the_policy_says_so() -> None:
    data = render_report_pdf(payload(SMALL, "zh", dt.date(2020, 1, 1)))
    [text] = pages(data)
    report = report_of(SMALL, dt.date(2020, 1, 1))
    assert not report.in_force
    assert squash(tx(report.message, "zh")) in squash(text)
    assert "办事指南" in text


def test_empty_profile_renders() -> None:
    [text] = pages(render_report_pdf(payload({}, "en")))
    assert "No measure matched" in text
    assert "0 yuan" in text


def test_missing_font_package_gives_a_clear_error_and_a_text_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.pdf.fonts as pdf_module
    from bot.report_file import render_report

    monkeypatch.setattr(pdf_module, "_METRICS", None)
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # import now fails
    with pytest.raises(FontUnavailableError, match="pylopdf-fonts-zh-cn"):
        render_report_pdf(payload(SMALL, "zh"))
    sent = render_report(payload(SMALL, "zh"))
    assert sent.mime_type == "text/plain"
    assert "900,000" in sent.data.decode("utf-8")
