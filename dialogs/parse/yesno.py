"""Yes / no answers: ``parse_bool``."""

from __future__ import annotations

import re
from typing import Final

from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.quantities import _ascii_letter
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.unknown import is_unknown

# --------------------------------------------------------------------------------------------
# Yes / no
# --------------------------------------------------------------------------------------------

_POS, _NEG, _NEUTRAL = 1, -1, 0
# phrase -> (polarity, strong). Strong markers carry content (有/没有); weak ones are
# acknowledgements (是/对/嗯/不) that only count at the start of a short answer.
_BOOL_CJK: Final[dict[str, tuple[int, bool]]] = {
    **dict.fromkeys(
        [
            "有",
            "有的",
            "已经",
            "已",
            "当然",
            "肯定",
            "确实",
            "没错",
            "没问题",
            "不错",
            "可以",
            "需要",
            "属于",
            "符合",
            "满足",
            "具备",
            "拥有",
            "存在",
            "做过",
            "一定",
            "确定",
            "正确",
            "同意",
            "愿意",
            "要的",
            "是有的",
            "必须",
            # lead confirmation: "确认" / "确认提交" mean "yes, send it"
            "确认",
            "确认提交",
            "确认无误",
            "提交",
        ],
        (_POS, True),
    ),
    **dict.fromkeys(
        [
            "是",
            "是的",
            "是滴",
            "是哒",
            "是呀",
            "是啊",
            "对",
            "对的",
            "对啊",
            "嗯",
            "嗯嗯",
            "恩",
            "好",
            "好的",
            "行",
        ],
        (_POS, False),
    ),
    **dict.fromkeys(
        [
            "没有",
            "没",
            "无",
            "未",
            "尚未",
            "还没",
            "还没有",
            "并没有",
            "从未",
            "从没",
            "从来没有",
            "没有过",
            "暂无",
            "暂未",
            "不曾",
            "未曾",
            "不需要",
            "不用",
            "不要",
            "不会",
            "不属于",
            "不符合",
            "不满足",
            "不具备",
            "不存在",
            "不能",
            "不行",
            "不可以",
            "无需",
            "毫无",
            "无法",
            "并未",
            "取消",
        ],
        (_NEG, True),
    ),
    **dict.fromkeys(["不", "不是", "不对", "否", "不是的", "非"], (_NEG, False)),
    **dict.fromkeys(
        [
            "但是",
            "还是",
            "就是",
            "所有",
            "对于",
            "针对",
            "无论",
            "有点",
            "有些",
            "只是",
            "要是",
            "主要",
            "重要",
            "有关",
            "没关系",
            "不过",
            "不管",
            "不少",
            "未来",
            "对比",
            "有限",
            "有效",
            "有时",
            "是否",
            "非常",
            "好像",
            "好多",
            "有多",
        ],
        (_NEUTRAL, False),
    ),
}
_BOOL_CJK_MAXLEN: Final = max(len(k) for k in _BOOL_CJK)
_BOOL_EN: Final[dict[str, tuple[int, bool]]] = {
    **dict.fromkeys(
        [
            "have",
            "has",
            "had",
            "did",
            "do",
            "does",
            "already",
            "certainly",
            "definitely",
            "absolutely",
            "of_course",
        ],
        (_POS, True),
    ),
    **dict.fromkeys(
        [
            "yes",
            "y",
            "yeah",
            "yep",
            "yup",
            "sure",
            "ok",
            "okay",
            "true",
            "correct",
            "right",
            "indeed",
            "affirmative",
        ],
        (_POS, False),
    ),
    **dict.fromkeys(
        [
            "not",
            "never",
            "none",
            "don't",
            "dont",
            "doesn't",
            "doesnt",
            "didn't",
            "didnt",
            "haven't",
            "havent",
            "hasn't",
            "hasnt",
            "isn't",
            "isnt",
            "aren't",
            "arent",
            "wasn't",
            "weren't",
            "won't",
            "can't",
            "cannot",
            "nothing",
            "without",
            "not_yet",
            "have_not",
            "has_not",
            "did_not",
            "do_not",
            "does_not",
            "is_not",
            "are_not",
        ],
        (_NEG, True),
    ),
    **dict.fromkeys(["no", "n", "nope", "nah", "false"], (_NEG, False)),
}
_BOOL_AMBIGUOUS_RE: Final = re.compile(
    r"是不是|有没有|对不对|是否|可不可以|好不好|行不行|要不要|会不会|能不能|算不算|有无|是或否|还是不"
    r"|或者没有|\byes or no\b|\bor not\b"
)
_BOOL_DOUBLE_NEG_RE: Final = re.compile(r"不是没|不是不|没有不|并非没|不会没|不能不|非没")
_BOOL_HEDGE_RE: Final = re.compile(r"可能|也许|或许|说不定|大概|好像|似乎|\b(?:maybe|perhaps|probably)\b")
_BOOL_LEAD_RE: Final = re.compile(
    r"^(?:我们|我司|我|公司|本公司|企业|咱们|目前|现在|暂时|这个|那个|嗯嗯?,?\s*)*"
)
_NEGATION_BEFORE_RE: Final = re.compile(r"(?:不|没|未|无|非)(?:太|怎么|大|曾|再|是很|是)?$")


_EN_WORD_RE: Final = re.compile(r"[a-z']+")
_EN_NEXT_WORD_RE: Final = re.compile(r" ([a-z']+)")


