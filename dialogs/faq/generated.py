"""Four entries per measure built from the rule data: what and how much, who, documents, bureau.

Their wording (titles, lines, the questions they are found by) is in the message catalogue,
domain ``faq`` (dialogs/locale/{zh,en}/LC_MESSAGES/faq.po); the facts come from the measure files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from dialogs.faq.entry import FaqEntry, Source
from dialogs.messages import t
from rules.loader import LoadedRulebook
from rules.loader import normalise as squeeze
from rules.schema import AllOf, AnyOf, Condition, Measure

_ZH, _EN = "zh", "en"


class _Bilingual(Protocol):
    """A text of the rule data in both languages (a Text or a Document)."""

    @property
    def zh(self) -> str:
        """The Chinese text."""

    @property
    def en(self) -> str:
        """The English text."""


def _texts(conditions: Iterable[Condition], lang: str) -> Iterator[str]:
    """Yield the text of each condition in one language, descending into groups that have none."""
    for cond in conditions:
        if cond.text is not None:
            yield _in(cond.text, lang)
        elif isinstance(cond, AllOf | AnyOf):
            yield from _texts(cond.of, lang)


def _in(text: _Bilingual, lang: str) -> str:
    """Return a text of the rule data in one language."""
    return text.en if lang == _EN else text.zh


def _bureau_quote(m: Measure, flat_policy: str) -> str | None:
    """Return "责任单位：…" as the policy writes it for this measure, if it does."""
    found = re.search("责任单位：" + re.escape("、".join(b.zh for b in m.bureaus)), flat_policy)
    return found.group(0) if found else None


def _asked(key: str, n: int, m: Measure) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the questions an entry is found by, Chinese and English (one a line in the catalogue)."""
    zh = t(key, _ZH, n=n, title=m.title.zh).split("\n")
    en = t(key, _EN, n=n, title=m.title.en).split("\n")
    return tuple(zh), tuple(en)


def _what(n: int, m: Measure, book: LoadedRulebook, lang: str) -> str:
    """Write the what-and-how-much answer of a measure in one language."""
    ch7 = book.chapter7
    semi = t("faq.sep.semicolon", lang)
    lines = [
        t("faq.title", lang, n=n, title=_in(m.title, lang)),
        t("faq.sentence", lang, text=_in(m.summary, lang)),
    ]
    # The clause is quoted whole in Chinese; an English reader is told it follows.
    lines.append(t("faq.wording", lang, text=m.text) if lang == _ZH else t("faq.wording_below", lang))
    if m.kind == "money":
        two = any(a.payout == "two_tranche" for a in m.awards)
        paid = semi.join(_in(x, lang) for x in ch7.tranche) if two else _in(ch7.once, lang)
        lines.append(t("faq.payment", lang, text=paid))
    lines += [t("faq.note", lang, text=_in(note, lang)) for note in m.notes]
    lines += [_in(p, lang) for p in m.procedure]
    return "\n".join(lines)


def _who(n: int, m: Measure, book: LoadedRulebook, lang: str) -> str:
    """Write the who-can-apply answer of a measure in one language."""
    ch7 = book.chapter7
    scope = ch7.scopes[m.scope]
    semi = t("faq.sep.semicolon", lang)
    lines = [
        t("faq.title.who", lang, n=n, title=_in(m.title, lang)),
        t("faq.area", lang, area=_in(scope.text, lang), clause=scope.clause),
    ]
    if m.applicant:
        lines.append(t("faq.applicant", lang, text=semi.join(_texts(m.applicant, lang))))
    for a in m.awards:
        conds = list(_texts(a.conditions, lang))
        if conds:
            lines.append(
                t("faq.award_conditions", lang, label=_in(a.label, lang), conditions=semi.join(conds))
            )
    if m.kind == "money":
        lines.append(t("faq.basic_conditions", lang))
    if m.exclusions:
        # Chapter 七(二)5 words each exclusion as a condition to meet ("不属于…的项目").
        excl = {e.id: e.condition for e in ch7.exclusions}
        texts = [tx for x in m.exclusions if (tx := excl[x].text) is not None]
        lines.append(t("faq.exclusions", lang, text=semi.join(_in(tx, lang) for tx in texts)))
    return "\n".join(lines)


