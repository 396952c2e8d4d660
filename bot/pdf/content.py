"""What the PDF says, before any layout: the rows, notes, documents and clauses of one report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.pdf.page import Kind
from dialogs.messages import t
from dialogs.render import (
    after_pending_line,
    applied_awards,
    applied_quotes,
    documents_for,
    fact_label,
    plain,
    steps_text,
    summary_rows,
    tx,
    untouched_count,
)
from rules.engine import fmt_yuan
from rules.facts import Profile
from rules.loader import latest_rulebook, load_catalog
from rules.report import MeasureResult, Report

# The page's fixed words (pdf.w.* in the catalogue); more_docs, more_cites and rest hold {n}.
WORDS = (
    "title", "area", "on", "made", "profile", "zone", "kinds", "projects", "none", "total", "dedup",
    "measures", "h_no", "h_measure", "h_amount", "h_payout", "h_bar", "once", "docs", "common", "cites",
    "more_docs", "more_cites", "no_match", "rest", "calc", "outside", "ineligible_all", "disclaimer",
    "legend_ok", "legend_alt", "legend_need", "legend_no",
)  # fmt: skip

_KINDS = (
    "above_scale_industrial",
    "above_limit_nonindustrial",
    "general_contractor",
    "full_budget_unit",
    "consulting_firm",
    "urban_renewal_park",
    "key_energy_unit",
    "key_carbon_unit",
    "key_industry_15",
    "data_center",
    "key_vehicle_unit",
)


def words(lang: str) -> dict[str, str]:
    """Return the page's fixed words in one language."""
    return {name: t(f"pdf.w.{name}", lang) for name in WORDS}


def wan(amount: int) -> str:
    """Write yuan for Chinese readers in 万 when round (4,500,000 -> 450万元)."""
    if amount >= 10000 and amount % 100 == 0:
        shown = f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")
        return t("pdf.wan", "zh", amount=shown)
    return t("pdf.yuan", "zh", amount=fmt_yuan(amount))


def amount_text(amount: int | None, lang: str) -> str:
    """Write an amount short enough for a table cell."""
    if amount is None:
        return "?"
    return fmt_yuan(amount) if lang == "en" else wan(amount)


def shorten(text: str, limit: int) -> str:
    """Cut a quote to about ``limit`` characters, at a punctuation mark when one is near."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    stop = max(cut.rfind(p) for p in "，；。、,;")
    if stop >= limit * 0.55:
        cut = cut[:stop]
    return cut.rstrip("，；。、,; ") + "…"


def measure_no(number: int, lang: str) -> str:
    """Name a measure by number."""
    return t("pdf.no", lang, number=number)


@dataclass
class Row:
    """One line of the measures table."""

    kind: Kind
    number: int
    title: str
    project: str
    amount: str
    value: int | None  # bar length (eligible amount or known upper bound)
    payout: str
    span: bool = False  # payout text runs over the bar column (no bar)
    reason: str = ""  # why not eligible, to group the ineligible measures
    calc: str = ""  # the calculation worked through, under the row


@dataclass
class Item:
    """One entry of a labelled list (documents of a measure, quotes of a clause)."""

    label: str
    parts: list[str]
    note: str = ""  # muted suffix, e.g. the bureau that takes the application
    sep: str = "；"


@dataclass
class Content:
    """Everything the page says, in one language."""

    lang: str
    w: dict[str, str]
    doc_no: str
    on: str
    zone: str
    kinds: str  # empty: none declared, the line is left out
    projects: list[str]
    total: str
    total_exact: str
    stats: str
    pending: str
    rows: list[Row]
    ineligible: list[Row]
    notes: list[str]
    docs: list[Item]
    cites: list[Item]
    disclaimer: str
    message: str = ""


def _payout(row: MeasureResult, lang: str) -> str:
    """Describe when the counted award is paid, with the tranche amounts."""
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    award = award or next((a for a in row.awards if a.status == "eligible"), None)
    text = t("pdf.w.once", lang)
    if award is not None and award.payout_mode == "two_tranche" and len(award.payout) == 2:
        first, second = (amount_text(s.amount_yuan, lang) for s in award.payout)
        text = t("pdf.payout.tranches", lang, first=first, second=second)
    if row.missing:
        text += t("pdf.could_be_more", lang)
    return text


def _row(r: MeasureResult, lang: str, shared: frozenset[str] = frozenset()) -> Row:
    """Turn one measure result into a table row."""
    title = tx(r.title, lang)
    if r.status == "eligible" and not r.counted and r.alternative_to is not None:
        payout = t("pdf.row.not_counted", lang, other=r.alternative_to)
        if r.alternative_to == r.number:  # convention 14: counted in another entry
            payout = t("pdf.row.once_per_enterprise", lang)
        return Row(
            "alternative",
            r.number,
            title,
            r.project_name,
            amount_text(r.amount_yuan, lang),
            r.amount_yuan,
            payout,
        )
    if r.status == "eligible":
        payout = _payout(r, lang)
        if r.pending_yuan is not None:  # a larger path waits for a step (convention 11)
            payout += t("pdf.row.more_after_pending", lang, amount=amount_text(r.pending_yuan, lang))
        return Row(
            "eligible",
            r.number,
            title,
            r.project_name,
            amount_text(r.amount_yuan, lang),
            r.amount_yuan,
            payout,
        )
    if r.status == "pending":  # drawn like an open row: nothing payable yet, an amount once a step is taken
        amount = t("pdf.row.pending", lang, amount=amount_text(r.pending_yuan or 0, lang))
        payout = t("pdf.row.once_done", lang, steps=steps_text(r, lang))
        return Row("needs_info", r.number, title, r.project_name, amount, r.pending_yuan, payout)
    if r.status == "needs_info":
        own = [m for m in r.missing if m not in shared]
        missing = t("pdf.sep.list", lang).join(dict.fromkeys(fact_label(m, lang) for m in own))
        if not own and r.missing:
            missing = t("pdf.row.shared_items", lang)
        bound = r.upper_bound_yuan
        if bound is not None:
            amount = t("pdf.row.up_to", lang, amount=amount_text(bound, lang))
        else:
            amount = t("pdf.row.open", lang)
        payout = (
            t("pdf.row.still_needed", lang, facts=missing) if missing else t("pdf.row.needs_review", lang)
        )
        return Row("needs_info", r.number, title, r.project_name, amount, bound, payout, span=bound is None)
    reason = tx(r.reasons[0], lang) if r.reasons else ""
    text = t("pdf.row.not_eligible", lang, reason=reason) if reason else t("pdf.w.ineligible_all", lang)
    if r.near_miss:
        text += t("pdf.row.would_qualify", lang, hint=tx(r.near_miss[0], lang))
    return Row("ineligible", r.number, title, r.project_name, "—", None, text, span=True, reason=reason)


def _profile_parts(profile: Profile, report: Report, lang: str) -> tuple[str, str, list[str]]:
    """Return the zone, the kinds of entity and the project names of the payload's profile."""
    ent = profile.enterprise
    zone = t("pdf.w.none", lang)
    info = load_catalog().get("enterprise.zone")
    value = ent.zone
    if value and info is not None and info.options and str(value) in info.options:
        zone = tx(info.options[str(value)], lang)
    kinds = [fact_label(f"enterprise.{k}", lang) for k in _KINDS if getattr(ent, k) is True]
    projects = [name for p in profile.projects if (name := (p.name or p.id).strip())]
    if not projects:
        projects = list(dict.fromkeys(m.project_name for m in report.measures if m.project_name))
    return zone, t("pdf.sep.list", lang).join(kinds), projects


