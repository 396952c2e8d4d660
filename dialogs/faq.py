"""Questions and answers about 京技管发〔2025〕11号: entries from the rule data and faq.yaml, fuzzy matching."""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

from dialogs.parse.fold import fold
from rules.loader import LoadedRulebook, latest_rulebook
from rules.loader import normalise as squeeze
from rules.schema import AllOf, AnyOf, Condition, Measure, Text

FAQ_PATH = Path(__file__).parent / "data" / "faq.yaml"


# ---------------------------------------------------------------- public types


@dataclass(frozen=True)
class FaqEntry:
    """One question with its answer and the policy passages it rests on."""

    id: str
    questions: tuple[str, ...]
    answer_zh: str
    answer_en: str
    cite: tuple[str, ...]
    clause: str
    measures: tuple[int, ...]
    # False for "this policy does not cover it, ask …" entries (税收优惠, 人才补贴, 充电桩…).
    covered: bool = True


@dataclass(frozen=True)
class FaqMatch:
    """What a question led to: a confident answer, up to three suggestions, or nothing.

    For a question in several parts ("光伏补多少？要什么材料？另外储能有补贴吗"), ``entry``
    answers the first part answered outright, ``others`` holds the confident answers to the
    other parts (to show or offer as buttons), and ``suggestions`` (with outcome "answer")
    the entries a part that could not be answered outright may be about.
    """

    outcome: Literal["answer", "suggest", "unknown"]
    entry: FaqEntry | None
    suggestions: tuple[FaqEntry, ...]
    score: float
    others: tuple[FaqEntry, ...] = ()


class FaqDataError(Exception):
    """faq.yaml or a generated entry is malformed; the message names the file and the entry."""

    def __init__(self, path: Path | str, entry: str | None, message: str) -> None:
        where = str(path) if entry is None else f"{path}: entry {entry!r}"
        super().__init__(f"{where}: {message}")


# ---------------------------------------------------------------- faq.yaml


class _EntryData(BaseModel):
    """The shape of one entry of faq.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    questions: list[str] = Field(min_length=2)
    answer: Text
    # Quotes from the policy; an entry saying the policy does not cover a topic may have none.
    cite: list[str] = []
    clause: str = Field(min_length=1)
    measures: list[int] = []
    keywords: list[str] = []
    covered: bool = True

    @model_validator(mode="after")
    def _cited(self) -> _EntryData:
        """Require a quote for every answer about what the policy says."""
        if self.covered and not self.cite:
            raise ValueError("cite: an answer about the policy needs at least one quote")
        return self

    @field_validator("keywords", mode="before")
    @classmethod
    def _numbers_as_words(cls, value: object) -> object:
        """Read a bare 2023 in YAML as the keyword "2023", as staff mean it."""
        if isinstance(value, list):
            return [str(v) if isinstance(v, int | float) else v for v in value]
        return value

    @field_validator("questions", "cite", "keywords")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        """Reject empty strings, which would match everything or quote nothing."""
        if any(not v.strip() for v in value):
            raise ValueError("contains an empty string")
        return value


_GENERATED_ID = re.compile(r"^m\d{2}-")
# Markup the channel understands is **bold** only; anything resembling other markup is a mistake.
_OTHER_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z]|\]\(|`|__|^#+\s", re.MULTILINE)


def _check_markup(text: str) -> str | None:
    """Return what is wrong with an answer's markup, or None."""
    if text.count("**") % 2:
        return "unbalanced ** (bold markers must come in pairs)"
    if _OTHER_MARKUP.search(text):
        return "only **bold** markup is allowed (found HTML, a link, code or a heading)"
    return None


@dataclass(frozen=True)
class _Source:
    """An entry with the extra text the matcher uses: keywords and a topic body."""

    entry: FaqEntry
    keywords: tuple[str, ...]
    body: tuple[tuple[str, float], ...]


def _read_yaml(path: Path) -> list[object]:
    """Read faq.yaml as a list of raw entries; a missing or malformed file names itself."""
    try:
        raw = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except FileNotFoundError as exc:
        raise FaqDataError(path, None, "file not found") from exc
    except yaml.YAMLError as exc:
        raise FaqDataError(path, None, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, list):
        raise FaqDataError(path, None, "expected a list of entries")
    return raw


def _load_yaml_entries(path: Path, policy: str, measure_numbers: set[int]) -> list[_Source]:
    """Read and check faq.yaml; any problem names the file and the entry."""
    return _check_entries(_read_yaml(path), path, policy, measure_numbers)


def _check_entries(
    raw: Sequence[object], where: Path | str, policy: str, measure_numbers: set[int]
) -> list[_Source]:
    """Validate entries in faq.yaml's shape; any problem names ``where`` and the entry."""
    flat_policy = squeeze(policy)
    out: list[_Source] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, 1):
        name = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{i}"
        try:
            data = _EntryData.model_validate(item)
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise FaqDataError(where, name, detail) from exc
        if data.id in seen:
            raise FaqDataError(where, name, "id used twice")
        if _GENERATED_ID.match(data.id):
            raise FaqDataError(
                where, name, "ids like m27-... are reserved for entries generated from the measures"
            )
        seen.add(data.id)
        for lang, text in (("zh", data.answer.zh), ("en", data.answer.en)):
            if problem := _check_markup(text):
                raise FaqDataError(where, name, f"answer.{lang}: {problem}")
        for quote in data.cite:
            if squeeze(quote) not in flat_policy:
                raise FaqDataError(where, name, f"cite not found in the policy text: {quote!r}")
        if unknown := sorted(set(data.measures) - measure_numbers):
            raise FaqDataError(where, name, f"measures: no such measure(s) {unknown}")
        entry = FaqEntry(
            id=data.id,
            questions=tuple(q.strip() for q in data.questions),
            answer_zh=data.answer.zh.strip(),
            answer_en=data.answer.en.strip(),
            cite=tuple(data.cite),
            clause=data.clause,
            measures=tuple(data.measures),
            covered=data.covered,
        )
        out.append(_Source(entry, tuple(data.keywords), ()))
    return out


