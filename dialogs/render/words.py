"""The pieces every result text is made of: one language of a text, money, marks, titles, notes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from dialogs.messages import t
from rules.engine import fmt_yuan
from rules.loader import load_catalog
from rules.report import MeasureResult, Report
from rules.schema import Text

MARK = {"met": "✓", "failed": "✗", "unknown": "?", "pending": "⏳"}


STATUS_MARK = {
    "eligible": "✅",
    "pending": "⏳",
    "needs_info": "❓",
    "ineligible": "❌",
    "informational": "ℹ️",
}


def tx(text: Text | None, lang: str) -> str:
    """Pick one language of a two-language text."""
    if text is None:
        return ""
    return text.en if lang == "en" else text.zh


def money(amount: int | None, lang: str) -> str:
    """Format yuan, with 万 for Chinese readers."""
    if amount is None:
        return "?"
    if lang != "en" and amount >= 10000 and amount % 100 == 0:
        wan = amount / 10000
        shown = f"{wan:,.2f}".rstrip("0").rstrip(".")
        return t("render.money.wan", lang, wan=shown, yuan=fmt_yuan(amount))
    return t("render.money.yuan", lang, yuan=fmt_yuan(amount))


def literal(text: str) -> str:
    """Quote user text inside a reply so that its * and \\ are shown as typed, never read as markup."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def fact_label(ref: str, lang: str) -> str:
    """Return the short name of a fact."""
    info = load_catalog().get(ref)
    return tx(info.label, lang) if info else ref


def facts_text(refs: Sequence[str], lang: str, sep: str, shown: int = 3) -> str:
    """Name the first facts still needed, and say how many more there are."""
    text = sep.join(fact_label(m, lang) for m in refs[:shown])
    rest = len(refs) - shown
    return text + t("render.more_facts", lang, count=rest) if rest > 0 else text


def steps_text(row: MeasureResult, lang: str) -> str:
    """Name the steps still to take for a row's pending award, with their clauses."""
    sep = t("render.sep.semicolon", lang)
    return sep.join(
        t("render.step_clause", lang, step=tx(u.step, lang), clause=u.clause)
        if u.clause
        else tx(u.step, lang)
        for u in row.unlock
    )


def pending_text(row: MeasureResult, lang: str) -> str:
    """Say what a row will be worth once its pending steps are taken, and which steps (convention 11)."""
    if row.pending_yuan is None:
        return ""
    steps = steps_text(row, lang)
    amount = money(row.pending_yuan, lang)
    if steps:
        return t("render.pending.steps", lang, amount=amount, steps=steps)
    return t("render.pending.bare", lang, amount=amount)


def after_pending_line(report: Report, lang: str) -> str:
    """Say the total once every pending step is taken, when it is more than the total payable now."""
    if report.total_after_pending_yuan <= report.total_yuan:
        return ""
    return t("render.after_pending", lang, amount=money(report.total_after_pending_yuan, lang))


def measure_title(row: MeasureResult, lang: str) -> str:
    """Name a row's measure with its number (第27条 分布式光伏发电)."""
    return f"{t('render.measure_no', lang, number=row.number)} {tx(row.title, lang)}"


def payout_short(row: MeasureResult, lang: str) -> str:
    """Say in two words how the paid award of a row is paid (once, or in two tranches)."""
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    if award is None:
        award = next((a for a in row.awards if a.status == "eligible"), None)
    if award is None:
        return ""
    if award.payout_mode == "two_tranche":
        return t("render.payout.two", lang)
    return t("render.payout.once", lang)


def aside(text: str, lang: str) -> str:
    """Put a remark in brackets of the reader's script."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def bureaus_line(bureaus: Iterable[Text], lang: str) -> str:
    """Name the bureaus responsible for a measure."""
    return t("render.bureau", lang, bureaus=t("render.sep.list", lang).join(tx(b, lang) for b in bureaus))


# Words of the policy team's own working notes ("读法", "约定2") that mean nothing to a user.
_INTERNAL = (
    (re.compile(r"^读法(?:（约定[\d、]+）)?[：:]\s*"), ""),
    (re.compile(r"^约定[\d、]+[：:]\s*"), ""),
    (re.compile(r"按约定[\d、]+[，,]\s*"), ""),
    (re.compile(r"（约定[\d、]+[，,]\s*"), "（"),
    (re.compile(r"（约定[\d、]+(?:[：:][^）]*)?）"), ""),
    (re.compile(r"^Reading(?: \(conventions? [\d, ]+\))?:\s*"), ""),
    (re.compile(r"^Convention [\d, ]+:\s*"), ""),
    (re.compile(r"[Pp]er convention [\d, ]+,\s*"), ""),
    (re.compile(r"\(conventions? [\d, ]+,\s*"), "("),
    (re.compile(r"\s*\(conventions? [\d, ]+(?::[^)]*)?\)"), ""),
)


def plain(text: str) -> str:
    """Drop the rule authors' working words (读法, 约定N) from a note a user reads."""
    for pattern, repl in _INTERNAL:
        text = pattern.sub(repl, text)
    return text[:1].upper() + text[1:] if text[:1].isascii() else text
