"""Turn a rulebook report into the texts the user reads."""

from __future__ import annotations

import re

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
    if lang == "en":
        return f"{fmt_yuan(amount)} yuan"
    if amount >= 10000 and amount % 100 == 0:
        wan = amount / 10000
        shown = f"{wan:,.2f}".rstrip("0").rstrip(".")
        return f"{shown}万元（{fmt_yuan(amount)}元）"
    return f"{fmt_yuan(amount)}元"


def literal(text: str) -> str:
    """Quote user text inside a reply so that its * and \\ are shown as typed, never read as markup."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def fact_label(ref: str, lang: str) -> str:
    """Return the short name of a fact."""
    info = load_catalog().get(ref)
    return tx(info.label, lang) if info else ref


def steps_text(row: MeasureResult, lang: str) -> str:
    """Name the steps still to take for a row's pending award, with their clauses."""
    sep = "；" if lang != "en" else "; "
    return sep.join(f"{tx(u.step, lang)}（{u.clause}）" if u.clause else tx(u.step, lang) for u in row.unlock)


def pending_text(row: MeasureResult, lang: str) -> str:
    """Say what a row will be worth once its pending steps are taken, and which steps (convention 11)."""
    if row.pending_yuan is None:
        return ""
    steps = steps_text(row, lang)
    if lang == "en":
        return (
            f"{money(row.pending_yuan, lang)} once this is done: {steps}"
            if steps
            else money(row.pending_yuan, lang)
        )
    return (
        f"完成后可得{money(row.pending_yuan, lang)}，待完成：{steps}"
        if steps
        else f"完成后可得{money(row.pending_yuan, lang)}"
    )


def after_pending_line(report: Report, lang: str) -> str:
    """Say the total once every pending step is taken, when it is more than the total payable now."""
    if report.total_after_pending_yuan <= report.total_yuan:
        return ""
    if lang == "en":
        return f"After the pending steps: {money(report.total_after_pending_yuan, lang)} in all"
    return f"完成待办步骤后合计：{money(report.total_after_pending_yuan, lang)}"


def _title(row: MeasureResult, lang: str) -> str:
    prefix = f"第{row.number}条" if lang != "en" else f"Measure {row.number}"
    return f"{prefix} {tx(row.title, lang)}"


