"""The result of a screening as the chat shows it: the measures that concern the user, by money, and the total."""

from __future__ import annotations

from dialogs.messages import t
from dialogs.render.words import (
    STATUS_MARK,
    after_pending_line,
    aside,
    facts_text,
    literal,
    measure_title,
    money,
    payout_short,
    pending_text,
    tx,
)
from rules.report import MeasureResult, Report


def touched(row: MeasureResult) -> bool:
    """Tell whether the user's answers concern a row: a project they described, or money in view.

    A measure nobody asked about that is ruled out for the whole enterprise (the zone, say) is not
    news to the user; it is counted in one line instead of listed.
    """
    if row.no_project or row.status == "informational":
        return False
    return row.project_id is not None or row.status != "ineligible"


def summary_rows(report: Report) -> list[MeasureResult]:
    """Return the rows worth showing in a summary, most money first."""
    rows = [r for r in report.measures if touched(r)]

    def key(r: MeasureResult) -> tuple[int, int, int]:
        order = {"eligible": 0, "pending": 1, "needs_info": 2, "ineligible": 3}.get(r.status, 4)
        value = (
            r.amount_yuan
            if r.status == "eligible"
            else r.pending_yuan
            if r.status == "pending"
            else (r.upper_bound_yuan or 0)
        )
        return (order, -(value or 0), r.number)

    return sorted(rows, key=key)


def untouched_count(report: Report, shown: list[MeasureResult]) -> int:
    """Count the measures of the report that a summary leaves out."""
    return len({r.number for r in report.measures} - {r.number for r in shown})


def summary_text(report: Report, lang: str) -> str:
    """Write the result of a screening: measures by money, total, timeline and disclaimer."""
    if not report.in_force:
        return tx(report.message, lang)
    lines = [
        t("render.summary.title", lang),
        t("render.summary.basis", lang, doc_no=report.doc_no, on=report.on.isoformat()),
        "",
    ]
    rows = summary_rows(report)
    if not rows:
        lines.append(t("render.summary.none", lang))
    for r in rows:
        head = f"{STATUS_MARK[r.status]} **{measure_title(r, lang)}**"
        if r.project_name:
            head += aside(literal(r.project_name), lang)
        if r.status == "eligible":
            detail = money(r.amount_yuan, lang)
            if not r.counted and r.alternative_to == r.number:
                detail += t("render.summary.once_per_enterprise", lang)
            elif not r.counted and r.alternative_to is not None:
                detail += t("render.summary.same_project", lang, other=r.alternative_to)
            else:
                detail += t("render.sep.comma", lang) + payout_short(r, lang)
            if r.missing:
                detail += t("render.summary.could_be_more", lang)
            if r.pending_yuan is not None:
                detail += t("render.sep.semicolon", lang) + pending_text(r, lang)
        elif r.status == "pending":
            detail = t("render.summary.pending", lang, text=pending_text(r, lang))
        elif r.status == "needs_info":
            bound = money(r.upper_bound_yuan, lang) if r.upper_bound_yuan is not None else None
            missing = facts_text(r.missing, lang, t("render.sep.list", lang))
            detail = (t("render.summary.up_to", lang, amount=bound) if bound else "") + (
                t("render.summary.still_needed", lang, facts=missing) if missing else ""
            )
        else:
            reason = tx(r.reasons[0], lang) if r.reasons else ""
            detail = (
                t("render.summary.not_eligible_because", lang, reason=reason)
                if reason
                else t("render.summary.not_eligible", lang)
            )
            if r.near_miss:
                detail += t("render.summary.would_qualify", lang, hint=tx(r.near_miss[0], lang))
        lines.append(f"{head}\n    {detail}")
    lines.append("")
    rest = untouched_count(report, rows)
    lines.append(t("render.summary.total", lang, amount=money(report.total_yuan, lang)))
    if line := after_pending_line(report, lang):
        lines.append(line)
    pending = [r for r in rows if r.status == "needs_info"]
    if pending:
        extra = report.pending_upper_yuan
        lines.append(
            t("render.summary.open", lang, count=len(pending))
            + (t("render.summary.open_more", lang, amount=money(extra, lang)) if extra else "")
        )
    if rest:
        lines.append(t("render.summary.rest", lang, count=rest))
    two = any(
        a.payout_mode == "two_tranche" and a.status == "eligible" for r in rows if r.counted for a in r.awards
    )
    if two:
        lines.append(t("render.summary.tranches", lang))
    lines.append("")
    lines.append("ℹ️ " + tx(report.disclaimer, lang))
    return "\n".join(lines)
