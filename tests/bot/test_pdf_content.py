"""The PDF a user forwards, made from real conversations: the clause applied, the calculation, the scope."""

from __future__ import annotations

from bot.pdf import render_report_pdf
from dialogs import AttachmentReply
from rules.report import Report
from tests.bot.test_pdf import pages, squash
from tests.dialogs.journey import Journey, clean_start
from tests.dialogs.test_journeys import PV_SELF


def finish(j: Journey, answers: dict[str, str | list[str]]) -> Journey:
    """Answer from the table, else with the cautious answer a user would give, until the result."""
    for _ in range(40):
        if j.state.phase == "summary":
            return j
        ref = j.asking if j.state.phase != "topics" else "@topics"
        choices = j.choices()
        if ref in answers:
            answer = answers[ref]
            if isinstance(answer, list):
                for item in answer:
                    j.press(item)
            elif answer.startswith("b:"):
                j.press(answer[2:])
            else:
                j.say(answer)
        elif "done" in choices:
            j.press("done")
        else:
            options = [c for c in choices if c.startswith("a:")]
            preferred = [c for c in ("a:none", "a:no") if c in options]
            j.press((preferred or options)[0]) if options else j.say("不知道")
    raise AssertionError(f"no result:\n{j.text}")


def pdf_text(j: Journey) -> str:
    """Ask for the PDF at the result and return its text, whitespace dropped."""
    j.press("cmd:pdf")
    [attachment] = [r for r in j.replies if isinstance(r, AttachmentReply)]
    assert isinstance(attachment.payload.report, Report)  # the report object itself, not its JSON form
    return squash("".join(pages(render_report_pdf(attachment.payload))))


def boiler_and_title() -> Journey:
    """A factory in the core zone: a boiler brought to grade A for 2,880,000 yuan, a national title."""
    j = Journey().say("/start").press("menu:screen").press("a:core60").say("锅炉改造，还有绿色工厂")
    return finish(
        j,
        {
            "@sub:certification": ["s:green_manufacturing", "done"],
            "project.green_diagnosis_done": "b:a:no",
            "project.green_manufacturing_title": "b:a:national",
            "project.boiler_level": "b:a:A",
            "project.boiler_retrofit_investment_yuan": "288万元",
        },
    )


def test_pdf_quotes_the_title_clause_and_shows_each_calculation() -> None:
    """Measure 13 is quoted for the title it pays, measure 10 with its arithmetic."""
    text = pdf_text(boiler_and_title())
    assert squash("「获得国家级“绿色工厂”或“绿色供应链管理示范企业”称号的奖励100万元") in text
    assert "完成绿色诊断的企业，奖励" not in text
    assert squash("计算：锅炉改造部分总投资 2,880,000 元 × 50% = 1,440,000 元") in text
    assert "绿色诊断报告" not in text and "按配套申报的" not in text  # no diagnosis, no diagnosis proof
    assert "其余38条与您填写的情况无关" in text


def test_pdf_leaves_out_the_kind_of_entity_nobody_declared() -> None:
    """An answer of "都不是" (or never being asked) is not printed as "主体类型 未填写"."""
    text = pdf_text(finish(clean_start(Journey()), {**PV_SELF, "@kinds": ["done"]}))
    assert "主体类型" not in text and "未填写" not in text
    assert squash("计算：装机容量 500 千瓦 × 800 元/千瓦 = 400,000 元") in text
    assert "投资方与场地业主方之间的合同" not in text  # self-invested


def test_pdf_for_a_firm_outside_the_zone_quotes_the_scope_clause_only() -> None:
    """Outside the 225 km² area: 七(一) is quoted, no measure is listed or quoted."""
    j = Journey().say("/start").press("menu:screen").press("a:outside")
    text = pdf_text(j)  # the screening stops at once; its PDF is offered there
    assert squash("其余的支持措施，适用于亦庄新城 225 平方公里范围") in text
    assert squash("本措施中第 7~11、14~22、34~37、39~40 条支持措施适用于经开区") in text
    assert "第27条" not in text and "每千瓦800元" not in text
    assert text.count("「") - text.count("由「亦庄绿策」生成") == 2  # the two scope sentences only
