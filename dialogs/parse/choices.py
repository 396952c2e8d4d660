"""Choices: ``parse_choice`` (one option) and ``parse_multi_choice`` (any number)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.quantities import _scan_numeral
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.unknown import is_unknown

# --------------------------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------------------------

_ALL_ANSWERS: Final = frozenset(
    {
        "全部",
        "都有",
        "全选",
        "以上都是",
        "以上都有",
        "全都有",
        "都是",
        "所有",
        "全部都有",
        "全部都是",
        "都选",
        "all",
        "allofthem",
        "allofthe above",
        "alloftheabove",
        "全都是",
        "都要",
    }
)
_NONE_ANSWERS: Final = frozenset(
    {
        "都没有",
        "没有",
        "无",
        "都不是",
        "一个都没有",
        "一个也没有",
        "均无",
        "都无",
        "以上都没有",
        "以上都不是",
        "none",
        "nothing",
        "noneofthem",
        "noneoftheabove",
        "都不",
        "没",
        "暂无",
    }
)
_CHOICE_NUMBER_RE: Final = re.compile(
    r"^(?:我们?|就)?(?:选择?|选的是|是|答案是|应该是)?(?:第|选项|option|no\.?|#)?"
    r"(\d+|[零一二两三四五六七八九十]+)(?:个选项|个|项|号|条|种|类|选项)?$"
)
_CHOICE_SEPARATORS_RE: Final = re.compile(
    r"[,、;/\s|&+]+|以及|和|与|及|跟|还有|加上|并且|或者|或|\band\b|\bor\b"
)
_CHOICE_RANGE_RE: Final = re.compile(r"(\d+)\s*(?:-|~|到|至)\s*(\d+)")
_CHOICE_FILLERS: Final = sorted(
    [
        "我们",
        "我司",
        "我",
        "公司",
        "企业",
        "单位",
        "都有",
        "都是",
        "都",
        "也",
        "还",
        "有",
        "是",
        "的",
        "吧",
        "啊",
        "呢",
        "了",
        "等等",
        "等",
        "选择",
        "选",
        "第",
        "个",
        "项",
        "号",
        "这些",
        "这几个",
        "这两个",
        "方面",
        "主要",
        "包括",
        "其中",
        "目前",
        "已经",
        "正在",
        "在",
        "做了",
        "做",
        "装了",
        "装",
        "安装",
        "建了",
        "建",
        "用了",
        "用",
        "计划",
        "打算",
        "项目",
        "不是",
        "不要",
        "没有",
        "不",
        "非",
        "除了",
        "除",
        "无",
        "以外",
        "之外",
        "其他",
        "其余",
        "都要",
        "要",
        "答案",
        "选项",
        "嗯",
        "对",
        "就",
        "the",
        "we",
        "have",
        "both",
        "all",
        "of",
        "them",
    ],
    key=len,
    reverse=True,
)
_CHOICE_FILLER_RE: Final = re.compile("|".join(re.escape(w) for w in _CHOICE_FILLERS))
# Negation right before an option's words: 不在亦庄新城, 不是小型企业, 没有光伏, 非工业.
_NEGATED_BEFORE_RE: Final = re.compile(r"(?:不|没有?|未|无|非|并非)(?:在|是|属于|位于|处于|要|选)?\s*$")
# Negation right after them: 亦庄新城以外, 经开区外面 (not after 除了: 除了光伏以外还有车辆).
_NEGATED_AFTER_RE: Final = re.compile(r"^\s*(?:以外|之外|外面|外边|外头|外)")
_CLAUSE_BREAK_RE: Final = re.compile(r"[,，;；。!！?？\n]")
# Where an option label splits into words a user may type alone: 认证与称号（绿色工厂、碳足迹）.
_LABEL_PARTS_RE: Final = re.compile(r"[（）()、，,；;/：:]|以及|或者|或|与|和|及|等")
_CJK_RUN_RE: Final = re.compile(r"[\u3400-\u9fff]+")
_NEGATION_CHARS_RE: Final = re.compile(r"[不没未无非外]")
# Pieces of a label made only of these say nothing about which option is meant (我们是, 的其他).
_FUNCTION_CHARS_RE: Final = re.compile(r"[我们你您他她它是的在了有和与及或这那个其]")
_MIN_SUBSTRING: Final = 3  # shorter pieces of a label are too often shared by chance
_MAX_SUBSTRING: Final = 16


def _choice_core(s: str) -> str:
    """Compact an answer for whole-answer comparison: no punctuation, no trailing particles."""
    core = _strip_punct(s)
    core = re.sub(r"^(?:我们选|我选|就选|选择|选|答案是|应该是)", "", core)
    return re.sub(r"[吧啊呢了呀哦]+$", "", core)


@dataclass(frozen=True)
class _Options:
    """Options prepared for matching: each value with its keys, and label pieces owned by one option."""

    keyed: list[tuple[str, list[str]]]
    names: dict[str, str]  # the label each option is shown with, as given
    # Every CJK piece (3..16 characters) of any key -> the options whose keys contain it.
    pieces: dict[str, frozenset[str]]


def _option_keys(options: Sequence[tuple[str, Sequence[str]]]) -> _Options:
    """Return the options prepared for matching, made once per distinct option list (read only)."""
    # The same few questions come back on every step; preparing one was ~a third of a step's CPU.
    return _prepare_options(tuple((value, tuple(labels)) for value, labels in options))


@functools.lru_cache(maxsize=256)
def _prepare_options(options: tuple[tuple[str, tuple[str, ...]], ...]) -> _Options:
    """Normalise each option's value and labels; add the words of each label that no other option has."""
    keyed: list[tuple[str, list[str]]] = []
    for value, labels in options:
        keys = [_normalize(x) for x in (value, *labels)]
        keyed.append((value, [k for k in dict.fromkeys(keys) if k]))
    owners: dict[str, set[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for part in _LABEL_PARTS_RE.split(key):
                part = part.strip()
                if len(part) >= 2 and part != key:
                    owners.setdefault(part, set()).add(value)
    for value, keys in keyed:
        keys.extend(p for p, who in owners.items() if who == {value} and p not in keys)
    pieces: dict[str, frozenset[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for run in _CJK_RUN_RE.findall(key):
                # A piece keeps the label's negation: 在亦庄 is no piece of 不在亦庄, 新城 of 新城以外.
                negations = [m.start() for m in _NEGATION_CHARS_RE.finditer(run)]
                for i in range(len(run)):
                    for j in range(i + _MIN_SUBSTRING, min(len(run), i + _MAX_SUBSTRING) + 1):
                        piece = run[i:j]
                        if all(i <= k < j for k in negations) and len(_FUNCTION_CHARS_RE.sub("", piece)) >= 2:
                            pieces[piece] = pieces.get(piece, frozenset()) | {value}
    # A piece counts only if two of its character pairs are found in no other option's keys:
    # 平方公里范围内 of "亦庄新城225平方公里范围内…" shares all but 围内 with "…60平方公里范围…".
    pair_owners: dict[str, set[str]] = {}
    for value, keys in keyed:
        for key in keys:
            for i in range(len(key) - 1):
                pair_owners.setdefault(key[i : i + 2], set()).add(value)
    pieces = {
        piece: who
        for piece, who in pieces.items()
        if sum(pair_owners[piece[i : i + 2]] <= who for i in range(len(piece) - 1)) >= 2
    }
    names = {value: str(labels[0]) if labels else value for value, labels in options}
    return _Options(keyed, names, pieces)


def _exact_option(s: str, keyed: list[tuple[str, list[str]]]) -> str | None:
    """Return the option whose value or label is the whole answer, if exactly one is."""
    forms = {_strip_punct(s), _choice_core(s)}
    hits = {value for value, keys in keyed if any(_strip_punct(k) in forms for k in keys)}
    return hits.pop() if len(hits) == 1 else None


def _number_in(text: str) -> int | None:
    """Read an option number ("2", "第二个", "选3") from a compact answer."""
    m = _CHOICE_NUMBER_RE.match(text)
    if m is None:
        return None
    num = _scan_numeral(m.group(1), 0)
    if (
        num is None
        or num.end != len(m.group(1))
        or num.malformed
        or num.too_large
        or num.value.denominator != 1
    ):
        return None
    return int(num.value)


@dataclass
class _LabelHit:
    value: str
    start: int
    end: int
    negated: bool


def _negated(s: str, start: int, end: int) -> bool:
    """Tell whether the words at s[start:end] are negated (不在…, …以外) within their clause."""
    before = _CLAUSE_BREAK_RE.split(s[:start])[-1]
    if _NEGATED_BEFORE_RE.search(before):
        return True
    return bool(_NEGATED_AFTER_RE.match(s[end:])) and "除" not in before


def _find_labels(s: str, opts: _Options) -> tuple[list[_LabelHit], set[str]]:
    """Find option keys and label words in an answer (a match inside a longer one does not count).

    Also return the options that share a label piece found in the answer and not otherwise matched.
    """
    found: list[tuple[int, int, str]] = []
    for value, keys in opts.keyed:
        for key in keys:
            if len(key) < 2 or key.replace(".", "").isdigit():
                continue  # one-character labels only match whole answers; numbers are option numbers
            if all(ch.isascii() for ch in key):
                pattern = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")
            else:
                pattern = re.compile(re.escape(key))
            found += [(m.start(), m.end(), value) for m in pattern.finditer(s)]
    # Pieces of labels that only one option has: 经开区 in 在经开区里面, 燃气锅炉 in 燃气锅炉改造.
    # They are weaker than whole keys, so a piece overlapping a key match is left out.
    covered = [False] * len(s)
    for a, b, _ in found:
        covered[a:b] = [True] * (b - a)
    shared: list[tuple[int, int, frozenset[str]]] = []
    i = 0
    while i < len(s):
        for j in range(min(len(s), i + _MAX_SUBSTRING), i + _MIN_SUBSTRING - 1, -1):
            owners = opts.pieces.get(s[i:j])
            if owners is not None and not any(covered[i:j]):
                if len(owners) == 1:
                    found.append((i, j, next(iter(owners))))
                else:
                    shared.append((i, j, owners))
                break
        i += 1
    spans = set(found)
    kept = [
        (a, b, v)
        for a, b, v in spans
        if not any(c <= a and b <= d and (d - c) > (b - a) for c, d, _ in spans)
    ]
    hits = [_LabelHit(v, a, b, _negated(s, a, b)) for a, b, v in kept]
    hits.sort(key=lambda h: (h.start, h.end, h.value))
    # A piece several options share (第三方投 of two labels) only says "one of these".
    unclear = {
        v
        for a, b, owners in shared
        if not any(h.start <= a and b <= h.end for h in hits) and not _negated(s, a, b)
        for v in owners
    }
    return hits, unclear


def _choice_example(keyed: list[tuple[str, list[str]]]) -> tuple[str, str]:
    """Return (one option name, another) to use in messages."""
    names = [keys[1] if len(keys) > 1 else keys[0] for _, keys in keyed] or ["1"]
    return names[0], names[1] if len(names) > 1 else names[0]


def _choice_error(kind: str, keyed: list[tuple[str, list[str]]], detail: str = "") -> ParseError:
    """Build the message for a choice answer that could not be matched."""
    first, second = _choice_example(keyed)
    count = len(keyed)
    if kind == "empty":
        return ParseError(
            f"还没有收到回答。请回复选项编号或名称，例如“1”或“{first}”。",
            f"The answer is empty. Reply with an option number or name, e.g. “1” or “{first}”.",
        )
    if kind == "range":
        return ParseError(
            f"没有第{detail}项，选项编号是1到{count}。请重新回复，例如“1”或“{first}”。",
            f"There is no option {detail}; options are numbered 1 to {count}. Reply e.g. “1” or “{first}”.",
        )
    if kind == "several":
        return ParseError(
            f"这一题只能选一项，您的回答里有{detail}。请只回复一项，例如“1”或“{first}”。",
            f"Choose only one option; your answer mentions {detail}. Reply e.g. “1” or “{first}”.",
            "ambiguous",
        )
    if kind == "ambiguous":
        return ParseError(
            f"从您的回答还判断不出是哪一项（可能是：{detail}）。请回复选项编号或名称，例如“1”或“{first}”。",
            f"I cannot tell which option that is (it could be: {detail}). Reply with the option number or "
            f"name, e.g. “1” or “{first}”.",
            "ambiguous",
        )
    if kind == "not_option":
        return ParseError(
            f"“{detail}”不是这里的选项。请回复选项编号或名称，可多选，例如“1,3”或“{first}、{second}”。",
            f"“{detail}” is not one of the options. Reply with option numbers or names, e.g. “1,3” or "
            f"“{first}, {second}”.",
        )
    if kind == "multi":
        return ParseError(
            f"没认出您选的是哪几项。请回复选项编号或名称，可多选，例如“1,3”或“{first}、{second}”。",
            f"I could not tell which options you mean. Reply with option numbers or names, e.g. “1,3” or "
            f"“{first}, {second}”.",
        )
    return ParseError(
        f"没认出您选的是哪一项。请回复选项编号或名称，例如“1”或“{first}”。",
        f"I could not tell which option you mean. Reply with the option number or name, e.g. “1” or “{first}”.",
    )


_HIT: Final = "\x00"  # stands for a matched option in the masked answer
_MODIFIER_MAX: Final = 3  # 屋顶光伏, 分布式光伏: a few characters right before an option qualify it


def _leftovers_fit(piece: str, chosen_keys: list[str]) -> bool:
    """Tell whether what is left of a segment after the matched options is filler or part of them."""
    parts = piece.split(_HIT)
    for k, part in enumerate(parts):
        rest = _CHOICE_FILLER_RE.sub("", part)
        if len(rest) < 2 or any(rest in key for key in chosen_keys):
            continue
        before_a_hit = (k < len(parts) - 1 and parts[k + 1] == "") or (k < len(parts) - 1)
        if before_a_hit and len(rest) <= _MODIFIER_MAX and part.endswith(rest):
            continue
        return False
    return True


def parse_choice(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | Unknown | ParseError:
    """Pick one option by its label, a word of it, a synonym, its value or its 1-based number.

    Negation counts ("不在亦庄新城", "亦庄新城以外" rule that option out); when the answer fits
    several options, or rules out one of three, the result is an "ambiguous" ``ParseError``.
    """
    opts = _option_keys(options)
    keyed = opts.keyed
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _choice_error("empty", keyed)
    exact = _exact_option(s, keyed)
    if exact is not None:
        return exact
    if is_unknown(text):
        return UNKNOWN
    number = _number_in(_choice_core(s))
    if number is not None:
        if 1 <= number <= len(keyed):
            return keyed[number - 1][0]
        return _choice_error("range", keyed, str(number))
    hits, unclear = _find_labels(s, opts)
    chosen = list(dict.fromkeys(h.value for h in hits if not h.negated))
    ruled_out = {h.value for h in hits if h.negated} - set(chosen)
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) > 1:
        shown = "、".join(f"“{s[h.start : h.end]}”" for h in hits if not h.negated)
        return _choice_error("several", keyed, shown)
    if ruled_out:
        rest = [value for value, _ in keyed if value not in ruled_out]
        if len(rest) == 1:
            return rest[0]  # 不是小型企业 with two options: the other one
        return _choice_error("ambiguous", keyed, "；".join(opts.names[v] for v in rest))
    if unclear:
        candidates = [opts.names[v] for v, _ in keyed if v in unclear]
        return _choice_error("ambiguous", keyed, "；".join(candidates))
    return _choice_error("unreadable", keyed)


def parse_multi_choice(
    text: str, options: Sequence[tuple[str, Sequence[str]]]
) -> list[str] | Unknown | ParseError:
    """Pick any number of options ("1,3", "光伏、燃气锅炉", "锅炉改造，还有绿色工厂", "1-3", "全部", "都没有")."""
    opts = _option_keys(options)
    keyed = opts.keyed
    values = [value for value, _ in keyed]
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _choice_error("empty", keyed)
    exact = _exact_option(s, keyed)
    if exact is not None:
        return [exact]
    core = _choice_core(s)
    if core in _ALL_ANSWERS:
        return values
    if core in _NONE_ANSWERS:
        return []
    if is_unknown(text):
        return UNKNOWN
    hits, _ = _find_labels(s, opts)
    chosen: set[str] = {h.value for h in hits if not h.negated}
    excluded: set[str] = {h.value for h in hits if h.negated}
    # 除了光伏（以外）都有: everything except the options named after 除了
    except_m = re.search(r"除了?(.+?)(?:以外|之外)?的?(?:都|其他|其余|其它|全)", s)
    if except_m is not None:
        named = {h.value for h in hits if except_m.start(1) <= h.start < except_m.end(1)}
        if named:
            return [v for v in values if v not in named and v not in excluded]
    masked = list(s)
    for h in hits:
        masked[h.start : h.end] = [_HIT] * (h.end - h.start)
    rest = re.sub(r"(?<=\d)\.(?=\d)", ",", "".join(masked))  # "1.3" lists options 1 and 3
    for m in list(_CHOICE_RANGE_RE.finditer(rest)):
        low, high = int(m.group(1)), int(m.group(2))
        if not (1 <= low <= high <= len(keyed)):
            return _choice_error("range", keyed, str(high if high > len(keyed) else low))
        chosen.update(values[low - 1 : high])
    rest = _CHOICE_RANGE_RE.sub(",", rest)
    # Words around a named option that belong to its label ("燃气" of 燃气锅炉改造) are not extra options.
    chosen_keys = [k for v, keys in keyed if v in chosen | excluded for k in keys]
    for segment in _CHOICE_SEPARATORS_RE.split(rest):
        piece = _strip_punct(segment)
        if not piece.strip(_HIT):
            continue
        number = _number_in(piece)
        if number is not None:
            if 1 <= number <= len(keyed):
                chosen.add(values[number - 1])
                continue
            digits = [int(d) for d in piece] if piece.isdigit() else []
            # "13" with five options means 1 and 3
            if (
                digits
                and len(keyed) <= 9
                and len(set(digits)) == len(digits)
                and all(1 <= d <= len(keyed) for d in digits)
            ):
                chosen.update(values[d - 1] for d in digits)
                continue
            return _choice_error("range", keyed, str(number))
        if not _leftovers_fit(piece, chosen_keys):
            return _choice_error("not_option", keyed, segment.replace(_HIT, "").strip())
    chosen -= excluded
    if not chosen:
        return _choice_error("multi", keyed)
    return [v for v in values if v in chosen]
