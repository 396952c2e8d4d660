"""Yes / no answers: ``parse_bool`` (its words: ``yesno_words.py``; its re-asks: ``parse.yesno.*``)."""

from __future__ import annotations

import re

from dialogs.messages import t
from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.units import _ascii_letter
from dialogs.parse.unknown import is_unknown
from dialogs.parse.yesno_words import (
    _ALL_DONE_RE,
    _BOOL_AMBIGUOUS_RE,
    _BOOL_CJK,
    _BOOL_CJK_MAXLEN,
    _BOOL_DOUBLE_NEG_RE,
    _BOOL_EN,
    _BOOL_HEDGE_RE,
    _BOOL_LEAD_RE,
    _ECHO_FILLER_RE,
    _ECHO_NEGATED_RE,
    _EN_NEXT_WORD_RE,
    _EN_WORD_RE,
    _NEG,
    _NEGATION_BEFORE_RE,
    _NEUTRAL,
    _POS,
)


def _bool_error(kind: str) -> ParseError:
    """Build the message for an answer that is not a clear yes or no (empty, ambiguous, conflict, unreadable)."""
    return ParseError(t(f"parse.yesno.{kind}", "zh"), t(f"parse.yesno.{kind}", "en"))


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