# ---------------------------------------------------------------- entries generated from the measures


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


def _measure_sources(book: LoadedRulebook) -> list[_Source]:
    """Build four entries per measure: what and how much, who and where, documents, bureau."""
    ch7 = book.chapter7
    flat_policy = squeeze(book.policy_text)
    excl = {e.id: e.condition for e in ch7.exclusions}
    out: list[_Source] = []
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
        out += [_Source(e, keywords, body) for e in (what, who_entry, docs_entry, bureau_entry)]
    return out


# ---------------------------------------------------------------- normalisation

# Surface form -> canonical form. Applied to stored questions and to user questions alike, so
# only the grouping matters. Longest forms win (光伏发电 before 光伏).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    # topics
    "光伏": (
        "光伏发电",
        "光伏板",
        "屋顶光伏",
        "光伏电站",
        "光伏项目",
        "太阳能板",
        "太阳能",
        "solar",
        "pv",
        "photovoltaic",
        "photovoltaics",
    ),
    "新能源车": (
        "新能源汽车",
        "新能源车辆",
        "电动汽车",
        "电动车",
        "纯电动车",
        "纯电动",
        "纯电车",
        "电车",
        "纯电",
        "ev",
        "evs",
        "electric vehicle",
        "electric vehicles",
    ),
    "绿电": ("绿色电力", "绿电交易", "绿色电力交易", "green electricity", "green power"),
    "非道路机械": ("非道路移动机械", "工程机械", "施工机械", "non-road machinery", "machinery", "machine"),
    "装载机": ("铲车", "loader"),
    "挖掘机": ("挖机", "勾机", "excavator"),
    "叉车": ("forklift",),
    "起重机": ("吊车", "crane"),
    "锅炉": ("boiler",),
    "碳中和": ("零碳", "净零", "carbon neutral", "carbon neutrality", "net zero", "net-zero"),
    "绿地": ("公共绿地", "花园", "绿化", "garden", "green space"),
    "超低能耗": ("被动房", "近零能耗", "passive house"),
    "绿色建筑": ("绿建", "green building"),
    "碳足迹": ("carbon footprint",),
    "挥发性有机物": ("vocs", "voc"),
    "人工智能": ("ai", "artificial intelligence"),
    "数据中心": ("idc", "机房", "data center", "data centre", "datacenter"),
    "节能审查": ("能评", "节能审查意见", "energy review"),
    "燃油车": ("油车", "燃油燃气车", "fuel vehicle"),
    "车辆": ("vehicle", "truck", "van", "bus"),
    "报废": ("scrap", "scrapped", "scrapping"),
    "购置": ("购买", "buy", "bought", "purchase", "purchased"),
    "事故": ("accident",),
    "处罚": ("罚款", "罚过款", "被罚", "受过处罚", "penalty", "fine", "fined"),
    "不予支持": (
        "exclude",
        "excluded",
        "exclusion",
        "ruled out",
        "not eligible",
        "ineligible",
        "not supported",
    ),
    "登记": ("上牌", "注册登记", "registered", "registration"),
    "提交": ("submit",),
    "经济发展局": ("经发局",),
    "生态环境建设局": ("生态局", "环保局", "环境局", "生态环境局"),
    "开发建设局": ("建设局",),
    "科技产业促进局": ("科促局",),
    # money and amounts
    "奖励": (
        "补贴",
        "补助",
        # 补 / 奖 used as verbs ("能补吗", "奖不奖"); never a prefix of 补贴 / 奖励 themselves
        "补不补",
        "奖不奖",
        "能补吗",
        "给补吗",
        "补吗",
        "奖吗",
        "补钱",
        "奖钱",
        "资金",
        "奖金",
        "资助",
        "扶持",
        "支持",
        "钱",
        "subsidy",
        "grant",
        "award",
        "reward",
        "funding",
        "money",
        "incentive",
    ),
    "奖励多少": (
        "奖励标准",
        "补贴标准",
        "支持标准",
        "补助标准",
        "怎么补贴",
        "怎么奖励",
        "如何补贴",
        "怎么补",
    ),
    "多少": ("多少钱", "补多少", "奖多少", "给多少", "拿多少", "能拿多少", "金额", "how much"),
    # what is asked
    "申请": ("申报", "报名", "申领", "apply", "application"),
    "企业": ("公司", "我司", "单位", "company", "enterprise", "firm"),
    "材料": (
        "资料",
        "手续",
        "证明材料",
        "申报材料",
        "要交什么",
        "交什么",
        "提交什么",
        "准备什么",
        "准备啥",
        "准备哪些",
        "document",
        "paperwork",
        "material",
    ),
    "部门": (
        "哪个局",
        "什么局",
        "责任单位",
        "主管部门",
        "主责部门",
        "找谁",
        "归谁管",
        "谁负责",
        "谁管",
        "联系谁",
        "bureau",
        "department",
        "agency",
        "who runs",
        "who run",
        "who handles",
        "who handle",
        "who is responsible",
        "in charge",
    ),
    "条件": ("资格", "门槛", "要求", "eligibility", "eligible", "qualify", "condition", "requirement"),
    "范围": ("区域", "地区", "area", "zone", "scope"),
    # Asking whether a firm elsewhere can apply is asking where the policy applies.
    "外地": ("外省", "外市", "外埠", "河北", "天津", "廊坊", "外区", "其他区", "elsewhere", "another city"),
    "是什么": (
        "是啥",
        "是什么意思",
        "什么意思",
        "啥意思",
        "指什么",
        "讲什么",
        "讲的什么",
        "讲啥",
        "干嘛的",
        "干什么的",
        "what is",
    ),
    "什么时候": ("啥时候", "多久", "何时", "哪年", "哪一年", "什么时间", "when"),
    "分批": (
        "分几次",
        "分几批",
        "几笔",
        "分次",
        "先给一半",
        "先拿一半",
        "先发一半",
        "剩下的",
        "剩余的",
        "instalment",
        "installment",
        "tranche",
    ),
    "兑现": ("到账", "发放", "拨付", "发钱", "打款", "paid", "payment", "payout"),
    "施行": ("生效", "执行", "effective", "in force"),
    "平方米": ("平米", "m2", "m²", "sqm"),
    "千瓦": ("kw",),
    "怎么": ("咋", "如何", "怎样", "how"),
    "什么": ("啥",),
    "哪里": ("哪儿", "where"),
    "谁": ("who",),
    "能": ("可以", "能够", "can"),
    "能否": ("能不能", "可不可以", "可以吗", "能吗", "是否可以", "可否"),
    # kept as they are, so that a shorter form above does not split them (柴油车 is not 油车)
    "柴油车": (),
    # 材料 in 原辅材料 is a raw material, not an application document (measure 7).
    "原辅材料": ("原材料", "辅料", "原辅料"),
    # Leased vehicles (measure 20): how users say it; 房租/租金 (rent for premises) stay apart.
    "租赁": (
        "长期租赁",
        "长租",
        "租的",
        "租来的",
        "租来",
        "租用",
        "租车",
        "lease",
        "leased",
        "leasing",
        "rented",
    ),
    "租金": ("房租", "租房"),
    "50%": ("一半", "百分之五十", "五成", "半数", "half"),
    "平方公里": (),
}