def _payout_short(row: MeasureResult, lang: str) -> str:
    award = next((a for a in row.awards if a.id == row.chosen_award), None)
    if award is None:
        award = next((a for a in row.awards if a.status == "eligible"), None)
    if award is None:
        return ""
    if award.payout_mode == "two_tranche":
        return "分两批兑现" if lang != "en" else "paid in two tranches"
    return "事后一次性兑现" if lang != "en" else "paid once afterwards"


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
    en = lang == "en"
    if not report.in_force:
        return tx(report.message, lang)
    lines = [
        "**Your result**" if en else "**测评结果**",
        (
            f"Under {report.doc_no}, as of {report.on.isoformat()}"
            if en
            else f"依据{report.doc_no}，评估日 {report.on.isoformat()}"
        ),
        "",
    ]
    rows = summary_rows(report)
    if not rows:
        lines.append(
            "No measure matched what you described yet." if en else "根据目前的回答，还没有对应的措施。"
        )
    for r in rows:
        head = f"{STATUS_MARK[r.status]} **{_title(r, lang)}**"
        if r.project_name:
            name = literal(r.project_name)
            head += f"（{name}）" if not en else f" ({name})"
        if r.status == "eligible":
            detail = money(r.amount_yuan, lang)
            if not r.counted and r.alternative_to == r.number:
                detail += (
                    " — paid once per enterprise: counted in another entry"
                    if en
                    else " — 每家企业只奖励一次，已在另一项填写中计入"
                )
            elif not r.counted and r.alternative_to is not None:
                detail += (
                    f" — same project as measure {r.alternative_to}: the larger award counts, not both"
                    if en
                    else f" — 与第{r.alternative_to}条为同一项目，从优不重复，不重复计算"
                )
            else:
                detail += f"，{_payout_short(r, lang)}" if not en else f", {_payout_short(r, lang)}"
            if r.missing:
                detail += " (could be more)" if en else "（可能更多）"
            if r.pending_yuan is not None:
                detail += ("; " if en else "；") + pending_text(r, lang)
        elif r.status == "pending":
            detail = ("pending: " if en else "待办：") + pending_text(r, lang)
        elif r.status == "needs_info":
            bound = money(r.upper_bound_yuan, lang) if r.upper_bound_yuan is not None else None
            missing = (
                "、".join(fact_label(m, lang) for m in r.missing[:3])
                if not en
                else ", ".join(fact_label(m, lang) for m in r.missing[:3])
            )
            if en:
                detail = (f"up to {bound}; " if bound else "") + (
                    f"still needed: {missing}" if missing else ""
                )
            else:
                detail = (f"最高{bound}；" if bound else "") + (f"还需：{missing}" if missing else "")
        else:
            reason = tx(r.reasons[0], lang) if r.reasons else ""
            detail = (
                (f"not eligible: {reason}" if en else f"不符合：{reason}")
                if reason
                else ("not eligible" if en else "不符合")
            )
            if r.near_miss:
                detail += (" — would qualify: " if en else " — 如要符合：") + tx(r.near_miss[0], lang)
        lines.append(f"{head}\n    {detail}")
    lines.append("")
    rest = untouched_count(report, rows)
    lines.append(
        f"**Total payable together: {money(report.total_yuan, lang)}**"
        if en
        else f"**可同时获得合计：{money(report.total_yuan, lang)}**（已按“从优不重复”去重）"
    )
    if line := after_pending_line(report, lang):
        lines.append(line)
    pending = [r for r in rows if r.status == "needs_info"]
    if pending:
        extra = report.pending_upper_yuan
        if en:
            lines.append(
                f"Still open: {len(pending)} measure(s)"
                + (f", up to {money(extra, lang)} more" if extra else "")
            )
        else:
            lines.append(
                f"待确认：{len(pending)}条" + (f"，最多还可能增加{money(extra, lang)}" if extra else "")
            )
    if rest:
        lines.append(
            f"The other {rest} measures do not concern what you told us."
            if en
            else f"其余{rest}条与您填写的情况无关。"
        )
    two = any(
        a.payout_mode == "two_tranche" and a.status == "eligible" for r in rows if r.counted for a in r.awards
    )
    if two:
        lines.append(
            "Engineering/retrofit projects are paid in two tranches: 50% after the project starts, 50% after completion once payments reach 90% of the investment; other awards are paid once afterwards."
            if en
            else "兑现时间：工程类、改造类项目分两批——开工后兑现50%，完工且含税实际支付达含税总投资90%（含）以上后兑现其余50%；其他奖励事后一次性兑现。"
        )
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
    en = lang == "en"
    if award.payout_mode == "two_tranche" and len(award.payout) == 2:
        first, second = (money(p.amount_yuan, lang) for p in award.payout)
        return (
            f"paid in two tranches: {first} once started, {second} after completion"
            if en
            else f"分两批兑现：开工后{first}，完工后{second}"
        )
    return "paid once, afterwards" if en else "事后一次性兑现"


def _detail_rows(report: Report, number: int, project_id: str | None) -> MeasureResult | None:
    """Return the row a detail is about: the project's, else the first with a project."""
    rows = [r for r in report.rows(number) if project_id is None or r.project_id == project_id]
    if not rows:
        return None
    return next((x for x in rows if not x.no_project), rows[0])


_VERDICT = {
    "eligible": ("符合", "Eligible"),
    "pending": ("待办", "Pending"),
    "needs_info": ("还需信息", "Needs more information"),
    "ineligible": ("不符合", "Not eligible"),
    "informational": ("服务措施（无资金）", "Service measure (no money)"),
}


