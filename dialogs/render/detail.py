"""One measure of a result in detail: the first phone screen, the rest behind a button, the documents."""

from __future__ import annotations

import re

from dialogs.messages import t
from dialogs.protocol import Command, Detail
from dialogs.render.words import (
    MARK,
    STATUS_MARK,
    aside,
    bureaus_line,
    facts_text,
    literal,
    measure_title,
    money,
    pending_text,
    plain,
    tx,
)
from dialogs.types import Choice, QuestionReply, Reply, TextReply
from rules.facts import Profile
from rules.report import AwardResult, MeasureResult, Report
from rules.schema import Document


def _compact(quote: str) -> str:
    """Return a quote without spaces, to compare quotes typeset differently."""
    return re.sub(r"\s+", "", quote)


def applied_awards(row: MeasureResult) -> list[AwardResult]:
    """Return the paths of a measure that apply: those paid, else those still open."""
    if row.status == "eligible":
        chosen = [a for a in row.awards if a.id == row.chosen_award]
        return chosen or [a for a in row.awards if a.status == "eligible"]
    if row.status in ("ineligible", "informational"):
        return []
    open_ = [a for a in row.awards if a.status != "ineligible"]
    started = [a for a in open_ if any(c.outcome == "met" for c in a.conditions)]
    return started or open_


def applied_quotes(row: MeasureResult) -> list[str]:
    """Quote the policy text behind what applies to a row: its paths' sentences, or the failed clause."""
    own = [c for a in applied_awards(row) for c in a.conditions if c.clause.startswith("第") and c.cite]
    if row.status == "ineligible":
        failed = [
            c for c in (*row.gates, *(c for a in row.awards for c in a.conditions)) if c.outcome == "failed"
        ]
        own = [c for c in failed if c.cite]
    quotes: list[str] = []
    for cond in own:
        for piece in cond.cite:
            whole = next(
                (q for q in row.cite if _compact(piece) in _compact(q) or _compact(q) in _compact(piece)),
                piece,
            )
            if whole not in quotes:
                quotes.append(whole)
    if not quotes and row.status != "ineligible":
        quotes = list(row.cite[:1]) if len(row.cite) == 1 or row.status == "informational" else list(row.cite)
    return _without_parts(quotes)


def _without_parts(quotes: list[str]) -> list[str]:
    """Drop a quote that another quote shown already contains (a condition often cites half a sentence)."""
    compact = [_compact(q) for q in quotes]
    return [
        q
        for i, q in enumerate(quotes)
        if not any(
            j != i and compact[i] in other and (len(other) > len(compact[i]) or j < i)
            for j, other in enumerate(compact)
        )
    ]


def _known_false(profile: Profile | None, ref: str, project_id: str | None) -> bool:
    """Tell whether a fact of the profile is known to be false (or zero) for a row's project."""
    if profile is None:
        return False
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        value = getattr(profile.enterprise, name, None)
    else:
        project = next((p for p in profile.projects if p.id == project_id), None)
        value = getattr(project.facts, name, None) if project is not None else None
    return value is not None and not value


def documents_for(row: MeasureResult, profile: Profile | None = None) -> list[Document]:
    """Return the documents a row needs: for the paths that apply and the facts not known to be false."""
    ids = {a.id for a in applied_awards(row)} if row.awards else set()
    return [
        d
        for d in row.documents
        if (not d.awards or ids & set(d.awards))
        and not (d.when and _known_false(profile, d.when, row.project_id))
    ]


def _payout_line(award: AwardResult, lang: str) -> str:
    """Say in short when an award is paid, with the tranche amounts."""
    if award.payout_mode == "two_tranche" and len(award.payout) == 2:
        first, second = (money(p.amount_yuan, lang) for p in award.payout)
        return t("render.payout.tranches", lang, first=first, second=second)
    return t("render.payout.once_after", lang)


def _detail_rows(report: Report, number: int, project_id: str | None) -> MeasureResult | None:
    """Return the row a detail is about: the project's, else the first with a project."""
    rows = [r for r in report.rows(number) if project_id is None or r.project_id == project_id]
    if not rows:
        return None
    return next((x for x in rows if not x.no_project), rows[0])


_VERDICTS = frozenset({"eligible", "pending", "needs_info", "ineligible", "informational"})


