"""The typed conversation protocol: button ids, the command table, the question on screen."""

from __future__ import annotations

import pytest

from bot.tg_app import STAFF_COMMANDS, USER_COMMANDS
from dialogs import commands
from dialogs.asking import help_replies
from dialogs.live import ButtonPress, Live
from dialogs.messages import t
from dialogs.protocol import (
    Answer,
    ChangePick,
    Command,
    Detail,
    Done,
    FaqPick,
    MenuItem,
    OutsideZone,
    PickTopic,
    unpack,
)
from dialogs.questions import question_for
from dialogs.types import Asked, QuestionReply, State, TextReply
from tests.dialogs.journey import Journey


@pytest.mark.parametrize(
    "action",
    [
        Answer("core60"),
        PickTopic("pv"),
        Done(),
        Command("back"),
        MenuItem("screen"),
        FaqPick("m27-what"),
        OutsideZone(),
        Detail(27, "pv"),
        Detail(13, "green_manufacturing#2", more=True),
        ChangePick(12),
    ],
)
def test_every_action_packs_and_unpacks_to_itself(action: object) -> None:
    assert unpack(action.pack()) == action  # type: ignore[attr-defined]


def test_the_wire_forms_stored_in_conversations_are_read() -> None:
    assert unpack("a:yes") == Answer("yes")
    assert unpack("d:27:") == Detail(27, "")
    assert unpack("d:27:pv:more") == Detail(27, "pv", more=True)
    assert unpack("done") == Done()
    assert unpack("out:zone") == OutsideZone()


@pytest.mark.parametrize(
    "junk", ["", "x:1", "done:1", "a", "menu:nothing", "chg:x", "d:x", "lead:maybe", "del:"]
)
def test_anything_the_dialogs_never_built_is_refused(junk: str) -> None:
    assert unpack(junk) is None


def test_a_button_id_over_64_bytes_is_refused_when_packed() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        FaqPick("长" * 30).pack()


def test_a_press_on_a_live_question_resolves_and_any_other_is_stale() -> None:
    j = Journey().say("/start").press("menu:screen")
    [question] = [r for r in j.replies if isinstance(r, QuestionReply)]
    live = Live().after(j.replies)
    data = ButtonPress.on(question, 0).pack()
    assert len(data.encode()) <= 64
    press = ButtonPress.unpack(data)
    assert press is not None and live.resolve(press) == (question, 0)
    assert live.resolve(ButtonPress("00000000", 0)) == (None, None)
    assert ButtonPress.unpack("a:yes") is None


def test_the_command_table_feeds_help_aliases_and_the_telegram_menu() -> None:
    assert commands.alias_of("返回") == "back" and commands.alias_of(" English ") == "lang_en"
    assert [name for name, _ in USER_COMMANDS["zh"]][:2] == ["start", "summary"]
    assert dict(USER_COMMANDS["en"])["help"] == "Help"
    assert [name for name, _ in STAFF_COMMANDS["zh"]] == commands.menu_names("staff")
    assert "leads" not in commands.SLASH_COMMANDS
    [help_text] = help_replies(State())
    assert isinstance(help_text, TextReply)
    for spec in commands.COMMANDS:
        if spec.help and not spec.help_as:
            assert f"/{spec.name} {t(f'interview.help.{spec.name}', 'zh')}" in help_text.text
    assert "“不知道” 本题留空" in help_text.text


def test_building_a_question_does_not_change_the_state() -> None:
    j = Journey().say("/start").press("menu:screen").press("a:core60")
    before = j.state.model_copy(deep=True)
    for ref in ("enterprise.zone", "@basic", "@kinds", "@sub:vehicles"):
        question_for(j.state, Asked(ref=ref))
    assert j.state == before


def test_the_zone_question_lists_the_225_measures_from_chapter_seven() -> None:
    j = Journey().say("/start").press("menu:screen")
    assert "第1–6、12–13、23–33、38条适用" in j.text