def detail_first(report: Report, number: int, lang: str, project_id: str | None = None) -> str:
    """Write the first screen of a measure: verdict, amount, calculation, the path that applies, its text."""
    en = lang == "en"
    r = _detail_rows(report, number, project_id)
    if r is None:
        return f"Measure {number} does not exist." if en else f"没有第{number}条。"
    verdict = _VERDICT.get(r.status, (r.status, r.status))[1 if en else 0]
    head = f"{STATUS_MARK.get(r.status, '•')} **{_title(r, lang)}**"
    if r.project_name and not r.no_project:
        name = literal(r.project_name)
        head += f" ({name})" if en else f"（{name}）"
    lines = [head]
    paths = applied_awards(r)
    if r.status == "eligible":
        amount = money(r.amount_yuan, lang)
        head = f"**{verdict}: {amount}**" if en else f"**{verdict}：{amount}**"
        if paths and all(a.payout_mode != "two_tranche" for a in paths):
            head += (", " if en else "，") + _payout_line(paths[0], lang)
        lines.append(head)
        if not r.counted and r.alternative_to == r.number:
            lines.append(
                "Paid once per enterprise: this award is counted in another entry, not twice."
                if en
                else "每家企业只奖励一次：本项奖励已在另一项填写中计入，不重复计算。"
            )
        elif not r.counted and r.alternative_to is not None:
            lines.append(
                f"Same project as measure {r.alternative_to}: only the larger award is paid (从优不重复)."
                if en
                else f"与第{r.alternative_to}条为同一项目：按“从优不重复”只取较高者，本条不计入合计。"
            )
        if r.pending_yuan is not None:
            lines.append(pending_text(r, lang))
    elif r.status == "pending":
        # Convention 11: nothing payable yet, the amount once a step is taken, the step and its clause.
        lines.append(
            f"**{verdict}: {pending_text(r, lang)}**" if en else f"**{verdict}：{pending_text(r, lang)}**"
        )
    elif r.status == "needs_info":
        bound = f"up to {money(r.upper_bound_yuan, lang)}" if en else f"最高{money(r.upper_bound_yuan, lang)}"
        lines.append(f"**{verdict}**" + (f" · {bound}" if r.upper_bound_yuan is not None else ""))
    else:
        lines.append(f"**{verdict}**")
    if r.status in ("eligible", "pending", "needs_info"):
        sep = "; " if en else "；"
        for a in paths[: 3 if r.status == "eligible" else 1]:
            lines.append(("Path: " if en else "适用情形：") + tx(a.label, lang))
            if a.formula is not None:
                lines.append(("Calculation: " if en else "计算：") + tx(a.formula, lang))
            if a.status == "eligible" and a.payout_mode == "two_tranche":
                lines.append(_payout_line(a, lang).capitalize() if en else _payout_line(a, lang))
        if r.missing:
            shown = sep.join(fact_label(m, lang) for m in r.missing[:3])
            if r.status == "eligible":
                lines.append(("Could be more; still open: " if en else "可能更多，还需了解：") + shown)
            else:
                lines.append(("Still needed: " if en else "还需了解：") + shown)
    elif r.status == "ineligible":
        if r.reasons:
            lines.append(("Condition not met: " if en else "未满足条件：") + tx(r.reasons[0], lang))
        if r.near_miss:
            lines.append(("Would qualify if: " if en else "如要符合：") + tx(r.near_miss[0], lang))
    else:
        lines.append(tx(r.summary, lang))
    quotes = applied_quotes(r)
    if quotes:
        lines.append(("Policy text: " if en else "原文：") + "「" + "」「".join(quotes) + "」")
    lines.append("ℹ️ " + tx(report.disclaimer, lang))
    return "\n".join(lines)


