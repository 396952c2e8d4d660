"""Tell whether an answer says "I don't know"."""

from __future__ import annotations

import re
from typing import Final

from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.prepare import _is_whole_answer, _prepare
from dialogs.parse.quantities import _lex

# --------------------------------------------------------------------------------------------
# "Don't know"
# --------------------------------------------------------------------------------------------

_UNKNOWN_RE: Final = re.compile(
    r"(?:不|没)(?:太|是很|是太|大|很|怎么|是特别|完全|是十分)?(?:知道|清楚|确定|了解|晓得|记得|肯定)"
    r"|说不(?:好|清|准|上来)|没(?:有)?概念|心里没数|没数过?|记不(?:清|得|住)|忘(?:了|记)"
    r"|搞不(?:清|懂)|弄不清|不好说|难说|不一定|没(?:有)?(?:统计|算过|核算|测算)|未统计|不详|未知"
    r"|待定|待确认|拿不准|吃不准"
    r"|\b(?:don'?t know|do not know|idk|unknown|not sure|no idea|unsure|dunno|not certain|can'?t say)\b"
)


def is_unknown(text: str) -> bool:
    """Tell whether the answer says "I don't know" (不知道/不清楚/…/?); 跳过 is not unknown."""
    s = _normalize(text)
    if not s:
        return False
    if not _strip_punct(s):
        return "?" in s  # "?", "？？"
    if not _UNKNOWN_RE.search(s):
        return False
    # "不确定，大概500千瓦" still gives a figure; only a bare "not sure" is unknown.
    prepared = _prepare(s)
    return not any(not q.lone or _is_whole_answer(prepared, q) for q in _lex(prepared, None))
