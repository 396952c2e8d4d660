"""The staff side's pure parts: office hours, button payloads, filters, posts showing text as typed."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bot import staff
from bot.markup import to_html

BEIJING = staff.BEIJING


def at(text: str) -> dt.datetime:
    """Return a Beijing moment from "YYYY-MM-DD HH:MM"."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


def test_office_hours_tell_users_when_to_expect_a_reply() -> None:
    hours = staff.OfficeHours.parse("09:00-17:30", "1-5", reply_hours=3)
    # 2026-12-04 is a Friday.
    assert "3 小时内" in hours.expectation("zh", at("2026-12-04 10:00"))
    friday_evening = hours.expectation("zh", at("2026-12-04 18:00"))
    assert "非工作时间" in friday_evening and "周一（12-07）09:00" in friday_evening
    assert "before" not in friday_evening
    assert "Mon 07 Dec 09:00" in hours.expectation("en", at("2026-12-05 11:00"))
    assert "周五（12-04）09:00" in hours.expectation("zh", at("2026-12-04 07:59"))


@pytest.mark.parametrize(
    ("hours", "days"), [("9-18", "1-5"), ("18:00-09:00", "1-5"), ("09:00-17:30", "8"), ("09:00-17:30", "")]
)
def test_office_hours_refuse_settings_that_mean_nothing(hours: str, days: str) -> None:
    with pytest.raises(ValueError):
        staff.OfficeHours.parse(hours, days)


def test_staff_button_payloads_round_trip_and_refuse_others() -> None:
    for button in (
        staff.StaffButton("q", "claim", 17),
        staff.StaffButton("q", "faq", 1),
        staff.StaffButton("lead", "contacted", 12345),
        staff.StaffButton("lead", "mine", 3),
    ):
        data = button.pack()
        assert len(data.encode()) <= 64 and staff.StaffButton.unpack(data) == button
    for junk in ("st:q:drop:1", "st:lead:claim:1", "st:q:claim:x", "a1b2c3d4:0", "st:q:claim", ""):
        assert staff.StaffButton.unpack(junk) is None


def test_leads_filter_reads_state_and_owner_words() -> None:
    flt = staff.parse_lead_filter(["27", "已联系", "我的"])
    assert (flt.measure, flt.follow_state, flt.owner, flt.error) == (27, "contacted", "me", None)
    assert staff.parse_lead_filter(["invalid", "unowned"]).follow_state == "invalid"
    assert staff.parse_lead_filter(["Applied"], "en").follow_state == "applied"
    assert staff.parse_lead_filter(["飞了"]).error is not None
    assert staff.parse_lead_filter(["@李明", "已申报"]).owner_name == "李明"


def test_question_post_shows_user_and_staff_text_as_typed() -> None:
    question = SimpleNamespace(
        id=5,
        question="**免费**吗？",
        lang="zh",
        context={"zone": "core60", "topics": ["pv"], "answered": 2, "total_yuan": 400000, "lead_id": 9},
        status="answered",
        created_at=at("2026-12-04 10:00"),
        claimed_name="王芳",
        answer="**是的**",
        answered_name="王芳",
        answered_at=at("2026-12-04 10:20"),
        faq_entry_id=None,
    )
    view = staff.question_post(question)
    html = to_html(view.text)
    assert "<b>免费</b>" not in html and "<b>是的</b>" not in html and "**免费**吗？" in html
    assert "已留线索 #9" in view.text and "40万元" in view.text
    assert [label for label, _ in view.buttons[0]] == ["存为问答"]
    answer = to_html(staff.answer_for_user(question.question, question.answer, "en"))
    assert "Answer from BDA staff" in answer and "<b>是的</b>" not in answer
