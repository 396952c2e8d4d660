"""FAQ entries written by staff: the same checks as faq.yaml, an id of their own, YAML for a release."""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dialogs.faq import FaqEntry, _check_markup
from dialogs.messages import t
from rules.loader import latest_rulebook
from rules.loader import normalise as squeeze

# "desk-3": never clashes with faq.yaml ids written by hand (checked when the YAML is loaded) or
# with the generated m27-… ids.
ID_PREFIX = "desk-"
MAX_QUESTIONS = 20


class StaffEntry(BaseModel):
    """A staff FAQ entry as stored: paraphrases, answers in both languages, quotes, clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int
    questions: list[str] = Field(min_length=1)
    answer_zh: str = ""
    answer_en: str = ""
    cite: list[str] = []
    clause: str = ""
    measures: list[int] = []

    @property
    def entry_id(self) -> str:
        """Return the id the FAQ knows this entry by."""
        return f"{ID_PREFIX}{self.number}"


def quote_problem(quote: str, lang: str = "zh") -> str | None:
    """Return why a quote cannot be used (it must appear in the policy text), or None."""
    if not quote.strip():
        return t("staff.faq.empty_quote", lang)
    if squeeze(quote) not in squeeze(latest_rulebook().policy_text):
        return t("staff.faq.quote_not_found", lang, quote=quote)
    return None


def measures_of_clause(clause: str) -> list[int]:
    """Return the measure numbers a clause reference names ("第27条", "第18、19条")."""
    known = set(latest_rulebook().measures)
    numbers: list[int] = []
    for group in re.findall(r"第([\d、,，和及至~-]+)条", clause):
        numbers.extend(int(n) for n in re.findall(r"\d+", group))
    return sorted({n for n in numbers if n in known})


def problems(entry: StaffEntry, lang: str = "zh") -> list[str]:
    """Return what keeps an entry from going live (the checks faq.yaml entries pass), empty if none."""
    found: list[str] = []
    for code, text in (("zh", entry.answer_zh), ("en", entry.answer_en)):
        if not text.strip():
            found.append(t("staff.faq.answer_empty", lang, code=code))
        elif problem := _check_markup(text):
            found.append(t("staff.faq.answer_markup", lang, code=code, problem=problem))
    if not entry.cite:
        found.append(t("staff.faq.no_quote", lang))
    for quote in entry.cite:
        if problem := quote_problem(quote, lang):
            found.append(problem)
    if not entry.clause.strip():
        found.append(t("staff.faq.no_clause", lang))
    if any(not q.strip() for q in entry.questions):
        found.append(t("staff.faq.empty_phrasing", lang))
    if unknown := sorted(set(entry.measures) - set(latest_rulebook().measures)):
        found.append(t("staff.faq.unknown_measures", lang, numbers=unknown))
    return found


def to_faq_entry(entry: StaffEntry) -> FaqEntry:
    """Return the entry as the FAQ matches and shows it (call only when `problems` is empty)."""
    return FaqEntry(
        id=entry.entry_id,
        questions=tuple(q.strip() for q in entry.questions[:MAX_QUESTIONS]),
        answer_zh=entry.answer_zh.strip(),
        answer_en=entry.answer_en.strip(),
        cite=tuple(entry.cite),
        clause=entry.clause.strip(),
        measures=tuple(entry.measures),
    )


def live_entries(entries: Sequence[StaffEntry]) -> list[FaqEntry]:
    """Return the entries that pass every check, ready for the FAQ."""
    return [to_faq_entry(entry) for entry in entries if not problems(entry)]


def to_yaml(entry: StaffEntry, slug: str | None = None) -> str:
    """Write the entry in faq.yaml's format, to be added to dialogs/data/faq.yaml in a release."""
    data: dict[str, object] = {
        "id": slug or f"staff-{entry.number}",
        "questions": list(entry.questions),
        "answer": {"zh": entry.answer_zh, "en": entry.answer_en},
        "cite": list(entry.cite),
        "clause": entry.clause,
    }
    if entry.measures:
        data["measures"] = list(entry.measures)
    return yaml.safe_dump([data], allow_unicode=True, sort_keys=False, width=100)