def _verdict(status: str, lang: str) -> str:
    """Name a status for the reader."""
    return t(f"render.verdict.{status}", lang) if status in _VERDICTS else status


def _quotes(quotes: list[str]) -> str:
    """Join policy quotes for one pair of corner brackets."""
    return "」「".join(quotes)


def detail_first(report: Report, number: int, lang: str, project_id: str | None = None) -> str:
    """Write the first screen of a measure: verdict, amount, calculation, the path that applies, its text."""
    en = lang == "en"
    r = _detail_rows(report, number, project_id)
    if r is None:
        return t("render.detail.no_such", lang, number=number)
    verdict = _verdict(r.status, lang)
    head = f"{STATUS_MARK.get(r.status, '•')} **{measure_title(r, lang)}**"
    if r.project_name and not r.no_project:
        head += aside(literal(r.project_name), lang)
    lines = [head]
    paths = applied_awards(r)
    if r.status == "eligible":
        amount = money(r.amount_yuan, lang)
        head = t("render.detail.verdict_amount", lang, verdict=verdict, amount=amount)
        if paths and all(a.payout_mode != "two_tranche" for a in paths):
            head += t("render.sep.comma", lang) + _payout_line(paths[0], lang)
        lines.append(head)
        if not r.counted and r.alternative_to == r.number:
            lines.append(t("render.detail.once_per_enterprise", lang))
        elif not r.counted and r.alternative_to is not None:
            lines.append(t("render.detail.same_project", lang, other=r.alternative_to))
        if r.pending_yuan is not None:
            lines.append(pending_text(r, lang))
    elif r.status == "pending":
        # Convention 11: nothing payable yet, the amount once a step is taken, the step and its clause.
        lines.append(t("render.detail.verdict_amount", lang, verdict=verdict, amount=pending_text(r, lang)))
    elif r.status == "needs_info":
        bound = t("render.detail.up_to", lang, amount=money(r.upper_bound_yuan, lang))
        lines.append(f"**{verdict}**" + (f" · {bound}" if r.upper_bound_yuan is not None else ""))
    else:
        lines.append(f"**{verdict}**")
    if r.status in ("eligible", "pending", "needs_info"):
        sep = t("render.sep.semicolon", lang)
        for a in paths[: 3 if r.status == "eligible" else 1]:
            lines.append(t("render.detail.path", lang, label=tx(a.label, lang)))
            if a.formula is not None:
                lines.append(t("render.detail.calc", lang, formula=tx(a.formula, lang)))
            if a.status == "eligible" and a.payout_mode == "two_tranche":
                lines.append(_payout_line(a, lang).capitalize() if en else _payout_line(a, lang))
        if r.missing:
            shown = facts_text(r.missing, lang, sep)
            if r.status == "eligible":
                lines.append(t("render.detail.could_be_more", lang, facts=shown))
            else:
                lines.append(t("render.detail.still_needed", lang, facts=shown))
    elif r.status == "ineligible":
        if r.reasons:
            lines.append(t("render.detail.not_met", lang, reason=tx(r.reasons[0], lang)))
        if r.near_miss:
            lines.append(t("render.detail.would_qualify", lang, hint=tx(r.near_miss[0], lang)))
    else:
        lines.append(tx(r.summary, lang))
    quotes = applied_quotes(r)
    if quotes:
        lines.append(t("render.detail.policy_text", lang, quotes=_quotes(quotes)))
    lines.append("ℹ️ " + tx(report.disclaimer, lang))
    return "\n".join(lines)


