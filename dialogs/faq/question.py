"""Whether free text typed during the interview is a question about the policy."""

from __future__ import annotations

import re

from dialogs.parse.fold import fold

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
