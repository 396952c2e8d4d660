"""The first message: a request to be screened, or a description read for answers it already gives.

"帮我测一下能拿多少钱" starts the screening. "我们是做物流的，自己有40辆货车，想换新能源，能拿什么
补贴？" starts it with the vehicles topic, the own-fleet and replacement projects and 40 own freight
vehicles taken from the words, shown back for the user to confirm. Only what the text says plainly
is taken; anything unsure is left to the questions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from dialogs import parse
from dialogs.topics import TEMPLATE_BY_ID, TOPIC_BY_ID, TOPIC_WORDS

# Asking to be screened in so many words ("帮我测一下", "算算", "评估一下").
_TEST_WORDS = re.compile(
    r"测一测|测一下|测测|测评|测算|评估|算一下|算算|帮我看看|帮我查|"
    r"check (?:my|our) (?:awards|eligibility)|screen (?:me|us)",
    re.IGNORECASE,
)

# Asking what one can get ("能拿多少", "能申请什么补贴"): a screening when it is about oneself.
_WHAT_CAN_WE_GET = re.compile(
    r"能拿多少|可以拿多少|能领多少|能得多少|能拿到多少|能拿什么|能拿哪些|"
    r"能申请什么|能申请哪些|可以申请什么|可以申请哪些|能享受什么|能享受哪些|"
    r"有什么补贴|有哪些补贴|有什么奖励|有哪些奖励|符合什么|符合哪些|what can (?:we|i) get",
    re.IGNORECASE,
)

# Speaking about one's own enterprise ("我们是做物流的", "我司有", "自己有40辆货车").
_SELF_WORDS = re.compile(
    r"我们|我司|我公司|本公司|我厂|我单位|自己有|自有|我能|我可以|我想|\bwe\b|\bour\b|\bi\b", re.I
)

# Words that put a topic in question: "没有光伏", "不做锅炉".
_NEGATION_BEFORE = re.compile(r"(?:没有|没|不是|不|无|非)$")

# More everyday words for topics than the topics question needs.
_DESCRIPTION_WORDS: dict[str, tuple[str, ...]] = {
    "vehicles": ("物流", "运输", "货运", "车队", "运输车", "新能源车", "换电车", "柴油车", "燃油车"),
    "pv": ("屋顶光伏", "分布式光伏"),
    "boiler": ("燃气锅炉",),
    "certification": ("绿色供应链", "绿色工厂", "清洁生产", "水效领跑者", "环保绩效"),
}

# Projects of a topic named by the words (only where the words make it plain).
_PROJECT_WORDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "vehicles": (
        ("fleet", ("物流", "货运", "运输公司", "车队", "货车", "运输车")),
        ("leasing", ("租的", "租赁", "长租", "租来")),
        ("vehicles", ("换新能源", "换成新能源", "换成电", "置换", "淘汰", "更新", "替换", "换掉", "换车")),
    ),
    "certification": (
        ("green_manufacturing", ("绿色工厂", "绿色供应链")),
        ("green_enterprise", ("绿色标杆", "绿色基准", "深绿", "浅绿")),
        ("performance", ("环保绩效",)),
        ("cleaner_production", ("清洁生产",)),
        ("footprint", ("碳足迹",)),
        ("esg", ("esg",)),
        ("water_leader", ("水效领跑者",)),
    ),
    "construction": (
        ("green_site", ("绿色安全工地", "样板工地")),
        ("membrane", ("气膜",)),
    ),
    "pollution": (
        ("vocs", ("vocs", "挥发性有机物", "一厂一策")),
        ("treatment", ("废水", "废气", "污水")),
    ),
}

_NUMBER = r"(?:\d[\d,，.]*|[零一二两三四五六七八九十百千万亿点]+)"
_KW = re.compile(_NUMBER + r"\s*(?:千瓦|兆瓦|kw|mw|KW|MW|kW|MWp|kWp)")
_KWH = re.compile(_NUMBER + r"\s*(?:万?千瓦时|万?度电|万?度|kwh|mwh)", re.I)
_VEHICLES = re.compile(r"(" + _NUMBER + r")\s*辆")
# The zone in plain words (七(一)); outside is read first, so "不在亦庄新城" is never inside.
_ZONE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "outside",
        re.compile(
            r"不在(?:北京)?(?:亦庄|经开区|开发区)|(?:亦庄新城|亦庄|经开区|开发区)(?:以外|之外|外面|外边)"
        ),
    ),
    ("newtown225", re.compile(r"在(?:北京)?亦庄新城|亦庄新城(?:内|里)|225\s*平方(?:公里|千米)")),
    ("core60", re.compile(r"在(?:北京)?(?:经开区|经济技术开发区|开发区)|60\s*平方(?:公里|千米)|核心区")),
)
# "投资了300万", "总投资1.2亿元": an amount invested, placed on the project whose measure needs it.
_INVESTED = re.compile(r"投资(?:了|额|总额)?(?:约|大约|大概)?\s*(" + _NUMBER + r"\s*(?:万|亿)?\s*元?)")
_REPLACE_COUNT = re.compile(r"(?:换|置换|淘汰|更新|替换)(?:掉|了|成)?\s*(" + _NUMBER + r")\s*辆")


@dataclass
class Intake:
    """What a description says: topics, the projects of each, and facts with their project."""

    topics: list[str] = field(default_factory=list)
    projects: dict[str, list[str]] = field(default_factory=dict)
    facts: list[tuple[str, str | None, Any]] = field(default_factory=list)
    # An amount invested whose fact depends on the projects (placed by dialogs/welcome.py).
    invested_yuan: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the form kept in the state while the user confirms."""
        return {"topics": self.topics, "projects": self.projects, "facts": [list(f) for f in self.facts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Intake:
        """Rebuild an intake kept in the state, dropping anything no longer known."""
        topics = [t for t in data.get("topics") or [] if t in TOPIC_BY_ID]
        projects = {
            t: [p for p in ps if p in TEMPLATE_BY_ID]
            for t, ps in (data.get("projects") or {}).items()
            if t in topics and isinstance(ps, list)
        }
        facts = [
            (str(f[0]), None if f[1] is None else str(f[1]), f[2])
            for f in data.get("facts") or []
            if isinstance(f, list) and len(f) == 3
        ]
        return cls(topics, projects, facts)


def _fold(text: str) -> str:
    """Fold full-width forms and case so words match however they were typed."""
    return unicodedata.normalize("NFKC", text).lower()


def wants_screening(text: str) -> bool:
    """Tell whether a message asks to be screened ("帮我测一下能拿多少钱"), not about one measure."""
    s = _fold(text)
    if _TEST_WORDS.search(s):
        return True
    return bool(_WHAT_CAN_WE_GET.search(s)) and (bool(_SELF_WORDS.search(s)) or not _topics_in(s))


def _said(text: str, word: str) -> bool:
    """Tell whether a word occurs in the text without a negation just before it."""
    start = 0
    while (i := text.find(word, start)) >= 0:
        if not _NEGATION_BEFORE.search(text[max(0, i - 2) : i]):
            return True
        start = i + 1
    return False


def _topics_in(text: str) -> list[str]:
    """Return the topics the text names, in the order of the topics question."""
    found = []
    for tid in TOPIC_BY_ID:
        words = (*TOPIC_WORDS.get(tid, ()), *_DESCRIPTION_WORDS.get(tid, ()))
        # Two-letter English words ("ai", "pv") only as whole words.
        if any(
            (re.search(rf"\b{re.escape(w)}\b", text) if w.isascii() else _said(text, w))
            for w in words
            if len(w) >= 2
        ):
            found.append(tid)
    return found


def _number(span: str, unit: str) -> float | None:
    """Read a figure with its unit, or None when the parser does not take it."""
    value = parse.parse_number(span, unit)
    return value if isinstance(value, float) else None


def read_description(text: str) -> Intake | None:
    """Read a description of the enterprise; None when it names nothing to start from."""
    s = _fold(text)
    # "光伏有什么补贴？" is a policy question; "我们装了光伏，能拿什么？" describes the enterprise.
    if not (_SELF_WORDS.search(s) or _TEST_WORDS.search(s)):
        return None
    topics = _topics_in(s)
    if not topics:
        return None
    intake = Intake(topics=topics)
    zones = [zone for zone, words in _ZONE_WORDS if words.search(s)]
    if zones:
        # The first reading wins: a negated place ("不在亦庄新城") also names that place.
        intake.facts.append(("enterprise.zone", None, zones[0]))
    if m := _INVESTED.search(s):
        intake.invested_yuan = _number(m.group(1), "yuan")
    for tid in topics:
        named = [pid for pid, words in _PROJECT_WORDS.get(tid, ()) if any(_said(s, w) for w in words)]
        if len(TOPIC_BY_ID[tid].projects) == 1:
            named = [TOPIC_BY_ID[tid].projects[0].id]
        if named:
            intake.projects[tid] = named
    chosen = {p for ps in intake.projects.values() for p in ps}
    if "pv" in chosen and (m := _KW.search(s)):
        kw = _number(m.group(0), "kw")
        if kw:
            intake.facts.append(("project.pv_capacity_kw", "pv", kw))
    if "green_power" in chosen and (m := _KWH.search(s)):
        kwh = _number(m.group(0), "kwh")
        if kwh:
            intake.facts.append(("project.green_power_kwh", "green_power", kwh))
    if "vehicles" in chosen and (m := _REPLACE_COUNT.search(s)):
        count = _number(m.group(1), "count")
        if count:
            intake.facts.append(("project.old_count", "vehicles", int(count)))
    elif "fleet" in chosen and (m := _VEHICLES.search(s)):
        count = _number(m.group(1), "count")
        if count:
            intake.facts.append(("project.fleet_count", "fleet", int(count)))
    return intake
