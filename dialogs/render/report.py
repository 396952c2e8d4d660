"""The whole report as plain text, every measure grouped by status (the CLI and the text version of the PDF)."""

from __future__ import annotations

from dialogs.messages import t
from dialogs.render.words import (
    STATUS_MARK,
    after_pending_line,
    fact_label,
    measure_title,
    money,
    steps_text,
    tx,
)
from rules.report import Report


def report_text(report: Report, lang: str = "zh") -> str:
    """Write a whole report for the command line: every measure, grouped by status."""
    if not report.in_force:
        return tx(report.message, lang)
    lines = [t("render.report.head", lang, doc_no=report.doc_no, on=report.on.isoformat()), ""]
    groups = [
        ("eligible", t("render.verdict.eligible", lang)),
        ("pending", t("render.report.pending_group", lang)),
        ("needs_info", t("render.verdict.needs_info", lang)),
        ("ineligible", t("render.verdict.ineligible", lang)),
    ]
    colon = t("render.sep.colon", lang)
    rows = [r for r in report.measures if not r.no_project]
    for status, name in groups:
        sel = [r for r in rows if r.status == status]
        if not sel:
            continue
        lines.append(f"== {name} ==")
        for r in sorted(sel, key=lambda x: (-(x.amount_yuan or x.upper_bound_yuan or 0), x.number)):
            proj = f" [{r.project_id}]" if r.project_id else ""
            head = f"{STATUS_MARK[r.status]} {measure_title(r, lang)}{proj}"
            if status == "eligible":
                head += f": {money(r.amount_yuan, lang)}"
                if not r.counted and r.alternative_to is not None:
                    head += t("render.report.not_counted", lang, other=r.alternative_to)
            elif status == "pending":
                head += colon + money(r.pending_yuan, lang)
            if status != "ineligible" and r.unlock:
                head += "\n    " + t("render.report.steps", lang, steps=steps_text(r, lang))
            if status == "eligible" and r.pending_yuan is not None:
                head += "\n    " + t("render.report.after_pending", lang, amount=money(r.pending_yuan, lang))
            elif status == "needs_info":
                head += (
                    t("render.report.up_to", lang, amount=money(r.upper_bound_yuan, lang))
                    if r.upper_bound_yuan is not None
                    else t("render.report.no_limit", lang)
                )
            lines.append(head)
            for a in r.awards:
                if a.status == "eligible" or (status == "needs_info" and a.status == "needs_info"):
                    if a.formula is not None:
                        lines.append(f"    {tx(a.label, lang)}: {tx(a.formula, lang)}")
                    if a.status == "eligible":
                        lines.append(
                            "    "
                            + "; ".join(f"{tx(p.when, lang)}: {money(p.amount_yuan, lang)}" for p in a.payout)
                        )
            if r.missing:
                facts = ", ".join(fact_label(x, lang) for x in r.missing)
                lines.append("    " + t("render.report.missing", lang, facts=facts))
            for reason in r.reasons:
                lines.append("    " + t("render.report.because", lang, reason=tx(reason, lang)))
            for hint in r.near_miss:
                lines.append("    " + t("render.report.would_qualify", lang, hint=tx(hint, lang)))
            for note in r.condition_notes:
                lines.append("    ※ " + tx(note, lang))
        lines.append("")
    uncovered = [r for r in report.measures if r.no_project and r.status != "ineligible"]
    blocked = [r for r in report.measures if r.no_project and r.status == "ineligible"]
    if uncovered:
        numbers = ", ".join(str(r.number) for r in uncovered)
        lines.append(t("render.report.uncovered", lang, numbers=numbers))
    if blocked:
        numbers = ", ".join(str(r.number) for r in blocked)
        lines.append(
            t("render.report.blocked", lang, numbers=numbers)
            + (f" ({tx(blocked[0].reasons[0], lang)})" if blocked[0].reasons else "")
        )
    info = [r.number for r in report.measures if r.status == "informational"]
    lines.append(t("render.report.service", lang, numbers=", ".join(map(str, info))))
    lines.append("")
    lines.append(t("render.report.total", lang, amount=money(report.total_yuan, lang)))
    if line := after_pending_line(report, lang):
        lines.append(line)
    if report.missing:
        lines.append(t("render.report.open_facts", lang))
        for mf in report.missing[:8]:
            stake = (
                money(mf.stake_yuan, lang)
                if mf.stake_yuan is not None
                else t("render.report.open_ended", lang)
            )
            where = f" [{mf.project_id}]" if mf.project_id else ""
            lines.append(
                f"  - {fact_label(mf.ref, lang)}{where}: {stake} ({', '.join(map(str, mf.measures))})"
            )
    lines.append("")
    lines.append(tx(report.disclaimer, lang))
    return "\n".join(lines)