def _aside(text: str, lang: str) -> str:
    """Put a remark in brackets of the reader's script."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def detail_more(
    report: Report, number: int, lang: str, project_id: str | None = None, profile: Profile | None = None
) -> str:
    """Write the rest of a measure: conditions, the other paths, notes, documents and bureau."""
    en = lang == "en"
    r = _detail_rows(report, number, project_id)
    if r is None:
        return f"Measure {number} does not exist." if en else f"没有第{number}条。"
    lines = [f"**{_title(r, lang)}**" + (" — conditions and documents" if en else " — 条件与材料")]
    applied = {a.id for a in applied_awards(r)}
    if r.gates:
        lines.append("")
        lines.append("**Conditions**" if en else "**条件**")
        for g in r.gates:
            extra = _aside(tx(g.detail, lang), lang) if g.detail else ""
            lines.append(f"{MARK.get(g.outcome, '?')} {tx(g.text, lang)}{extra} [{g.clause}]")
            if g.note is not None:
                lines.append("    ※ " + plain(tx(g.note, lang)))
    ordered = sorted(r.awards, key=lambda a: a.id not in applied)
    for a in ordered:
        lines.append("")
        mark = " ← " + ("applies" if en else "适用") if a.id in applied and len(r.awards) > 1 else ""
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
            colon = ": " if en else "："
            lines.extend(f"  💰 {tx(p.when, lang)}{colon}{money(p.amount_yuan, lang)}" for p in a.payout)
        elif a.status == "pending":
            later = "once the steps are taken, " if en else "完成待办步骤后，"
            colon = ": " if en else "："
            lines.extend(
                f"  💰 {later}{tx(p.when, lang)}{colon}{money(p.amount_yuan, lang)}" for p in a.payout
            )
        elif a.formula is not None and a.id not in applied and a.status != "ineligible":
            lines.append(("  Calculation: " if en else "  计算：") + tx(a.formula, lang))
        if a.note:
            lines.append("  ※ " + plain(tx(a.note, lang)))
    if r.near_miss and r.status != "ineligible":
        lines.append(
            ("Would qualify if: " if en else "差一点：") + "；".join(tx(n, lang) for n in r.near_miss)
        )
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
        lines.append("**Documents to prepare**" if en else "**需准备的材料**")
        lines.extend(f"- {d.en if en else d.zh}" for d in docs)
    lines.append("")
    lines.append(
        ("Responsible bureau: " if en else "责任单位：")
        + ((", " if en else "、").join(tx(b, lang) for b in r.bureaus))
    )
    others = [q for q in r.cite if q not in applied_quotes(r)]
    if others:
        lines.append(
            ("Rest of the policy text: " if en else "本条其他原文：") + "「" + "」「".join(others) + "」"
        )
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
    en = lang == "en"
    row = _detail_rows(report, number, project_id)
    if more:
        text = detail_more(report, number, lang, project_id, profile)
    else:
        text = detail_first(report, number, lang, project_id)
    if row is None:
        return [TextReply(text=text)]
    back = Choice(id=Command("summary").pack(), label="⬅️ Back to the result" if en else "⬅️ 返回结果")
    key = Detail(row.number, row.project_id or "", more=True).pack()
    more_choice = Choice(id=key, label="📋 Conditions and documents" if en else "📋 条件与材料")
    if not buttons:
        if not more:
            text += "\n" + (
                f"Conditions and documents: /detail {row.number} all"
                if en
                else f"条件与材料：发送 /detail {row.number} 全部"
            )
        return [TextReply(text=text)]
    choices = [back] if more else [more_choice, back]
    return [QuestionReply(text=text, choices=choices, columns=1)]


def _formula_desc(formula: object, lang: str) -> str:
    from rules import schema as s

    en = lang == "en"

    def lab(ref: str) -> str:
        return fact_label(ref, lang)

    def qty(q: object) -> str:
        if isinstance(q, s.MinOf):
            return "min(" + ", ".join(lab(r) for r in q.min) + ")"
        return lab(str(q))

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
        return "; ".join(parts) if en else "；".join(parts)
    if isinstance(formula, s.Share):
        out = f"{lab(formula.base)} × {formula.rate * 100:g}%"
        if formula.cap:
            out += (
                f", cap {money(int(formula.cap), lang)}" if en else f"，上限{money(int(formula.cap), lang)}"
            )
        if formula.bonus:
            out += (
                f", plus {money(int(formula.bonus.amount), lang)} if {tx(formula.bonus.when.text, lang)}"
                if en
                else f"，{tx(formula.bonus.when.text, lang)}再加{money(int(formula.bonus.amount), lang)}"
            )
        return out
    if isinstance(formula, s.PerUnit):
        out = f"{qty(formula.quantity)} × {formula.rate:g} {'yuan' if en else '元'}/{tx(formula.unit, lang)}"
        if formula.cap:
            out += (
                f", cap {money(int(formula.cap), lang)}" if en else f"，上限{money(int(formula.cap), lang)}"
            )
        return out
    if isinstance(formula, s.Match):
        out = f"{lab(formula.base)} × {formula.ratio:g}"
        if formula.unit_cap:
            out += (
                f", ≤ {formula.unit_cap.rate:g} yuan/{tx(formula.unit_cap.unit, lang)}"
                if en
                else f"，≤{formula.unit_cap.rate:g}元/{tx(formula.unit_cap.unit, lang)}"
            )
        if formula.cap:
            out += (
                f", cap {money(int(formula.cap), lang)}" if en else f"，上限{money(int(formula.cap), lang)}"
            )
        if formula.combined_cap:
            out += (
                f", both levels ≤ {formula.combined_cap.share * 100:g}% of {lab(formula.combined_cap.of)}"
                if en
                else f"，市区两级合计≤{lab(formula.combined_cap.of)}的{formula.combined_cap.share * 100:g}%"
            )
        return out
    if isinstance(formula, s.TopUp):
        out = f"{lab(formula.price)} × {formula.rate * 100:g}% × {qty(formula.quantity)}"
        if formula.minus:
            out += f" − {lab(formula.minus)}" + (" (not below 0)" if en else "（不低于0）")
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
    from rules.engine import _auto_text
    from rules.schema import AllOf, AnyOf, FactCondition, RatioCondition

    assert isinstance(cond, FactCondition | RatioCondition | AllOf | AnyOf)
    text = tx(_auto_text(cond), lang)
    out = f"{text} [{cond.clause}]" if cond.clause else text
    if cond.pending is not None:
        out += (
            f" (not yet: pending until — {tx(cond.pending.step, lang)})"
            if lang == "en"
            else f"（尚未做到时为“待办”，待：{tx(cond.pending.step, lang)}）"
        )
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
    en = lang == "en"
    m = book.measures.get(number)
    if m is None:
        return (
            f"There is no measure {number} (1–{len(book.measures)})."
            if en
            else f"没有第{number}条（共{len(book.measures)}条）。"
        )
    scope = book.chapter7.scopes[m.scope]
    lines = [
        (f"**Measure {number} {tx(m.title, lang)}**" if en else f"**第{number}条 {tx(m.title, lang)}**"),
        f"{m.chapter} {m.section}",
        tx(m.summary, lang),
        "",
        ("Policy text: " if en else "原文：") + m.text,
        "",
        ("Where: " if en else "适用范围：") + f"{tx(scope.text, lang)} [{scope.clause}]",
        ("Responsible bureau: " if en else "责任单位：")
        + (", " if en else "、").join(tx(b, lang) for b in m.bureaus),
    ]
    if m.kind == "informational":
        lines.append("This is a service measure with no money." if en else "本条为服务措施，没有资金奖励。")
    if m.applicant:
        lines.append("")
        lines.append("**Who may apply**" if en else "**申报主体**")
        lines.extend(f"- {_cond_desc(c, lang)}" for c in m.applicant)
    if m.kind == "money":
        lines.append("")
        lines.append("**Basic conditions** (七(二)2)" if en else "**基本条件**（七(二)2）")
        lines.extend(f"- {_cond_desc(c, lang)}" for c in book.chapter7.basic)
        if m.exclusions:
            lines.append("**Not supported** (七(二)5)" if en else "**不列入支持范围的情形**（七(二)5）")
            by_id = {e.id: e for e in book.chapter7.exclusions}
            lines.extend(f"- {_cond_desc(by_id[x].condition, lang)}" for x in m.exclusions)
        for a in m.awards:
            lines.append("")
            mode = (
                ("two tranches" if en else "分两批兑现")
                if a.payout == "two_tranche"
                else ("once, afterwards" if en else "事后一次性兑现")
            )
            lines.append(f"• **{tx(a.label, lang)}**：{_formula_desc(a.formula, lang)}（{mode}）")
            lines.extend(f"  - {_cond_desc(c, lang)}" for c in a.conditions)
            if a.note:
                lines.append("  ※ " + plain(tx(a.note, lang)))
        if len(m.awards) > 1:
            lines.append(
                ("Paths combine: " if en else "多种情形：")
                + (
                    ("the largest applies" if en else "从优取最高")
                    if m.combine == "best"
                    else ("added up" if en else "分别计算、相加")
                )
            )
    for n in (*m.notes, *m.procedure):
        lines.append("※ " + plain(tx(n, lang)))
    docs = [*m.documents, *(book.chapter7.basic_documents if m.kind == "money" else [])]
    if docs:
        lines.append("")
        lines.append("**Documents to prepare**" if en else "**需准备的材料**")
        lines.extend(f"- {d.en if en else d.zh}" for d in docs)
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
    en = lang == "en"
    if not report.in_force:
        return tx(report.message, lang)
    lines = [f"{report.doc_no} — {'as of' if en else '评估日'} {report.on.isoformat()}", ""]
    groups = [
        ("eligible", "Eligible" if en else "符合"),
        ("pending", "Pending: payable once a step is taken" if en else "待办：完成步骤后可得"),
        ("needs_info", "Needs more information" if en else "还需信息"),
        ("ineligible", "Not eligible" if en else "不符合"),
    ]
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
                    head += (
                        f" (not counted: 从优不重复 with measure {r.alternative_to})"
                        if en
                        else f"（不计入：与第{r.alternative_to}条从优不重复）"
                    )
            elif status == "pending":
                head += (": " if en else "：") + money(r.pending_yuan, lang)
            if status != "ineligible" and r.unlock:
                head += ("\n    steps still to take: " if en else "\n    待完成：") + steps_text(r, lang)
            if status == "eligible" and r.pending_yuan is not None:
                head += ("\n    after the pending steps: " if en else "\n    完成待办步骤后：") + money(
                    r.pending_yuan, lang
                )
            elif status == "needs_info":
                head += (
                    (
                        f": up to {money(r.upper_bound_yuan, lang)}"
                        if en
                        else f"：最高{money(r.upper_bound_yuan, lang)}"
                    )
                    if r.upper_bound_yuan is not None
                    else (": no upper limit known" if en else "：暂无法确定上限")
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
                lines.append(
                    ("    missing: " if en else "    缺少：")
                    + ", ".join(fact_label(x, lang) for x in r.missing)
                )
            for reason in r.reasons:
                lines.append(("    because: " if en else "    原因：") + tx(reason, lang))
            for hint in r.near_miss:
                lines.append(("    would qualify: " if en else "    如要符合：") + tx(hint, lang))
            for note in r.condition_notes:
                lines.append("    ※ " + tx(note, lang))
        lines.append("")
    uncovered = [r for r in report.measures if r.no_project and r.status != "ineligible"]
    blocked = [r for r in report.measures if r.no_project and r.status == "ineligible"]
    if uncovered:
        lines.append(
            ("Not described (no project given): " if en else "未涉及（没有填写对应项目）：")
            + ", ".join(str(r.number) for r in uncovered)
        )
    if blocked:
        lines.append(
            ("Ruled out for the enterprise: " if en else "企业条件不符：")
            + ", ".join(str(r.number) for r in blocked)
            + (f" ({tx(blocked[0].reasons[0], lang)})" if blocked[0].reasons else "")
        )
    info = [r.number for r in report.measures if r.status == "informational"]
    lines.append(
        ("Service measures (no money): " if en else "服务措施（无资金）：") + ", ".join(map(str, info))
    )
    lines.append("")
    lines.append(("Total payable together: " if en else "可同时获得合计：") + money(report.total_yuan, lang))
    if line := after_pending_line(report, lang):
        lines.append(line)
    if report.missing:
        lines.append("Most valuable open facts:" if en else "最值得补充的信息：")
        for mf in report.missing[:8]:
            stake = (
                money(mf.stake_yuan, lang)
                if mf.stake_yuan is not None
                else ("open-ended" if en else "上不封顶")
            )
            where = f" [{mf.project_id}]" if mf.project_id else ""
            lines.append(
                f"  - {fact_label(mf.ref, lang)}{where}: {stake} ({', '.join(map(str, mf.measures))})"
            )
    lines.append("")
    lines.append(tx(report.disclaimer, lang))
    return "\n".join(lines)
