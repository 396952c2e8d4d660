"""Turn a rulebook report into the texts the user reads."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dialogs.messages import t
from dialogs.protocol import Command, Detail
from dialogs.types import Choice, QuestionReply, Reply, TextReply
from rules.engine import fmt_yuan
from rules.facts import Profile
from rules.loader import load_catalog
from rules.report import AwardResult, MeasureResult, Report
from rules.schema import Document, Text

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


def steps_text(row: MeasureResult, lang: str) -> str:
    """Name the steps still to take for a row's pending award, with their clauses."""
    sep = t("render.sep.semicolon", lang)
    return sep.join(f"{tx(u.step, lang)}（{u.clause}）" if u.clause else tx(u.step, lang) for u in row.unlock)


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


def _title(row: MeasureResult, lang: str) -> str:
    return f"{t('render.measure_no', lang, number=row.number)} {tx(row.title, lang)}"


def _payout_short(row: MeasureResult, lang: str) -> str:
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    if award is None:
        award = next((a for a in row.awards if a.status == "eligible"), None)
    if award is None:
        return ""
    if award.payout_mode == "two_tranche":
        return t("render.payout.two", lang)
    return t("render.payout.once", lang)


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
        head = f"{STATUS_MARK[r.status]} **{_title(r, lang)}**"
        if r.project_name:
            head += _aside(literal(r.project_name), lang)
        if r.status == "eligible":
            detail = money(r.amount_yuan, lang)
            if not r.counted and r.alternative_to == r.number:
                detail += t("render.summary.once_per_enterprise", lang)
            elif not r.counted and r.alternative_to is not None:
                detail += t("render.summary.same_project", lang, other=r.alternative_to)
            else:
                detail += t("render.sep.comma", lang) + _payout_short(r, lang)
            if r.missing:
                detail += t("render.summary.could_be_more", lang)
            if r.pending_yuan is not None:
                detail += t("render.sep.semicolon", lang) + pending_text(r, lang)
        elif r.status == "pending":
            detail = t("render.summary.pending", lang, text=pending_text(r, lang))
        elif r.status == "needs_info":
            bound = money(r.upper_bound_yuan, lang) if r.upper_bound_yuan is not None else None
            missing = t("render.sep.list", lang).join(fact_label(m, lang) for m in r.missing[:3])
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
    return quotes


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
    head = f"{STATUS_MARK.get(r.status, '•')} **{_title(r, lang)}**"
    if r.project_name and not r.no_project:
        head += _aside(literal(r.project_name), lang)
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
            shown = sep.join(fact_label(m, lang) for m in r.missing[:3])
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