def _bool_error(kind: str) -> ParseError:
    """Build the message for an answer that is not a clear yes or no."""
    if kind == "empty":
        return ParseError(
            "还没有收到回答。请回复“是”或“否”，例如“是”或“没有”。",
            "The answer is empty. Reply “yes” or “no”, e.g. “yes” or “no, never”.",
        )
    if kind == "ambiguous":
        return ParseError(
            "这个回答没有说清是还是否。请直接回复“是”或“否”，例如“有”或“没有”；不确定可以回复“不清楚”。",
            "That does not say yes or no. Reply “yes” or “no”, e.g. “yes” or “no, never”; "
            "if you are not sure, reply “don't know”.",
        )
    if kind == "conflict":
        return ParseError(
            "回答里既有肯定也有否定，无法判断。请只回复“是”或“否”，例如“是，有过一次”或“没有”。",
            "Your answer says both yes and no. Reply just “yes” or “no”, e.g. “yes, once” or “no”.",
        )
    return ParseError(
        "没看懂这个回答。请回复“是”或“否”，例如“是，有过一次”或“没有”。",
        "I could not tell whether that means yes or no. Reply “yes” or “no”, e.g. “yes, once” or “no”.",
    )


def _bool_markers(s: str) -> list[tuple[int, bool, int]]:
    """Find yes/no markers as (polarity, strong, position), longest phrase first."""
    t = re.sub(r"[^\w'%]+", " ", s).strip()
    lead = _BOOL_LEAD_RE.match(t)
    lead_end = lead.end() if lead else 0
    found: list[tuple[int, bool, int]] = []
    i = 0
    while i < len(t):
        ch = t[i]
        if _ascii_letter(ch):
            m = _EN_WORD_RE.match(t, i)
            assert m is not None
            word = m.group()
            nxt = _EN_NEXT_WORD_RE.match(t, m.end())
            if nxt and f"{word}_{nxt.group(1)}" in _BOOL_EN:
                pol, strong = _BOOL_EN[f"{word}_{nxt.group(1)}"]
                found.append((pol, strong, i))
                i = nxt.end()
                continue
            if word in _BOOL_EN:
                pol, strong = _BOOL_EN[word]
                negated = (
                    found and found[-1][0] == _NEG and found[-1][1] and t[found[-1][2] : i].count(" ") <= 1
                )
                if not (pol == _POS and strong and negated):  # "don't have" is one "no"
                    found.append((pol, strong, i))
            i = m.end()
            continue
        for size in range(min(_BOOL_CJK_MAXLEN, len(t) - i), 0, -1):
            phrase = t[i : i + size]
            if phrase in _BOOL_CJK:
                pol, strong = _BOOL_CJK[phrase]
                if pol == _POS and strong and _NEGATION_BEFORE_RE.search(t[lead_end:i]):
                    pol = _NEG  # 不太有, 不是很需要
                if pol != _NEUTRAL:
                    found.append((pol, strong, i))
                i += size
                break
        else:
            i += 1
    short = len(_strip_punct(t)) <= 4
    return [(pol, strong, pos) for pol, strong, pos in found if strong or short or pos == lead_end]


# "都报废了", "全部换完了": everything done, a yes to "已经…了吗？".
_ALL_DONE_RE: Final = re.compile(
    r"^(?:都|全都|全部|全|早都|早就)(?![不没未无])[\u4e00-\u9fff]{1,5}?(?:过)?了?$"
)
_ECHO_FILLER_RE: Final = re.compile(
    r"^(?:我们|我司|公司|都|全都|全部|已经|已|早就|确实)+|(?:过|完)?(?:了|的)+$"
)
_ECHO_NEGATED_RE: Final = re.compile(r"^(?:我们|我司|公司)?(?:还|都|也)?(?:没有?|未|不)")


def _echo(s: str, question: str) -> bool | None:
    """Read an answer that repeats the question's verb: "转出了" to "…转出北京市了吗" is yes."""
    core = _strip_punct(s)
    negated = _ECHO_NEGATED_RE.match(core)
    if negated:
        core = core[negated.end() :]
    core = _ECHO_FILLER_RE.sub("", core)
    if len(core) < 2 or core not in _normalize(question):
        return None
    return not negated


def parse_bool(text: str, question: str = "") -> bool | Unknown | ParseError:
    """Parse a yes/no answer (是/有/对/嗯/yes… or 否/没有/不/未/no…); 不知道 gives UNKNOWN.

    ``question`` is the question asked, if known: an answer that repeats its verb ("报废了",
    "还没转出") is read as yes (or no when negated), as Chinese speakers answer.
    """
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _bool_error("empty")
    if is_unknown(text):
        return UNKNOWN
    if _BOOL_AMBIGUOUS_RE.search(s) or _BOOL_DOUBLE_NEG_RE.search(s) or _BOOL_HEDGE_RE.search(s):
        return _bool_error("ambiguous")
    if "吗" in s or s.rstrip().endswith("?"):
        return _bool_error("ambiguous")  # a question back is not an answer
    if question and (echoed := _echo(s, question)) is not None:
        return echoed
    markers = _bool_markers(s)
    if not markers and _ALL_DONE_RE.match(_strip_punct(s)):
        return True
    strong = {pol for pol, is_strong, _ in markers if is_strong}
    weak = {pol for pol, is_strong, _ in markers if not is_strong}
    decided = strong or weak
    if len(decided) > 1:
        return _bool_error("conflict")
    if not decided:
        return _bool_error("unreadable")
    return decided.pop() == _POS