# Words that carry no meaning for matching (greetings, politeness, particles, pronouns).
_FILLER_ZH = (
    "请问一下",
    "请问",
    "我想知道",
    "想知道",
    "我想问一下",
    "我想问",
    "想问一下",
    "想问",
    "我想了解",
    "想了解",
    "了解一下",
    "你好",
    "您好",
    "麻烦",
    "请教",
    "一下",
    "帮我",
    "帮忙",
    "告诉我",
    "我们",
    "咱们",
    "你们",
    "呢",
    "吗",
    "啊",
    "呀",
    "吧",
    "哈",
    "嘛",
    "哦",
    "喔",
    "嗯",
    "了",
    "的",
    "我",
    "您",
    "你",
    "这个",
    "那个",
)
_STOP_EN = frozenset(
    (
        *("a", "an", "the", "is", "are", "was", "were", "be", "do", "does", "did", "i", "we", "my", "our"),
        *("us", "me", "you", "your", "to", "of", "for", "in", "on", "at", "by", "with", "and", "or", "it"),
        *("its", "this", "that", "there", "please", "tell", "about", "any", "get", "got", "have", "has"),
        *("will", "would", "should", "could", "may", "might", "hi", "hello", "thanks", "thank"),
    )
)

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(s: str) -> int | None:
    """Read a Chinese numeral up to 99 (十二, 二十七, 四十)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        ones = _CN_DIGITS.get(tail, -1) if tail else 0
        return None if tens < 0 or ones < 0 else tens * 10 + ones
    return _CN_DIGITS.get(s) if len(s) == 1 else None


_CN = "[零一二两三四五六七八九十]{1,3}"
# "第27条", "第二十七条", "27条", "措施27", "measure 27", "m27"; not "第二批", "31号", "2023年".
_MEASURE_REF = re.compile(
    rf"第\s*(\d{{1,2}}|{_CN})\s*[条项]"
    rf"|第\s*(\d{{1,2}})(?![\d批年次季期号届天个月周名位类])"
    rf"|(?<![\d.])(\d{{1,2}})\s*条"
    rf"|措施\s*(\d{{1,2}}|{_CN})(?![\d])"
    r"|\b(?:measure|article|item|clause)\s*(?:no\.?\s*)?#?\s*(\d{1,2})\b"
    r"|(?<![\w/.每])m0?(\d{1,2})\b"
)
_MARK = "§"  # measure reference token: §27


def _measure_refs(text: str, known: int) -> tuple[str, list[int]]:
    """Replace measure references with §N tokens; return the text and the numbers."""
    found: list[int] = []

    def repl(mo: re.Match[str]) -> str:
        """Turn one reference into a token, leaving numbers that are no measure alone."""
        raw = next(g for g in mo.groups() if g)
        n = _cn_number(raw)
        if n is None or not 1 <= n <= known:
            return mo.group(0)
        found.append(n)
        return f" {_MARK}{n} "

    return _MEASURE_REF.sub(repl, text), found


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    """Compile words into one pattern that prefers the longest form at each position."""
    ordered = sorted(set(words), key=len, reverse=True)
    # Python's \b treats CJK as word characters, so "用ai做" has no boundary: look for latin ones.
    parts = [rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" if w.isascii() else re.escape(w) for w in ordered]
    return re.compile("|".join(parts))


_SYN_MAP = {form: canon for canon, forms in _SYNONYMS.items() for form in (*forms, canon)}
_SYN_RE = _alternation(_SYN_MAP)
_FILLER_RE = _alternation(_FILLER_ZH)
_PUNCT_RE = re.compile(r"[^\w§%\s]+|_")
_CJK = r"\u3400-\u9fff"
_REF_TOKEN = re.compile(r"§(\d+)")
_TOKEN_RE = re.compile(rf"§\d+|[{_CJK}]+|[a-z0-9%.]+")
_SPACE_RE = re.compile(r"\s+")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}§\d])\s+(?=[{_CJK}§])|(?<=[{_CJK}])\s+(?=[\d])")


# "两台", "5辆": a number of vehicles or machines; what matters is that a count is asked about.
_COUNT_RE = re.compile(r"(?:\d+|[一二两三四五六七八九十几]+)\s*[台辆]")
_PLURAL_RE = re.compile(r"(?<![a-z])([a-z]{2,}?)(ies|s)(?![a-z])")


def _singular(mo: re.Match[str]) -> str:
    """Fold a simple English plural (documents, subsidies) to its singular."""
    word, end = mo.group(1), mo.group(2)
    if mo.group(0) in _STOP_EN or word.endswith(("s", "u", "i")):
        return mo.group(0)
    return word + ("y" if end == "ies" else "")


def normalise(text: str, known_measures: int = 40) -> str:
    """Fold width and case, mark measure numbers, map synonyms, drop filler words and punctuation."""
    s = fold(text).lower()
    s, _ = _measure_refs(s, known_measures)
    s = _PUNCT_RE.sub(" ", s)
    s = _PLURAL_RE.sub(_singular, s)
    s = _COUNT_RE.sub(" 数量 ", s)
    s = _SYN_RE.sub(lambda mo: f" {_SYN_MAP[mo.group(0)]} ", s)
    s = _FILLER_RE.sub(" ", s)
    s = _CJK_GAP.sub("", _SPACE_RE.sub(" ", s)).strip()
    return s


# Words that say what kind of answer is wanted rather than what it is about; they count when
# comparing questions but not as topic words of an entry.
_GENERIC_WORDS = (
    "奖励多少",
    "是什么",
    "什么时候",
    "材料",
    "部门",
    "条件",
    "申请",
    "范围",
    "企业",
    "怎么",
    "能否",
    "哪里",
    "哪些",
    "什么",
    "有没有",
    "需要",
    "可以",
    "算不算",
    "多少",
    "谁",
    "能",
    "有",
    "要",
    "是",
    "吗",
)


# Question words: they shape a sentence but say little about which entry is meant.
_FUNCTION_WORDS = (
    "有哪些",
    "哪些",
    "什么",
    "怎么样",
    "怎么",
    "能否",
    "算不算",
    "需要",
    "有没有",
    "是否",
    "是什么",
)
_FUNCTION_WEIGHT = 0.3
_FUNCTION_BIGRAMS = frozenset(w[i : i + 2] for w in _FUNCTION_WORDS for i in range(len(w) - 1))


# Unigrams keep a little signal when a typo breaks both bigrams around a character.
_UNIGRAM = 0.25


def _stem(word: str) -> str:
    """Cut a common English ending so interpreting, interpretation and interpret meet."""
    for end in ("ations", "ation", "ings", "ing", "ed"):
        if word.endswith(end) and len(word) - len(end) >= 4:
            return word[: -len(end)]
    return word


def _tokens(norm: str) -> dict[str, float]:
    """Split a normalised string into weighted tokens: latin words, CJK bigrams and ~unigrams."""
    out: dict[str, float] = {}
    for tok in _TOKEN_RE.findall(norm):
        if tok.startswith(_MARK):
            continue  # measure references score through the measure bonus, not as words
        if tok.isascii():
            tok = tok.strip(".")
            if tok and tok not in _STOP_EN:
                out[_stem(tok)] = 1.0
            continue
        if len(tok) == 1:
            out[tok] = 1.0
            out.setdefault("~" + tok, _UNIGRAM)
            continue
        for i in range(len(tok) - 1):
            bigram = tok[i : i + 2]
            out[bigram] = _FUNCTION_WEIGHT if bigram in _FUNCTION_BIGRAMS else 1.0
        for ch in tok:
            out.setdefault("~" + ch, _UNIGRAM)
    return out


# ---------------------------------------------------------------- the matcher

# Score weights and outcome thresholds, tuned on tests/dialogs/faq_paraphrases.yaml.
_W_QUESTION = 0.50  # best stored question (topic and intent words together)
_W_BAG = 0.30  # the entry's keywords, title and body (topic only)
_W_FUZZ = 0.10  # character-level similarity, for typos
_FUZZ_FLOOR = 0.5  # partial_ratio below this is what any two Chinese strings share
_W_INTENT = 0.08  # a measure entry whose kind (what/who/docs/bureau) is what the user asks for
_TOPIC_FULL = 0.4  # bag share at which the intent bonus is given in full
_BETA2 = 2.0  # F-beta² of the share of the user's words found (weighted more) and of the stored words matched
_BODY_IDF_CAP = 0.6  # a word seen only in a body text counts at most like this share of the top idf
_MEASURE_BONUS = 0.30  # the question names this entry's measure (half for general entries)
_MIN_IDF = 0.3  # words in nearly every entry (奖励 after synonyms) are left out of question matching
_CANDIDATES = 24  # entries that get the character-level comparison
_MAX_CHARS = 300  # a pasted document is not a question; keep lookups bounded
_COMMON_UNIGRAM = 0.2  # drop single characters found in more than this share of entries
_ANSWER_MIN = 0.22
_ANSWER_MARGIN = 0.05
_SUGGEST_MIN = 0.16
# A keyword of at most this many subjects is rare enough that an answer not mentioning it is
# probably about something else.
_ANCHOR_SUBJECTS = 2
_ANCHOR_ENTRIES = 8
_SUBJECT_RE = re.compile(r"m\d+$|outside-")  # ... and that this few entries' questions and keywords contain
_CLOSE = 0.6  # a candidate scoring this share of the best one is a real alternative

Intent = Literal["what", "who", "docs", "bureau"]
# What a question asks about a measure, read from the normalised text; the first that matches wins.
_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("bureau", re.compile(r"部门|局")),
    ("docs", re.compile(r"(?<![原辅])材料|准备|怎么申请|怎么参与|哪里申请|申请流程|流程|提交")),
    (
        "who",
        re.compile(
            r"谁|条件|范围|算不算|哪些企业|什么企业|能否申请|能申请|能参加|能否参加|适用|符合|满足|哪里|发给|给到"
        ),
    ),
    ("what", re.compile(r"多少|奖励|是什么|什么是|比例|最高|上限|几")),
)


def _intent(norm: str) -> Intent:
    """Say what a question asks about a measure; plain topic questions ask what it is and pays."""
    for name, pattern in _INTENTS:
        if pattern.search(norm):
            return name
    return "what"


@dataclass(frozen=True)
class _Scored:
    """One entry's score with its parts, for tuning."""

    entry: int
    total: float
    question: float
    bag: float
    fuzzy: float