def _aside(text: str, lang: str) -> str:
    """Put a remark in brackets of the reader's script."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def detail_more(
    report: Report, number: int, lang: str, project_id: str | None = None, profile: Profile | None = None
) -> str:
    """Write the rest of a measure: conditions, the other paths, notes, documents and bureau."""
    r = _detail_rows(report, number, project_id)
    if r is None:
        return t("render.detail.no_such", lang, number=number)
    lines = [t("render.more.title", lang, title=_title(r, lang))]
    applied = {a.id for a in applied_awards(r)}
    colon = t("render.sep.colon", lang)
    if r.gates:
        lines.append("")
        lines.append(t("render.more.conditions", lang))
        for g in r.gates:
            extra = _aside(tx(g.detail, lang), lang) if g.detail else ""
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
            extra = _aside(tx(c.detail, lang), lang) if c.detail else ""
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
    lines.append(_bureaus(r.bureaus, lang))
    others = [q for q in r.cite if q not in applied_quotes(r)]
    if others:
        lines.append(t("render.more.rest_text", lang, quotes=_quotes(others)))
    return "\n".join(lines)


def _bureaus(bureaus: Iterable[Text], lang: str) -> str:
    """Name the bureaus responsible for a measure."""
    return t("render.bureau", lang, bureaus=t("render.sep.list", lang).join(tx(b, lang) for b in bureaus))


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


def _formula_desc(formula: object, lang: str) -> str:
    from rules import schema as s

    def lab(ref: str) -> str:
        return fact_label(ref, lang)

    def qty(q: object) -> str:
        if isinstance(q, s.MinOf):
            return "min(" + ", ".join(lab(r) for r in q.min) + ")"
        return lab(str(q))

    def cap(amount: float) -> str:
        return t("render.formula.cap", lang, cap=money(int(amount), lang))

    if isinstance(formula, s.Fixed):
        return money(int(formula.amount), lang)
    if isinstance(formula, s.Tier):
        parts = []
        for k, v in formula.amounts.items():
            if v <= 0:
                continue
            name = (
                tx(formula.labels.get(k), lang)
                if k in formula.labels
                else _option_name(formula.fact, k, lang)
            )
            parts.append(f"{name} {money(int(v), lang)}")
        return t("render.sep.semicolon", lang).join(parts)
    if isinstance(formula, s.Share):
        out = f"{lab(formula.base)} × {formula.rate * 100:g}%"
        if formula.cap:
            out += cap(formula.cap)
        if formula.bonus:
            out += t(
                "render.formula.bonus",
                lang,
                amount=money(int(formula.bonus.amount), lang),
                when=tx(formula.bonus.when.text, lang),
            )
        return out
    if isinstance(formula, s.PerUnit):
        out = t(
            "render.formula.per_unit",
            lang,
            quantity=qty(formula.quantity),
            rate=f"{formula.rate:g}",
            unit=tx(formula.unit, lang),
        )
        if formula.cap:
            out += cap(formula.cap)
        return out
    if isinstance(formula, s.Match):
        out = f"{lab(formula.base)} × {formula.ratio:g}"
        if formula.unit_cap:
            out += t(
                "render.formula.unit_cap",
                lang,
                rate=f"{formula.unit_cap.rate:g}",
                unit=tx(formula.unit_cap.unit, lang),
            )
        if formula.cap:
            out += cap(formula.cap)
        if formula.combined_cap:
            out += t(
                "render.formula.combined_cap",
                lang,
                share=f"{formula.combined_cap.share * 100:g}",
                of=lab(formula.combined_cap.of),
            )
        return out
    if isinstance(formula, s.TopUp):
        out = f"{lab(formula.price)} × {formula.rate * 100:g}% × {qty(formula.quantity)}"
        if formula.minus:
            out += f" − {lab(formula.minus)}" + t("render.formula.not_below_zero", lang)
        return out
    if isinstance(formula, s.RatioTier):
        steps = sorted(formula.steps, key=lambda st: -st.min)
        body = ", ".join(f"≥{st.min * 100:g}% → {money(int(st.amount), lang)}" for st in steps)
        return f"{lab(formula.num)} / {lab(formula.den)}: {body}"
    return ""


def _option_name(ref: str, value: str, lang: str) -> str:
    info = load_catalog().get(ref)
    if info and info.options and value in info.options:
        return tx(info.options[value], lang)
    return value


def _cond_desc(cond: object, lang: str) -> str:
    from rules.schema import AllOf, AnyOf, FactCondition, RatioCondition
    from rules.wording import condition_text

    assert isinstance(cond, FactCondition | RatioCondition | AllOf | AnyOf)
    text = tx(condition_text(cond), lang)
    out = f"{text} [{cond.clause}]" if cond.clause else text
    if cond.pending is not None:
        out += t("render.cond.pending", lang, step=tx(cond.pending.step, lang))
    notes = [n for n in _cond_notes(cond)]
    return out + "".join(f"\n    ※ {tx(n, lang)}" for n in notes)


def _cond_notes(cond: object) -> list[Text]:
    from rules.schema import AllOf, AnyOf, FactCondition, RatioCondition

    assert isinstance(cond, FactCondition | RatioCondition | AllOf | AnyOf)
    notes = [cond.note] if cond.note is not None else []
    if isinstance(cond, AllOf | AnyOf):
        for part in cond.of:
            notes.extend(_cond_notes(part))
    return notes


def explain_measure(number: int, lang: str = "zh") -> str:
    """Describe one measure as the policy states it: text, who, conditions, money, payout, documents."""
    from rules.loader import latest_rulebook

    book = latest_rulebook()
    m = book.measures.get(number)
    if m is None:
        return t("render.explain.none", lang, number=number, count=len(book.measures))
    scope = book.chapter7.scopes[m.scope]
    lines = [
        t("render.explain.title", lang, number=number, title=tx(m.title, lang)),
        f"{m.chapter} {m.section}",
        tx(m.summary, lang),
        "",
        t("render.explain.text", lang, text=m.text),
        "",
        t("render.explain.where", lang, scope=tx(scope.text, lang), clause=scope.clause),
        _bureaus(m.bureaus, lang),
    ]
    if m.kind == "informational":
        lines.append(t("render.explain.service", lang))
    if m.applicant:
        lines.append("")
        lines.append(t("render.explain.applicant", lang))
        lines.extend(f"- {_cond_desc(c, lang)}" for c in m.applicant)
    if m.kind == "money":
        lines.append("")
        lines.append(t("render.explain.basic", lang))
        lines.extend(f"- {_cond_desc(c, lang)}" for c in book.chapter7.basic)
        if m.exclusions:
            lines.append(t("render.explain.exclusions", lang))
            by_id = {e.id: e for e in book.chapter7.exclusions}
            lines.extend(f"- {_cond_desc(by_id[x].condition, lang)}" for x in m.exclusions)
        for a in m.awards:
            lines.append("")
            mode = t(
                "render.explain.two_tranche" if a.payout == "two_tranche" else "render.explain.once", lang
            )
            lines.append(f"• **{tx(a.label, lang)}**：{_formula_desc(a.formula, lang)}（{mode}）")
            lines.extend(f"  - {_cond_desc(c, lang)}" for c in a.conditions)
            if a.note:
                lines.append("  ※ " + plain(tx(a.note, lang)))
        if len(m.awards) > 1:
            best = m.combine == "best"
            lines.append(t("render.explain.combine_best" if best else "render.explain.combine_sum", lang))
    for n in (*m.notes, *m.procedure):
        lines.append("※ " + plain(tx(n, lang)))
    docs = [*m.documents, *(book.chapter7.basic_documents if m.kind == "money" else [])]
    if docs:
        lines.append("")
        lines.append(t("render.documents", lang))
        lines.extend(f"- {d.en if lang == 'en' else d.zh}" for d in docs)
    lines.append("")
    lines.append("ℹ️ " + tx(book.chapter7.disclaimer, lang))
    return "\n".join(lines)


def measures_list(lang: str = "zh") -> str:
    """List all measures, one line each, with the money in short."""
    from rules.loader import latest_rulebook

    book = latest_rulebook()
    out = []
    for n, m in book.measures.items():
        zone = "60km²" if m.scope == "core60" else "225km²"
        out.append(f"{n:>2}. {tx(m.title, lang)} [{zone}] — {tx(m.summary, lang)}")
    return "\n".join(out)


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
            head = f"{STATUS_MARK[r.status]} {_title(r, lang)}{proj}"
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
