"""faq.yaml: reading and checking the entries written by hand (and by staff, in the same shape)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialogs.faq.entry import FaqDataError, FaqEntry, Source
from rules.loader import normalise as squeeze
from rules.schema import Text

FAQ_PATH = Path(__file__).resolve().parent.parent / "data" / "faq.yaml"


class _EntryData(BaseModel):
    """The shape of one entry of faq.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    questions: list[str] = Field(min_length=2)
    answer: Text
    # Quotes from the policy; an entry saying the policy does not cover a topic may have none.
    cite: list[str] = []
    clause: str = Field(min_length=1)
    measures: list[int] = []
    keywords: list[str] = []
    covered: bool = True

    @model_validator(mode="after")
    def _cited(self) -> _EntryData:
        """Require a quote for every answer about what the policy says."""
        if self.covered and not self.cite:
            raise ValueError("cite: an answer about the policy needs at least one quote")
        return self

    @field_validator("keywords", mode="before")
    @classmethod
    def _numbers_as_words(cls, value: object) -> object:
        """Read a bare 2023 in YAML as the keyword "2023", as staff mean it."""
        if isinstance(value, list):
            return [str(v) if isinstance(v, int | float) else v for v in value]
        return value

    @field_validator("questions", "cite", "keywords")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        """Reject empty strings, which would match everything or quote nothing."""
        if any(not v.strip() for v in value):
            raise ValueError("contains an empty string")
        return value


GENERATED_ID = re.compile(r"^m\d{2}-")
# Markup the channel understands is **bold** only; anything resembling other markup is a mistake.
_OTHER_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z]|\]\(|`|__|^#+\s", re.MULTILINE)


def check_markup(text: str) -> str | None:
    """Return what is wrong with an answer's markup, or None."""
    if text.count("**") % 2:
        return "unbalanced ** (bold markers must come in pairs)"
    if _OTHER_MARKUP.search(text):
        return "only **bold** markup is allowed (found HTML, a link, code or a heading)"
    return None


def _read_yaml(path: Path) -> list[object]:
    """Read faq.yaml as a list of raw entries; a missing or malformed file names itself."""
    try:
        raw = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except FileNotFoundError as exc:
        raise FaqDataError(path, None, "file not found") from exc
    except yaml.YAMLError as exc:
        raise FaqDataError(path, None, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, list):
        raise FaqDataError(path, None, "expected a list of entries")
    return raw


def load_yaml_entries(path: Path, policy: str, measure_numbers: set[int]) -> list[Source]:
    """Read and check faq.yaml; any problem names the file and the entry."""
    return check_entries(_read_yaml(path), path, policy, measure_numbers)


def check_entries(
    raw: Sequence[object], where: Path | str, policy: str, measure_numbers: set[int]
) -> list[Source]:
    """Validate entries in faq.yaml's shape; any problem names ``where`` and the entry."""
    flat_policy = squeeze(policy)
    out: list[Source] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, 1):
        name = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{i}"
        try:
            data = _EntryData.model_validate(item)
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise FaqDataError(where, name, detail) from exc
        if data.id in seen:
            raise FaqDataError(where, name, "id used twice")
        if GENERATED_ID.match(data.id):
            raise FaqDataError(
                where, name, "ids like m27-... are reserved for entries generated from the measures"
            )
        seen.add(data.id)
        for lang, text in (("zh", data.answer.zh), ("en", data.answer.en)):
            if problem := check_markup(text):
                raise FaqDataError(where, name, f"answer.{lang}: {problem}")
        for quote in data.cite:
            if squeeze(quote) not in flat_policy:
                raise FaqDataError(where, name, f"cite not found in the policy text: {quote!r}")
        if unknown := sorted(set(data.measures) - measure_numbers):
            raise FaqDataError(where, name, f"measures: no such measure(s) {unknown}")
        entry = FaqEntry(
            id=data.id,
            questions=tuple(q.strip() for q in data.questions),
            answer_zh=data.answer.zh.strip(),
            answer_en=data.answer.en.strip(),
            cite=tuple(data.cite),
            clause=data.clause,
            measures=tuple(data.measures),
            covered=data.covered,
        )
        out.append(Source(entry, tuple(data.keywords), ()))
    return out
