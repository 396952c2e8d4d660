"""Read numerals, units and quantities out of a normalised answer (the lexer under every number parser)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from dialogs.parse.fold import _strip_punct

# --------------------------------------------------------------------------------------------
# Numerals
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

# Dimensions and their base units: money yuan, power kW, energy kWh, area m², ratio fraction,
# count pieces, time months. "label" marks numbers that name things (二期, 3号楼, 第2) and are
# never answers; the rest are real units that no question here asks for.
_DIM_NAMES: Final[dict[str, tuple[str, str]]] = {
    "money": ("金额", "an amount of money"),
    "power": ("功率（装机容量）", "a power capacity"),
    "energy": ("电量", "an amount of energy"),
    "area": ("面积", "an area"),
    "ratio": ("比例", "a percentage"),
    "count": ("数量", "a count"),
    "time": ("时长", "a duration"),
    "shorttime": ("以天或小时计的时长", "a duration in days or hours"),
    "foreign": ("外币金额", "an amount in a foreign currency"),
    "other": ("这个问题用不到的单位", "a unit this question does not use"),
}


@dataclass(frozen=True)
class _Unit:
    dim: str
    factor: Fraction  # multiply the typed figure by this to get the dimension's base unit


def _units() -> dict[str, _Unit]:
    """Build the unit table (surface form -> dimension and factor)."""
    table: dict[str, _Unit] = {}

    def add(dim: str, factor: Fraction | int, *surfaces: str) -> None:
        for surface in surfaces:
            table[surface] = _Unit(dim, Fraction(factor))

    add("money", 1, "元", "块钱", "块", "元钱", "元人民币", "人民币", "rmb", "cny", "yuan", "圆", "¥")
    add(
        "foreign",
        1,
        "美元",
        "美金",
        "刀",
        "欧元",
        "港币",
        "港元",
        "日元",
        "英镑",
        "usd",
        "eur",
        "$",
        "€",
        "£",
    )
    add("power", 1, "千瓦", "kw", "kwp", "千瓦峰值", "kilowatt", "kilowatts")
    add("power", 1000, "兆瓦", "mw", "mwp", "megawatt", "megawatts")
    add("power", 10**6, "吉瓦", "gw", "gwp", "gigawatt", "gigawatts")
    add("power", Fraction(1, 1000), "瓦", "w", "wp", "watt", "watts")
    add("energy", 1, "度", "度电", "千瓦时", "千瓦小时", "kwh", "kw·h", "kw.h", "kw-h", "kw*h")
    add("energy", 1, "kilowatt-hour", "kilowatt-hours", "kilowatt hours", "kilowatt hour")
    add("energy", 1000, "兆瓦时", "mwh", "mw·h", "megawatt-hours", "megawatt hours")
    add("energy", 10**6, "吉瓦时", "gwh", "gw·h")
    add("energy", Fraction(1, 1000), "瓦时", "wh")
    add("area", 1, "平方米", "平米", "平方", "平", "m2", "sqm", "sq m", "square meters", "square metres")
    add("area", 1, "square meter", "square metre")
    add("area", 10**4, "公顷", "ha", "hectare", "hectares")
    add("area", Fraction(10000, 15), "亩", "mu")  # 1 亩 = 10000/15 m² by definition
    add("area", 10**6, "平方公里", "平方千米", "km2", "sq km")
    add("ratio", Fraction(1, 100), "%", "percent", "per cent", "pct", "个百分点")
    add("ratio", Fraction(1, 1000), "‰")
    add("ratio", Fraction(1, 10), "成")
    add("count", 1, *"个台辆套家人名位座栋幢间处项件张根部条架只次批组户种所口桩把支片颗盏枚")
    add("count", 1, "units", "unit", "pcs", "pieces", "sets", "set", "vehicles", "vehicle", "cars")
    add("count", 1, "people", "persons", "times", "sites")
    add("time", 12, "年", "周年", "years", "year", "yrs", "yr")
    add("time", 1, "个月", "月", "months", "month", "mos", "mo")
    add("time", 3, "个季度")
    add("shorttime", 1, "天", "日", "周", "星期", "礼拜", "小时", "钟头", "分钟", "秒", "个小时", "个星期")
    add("shorttime", 1, "工作日", "days", "day", "weeks", "week", "hours", "hour", "h")
    add("label", 1, "号", "期", "号楼", "楼", "层", "级", "类", "型", "代", "星", "版", "轮", "届", "季度")
    add("label", 1, "月份", "年度", "年级", "号线", "线", "点", "平台", "档", "挡")
    add("other", 1, "吨", "t", "公斤", "kg", "千克", "克", "米", "m", "公里", "km", "千米", "立方米", "立方")
    add(
        "other",
        1,
        "m3",
        "方",
        "升",
        "吨标煤",
        "吨标准煤",
        "tce",
        "吨二氧化碳",
        "tco2",
        "千伏安",
        "kva",
        "mva",
    )
    add("other", 1, "千伏", "kv", "伏", "v", "安", "倍", "°c", "摄氏度")
    return table


_UNITS: Final = _units()
_UNIT_SURFACES: Final = sorted(_UNITS, key=len, reverse=True)
_LATIN_MAGNITUDES: Final[list[tuple[str, int]]] = sorted(
    [
        ("k", 10**3),
        ("thousand", 10**3),
        ("w", 10**4),
        ("m", 10**6),
        ("mn", 10**6),
        ("million", 10**6),
        ("bn", 10**9),
        ("billion", 10**9),
    ],
    key=lambda item: len(item[0]),
    reverse=True,
)


def _ascii_letter(ch: str) -> bool:
    """Tell whether ``ch`` is an ASCII letter."""
    return ch.isascii() and ch.isalpha()


def _match_unit(s: str, k: int, target_dim: str | None) -> tuple[str, _Unit] | None:
    """Match the longest unit at ``k``, resolving 块/w/m by what the question asks for."""
    n = len(s)
    for surface in _UNIT_SURFACES:
        if not s.startswith(surface, k):
            continue
        end = k + len(surface)
        if _ascii_letter(surface[-1]) and end < n and _ascii_letter(s[end]):
            continue  # "5 apples" is not "5 a…"
        unit = _UNITS[surface]
        if surface == "块" and target_dim == "count":
            unit = _Unit("count", Fraction(1))  # 10块光伏板
        if surface == "w" and target_dim != "power":
            continue  # 10w元 = 10万元
        if surface == "m" and target_dim != "area":
            continue  # 1.2M = 1.2 million
        return surface, unit
    return None


def _match_latin_magnitude(s: str, k: int) -> tuple[int, int] | None:
    """Match k/w/M/thousand/million… at ``k``; return (factor, end)."""
    n = len(s)
    for word, factor in _LATIN_MAGNITUDES:
        if s.startswith(word, k):
            end = k + len(word)
            if end < n and _ascii_letter(s[end]):
                continue
            return factor, end
    return None


# --------------------------------------------------------------------------------------------
# Lexing quantities out of an answer
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Preparing an answer for number parsing
# --------------------------------------------------------------------------------------------

_EN_ONES: Final[dict[str, int]] = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_EN_TENS: Final[dict[str, int]] = {
    word: 10 * (value + 2)
    for value, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_EN_SCALES: Final[dict[str, int]] = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_NUMBER_WORD: Final = "|".join([*_EN_ONES, *_EN_TENS])
_EN_ANY_WORD: Final = "|".join([*_EN_ONES, *_EN_TENS, *_EN_SCALES])
_EN_NUMBER_RE: Final = re.compile(rf"\b(?:{_EN_NUMBER_WORD})\b(?:(?:\s+|-)(?:and\s+)?(?:{_EN_ANY_WORD})\b)*")
_DATE_RES: Final = (
    re.compile(r"(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月份?(?:\s*\d{1,2}\s*[日号])?)?"),
    re.compile(r"(?<![\d.])(?:19|20)\d{2}(?:[-/]\d{1,2}(?:[-/]\d{1,2})?|\.\d{1,2}\.\d{1,2})(?![\d.])"),
    re.compile(r"[零〇一二三四五六七八九]{4}年"),
)


def _english_number(match: re.Match[str]) -> str:
    """Turn "two hundred and fifty" into "250"."""
    total = current = 0
    for word in re.findall(r"[a-z]+", match.group()):
        if word in _EN_ONES:
            current += _EN_ONES[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[word]
            current = 0
    return str(total + current)


def _half_up(match: re.Match[str]) -> str:
    """Turn "2 years and a half" / "2 and a half years" into "2.5 years"."""
    value = Fraction(match.group(1)) + Fraction(1, 2)
    rest = match.group(2) or ""
    return f"{float(value):g} {rest}".strip()


def _prepare(s: str) -> str:
    """Spell English number words as digits and blank out calendar dates."""
    if any(ch.isascii() and ch.isalpha() for ch in s):
        s = re.sub(r"\ba (year|month)s? and a half\b", r"1.5 \1", s)
        s = re.sub(r"\bhalf (?:a |an )?(year|month)\b", r"0.5 \1", s)
        s = re.sub(r"\ban? (year|month)\b", r"1 \1", s)
        s = _EN_NUMBER_RE.sub(_english_number, s)
        s = re.sub(r"(\d+(?:\.\d+)?)\s+(years?|months?)\s+and a half\b", _half_up, s)
        s = re.sub(r"(\d+(?:\.\d+)?)\s+and a half\b\s*(years?|months?)?", _half_up, s)
    for date_re in _DATE_RES:
        s = date_re.sub(" ", s)
    return s


_NUMBER_FILLERS: Final = sorted(
    [
        "大概是",
        "大约是",
        "大概",
        "大约",
        "约为",
        "约",
        "差不多",
        "左右",
        "上下",
        "估计",
        "大致",
        "一共",
        "总共",
        "合计",
        "共计",
        "共",
        "我们",
        "我",
        "是",
        "有",
        "为",
        "的",
        "吧",
        "啊",
        "呢",
        "了",
        "嘛",
        "哦",
        "就",
        "只有",
        "只",
        "目前",
        "现在",
        "应该",
        "about",
        "around",
        "approximately",
        "approx",
        "roughly",
        "~",
        "≈",
    ],
    key=len,
    reverse=True,
)
_NUMBER_FILLER_RE: Final = re.compile("|".join(re.escape(word) for word in _NUMBER_FILLERS))


def _is_whole_answer(s: str, q: _Qty) -> bool:
    """Tell whether a lone Chinese digit is the whole answer ("三", "大概五吧"), not part of a word."""
    rest = s[: q.start] + " " + s[q.end :]
    return not _strip_punct(_NUMBER_FILLER_RE.sub("", rest))


_ZERO_ANSWERS: Final = frozenset(
    {
        "无",
        "没有",
        "没",
        "都没有",
        "暂无",
        "还没有",
        "还没",
        "目前没有",
        "暂时没有",
        "我们没有",
        "目前还没有",
        "一个都没有",
        "一个也没有",
        "一台都没有",
        "一台也没有",
        "一辆都没有",
        "一辆也没有",
        "零",
        "none",
        "zero",
        "nothing",
        "nil",
    }
)
_RATIO_ONE_ANSWERS: Final = frozenset(
    {"全部", "全都是", "全是", "都是", "全部都是", "全部是", "所有", "全都", "百分百", "all", "allofit"}
)
_RATIO_HALF_ANSWERS: Final = frozenset({"一半", "半数", "half", "一半吧"})
_BOUND_RE: Final = re.compile(
    r"以上|以下|以内|之内|超过|超出|不到|不足|不够|至少|最少|最多|至多|少于|多于|高于|低于|大于|小于"
    r"|不低于|不少于|不超过|不高于|不止|将近|接近|逾|未满|不满|出头|开外|几乎|>|<|≥|≤"
    r"|\b(?:more than|less than|fewer than|at least|at most|over|under|above|below|nearly|almost|up to)\b"
)


def _special_number(s: str, unit: str) -> Fraction | None:
    """Return the value of a whole-word answer such as 没有 (0) or 全部 (100%)."""
    core = _strip_punct(s).rstrip("吧啊呢的了")
    if core in _ZERO_ANSWERS:
        return Fraction(0)
    if unit == "ratio":
        if core in _RATIO_ONE_ANSWERS:
            return Fraction(1)
        if core in _RATIO_HALF_ANSWERS:
            return Fraction(1, 2)
    return None