_normalised = functools.lru_cache(maxsize=16384)(normalise)


class Faq:
    """The knowledge base with its prepared search index."""

    def __init__(self, sources: Sequence[_Source], policy_text: str, known_measures: int) -> None:
        """Prepare normalised strings, token weights and inverted indexes."""
        self._entries = [s.entry for s in sources]
        self._by_id: dict[str, int] = {}
        for i, e in enumerate(self._entries):
            if e.id in self._by_id:
                raise FaqDataError(FAQ_PATH, e.id, "id used twice")
            self._by_id[e.id] = i
        self._policy = squeeze(policy_text)
        self._known = known_measures
        self._refs = [frozenset(e.measures) for e in self._entries]
        self._kind: list[str | None] = [
            e.id.partition("-")[2] if _GENERATED_ID.match(e.id) else None for e in self._entries
        ]
        # Memoised: a rebuild with staff entries normalises the same texts again (bot/faq_live.py).
        norm_q = [[_normalised(q, known_measures) for q in s.entry.questions] for s in sources]
        q_tokens = [[_tokens(q) for q in qs] for qs in norm_q]
        kw_tokens = [[_tokens(_normalised(k, known_measures)) for k in s.keywords] for s in sources]
        # Document frequency over what people ask (questions and keywords), not over long bodies
        # where 支持/奖励 is everywhere and would lose all weight.
        df: dict[str, int] = {}
        for qs, ks in zip(q_tokens, kw_tokens, strict=True):
            for tok in set().union(*qs, *ks):
                df[tok] = df.get(tok, 0) + 1
        n = len(sources)
        top_idf = math.log((n + 1) / 0.5)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = _BODY_IDF_CAP * top_idf
        # Topic words: what entries' keywords are made of (租赁, 挖掘), not chance pairs (车换).
        # Which subjects (a measure's four entries, or one general entry) name each keyword:
        # a keyword of one or two subjects (租赁, 挖掘机) is a rare word worth checking answers by.
        self._subject = [
            f"m{e.measures[0]}" if self._kind[i] and e.measures else e.id for i, e in enumerate(self._entries)
        ]
        self._word_subjects: dict[str, set[str]] = {}
        for i, src in enumerate(sources):
            for k in src.keywords:
                word = _normalised(k, known_measures).replace(" ", "")
                if len(word) >= 2 and not word.startswith(_MARK):
                    self._word_subjects.setdefault(word, set()).add(self._subject[i])
        asked = [
            " ".join([*(q.replace(" ", "") for q in qs), *self._word_subjects_of(src, known_measures)])
            for qs, src in zip(norm_q, sources, strict=True)
        ]
        generic = set(_GENERIC_WORDS) | set(_FUNCTION_WORDS)
        rare = sorted(
            (
                w
                for w, who in self._word_subjects.items()
                if len(who) <= _ANCHOR_SUBJECTS
                and w not in generic
                and sum(w in text for text in asked) <= _ANCHOR_ENTRIES
            ),
            key=len,
        )
        self._rare_re = _alternation(reversed(rare)) if rare else None
        common = {t for t, c in df.items() if t.startswith("~") and c > _COMMON_UNIGRAM * n}
        self._generic = frozenset(t for w in _GENERIC_WORDS for t in _tokens(w)) | common
        # Questions: token -> [(question index, weight)], and each question's total weight.
        self._q_entry: list[int] = []
        self._q_weight: list[float] = []
        self._q_text: list[str] = []
        self._q_post: dict[str, list[tuple[int, float]]] = {}
        # What each entry says (questions, keywords, answer, topic text), normalised when first
        # needed: an answer is only given outright if it speaks of each rare word the user used.
        self._sources = list(sources)
        self._said: dict[int, str] = {}
        for ei, (texts, toks_list) in enumerate(zip(norm_q, q_tokens, strict=True)):
            for q, toks in zip(texts, toks_list, strict=True):
                qi = len(self._q_entry)
                weights = {
                    t: self._idf[t] * f
                    for t, f in toks.items()
                    if t not in common and self._idf[t] >= _MIN_IDF
                }
                self._q_entry.append(ei)
                self._q_weight.append(sum(weights.values()) or 1.0)
                self._q_text.append(q.replace(" ", ""))
                for t, w in weights.items():
                    self._q_post.setdefault(t, []).append((qi, w))
        # Bags: keywords (full weight) and body texts (their own factor). The four entries of a
        # measure share one bag, so it is stored once: bag id -> entries.
        self._b_post: dict[str, list[tuple[int, float]]] = {}
        self._bag_entries: list[tuple[int, ...]] = []
        bag_ids: dict[tuple[object, ...], int] = {}
        for ei, (src, ks) in enumerate(zip(sources, kw_tokens, strict=True)):
            measure_bag = self._kind[ei] is not None
            key = (src.keywords, src.body) if measure_bag else (ei,)
            if key in bag_ids:
                bi = bag_ids[key]
                self._bag_entries[bi] = (*self._bag_entries[bi], ei)
                continue
            bi = bag_ids[key] = len(self._bag_entries)
            self._bag_entries.append((ei,))
            bag: dict[str, float] = {}
            parts = [(k, 1.0) for k in ks] + [
                (_tokens(_normalised(t, known_measures)), f) for t, f in src.body
            ]
            for toks, factor in parts:
                for t, f in toks.items():
                    # A measure's bag is its topic; a general entry's keywords are curated whole.
                    if measure_bag and t in self._generic:
                        continue
                    w = self._idf.get(t, self._unseen_idf) * f * factor
                    bag[t] = max(bag.get(t, 0.0), w)
            for t, w in bag.items():
                self._b_post.setdefault(t, []).append((bi, w))

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        """Every entry, general ones first."""
        return tuple(self._entries)

    @property
    def policy_text(self) -> str:
        """The policy text with whitespace removed, for quoting."""
        return self._policy

    def get(self, entry_id: str) -> FaqEntry:
        """Return the entry with this id."""
        try:
            return self._entries[self._by_id[entry_id]]
        except KeyError:
            raise KeyError(f"no FAQ entry {entry_id!r}") from None

    def _score(self, question: str) -> list[_Scored]:
        """Score every entry that shares a word or a measure number with the question, best first."""
        norm = normalise(question[:_MAX_CHARS], self._known)
        toks = _tokens(norm)
        refs = {int(n) for n in _REF_TOKEN.findall(norm)}
        qw = {t: f * self._idf.get(t, self._unseen_idf) for t, f in toks.items()}
        total = sum(qw.values())
        if not total and not refs:
            return []
        total = total or 1.0
        inter: dict[int, float] = {}
        get = inter.get
        q_post = self._q_post
        for t in qw:
            for qi, w in q_post.get(t, ()):
                inter[qi] = get(qi, 0.0) + w
        best_q: dict[int, float] = {}
        best_qi: dict[int, int] = {}
        q_weight, q_entry = self._q_weight, self._q_entry
        for qi, x in inter.items():
            cov, prec = min(1.0, x / total), x / q_weight[qi]
            s = (1 + _BETA2) * cov * prec / (_BETA2 * prec + cov)
            ei = q_entry[qi]
            if s > best_q.get(ei, 0.0):
                best_q[ei] = s
                best_qi[ei] = qi
        # Bag shares: of all the user's words, and of the topic words only (measure bags hold
        # topic words only; general entries may also match on question words like 什么时候).
        bag: dict[int, float] = {}
        bag_topic: dict[int, float] = {}
        topic_total = sum(w for t, w in qw.items() if t not in self._generic) or 1.0
        for t in qw:
            generic = t in self._generic
            # A bag weight never exceeds the query's own weight for the word (factors are <= 1).
            for bi, w in self._b_post.get(t, ()):
                bag[bi] = bag.get(bi, 0.0) + w
                if not generic:
                    bag_topic[bi] = bag_topic.get(bi, 0.0) + w
        share: dict[int, float] = {}
        for bi, b in bag.items():
            value = min(1.0, max(b / total, bag_topic.get(bi, 0.0) / topic_total))
            for ei in self._bag_entries[bi]:
                share[ei] = value
        intent = _intent(norm)
        candidates = best_q.keys() | share.keys()
        if refs:
            candidates |= {ei for ei, r in enumerate(self._refs) if r & refs}
        rough: dict[int, float] = {}
        for ei in candidates:
            kind = self._kind[ei]
            topic = share.get(ei, 0.0)
            r = _W_QUESTION * best_q.get(ei, 0.0) + _W_BAG * topic
            named = bool(refs & self._refs[ei])
            if named:
                r += _MEASURE_BONUS if kind else _MEASURE_BONUS / 2
            if kind == intent:
                # Only about the right measure does the kind of question matter.
                r += _W_INTENT * (1.0 if named else min(1.0, topic / _TOPIC_FULL))
            rough[ei] = r
        # Character-level similarity on the best candidates' closest questions catches typos.
        top = heapq.nsmallest(_CANDIDATES, rough, key=lambda ei: (-rough[ei], ei))
        flat = norm.replace(" ", "")
        choices = {ei: self._q_text[best_qi[ei]] for ei in top if ei in best_qi}
        # Any two Chinese strings share some characters: count only similarity above the floor.
        fuzzy = {
            ei: max(0.0, (score / 100.0 - _FUZZ_FLOOR) / (1.0 - _FUZZ_FLOOR))
            for _, score, ei in process.extract(
                flat, choices, scorer=fuzz.partial_ratio, processor=None, limit=None
            )
        }
        out = [
            _Scored(
                ei,
                rough[ei] + _W_FUZZ * fuzzy.get(ei, 0.0),
                best_q.get(ei, 0.0),
                share.get(ei, 0.0),
                fuzzy.get(ei, 0.0),
            )
            for ei in top
        ]
        out.sort(key=lambda sc: (-sc.total, sc.entry))
        return out

    def ranked(self, question: str, k: int = 3) -> list[tuple[FaqEntry, float]]:
        """Return the k best entries with their scores, best first.

        When the best is one of a measure's four entries and the question asks who, which
        documents or which bureau, that measure's entry of the kind asked comes first.
        """
        scored = [(self._entries[sc.entry], round(sc.total, 4)) for sc in self._score(question)]
        if scored and self._kind[self._by_id[scored[0][0].id]]:
            intent = _intent(normalise(question[:_MAX_CHARS], self._known))
            first = scored[0][0]
            want = f"m{first.measures[0]:02d}-{intent}" if first.measures else ""
            if intent != "what" and want in self._by_id and want != first.id:
                sibling = self._entries[self._by_id[want]]
                rest = [(e, s) for e, s in scored if e.id != want]
                scored = [(sibling, scored[0][1]), *rest]
        return scored[:k]

    def explain(self, question: str, k: int = 5) -> list[tuple[str, float, float, float, float]]:
        """Return (id, total, question, bag, fuzzy) for the k best entries, for staff and tuning."""
        return [
            (
                self._entries[sc.entry].id,
                round(sc.total, 3),
                round(sc.question, 3),
                round(sc.bag, 3),
                round(sc.fuzzy, 3),
            )
            for sc in self._score(question)[:k]
        ]

    @staticmethod
    def _word_subjects_of(src: _Source, known: int) -> list[str]:
        """Return an entry's keywords normalised, without spaces."""
        return [_normalised(k, known).replace(" ", "") for k in src.keywords]

    def _says(self, i: int) -> str:
        """Return everything entry ``i`` says, normalised and without spaces (built once)."""
        if i not in self._said:
            src = self._sources[i]
            texts = (*src.entry.questions, *src.keywords, src.entry.answer_zh, src.entry.answer_en)
            self._said[i] = " ".join(
                normalise(t, self._known).replace(" ", "") for t in (*texts, *(b for b, _ in src.body))
            )
        return self._said[i]

    def _anchors(self, question: str) -> set[str]:
        """Return the rare keywords the question uses (租赁 in 租的燃油车…), longest at each place."""
        if self._rare_re is None:
            return set()
        flat = normalise(question[:_MAX_CHARS], self._known).replace(" ", "")
        return set(self._rare_re.findall(flat))

    def _on_topic(self, question: str, entry: FaqEntry, top: list[tuple[FaqEntry, float]]) -> bool:
        """Tell whether an answer may be given outright.

        It must speak of each rare word asked about (租赁 is not in the entry about vehicles
        registered after the policy), and when every such word also belongs to another subject
        scoring close to it, the user is asked which one is meant.
        """
        i = self._by_id[entry.id]
        anchors = self._anchors(question)
        said = self._says(i)
        # Only the subject words of measures (and of topics the policy does not cover) count here;
        # a general entry's keywords (政策, 谁来申请) are ways of asking, not subjects.
        subjects = [t for t in anchors if any(_SUBJECT_RE.match(w) for w in self._word_subjects.get(t, ()))]
        if any(t not in said for t in subjects):
            return False
        best = top[0][1]
        # A general entry about a measure (its ``measures``) is on that measure's subject too.
        own = {self._subject[i], *(f"m{n}" for n in entry.measures)}
        others = {self._subject[self._by_id[e.id]] for e, sc in top if sc >= _CLOSE * best} - own
        shared = [t for t in anchors if self._word_subjects.get(t, set()) & others]
        return not shared or len(shared) < len(anchors)

    def match(self, question: str, lang: str = "zh") -> FaqMatch:
        """Answer when one entry is clearly best, suggest when some are plausible, else unknown.

        A question in several parts ("光伏补多少？要准备什么材料？") is matched part by part:
        the first part answered outright is the answer, the other parts' answers come in
        ``others``. ``lang`` is the user's language; matching itself is language-neutral
        (English words map onto the same canonical terms as Chinese ones).
        """
        del lang
        whole = self._match_one(question)
        parts = [p for p in _PARTS_RE.split(question[:_MAX_CHARS]) if len(_PUNCT_RE.sub("", p).strip()) >= 4]
        if len(parts) < 2:
            return whole
        answered: list[FaqEntry] = []
        offered: list[FaqEntry] = []
        for k, part in enumerate(parts):
            m = self._match_one(part)
            if m.outcome != "answer" and k > 0:
                # "光伏补多少？要准备什么材料？": the later part is about the earlier one's subject.
                m = self._match_one(f"{parts[k - 1]} {part}")
            if m.outcome == "answer" and m.entry is not None:
                if m.entry not in answered:
                    answered.append(m.entry)
            else:
                offered += [e for e in m.suggestions if e not in offered]
        if whole.outcome == "answer" and whole.entry is not None and whole.entry not in answered:
            answered.insert(0, whole.entry)
        if not answered:
            return whole
        offered = [e for e in offered if e not in answered][:3]
        return FaqMatch("answer", answered[0], tuple(offered), whole.score, tuple(answered[1:]))

    def _match_one(self, question: str) -> FaqMatch:
        """Match one question (one part of a longer message)."""
        top = self.ranked(question, k=6)
        if not top or top[0][1] < _SUGGEST_MIN:
            return FaqMatch("unknown", None, (), top[0][1] if top else 0.0)
        first, score = top[0]
        # Entries of the same measure (what / who / documents / bureau) are not rivals: the
        # answer must stand clear of the best entry about something else.
        rivals = [s for e, s in top[1:] if not (first.measures and e.measures == first.measures)]
        second = rivals[0] if rivals else 0.0
        if score >= _ANSWER_MIN and score - second >= _ANSWER_MARGIN and self._on_topic(question, first, top):
            return FaqMatch("answer", first, (), score)
        plausible = tuple(e for e, s in top[:3] if s >= _SUGGEST_MIN)
        return FaqMatch("suggest", None, plausible, score)


