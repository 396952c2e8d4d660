"""Read Arabic, Chinese and mixed numerals ("1.2亿", "一千二百五十万", "五零零"); its Chinese is the numerals it reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from dialogs.parse.units import _match_unit

_DIGITS: Final[dict[str, int]] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "叁": 3,
    "仨": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL: Final[dict[str, int]] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG: Final[dict[str, int]] = {"万": 10**4, "亿": 10**8}
# 千瓦/千克/千米… are units, not "thousand" followed by a unit.
_UNIT_AFTER_THOUSAND: Final = "瓦伏克米卡帕焦"
_ARABIC_RE: Final = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
_MAX_DIGITS: Final = 20
_MAX_VALUE: Final = Fraction(10**16)


@dataclass
class _Numeral:
    value: Fraction
    end: int
    chinese_only: bool
    single_char: bool
    inexact: bool = False
    vague_range: bool = False
    malformed: bool = False
    too_large: bool = False


def _small_is_unit_prefix(s: str, j: int) -> bool:
    """Tell whether 千/百 at ``j`` starts a unit such as 千瓦 rather than a magnitude."""
    return s[j] in "千仟百佰" and j + 1 < len(s) and s[j + 1] in _UNIT_AFTER_THOUSAND


def _eval_tokens(toks: list[tuple[str, Fraction, bool]]) -> tuple[Fraction, bool, bool]:
    """Evaluate numeral tokens; return (value, malformed, vague_range)."""
    total = Fraction(0)
    wan = Fraction(0)
    section = Fraction(0)
    pending: Fraction | None = None
    pending_single = False
    last_unit: int | None = None
    zero_seen = False
    malformed = False
    vague_range = False
    if len(toks) >= 2 and all(kind in ("num", "zero") and single for kind, _, single in toks):
        if len(toks) == 2 and all(kind == "num" for kind, _, _ in toks):
            return Fraction(0), True, True  # 三四个, 七八: a rough range, not a figure
        positional = Fraction(0)
        for _, v, _ in toks:
            positional = positional * 10 + v  # 五零零, 二〇二三: read digit by digit
        return positional, False, False
    for kind, v, single in toks:
        if kind == "zero":
            if pending is not None:
                malformed = True
            zero_seen = True
        elif kind == "num":
            if pending is not None:
                # 三四个 / 七八十万: two digits in a row give a rough range, not a figure.
                if single and pending_single:
                    vague_range = True
                malformed = True
            pending, pending_single = v, single
        elif kind == "small":
            section += (pending if pending is not None else 1) * v
            pending, last_unit, zero_seen = None, int(v), False
        else:  # big
            base = section + (pending if pending is not None else 0)
            if v == 10**4:
                wan += base * v
            else:
                total = (total + wan + base) * v
                wan = Fraction(0)
            section, pending, last_unit, zero_seen = Fraction(0), None, int(v), False
    if pending is not None:
        # 一万五 = 15000, 两百五 = 250, 1万5 = 15000: a single trailing digit right after a
        # magnitude counts in the next lower place (a gap would have been written with 零).
        if (
            pending_single
            and last_unit is not None
            and not zero_seen
            and pending.denominator == 1
            and 1 <= pending <= 9
        ):
            pending = pending * last_unit / 10
        section += pending
    return total + wan + section, malformed, vague_range


def _starts_numeral(s: str, i: int) -> bool:
    """Tell whether a numeral can start at ``i``."""
    ch = s[i]
    if ch.isascii() and ch.isdigit():
        return True
    if ch in _DIGITS:
        return True
    if ch in _SMALL:
        return not _small_is_unit_prefix(s, i)
    if ch == "几":
        return i + 1 < len(s) and (
            s[i + 1] in _SMALL or s[i + 1] in _BIG or _match_unit(s, i + 1, None) is not None
        )
    return False


def _scan_numeral(s: str, i: int) -> _Numeral | None:
    """Read an Arabic, Chinese or mixed numeral starting at ``i`` ("1.2亿", "一千二百五十万")."""
    n = len(s)
    j = i
    toks: list[tuple[str, Fraction, bool]] = []
    frac: Fraction | None = None
    after_frac: list[int] = []
    chinese_only = True
    inexact = malformed = too_large = False
    while j < n:
        ch = s[j]
        if frac is not None:
            # Only magnitudes may follow a Chinese decimal: 一点二亿, 零点五万.
            if ch in _BIG or (ch in _SMALL and not _small_is_unit_prefix(s, j)):
                after_frac.append(_BIG.get(ch) or _SMALL[ch])
                j += 1
                continue
            break
        if ch.isascii() and ch.isdigit():
            if toks and toks[-1][0] == "num":
                malformed = True  # 五5
                break
            m = _ARABIC_RE.match(s, j)
            assert m is not None  # a digit always matches
            digits = m.group().replace(",", "")
            if len(digits) > _MAX_DIGITS:
                too_large = True
                value = Fraction(0)
            else:
                value = Fraction(digits)
            toks.append(("num", value, len(digits) == 1))
            chinese_only = False
            j = m.end()
            # "1.5 万": allow a space between Arabic digits and a Chinese magnitude.
            k = j
            while k < n and s[k] == " ":
                k += 1
            if k < n and k > j and (s[k] in _BIG or (s[k] in _SMALL and not _small_is_unit_prefix(s, k))):
                j = k
            continue
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            if digit == 0:
                toks.append(("zero", Fraction(0), True))
            else:
                toks.append(("num", Fraction(digit), True))
            j += 1
            continue
        if ch in _SMALL and not _small_is_unit_prefix(s, j):
            toks.append(("small", Fraction(_SMALL[ch]), False))
            j += 1
            continue
        if ch in _BIG and toks:
            toks.append(("big", Fraction(_BIG[ch]), False))
            j += 1
            continue
        if ch == "点" and toks and j + 1 < n and s[j + 1] in _DIGITS:
            k = j + 1
            frac_digits = ""
            while k < n and s[k] in _DIGITS:
                frac_digits += str(_DIGITS[s[k]])
                k += 1
            if len(frac_digits) > _MAX_DIGITS:
                too_large = True
                frac_digits = frac_digits[:_MAX_DIGITS]
            frac = Fraction(int(frac_digits), 10 ** len(frac_digits))
            j = k
            continue
        if ch in "多余" and toks and toks[-1][0] in ("small", "big", "num"):
            # 三百多万 / 500余千瓦: "more than", not a figure.
            inexact = True
            j += 1
            continue
        if ch == "来" and toks and toks[-1][0] == "small":
            inexact = True  # 十来个 = "about ten or so"
            j += 1
            continue
        if ch == "几" and (
            (toks and toks[-1][0] in ("small", "big")) or (not toks and _starts_numeral(s, j))
        ):
            inexact = True  # 几十万, 十几个, 几个: "some", not a figure
            toks.append(("num", Fraction(1), False))
            j += 1
            continue
        break
    if not toks:
        return None
    value, bad, vague = _eval_tokens(toks)
    if frac is not None:
        value += frac
        for mult in after_frac:
            value *= mult
    return _Numeral(
        value=value,
        end=j,
        chinese_only=chinese_only,
        single_char=chinese_only and j - i == 1,
        inexact=inexact,
        vague_range=vague,
        malformed=malformed or bad,
        too_large=too_large,
    )
