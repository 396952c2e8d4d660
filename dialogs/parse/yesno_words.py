"""The words a yes / no answer is read with (有, 没有, 是的, yes, don't…); its Chinese is only matched."""

from __future__ import annotations

import re
from typing import Final

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

# "都报废了", "全部换完了": everything done, a yes to "已经…了吗？".
_ALL_DONE_RE: Final = re.compile(
    r"^(?:都|全都|全部|全|早都|早就)(?![不没未无])[\u4e00-\u9fff]{1,5}?(?:过)?了?$"
)
_ECHO_FILLER_RE: Final = re.compile(
    r"^(?:我们|我司|公司|都|全都|全部|已经|已|早就|确实)+|(?:过|完)?(?:了|的)+$"
)
_ECHO_NEGATED_RE: Final = re.compile(r"^(?:我们|我司|公司)?(?:还|都|也)?(?:没有?|未|不)")
