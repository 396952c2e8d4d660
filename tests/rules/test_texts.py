"""The engine's own texts (rules/data/texts.yaml): both languages, the same placeholders, none dead or missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from rules.texts import TEXTS_FILE, fields, fill, load_texts, phrase

RULES = Path(__file__).resolve().parents[2] / "rules"
SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*.py")))
TEXTS = load_texts()


def test_every_key_has_both_languages_with_the_same_placeholders() -> None:
    assert len(TEXTS) > 40
    assert [k for k, (zh, en) in TEXTS.items() if not zh.strip() or not en.strip()] == []
    assert [k for k, (zh, en) in TEXTS.items() if fields(zh) != fields(en)] == []


def test_every_key_is_used_by_the_engine_and_every_key_it_uses_exists() -> None:
    # A key is named whole ("reason.no_project") or built from its family (f"unit.{unit}").
    dead = [k for k in TEXTS if f'"{k}"' not in SOURCE and f'f"{k.rpartition(".")[0]}.{{' not in SOURCE]
    assert dead == [], "texts no code says: delete them from rules/data/texts.yaml"
    named = set(
        re.findall(
            r'"((?:unit|op|condition|list|fact|ratio|reason|formula|engine|facts|loader)\.[a-z_.0-9]+)(?<!\.yaml)"',
            SOURCE,
        )
    )
    assert sorted(named - set(TEXTS)) == [], "keys the engine says that rules/data/texts.yaml lacks"


def test_a_text_is_filled_in_each_language_with_its_side_of_a_two_language_value() -> None:
    class Label:
        zh, en = "光伏装机容量", "PV capacity"

    assert fill("fact.unknown", label=Label()) == ("光伏装机容量：未知", "PV capacity: unknown")
    assert fill("formula.fixed", amount="500,000") == ("定额 500,000 元", "fixed 500,000 yuan")
    assert phrase("unit.kw") == ("千瓦", "kW")
    with pytest.raises(KeyError):
        phrase("reason.no_such_text")


def test_a_text_file_with_a_third_language_or_a_lost_placeholder_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text('a.b: {zh: "甲", en: "a", fr: "a"}\n', encoding="utf-8")
    with pytest.raises(ValidationError):
        load_texts(extra)
    lost = tmp_path / "lost.yaml"
    lost.write_text('a.b: {zh: "{label}：未知", en: "unknown"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="placeholders"):
        load_texts(lost)
    missing = tmp_path / "missing.yaml"
    missing.write_text('a.b: {zh: "甲"}\n', encoding="utf-8")
    with pytest.raises(ValidationError):
        load_texts(missing)
    assert load_texts(TEXTS_FILE) == TEXTS