# Where a message splits into separate questions: sentence ends and "另外/还有/此外".
_PARTS_RE = re.compile(r"[?？。；;！!\n]+|[,，]\s*(?:另外|还有|此外|以及|再问一下|还想问)|另外|此外")


def build_faq(book: LoadedRulebook, path: Path = FAQ_PATH, extra: Sequence[FaqEntry] = ()) -> Faq:
    """Build the knowledge base from a rulebook's measures, a faq.yaml file and extra (staff) entries."""
    general = _load_yaml_entries(path, book.policy_text, set(book.measures))
    # Extra entries are matched exactly like the YAML ones: their questions, no keywords.
    added = [_Source(entry, (), ()) for entry in extra]
    return Faq([*general, *added, *_measure_sources(book)], book.policy_text, max(book.measures, default=40))


@functools.cache
def _shipped_faq() -> Faq:
    """Return the knowledge base as released (built once; from the disk cache when unchanged)."""
    from dialogs.buildcache import cached

    return cached("faq", lambda: build_faq(latest_rulebook()))


# The shipped entries plus staff entries from the database, swapped whole (bot/faq_live.py).
_with_extra: Faq | None = None


def load_faq() -> Faq:
    """Return the knowledge base in use: the released one, plus staff entries when there are any."""
    return _with_extra or _shipped_faq()