def _documents(rows: Sequence[MeasureResult], lang: str, profile: Profile | None = None) -> list[Item]:
    """List documents once each: those every listed measure needs first, then by measure in rank order."""
    en = lang == "en"
    sep = t("pdf.sep.semicolon", lang)
    per: list[tuple[MeasureResult, list[str]]] = []
    for r in rows:
        docs = [d.en if en else d.zh for d in documents_for(r, profile)]
        if docs:
            per.append((r, list(dict.fromkeys(docs))))
    if not per:
        return []
    several = len({r.number for r, _ in per}) > 1
    common = [d for d in per[0][1] if several and all(d in ds for _, ds in per)]
    seen = set(common)
    items = [Item(t("pdf.w.common", lang), common, sep=sep)] if common else []
    by_number: dict[int, Item] = {}
    for r, docs in per:
        fresh = [d for d in docs if d not in seen]
        seen.update(fresh)
        if not fresh:
            continue
        if r.number in by_number:  # the same measure for a second project: add to its line
            by_number[r.number].parts.extend(fresh)
            continue
        bureaus = t("pdf.sep.list", lang).join(tx(b, lang) for b in r.bureaus)
        note = t("pdf.doc.bureau", lang, bureaus=bureaus) if bureaus else ""
        item = by_number[r.number] = Item(measure_no(r.number, lang), fresh, note, sep)
        items.append(item)
    return items


def _cites(rows: Sequence[MeasureResult], lang: str) -> list[Item]:
    """Quote the clauses behind the result: the shared scope and basic conditions, then what each row applied."""
    shared: dict[str, str] = {}
    for r in rows:
        for g in r.gates:
            # only the scope (七(一)) and the basic conditions (七(二)2) are shared by every measure
            shared_clause = g.clause.startswith("七(一)") or g.clause == "七(二)2"
            if g.outcome == "met" and g.cite and shared_clause and g.clause not in shared:
                shared[g.clause] = g.cite[0]
    items = [Item(clause, [f"「{shorten(quote, 58)}」"]) for clause, quote in sorted(shared.items())]
    seen: set[str] = set()
    for r in rows:
        quotes = [q for q in applied_quotes(r) if q not in seen]
        seen.update(quotes)
        if quotes:
            limit = 64 if len(quotes) == 1 else 40
            items.append(
                Item(measure_no(r.number, lang), [f"「{shorten(q, limit)}」" for q in quotes], sep="")
            )
    return items