def _docs(n: int, m: Measure, book: LoadedRulebook, lang: str) -> str:
    """Write the documents (or, for a service, how-to-take-part) answer of a measure in one language."""
    ch7 = book.chapter7
    if m.kind == "money":
        lines = [t("faq.title.docs", lang, n=n, title=_in(m.title, lang))]
        lines += [f"- {_in(d, lang)}" for d in (*m.documents, *ch7.basic_documents)]
    else:
        lines = [
            t("faq.title.take_part", lang, n=n, title=_in(m.title, lang)),
            *(_in(p, lang) for p in m.procedure),
        ]
    lines.append(_in(ch7.disclaimer, lang))
    return "\n".join(lines)


def measure_sources(book: LoadedRulebook) -> list[Source]:
    """Build four entries per measure: what and how much, who and where, documents, bureau."""
    ch7 = book.chapter7
    flat_policy = squeeze(book.policy_text)
    out: list[Source] = []
    for n, m in book.measures.items():
        money = m.kind == "money"
        service = "" if money else "_service"
        keywords = (m.title.zh, m.title.en, *m.keywords)
        body = ((m.summary.zh, 0.6), (m.text, 0.4))
        clause = t("faq.clause", _ZH, n=n)

        zh, en = _asked("faq.ask.what" + service, n, m)
        # How users name the measure's subject when the title does not (租赁 for 绿色通勤和绿色物流).
        by_keyword = tuple(t("faq.ask.keyword" + service, _ZH, keyword=kw) for kw in m.keywords[:2])
        what = FaqEntry(
            id=f"m{n:02d}-what",
            questions=(*zh, *by_keyword, *en),
            answer_zh=_what(n, m, book, _ZH),
            answer_en=_what(n, m, book, _EN),
            cite=tuple(m.cite),
            clause=clause,
            measures=(n,),
        )
        scope = ch7.scopes[m.scope]
        zh, en = _asked("faq.ask.who" + service, n, m)
        who = FaqEntry(
            id=f"m{n:02d}-who",
            questions=(*zh, *en),
            answer_zh=_who(n, m, book, _ZH),
            answer_en=_who(n, m, book, _EN),
            cite=(*m.cite, *scope.cite),
            clause=f"{clause}；{scope.clause}",
            measures=(n,),
        )
        zh, en = _asked("faq.ask.docs" + service, n, m)
        docs = FaqEntry(
            id=f"m{n:02d}-docs",
            questions=(*zh, *en),
            answer_zh=_docs(n, m, book, _ZH),
            answer_en=_docs(n, m, book, _EN),
            cite=(*ch7.disclaimer_cite, *m.cite),
            clause=f"{t('faq.clause.disclaimer', _ZH)}；{clause}",
            measures=(n,),
        )
        quote = _bureau_quote(m, flat_policy)
        zh, en = _asked("faq.ask.bureau" + service, n, m)
        bureau = FaqEntry(
            id=f"m{n:02d}-bureau",
            questions=(*zh, *en),
            answer_zh=t(
                "faq.bureau",
                _ZH,
                n=n,
                title=m.title.zh,
                names=t("faq.sep.list", _ZH).join(b.zh for b in m.bureaus),
            ),
            answer_en=t(
                "faq.bureau",
                _EN,
                n=n,
                title=m.title.en,
                names=t("faq.sep.list", _EN).join(b.en for b in m.bureaus),
            ),
            cite=(quote, *ch7.disclaimer_cite) if quote else (*m.cite, *ch7.disclaimer_cite),
            clause=f"{clause}；{t('faq.clause.disclaimer', _ZH)}",
            measures=(n,),
        )
        out += [Source(e, keywords, body) for e in (what, who, docs, bureau)]
    return out
