"""An entry as the user (or staff, copy-ready with the full clause) reads it."""

from __future__ import annotations

import re

from dialogs.faq.authored import GENERATED_ID
from dialogs.faq.entry import FaqEntry, FaqMatch
from dialogs.faq.match import Faq
from dialogs.faq.store import load_faq
from dialogs.messages import t

_LATIN_GAP = re.compile(r"(?<![A-Za-z])\s+|\s+(?![A-Za-z])")


def _quote(text: str) -> str:
    """Remove the line-break spaces of the PDF extraction, keeping spaces between latin words."""
    return _LATIN_GAP.sub("", text.strip())


def _full_clause(entry: FaqEntry, faq: Faq) -> list[str]:
    """Return the full clause text(s) for an entry: whole measures, else its quotes."""
    if GENERATED_ID.match(entry.id) and entry.measures:
        out = []
        for n in entry.measures:
            # Each measure runs from "N.title。" to its "（责任单位：…）" in the policy text.
            mo = re.search(rf"(?<![\d.~、]){n}\.(?=[^\d])(.+?（责任单位：[^）]*）)", faq.policy_text)
            out.append(f"{n}.{mo.group(1)}" if mo else "")
        if all(out):
            return out
    return [_quote(c) for c in entry.cite]


def format_answer(entry: FaqEntry, lang: str, staff: bool = False) -> str:
    """Render an answer with its policy quote; ``staff`` gives a copy-ready block with the full clause."""
    answer = entry.answer_en if lang == "en" else entry.answer_zh
    if staff:
        quotes = "\n".join(f"「{q}」" for q in _full_clause(entry, load_faq())) or t(
            "faq.staff.no_quote", lang
        )
        return t(
            "faq.staff.block",
            lang,
            clause=entry.clause,
            question=entry.questions[0],
            answer=answer.replace("**", ""),
            quotes=quotes,
        )
    if not entry.cite:
        return answer
    return t("faq.answer.quoted", lang, answer=answer, quote=_quote(entry.cite[0]), clause=entry.clause)


def answer_texts(match: FaqMatch, lang: str, staff: bool = False) -> list[str]:
    """Return the messages for an answered question: its answer, then one per other part answered.

    A question in several parts ("光伏补多少？要准备什么材料？另外储能有补贴吗") is answered part
    by part, each in a message of its own (so no message grows past a phone screen and Telegram's
    limit); parts that could not be answered outright are in ``match.suggestions``, to offer with
    ``part_offer_prompt``. Empty unless ``match.outcome`` is "answer".
    """
    if match.outcome != "answer" or match.entry is None:
        return []
    first = format_answer(match.entry, lang, staff)
    return [first, *(f"{t('faq.part.next', lang)}\n{format_answer(e, lang, staff)}" for e in match.others)]


def part_offer_prompt(lang: str) -> str:
    """Return the line above the buttons offering what another part of a question may be about."""
    return t("faq.part.offer", lang)