def _scope_cites() -> list[Item]:
    """Quote 七(一), the scope of the whole policy (for an enterprise outside it)."""
    scopes = latest_rulebook().chapter7.scopes
    by_clause = {scope.clause: scope.cite[0] for scope in scopes.values() if scope.cite}
    return [Item(clause, [f"「{quote}」"]) for clause, quote in sorted(by_clause.items())]


def _calc(r: MeasureResult, lang: str) -> str:
    """Write the calculation of the paths a row applies, one after another."""
    texts = [
        tx(a.formula, lang) for a in applied_awards(r) if a.formula is not None and a.status == "eligible"
    ]
    # a fixed amount or a level ("定额 500,000 元") is the amount column again: only arithmetic is shown
    parts = [text for text in texts if "×" in text or "/" in text]
    if not parts:
        return ""
    return t("pdf.sep.semicolon", lang).join(parts)


def _stats(rows: Sequence[MeasureResult], n_no: int, lang: str) -> str:
    """Count the rows by status in one line; a zero is left out, except for the eligible."""
    n_ok = sum(1 for r in rows if r.status == "eligible")
    n_need = sum(1 for r in rows if r.status == "needs_info")
    n_wait = sum(1 for r in rows if r.status == "pending")
    parts = [t("pdf.stats.eligible", lang, n=n_ok)]
    for key, n in (("pending", n_wait), ("open", n_need), ("ineligible", n_no)):
        if n:
            parts.append(t(f"pdf.stats.{key}", lang, n=n))
    return " · ".join(parts)


def _notes(
    report: Report, rows: Sequence[MeasureResult], table: Sequence[Row], shared: frozenset[str], lang: str
) -> list[str]:
    """Write the notes under the table: totals after pending steps, readings, shared facts, payout, 从优不重复."""
    notes = []
    if line := after_pending_line(report, lang):
        notes.append(line + t("pdf.sep.stop", lang))
    # The readings behind what is still open (pending or undecided rows), once each with its measures;
    # the detail in chat and the command line show every reading of every row.
    readings: dict[str, list[int]] = {}
    for r in rows:
        if r.status in ("pending", "needs_info"):
            for note in r.condition_notes:
                numbers = readings.setdefault(plain(tx(note, lang)), [])
                if r.number not in numbers:
                    numbers.append(r.number)
    for text, numbers in readings.items():
        where = "、".join(str(n) for n in numbers)
        notes.append(t("pdf.note.reading", lang, numbers=where, text=text))
    if shared:
        labels = t("pdf.sep.list", lang).join(dict.fromkeys(fact_label(ref, lang) for ref in shared))
        notes.append(t("pdf.note.shared", lang, labels=labels))
    two = any(
        a.payout_mode == "two_tranche" and a.status == "eligible" for r in rows if r.counted for a in r.awards
    )
    if two:
        notes.append(t("pdf.note.tranches", lang))
    if any(r.kind == "alternative" for r in table):
        notes.append(t("pdf.note.dedup", lang))
    return notes


def build_content(report: Report, profile: Profile, lang: str) -> Content:
    """Gather everything the page says, in one language."""
    w = words(lang)
    en = lang == "en"
    zone, kinds, projects = _profile_parts(profile, report, lang)
    rows = summary_rows(report)
    needs = [r for r in rows if r.status == "needs_info"]
    # enterprise facts every open measure still needs are said once under the table, not per row
    shared = frozenset(
        ref
        for ref in (needs[0].missing if len(needs) > 1 else ())
        if ref.startswith("enterprise.") and all(ref in r.missing for r in needs)
    )
    table = [replace(_row(r, lang, shared), calc=_calc(r, lang)) for r in rows if r.status != "ineligible"]
    ineligible = [_row(r, lang) for r in rows if r.status == "ineligible"]
    paying = [
        r for r in rows if (r.status == "eligible" and r.counted) or r.status in ("needs_info", "pending")
    ]
    pending = ""
    if needs:
        extra = report.pending_upper_yuan
        if extra:
            pending = t("pdf.open_up_to", lang, amount=amount_text(extra, lang))
        else:
            pending = t("pdf.open_may_add", lang)
    notes = _notes(report, rows, table, shared, lang)
    docs = _documents(paying, lang, profile)
    rest = untouched_count(report, rows)
    if rest and rows:
        notes.append(w["rest"].format(n=rest))
    outside = profile.enterprise.zone == "outside"
    total = report.total_yuan
    return Content(
        lang=lang,
        w=w,
        doc_no=report.doc_no or "",
        on=report.on.isoformat(),
        zone=zone,
        kinds=kinds,
        projects=projects,
        total=t("pdf.total", lang, amount=amount_text(total, lang)),
        total_exact=("" if en or total < 10000 else t("pdf.yuan", lang, amount=fmt_yuan(total))),
        stats=_stats(rows, len(ineligible), lang),
        pending=pending,
        rows=table,
        ineligible=ineligible,
        notes=notes,
        docs=docs,
        cites=_scope_cites() if outside else _cites(paying or rows, lang),
        disclaimer=tx(report.disclaimer, lang) or w["disclaimer"],
        message=tx(report.message, lang) if not report.in_force else (w["outside"] if outside else ""),
    )