def use_extra_entries(entries: Sequence[FaqEntry]) -> None:
    """Put extra (staff) entries into use next to the released ones; none: back to the released set."""
    global _with_extra
    _with_extra = build_faq(latest_rulebook(), extra=entries) if entries else None


# ---------------------------------------------------------------- mid-interview questions

_Q_MARKERS = re.compile(
    r"[?？]|什么|啥|怎么|咋|如何|为什么|为啥|哪|谁|多少|几[个条项类种次批年月天辆台]|是否|能否|可否|"
    r"(.)[不没]\1|[吗呢]|请问|想知道|想问|告诉我|介绍|解释|说明一下|意思|区别|"
    # questions typed as a heading: "分布式光伏奖励标准", "锅炉改造申报材料", "第三十二条"
    r"(?:奖励|补贴|补助|支持|申报|申请)(?:标准|金额|额度|条件|材料|流程|范围|时间|政策|比例|上限)|"
    r"^第\s*[\d一二三四五六七八九十两]+\s*条$|^(?:措施|measure)\s*\d+$"
)
_Q_EN = re.compile(
    r"^(what|how|who|which|where|when|why|can|could|is|are|do|does|should|may|will|tell me|explain)(?=\s)|\?",
    re.IGNORECASE,
)
# Plain answers to an interview question: amounts with units, yes/no, "don't know".
_ANSWER_LIKE = re.compile(
    r"^[\s\d.,，、约大概左右多余几万亿千百十元块kwh千瓦度平方米公顷辆台套个年月日%％~\-—至到]+$|"
    r"^(是|否|对|不对|有|没有|没|无|不是|跳过|算了|好|好的|行|可以|不用|不要|"
    r"yes|no|y|n|ok|skip|unknown|not sure|none)[。.!！]?$|"
    r"^(不知道|不清楚|不确定|不记得|记不清|i don'?t know|don'?t know|no idea)[^?？吗]*$",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """Say whether free text typed during the interview is a question rather than an answer."""
    s = fold(text).strip().lower()
    if not s or _ANSWER_LIKE.match(s):
        return False
    return bool(_Q_MARKERS.search(s) or _Q_EN.search(s))


# ---------------------------------------------------------------- rendering

_LATIN_GAP = re.compile(r"(?<![A-Za-z])\s+|\s+(?![A-Za-z])")


def _quote(text: str) -> str:
    """Remove the line-break spaces of the PDF extraction, keeping spaces between latin words."""
    return _LATIN_GAP.sub("", text.strip())


def _full_clause(entry: FaqEntry, faq: Faq) -> list[str]:
    """Return the full clause text(s) for an entry: whole measures, else its quotes."""
    if _GENERATED_ID.match(entry.id) and entry.measures:
        out = []
        for n in entry.measures:
            # Each measure runs from "N.title。" to its "（责任单位：…）" in the policy text.
            mo = re.search(rf"(?<![\d.~、]){n}\.(?=[^\d])(.+?（责任单位：[^）]*）)", faq.policy_text)
            out.append(f"{n}.{mo.group(1)}" if mo else "")
        if all(out):
            return out
    return [_quote(c) for c in entry.cite]


def format_answer(entry: FaqEntry, lang: str, staff: bool = False) -> str:
    """Render an answer with its policy quote; ``staff`` gives a copy-ready block with the full clause."""
    zh = lang != "en"
    if staff:
        body = (entry.answer_zh if zh else entry.answer_en).replace("**", "")
        quotes = "\n".join(f"「{q}」" for q in _full_clause(entry, load_faq())) or "（无）"
        if zh:
            return f"【京技管发〔2025〕11号 · {entry.clause}】\n问：{entry.questions[0]}\n答：{body}\n原文（{entry.clause}）：\n{quotes}"
        return f"[京技管发〔2025〕11号 · {entry.clause}]\nQ: {entry.questions[0]}\nA: {body}\nPolicy text ({entry.clause}):\n{quotes}"
    if not entry.cite:
        return entry.answer_zh if zh else entry.answer_en
    quote = _quote(entry.cite[0])
    if zh:
        return f"{entry.answer_zh}\n\n原文：「{quote}」（{entry.clause}）"
    return f"{entry.answer_en}\n\nPolicy text: 「{quote}」 ({entry.clause})"
