"""What a user reads: a short result about what they told us, a detail that fits a phone screen."""

from __future__ import annotations

from bot.markup import runs
from tests.dialogs.journey import Journey, clean_start
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
