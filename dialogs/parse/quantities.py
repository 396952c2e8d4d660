"""Lex the quantities of a normalised answer: a numeral with its unit, magnitude and modifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from dialogs.parse.numerals import (
    _ARABIC_RE,
    _BIG,
    _DIGITS,
    _MAX_DIGITS,
    _SMALL,
    _Numeral,
    _scan_numeral,
    _starts_numeral,
)
from dialogs.parse.units import _ascii_letter, _match_latin_magnitude, _match_unit, _Unit


@dataclass
class _Qty:
    value: Fraction  # in the dimension's base unit; bare numbers as typed (with magnitudes)
    dim: str | None  # None: no unit typed
    surface: str
    start: int
    end: int
    inexact: bool = False
    vague_range: bool = False
    malformed: bool = False
    too_large: bool = False
    negative: bool = False
    lone: bool = False  # one Chinese digit with no unit: only an answer if it is the whole text


_CURRENCY_PREFIXES: Final[tuple[tuple[str, str], ...]] = (
    ("人民币", "money"),
    ("rmb", "money"),
    ("cny", "money"),
    ("¥", "money"),
    ("us$", "foreign"),
    ("usd", "foreign"),
    ("hk$", "foreign"),
    ("$", "foreign"),
    ("€", "foreign"),
    ("£", "foreign"),
    ("美元", "foreign"),
)


def _skip_spaces(s: str, k: int) -> int:
    """Return the first index at or after ``k`` that is not a space."""
    while k < len(s) and s[k] == " ":
        k += 1
    return k


def _look_back(s: str, i: int) -> str:
    """Return the text before ``i`` with trailing spaces removed."""
    return s[:i].rstrip(" ")


def _prefix(s: str, i: int) -> tuple[int, str] | None:
    """Return (start, dimension) of a currency sign or word right before ``i``, if any."""
    before = _look_back(s, i)
    for prefix, dim in _CURRENCY_PREFIXES:
        if before.endswith(prefix):
            return len(before) - len(prefix), dim
    return None


def _is_negative(s: str, i: int) -> bool:
    """Tell whether the number at ``i`` carries a minus sign or 负 (not a range dash)."""
    before = _look_back(s, i)
    if before.endswith("负") or before.endswith("负的"):
        return True
    if before.endswith("-"):
        rest = before[:-1].rstrip(" ")
        # "300-500" is a range; "-500" or "亏损 -500" is negative.
        return not (
            rest and (rest[-1].isdigit() or rest[-1] in _DIGITS or rest[-1] in _SMALL or rest[-1] in _BIG)
        )
    return False


# Words right before a number that make it a bound rather than the figure.
_BOUND_BEFORE_RE: Final = re.compile(r"(?:(?<![最附])近|没有|没|未达到|未到|达不到)\s*$")


def _read_quantity(s: str, i: int, target_dim: str | None) -> _Qty | None:
    """Read one quantity starting at ``i`` (a numeral plus its unit), if any."""
    n = len(s)
    # 百分之十二, 千分之五
    for prefix, scale in (("百分之", Fraction(1, 100)), ("千分之", Fraction(1, 1000))):
        if s.startswith(prefix, i):
            j = i + len(prefix)
            if j < n and _starts_numeral(s, j):
                num = _scan_numeral(s, j)
                if num is not None:
                    return _qty_from(num, num.value * scale, "ratio", s, i, num.end)
            return None
    # 第二期, 第3名: ordinals name things.
    if s[i] == "第" and i + 1 < n and _starts_numeral(s, i + 1):
        num = _scan_numeral(s, i + 1)
        if num is not None:
            end = num.end
            unit = _match_unit(s, end, target_dim)
            if unit is not None:
                end += len(unit[0])
            return _Qty(num.value, "label", s[i:end], i, end)
    # 半年, 半个月, 半数
    if s[i] == "半":
        if s.startswith("半数", i):
            return _Qty(Fraction(1, 2), "ratio", "半数", i, i + 2)
        k = i + 1
        if s.startswith("个", k):
            k += 1
        unit = _match_unit(s, k, target_dim)
        if unit is not None and unit[1].dim in ("time", "shorttime", "count"):
            end = k + len(unit[0])
            return _Qty(Fraction(1, 2) * unit[1].factor, unit[1].dim, s[i:end], i, end)
        return None
    # 上百, 数十, 成百上千: vague amounts
    if s[i] in "上数" and i + 1 < n and (s[i + 1] in "十百千万亿"):
        num = _scan_numeral(s, i + 1)
        if num is not None:
            q = _finish(num, s, i, target_dim)
            q.inexact = True
            return q
    if not _starts_numeral(s, i):
        return None
    if s[i].isascii() and i > 0 and _ascii_letter(s[i - 1]) and _prefix(s, i) is None:
        # PM2.5, A1, v2: part of a name
        m = _ARABIC_RE.match(s, i)
        end = m.end() if m else i + 1
        return _Qty(Fraction(0), "label", s[i:end], i, end)
    num = _scan_numeral(s, i)
    if num is None:
        return None
    return _finish(num, s, i, target_dim)


def _qty_from(num: _Numeral, value: Fraction, dim: str | None, s: str, start: int, end: int) -> _Qty:
    """Wrap a scanned numeral as a quantity, carrying its flags."""
    return _Qty(
        value=value,
        dim=dim,
        surface=s[start:end].strip(),
        start=start,
        end=end,
        inexact=num.inexact,
        vague_range=num.vague_range,
        malformed=num.malformed,
        too_large=num.too_large,
        negative=_is_negative(s, start),
    )


def _finish(num: _Numeral, s: str, start: int, target_dim: str | None) -> _Qty:
    """Attach the unit, magnitude and modifiers that follow a numeral."""
    n = len(s)
    k = _skip_spaces(s, num.end)
    value = num.value
    # 三分之一
    if s.startswith("分之", k) and k + 2 < n and _starts_numeral(s, k + 2):
        numer = _scan_numeral(s, k + 2)
        if numer is not None:
            q = _qty_from(num, Fraction(0), "ratio", s, start, numer.end)
            if num.value == 0:
                q.malformed = True
            else:
                q.value = numer.value / num.value
            q.inexact = q.inexact or numer.inexact
            q.malformed = q.malformed or numer.malformed or numer.too_large
            return q
    if target_dim == "ratio" and s.startswith("/", num.end) and num.end + 1 < n and s[num.end + 1].isdigit():
        m = _ARABIC_RE.match(s, num.end + 1)
        if m is not None and len(m.group()) <= _MAX_DIGITS and Fraction(m.group().replace(",", "")) != 0:
            # 1/3 as a share; elsewhere "1/3" is too likely to mean "1 or 3"
            return _qty_from(
                num, num.value / Fraction(m.group().replace(",", "")), "ratio", s, start, m.end()
            )
    half = False
    unit: tuple[str, _Unit] | None = None
    if s.startswith("个半", k):
        cand = _match_unit(s, k + 2, target_dim)
        if cand is not None and cand[1].dim in ("time", "shorttime"):
            half, unit = True, cand  # 一个半月
            k += 2
    if unit is None:
        unit = _match_unit(s, k, target_dim)
    end = num.end
    if unit is None and not num.chinese_only:
        mag = _match_latin_magnitude(s, k)
        if mag is not None:
            value *= mag[0]
            end = mag[1]
            k = _skip_spaces(s, mag[1])
            unit = _match_unit(s, k, target_dim)
    dim: str | None = None
    if unit is not None:
        surface, u = unit
        k += len(surface)
        dim = u.dim
        if u.dim in ("time", "shorttime") and s.startswith("半", k):
            half = True  # 一年半, 两年半
            k += 1
        if half:
            value += Fraction(1, 2)
        if surface == "成" and k < n:
            tenth = _tenth_after_cheng(s, k)
            if tenth is not None:
                value += tenth  # 九成五 = 95%, 三成半 = 35%
                k += 1
        value *= u.factor
        end = k
    elif num.single_char and num.value == 1 and s.startswith("半", k):
        value, dim, end = Fraction(1, 2), "ratio", k + 1  # 一半
    q = _qty_from(num, value, dim, s, start, end)
    if dim is None:
        prefix = _prefix(s, start)  # ¥500, RMB 500, $500
        if prefix is not None:
            q.dim = prefix[1]
            q.surface = s[prefix[0] : end].strip()
    if end < n and s[end] == "+":
        q.inexact = True  # 500+
    if _BOUND_BEFORE_RE.search(s[:start]):
        q.inexact = True
    q.lone = num.single_char and dim is None
    return q


def _tenth_after_cheng(s: str, k: int) -> Fraction | None:
    """Read the single digit after 成 (九成五 -> 5/10 of a 成), if it stands alone."""
    ch = s[k]
    nxt = s[k + 1] if k + 1 < len(s) else ""
    if nxt and (nxt in _DIGITS or nxt in _SMALL or nxt in _BIG or nxt.isdigit() or nxt in "点."):
        return None
    if ch == "半":
        return Fraction(1, 2)
    if ch in _DIGITS:
        return Fraction(_DIGITS[ch], 10)
    if ch.isascii() and ch.isdigit():
        return Fraction(int(ch), 10)
    return None


def _lex(s: str, target_dim: str | None) -> list[_Qty]:
    """Find every quantity in a normalised answer."""
    out: list[_Qty] = []
    i = 0
    while i < len(s):
        q = _read_quantity(s, i, target_dim)
        if q is None:
            i += 1
            continue
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.dim == q.dim == "time"
            and s[prev.end : q.start].strip(" ,又和") in ("", "and")
            and not (prev.negative or q.negative)
        ):
            # 一年零三个月, 1年3个月, 2 years and 6 months: one duration written in two parts
            prev.value += q.value
            prev.end = q.end
            prev.surface = s[prev.start : q.end].strip()
            prev.inexact = prev.inexact or q.inexact
            prev.malformed = prev.malformed or q.malformed
        else:
            out.append(q)
        i = max(q.end, i + 1)
    return out
