"""Choices: ``parse_choice`` (one option) and ``parse_multi_choice`` (any number); re-asks: ``parse.choice.*``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from dialogs.messages import t
from dialogs.parse.choice_words import (
    _ALL_ANSWERS,
    _CHOICE_FILLER_RE,
    _CHOICE_RANGE_RE,
    _CHOICE_SEPARATORS_RE,
    _NONE_ANSWERS,
)
from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.options import (
    _choice_core,
    _exact_option,
    _find_labels,
    _number_in,
    _option_keys,
    _Options,
)
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.unknown import is_unknown


def _choice_example(opts: _Options) -> tuple[str, str]:
    """Return (one option name, another) to use in messages, as the options are labelled."""
    names = list(opts.names.values()) or ["1"]
    return names[0], names[1] if len(names) > 1 else names[0]


# The placeholder each kind of message shows its detail in.
_DETAIL: Final = {"range": "number", "several": "named", "ambiguous": "candidates", "not_option": "typed"}


def _choice_error(kind: str, opts: _Options, detail: str | list[str] = "") -> ParseError:
    """Build the message for a choice answer that could not be matched (a list detail is joined per language)."""
    first, second = _choice_example(opts)
    params = {"first": first, "second": second, "count": len(opts.keyed)}
    key = _DETAIL.get(kind, "detail")

    def said(lang: str) -> str:
        shown = t("parse.choice.list_sep", lang).join(detail) if isinstance(detail, list) else detail
        return t(f"parse.choice.{kind}", lang, **params, **{key: shown})

    # "ambiguous": the interview asks again showing the options instead of guessing.
    return ParseError(said("zh"), said("en"), "ambiguous" if kind in ("several", "ambiguous") else "invalid")


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
        return UNKNOWN if "?" in s else _choice_error("empty", opts)
    exact = _exact_option(s, keyed)
    if exact is not None:
        return exact
    if is_unknown(text):
        return UNKNOWN
    number = _number_in(_choice_core(s))
    if number is not None:
        if 1 <= number <= len(keyed):
            return keyed[number - 1][0]
        return _choice_error("range", opts, str(number))
    hits, unclear = _find_labels(s, opts)
    chosen = list(dict.fromkeys(h.value for h in hits if not h.negated))
    ruled_out = {h.value for h in hits if h.negated} - set(chosen)
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) > 1:
        shown = [f"“{s[h.start : h.end]}”" for h in hits if not h.negated]
        return _choice_error("several", opts, shown)
    if ruled_out:
        rest = [value for value, _ in keyed if value not in ruled_out]
        if len(rest) == 1:
            return rest[0]  # 不是小型企业 with two options: the other one
        return _choice_error("ambiguous", opts, [opts.names[v] for v in rest])
    if unclear:
        candidates = [opts.names[v] for v, _ in keyed if v in unclear]
        return _choice_error("ambiguous", opts, candidates)
    return _choice_error("unreadable", opts)


def parse_multi_choice(
    text: str, options: Sequence[tuple[str, Sequence[str]]]
) -> list[str] | Unknown | ParseError:
    """Pick any number of options ("1,3", "光伏、燃气锅炉", "锅炉改造，还有绿色工厂", "1-3", "全部", "都没有")."""
    opts = _option_keys(options)
    keyed = opts.keyed
    values = [value for value, _ in keyed]
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _choice_error("empty", opts)
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
            return _choice_error("range", opts, str(high if high > len(keyed) else low))
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
            return _choice_error("range", opts, str(number))
        if not _leftovers_fit(piece, chosen_keys):
            return _choice_error("not_option", opts, segment.replace(_HIT, "").strip())
    chosen -= excluded
    if not chosen:
        return _choice_error("multi", opts)
    return [v for v in values if v in chosen]
