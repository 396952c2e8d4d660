"""A measure explained from its rule data, before any answer (``etownbot explain``, ``etownbot measures``)."""

from __future__ import annotations

from dialogs.messages import t
from dialogs.render.words import (
    bureaus_line,
    fact_label,
    money,
    plain,
    tx,
)
from rules.loader import load_catalog
from rules.schema import Text


def _formula_desc(formula: object, lang: str) -> str:
    """Describe a formula of the rule data in words."""
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
    """Return the name of one option of a choice fact."""
    info = load_catalog().get(ref)
    if info and info.options and value in info.options:
        return tx(info.options[value], lang)
    return value


def _cond_desc(cond: object, lang: str) -> str:
    """Describe a condition of the rule data with its clause, pending step and notes."""
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
    """Return the notes of a condition and of the conditions inside it."""
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
        bureaus_line(m.bureaus, lang),
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