def detail_more(
    report: Report, number: int, lang: str, project_id: str | None = None, profile: Profile | None = None
) -> str:
    """Write the rest of a measure: conditions, the other paths, notes, documents and bureau."""
    r = _detail_rows(report, number, project_id)
    if r is None:
        return t("render.detail.no_such", lang, number=number)
    lines = [t("render.more.title", lang, title=measure_title(r, lang))]
    applied = {a.id for a in applied_awards(r)}
    colon = t("render.sep.colon", lang)
    if r.gates:
        lines.append("")
        lines.append(t("render.more.conditions", lang))
        for g in r.gates:
            extra = aside(tx(g.detail, lang), lang) if g.detail else ""
            lines.append(f"{MARK.get(g.outcome, '?')} {tx(g.text, lang)}{extra} [{g.clause}]")
            if g.note is not None:
                lines.append("    ※ " + plain(tx(g.note, lang)))
    ordered = sorted(r.awards, key=lambda a: a.id not in applied)
    for a in ordered:
        lines.append("")
        mark = t("render.more.applies", lang) if a.id in applied and len(r.awards) > 1 else ""
        lines.append(f"• **{tx(a.label, lang)}**{mark}")
        # another path: only what decides it (a condition not met, or not known yet)
        failed = [c for c in a.conditions if c.outcome == "failed"]
        shown = a.conditions if a.id in applied else failed or [c for c in a.conditions if c.outcome != "met"]
        for c in shown:
            extra = aside(tx(c.detail, lang), lang) if c.detail else ""
            lines.append(f"  {MARK.get(c.outcome, '?')} {tx(c.text, lang)}{extra}")
            if c.note is not None and c.outcome != "failed":
                lines.append("    ※ " + plain(tx(c.note, lang)))
        if a.id in applied and a.status == "eligible" and a.payout_mode == "two_tranche":
            lines.extend(f"  💰 {tx(p.when, lang)}{colon}{money(p.amount_yuan, lang)}" for p in a.payout)
        elif a.status == "pending":
            later = t("render.more.after_steps", lang)
            lines.extend(
                f"  💰 {later}{tx(p.when, lang)}{colon}{money(p.amount_yuan, lang)}" for p in a.payout
            )
        elif a.formula is not None and a.id not in applied and a.status != "ineligible":
            lines.append("  " + t("render.detail.calc", lang, formula=tx(a.formula, lang)))
        if a.note:
            lines.append("  ※ " + plain(tx(a.note, lang)))
    if r.near_miss and r.status != "ineligible":
        lines.append(t("render.more.near_miss", lang, hints="；".join(tx(n, lang) for n in r.near_miss)))
    # Every reading a condition carries reaches the user (issue 7), once.
    seen = {n.zh for n in r.notes} | {c.note.zh for a in r.awards for c in a.conditions if c.note}
    seen |= {g.note.zh for g in r.gates if g.note}
    notes = [*r.notes, *(n for n in r.condition_notes if n.zh not in seen), *r.procedure]
    if notes:
        lines.append("")
        lines.extend("※ " + plain(tx(n, lang)) for n in notes)
    docs = documents_for(r, profile)
    if docs:
        lines.append("")
        lines.append(t("render.documents", lang))
        lines.extend(f"- {d.en if lang == 'en' else d.zh}" for d in docs)
    lines.append("")
    lines.append(bureaus_line(r.bureaus, lang))
    others = [q for q in r.cite if q not in applied_quotes(r)]
    if others:
        lines.append(t("render.more.rest_text", lang, quotes=_quotes(others)))
    return "\n".join(lines)


def detail_text(
    report: Report, number: int, lang: str, project_id: str | None = None, profile: Profile | None = None
) -> str:
    """Write one measure in full: the first screen, then conditions, paths, documents and bureau."""
    first = detail_first(report, number, lang, project_id)
    if _detail_rows(report, number, project_id) is None:
        return first
    return first + "\n\n" + detail_more(report, number, lang, project_id, profile)


def detail_replies(
    report: Report,
    number: int,
    lang: str,
    project_id: str | None = None,
    *,
    more: bool = False,
    buttons: bool = True,
    profile: Profile | None = None,
) -> list[Reply]:
    """Show a measure as a phone screen with the rest behind a button (buttons: on the result only)."""
    row = _detail_rows(report, number, project_id)
    if more:
        text = detail_more(report, number, lang, project_id, profile)
    else:
        text = detail_first(report, number, lang, project_id)
    if row is None:
        return [TextReply(text=text)]
    back = Choice(id=Command("summary").pack(), label=t("render.button.back", lang))
    key = Detail(row.number, row.project_id or "", more=True).pack()
    more_choice = Choice(id=key, label=t("render.button.more", lang))
    if not buttons:
        if not more:
            text += "\n" + t("render.detail.more_hint", lang, number=row.number)
        return [TextReply(text=text)]
    choices = [back] if more else [more_choice, back]
    return [QuestionReply(text=text, choices=choices, columns=1)]
