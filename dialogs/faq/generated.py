"""Four entries per measure built from the rule data: what and how much, who, documents, bureau."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dialogs.faq.entry import FaqEntry, Source
from rules.loader import LoadedRulebook
from rules.loader import normalise as squeeze
from rules.schema import AllOf, AnyOf, Condition, Measure


def _texts(conditions: Iterable[Condition]) -> Iterator[str]:
    """Yield the zh text of each condition, descending into groups that have none."""
    for cond in conditions:
        if cond.text is not None:
            yield cond.text.zh
        elif isinstance(cond, AllOf | AnyOf):
            yield from _texts(cond.of)


def _texts_en(conditions: Iterable[Condition]) -> Iterator[str]:
    """Yield the en text of each condition, descending into groups that have none."""
    for cond in conditions:
        if cond.text is not None:
            yield cond.text.en
        elif isinstance(cond, AllOf | AnyOf):
            yield from _texts_en(cond.of)


def _bureau_quote(m: Measure, flat_policy: str) -> str | None:
    """Return "责任单位：…" as the policy writes it for this measure, if it does."""
    quote = "责任单位：" + "、".join(b.zh for b in m.bureaus)
    return quote if quote in flat_policy else None


def measure_sources(book: LoadedRulebook) -> list[Source]:
    """Build four entries per measure: what and how much, who and where, documents, bureau."""
    ch7 = book.chapter7
    flat_policy = squeeze(book.policy_text)
    excl = {e.id: e.condition for e in ch7.exclusions}
    out: list[Source] = []
    for n, m in book.measures.items():
        t, te = m.title.zh, m.title.en
        scope = ch7.scopes[m.scope]
        money = m.kind == "money"
        keywords = (t, te, *m.keywords)
        body = ((m.summary.zh, 0.6), (m.text, 0.4))
        two = any(a.payout == "two_tranche" for a in m.awards)

        lines = [f"**第{n}条 {t}**", m.summary.zh + "。"]
        lines.append(f"条款内容：{m.text}")
        if money:
            lines.append("兑现方式：" + ("；".join(x.zh for x in ch7.tranche) if two else ch7.once.zh) + "。")
        lines += [f"说明：{note.zh}" for note in m.notes]
        lines += [p.zh for p in m.procedure]
        en = [f"**Measure {n} — {te}**", m.summary.en + ".", "The policy wording (Chinese) is quoted below."]
        if money:
            en.append("Payment: " + ("; ".join(x.en for x in ch7.tranche) if two else ch7.once.en) + ".")
        en += [f"Note: {note.en}" for note in m.notes]
        en += [p.en for p in m.procedure]
        what = FaqEntry(
            id=f"m{n:02d}-what",
            questions=(
                f"第{n}条 {t}：是什么、奖励多少？" if money else f"第{n}条 {t}：是什么？",
                f"{t}是什么",
                f"{t}奖励多少" if money else f"{t}怎么参与",
                f"第{n}条是什么",
                t,
                # How users name the measure's subject when the title does not (租赁 for 绿色通勤和绿色物流).
                *(f"{kw}有{'奖励' if money else '什么支持'}吗" for kw in m.keywords[:2]),
                f"What is measure {n}, {te}?",
                f"How much does {te} pay?" if money else f"What does {te} offer?",
            ),
            answer_zh="\n".join(lines),
            answer_en="\n".join(en),
            cite=tuple(m.cite),
            clause=f"第{n}条",
            measures=(n,),
        )

        who = [f"**第{n}条 {t}：谁能申请**", f"适用范围：{scope.text.zh}（{scope.clause}）。"]
        who_en = [f"**Measure {n} — {te}: who can apply**", f"Area: {scope.text.en} ({scope.clause})."]
        if m.applicant:
            who.append("申请主体：" + "；".join(_texts(m.applicant)) + "。")
            who_en.append("Applicant: " + "; ".join(_texts_en(m.applicant)) + ".")
        for a in m.awards:
            conds = list(_texts(a.conditions))
            if conds:
                who.append(f"- {a.label.zh}：" + "；".join(conds))
                who_en.append(f"- {a.label.en}: " + "; ".join(_texts_en(a.conditions)))
        if money:
            who.append(
                "另需满足七(二)2基本条件：近三年无重大行政处罚、刑事犯罪记录，未列入严重违法失信名单，未发生重大生产安全事故和突发环境事件。"
            )
            who_en.append(
                "Plus the basic conditions of 七(二)2: no major penalty or criminal record in three years, not on the serious-dishonesty list, no major safety accident or environmental emergency."
            )
        if m.exclusions:
            # Chapter 七(二)5 words each exclusion as a condition to meet ("不属于…的项目").
            texts = [tx for x in m.exclusions if (tx := excl[x].text) is not None]
            who.append("还须：" + "；".join(tx.zh for tx in texts) + "（七(二)5）。")
            who_en.append("Also: " + "; ".join(tx.en for tx in texts) + " (七(二)5).")
        who_entry = FaqEntry(
            id=f"m{n:02d}-who",
            questions=(
                f"第{n}条 {t}：谁能申请？",
                f"{t}申请条件",
                f"{t}适用范围",
                *((f"{t}的奖励谁能拿",) if money else ()),
                f"哪些企业可以申请{t}",
                f"Who can apply for measure {n}, {te}?",
                f"Where does {te} apply?",
            ),
            answer_zh="\n".join(who),
            answer_en="\n".join(who_en),
            cite=(*m.cite, *scope.cite),
            clause=f"第{n}条；{scope.clause}",
            measures=(n,),
        )

        if money:
            docs = [f"**第{n}条 {t}：要准备的材料**"]
            docs += [f"- {d.zh}" for d in (*m.documents, *ch7.basic_documents)]
            docs_en = [f"**Measure {n} — {te}: documents**"]
            docs_en += [f"- {d.en}" for d in (*m.documents, *ch7.basic_documents)]
        else:
            docs = [f"**第{n}条 {t}：怎么参与**", *(p.zh for p in m.procedure)]
            docs_en = [f"**Measure {n} — {te}: how to take part**", *(p.en for p in m.procedure)]
        docs.append(ch7.disclaimer.zh)
        docs_en.append(ch7.disclaimer.en)
        docs_entry = FaqEntry(
            id=f"m{n:02d}-docs",
            questions=(
                f"第{n}条 {t}：要准备什么材料？",
                f"{t}申请材料",
                f"{t}怎么申请",
                *((f"申请{t}奖励要交什么",) if money else ()),
                f"Documents for measure {n}, {te}",
                f"How do I apply for {te}?",
            ),
            answer_zh="\n".join(docs),
            answer_en="\n".join(docs_en),
            cite=(*ch7.disclaimer_cite, *m.cite),
            clause=f"八(一)；第{n}条",
            measures=(n,),
        )

        names = "、".join(b.zh for b in m.bureaus)
        names_en = ", ".join(b.en for b in m.bureaus)
        quote = _bureau_quote(m, flat_policy)
        bureau_entry = FaqEntry(
            id=f"m{n:02d}-bureau",
            questions=(
                f"第{n}条 {t}：找哪个部门？",
                f"{t}责任单位",
                f"{t}归哪个局管",
                *((f"{t}奖励找哪个部门",) if money else ()),
                f"Which bureau handles measure {n}, {te}?",
            ),
            answer_zh=f"第{n}条 {t} 的责任单位是**{names}**。具体申报要求、时间和材料以其发布的办事指南为准。",
            answer_en=f"Measure {n} ({te}) is run by the **{names_en}**. Its published guideline (办事指南) sets the requirements, timing and documents.",
            cite=(quote, *ch7.disclaimer_cite) if quote else (*m.cite, *ch7.disclaimer_cite),
            clause=f"第{n}条；八(一)",
            measures=(n,),
        )
        out += [Source(e, keywords, body) for e in (what, who_entry, docs_entry, bureau_entry)]
    return out
