"""Parse free-text interview answers (Chinese or simple English) into typed values.

Pure functions, no I/O. Every parser returns a value, ``UNKNOWN`` (the user says they do not
know) or a ``ParseError`` whose Chinese and English messages say why and give an example.

Rules worth knowing when writing questions:

* ``parse_number(text, unit)`` converts what was typed into ``unit``: "yuan", "kw", "kwh",
  "m2", "ha", "ratio" (0..1), "count", "months", "years" or "plain" (a bare number).
  A figure typed without a unit is taken to be in ``unit`` already (magnitudes such as
  万/亿/k/M still apply: "300万" for yuan is 3,000,000).
* Ratio: "30%", "百分之三十", "三成", "一半" are explicit. A bare number ``v`` is a fraction when
  ``v <= 1`` ("0.3" -> 0.3, "1" -> 1.0) and a percentage when ``1 < v <= 100`` ("30" -> 0.3);
  above 100 is an error, as is any ratio above 100%.
* Approximations "约/大概/左右/差不多/上下" are accepted as the figure. Bounds and vague amounts
  ("以上/超过/不到/以下/至少/将近/三百多万/几十/三四个") are rejected with a request for the
  exact figure, because policy thresholds ("以上" vs "超过") depend on exact values.
* Several different figures of the requested kind ("300到500千瓦", "500千瓦和300千瓦") are
  rejected; the same figure twice ("500千瓦（0.5兆瓦）") is accepted. Figures of another kind are
  context and ignored ("2023年装了500千瓦" -> 500 kW); calendar dates are ignored.
* 1 亩 = 10000/15 m² (≈ 666.667 m², ≈ 0.0666667 ha), the statutory definition.
* A lone "w"/"W" after a number means 万 ("10w元"), except for power questions where it means
  watts; a lone "m"/"M" means million, except for area questions where it is a length (an error).
* "没有"/"无"/"零" alone mean 0 for any numeric question; "全部"/"全都是" mean 1.0 for a ratio.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

__all__ = [
    "UNKNOWN",
    "ParseError",
    "Unknown",
    "is_unknown",
    "parse_bool",
    "parse_choice",
    "parse_multi_choice",
    "parse_number",
]


class Unknown:
    """Sentinel type for "the user does not know"; use the module constant ``UNKNOWN``."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        """Return the single shared instance."""
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        """Show the constant's name."""
        return "UNKNOWN"

    def __reduce__(self) -> str:
        """Pickle as a reference to the module constant so identity survives a round trip."""
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


@dataclass(frozen=True)
class ParseError:
    """Why an answer could not be used, with an example of a valid answer."""

    message_zh: str
    message_en: str


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_TRANSLATE: Final = str.maketrans(
    {
        "−": "-",
        "–": "-",
        "—": "-",
        "〜": "~",
        "﹣": "-",
        "’": "'",
        "‘": "'",
        "。": " ",
        "\u3000": " ",
        "萬": "万",
        "億": "亿",
        "兩": "两",
        "貳": "贰",
        "參": "叁",
        "陸": "陆",
        "點": "点",
    }
)


def _normalize(text: str) -> str:
    """Fold full-width forms, case and a few variant characters; collapse whitespace."""
    s = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower()
    return re.sub(r"\s+", " ", s).strip()


def _strip_punct(s: str) -> str:
    """Drop punctuation, symbols and spaces (keeping % and the digits' decimal point)."""
    return "".join(
        ch for ch in s if ch in "%.+-" or not (unicodedata.category(ch)[0] in "PSZ" or ch.isspace())
    )


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


# --------------------------------------------------------------------------------------------
# Numbers: public parser and its messages
# --------------------------------------------------------------------------------------------

_TARGETS: Final[dict[str, str]] = {
    "yuan": "money",
    "kw": "power",
    "kwh": "energy",
    "m2": "area",
    "ha": "area",
    "ratio": "ratio",
    "count": "count",
    "months": "time",
    "years": "time",
    "plain": "plain",
}
# Multiply a dimension's base unit by this to get the question's unit.
_TARGET_SCALE: Final[dict[str, Fraction]] = {"ha": Fraction(1, 10**4), "years": Fraction(1, 12)}
# unit -> (what is asked, zh; what is asked, en; example zh; example en)
_TARGET_TEXT: Final[dict[str, tuple[str, str, str, str]]] = {
    "yuan": ("金额（元）", "an amount in yuan", "“300万元”或“1.2亿元”", "“3,000,000 yuan” or “1.2亿元”"),
    "kw": ("功率（千瓦）", "a capacity in kW", "“500千瓦”或“0.5兆瓦”", "“500 kW” or “0.5 MW”"),
    "kwh": (
        "电量（千瓦时）",
        "an amount of energy in kWh",
        "“400万千瓦时”或“400万度”",
        "“4,000,000 kWh” or “4 GWh”",
    ),
    "m2": ("面积（平方米）", "an area in m²", "“5000平方米”或“1.2万平方米”", "“5,000 m²” or “1.2万平方米”"),
    "ha": ("面积（公顷）", "an area in hectares", "“2公顷”或“30亩”", "“2 ha” or “30 mu”"),
    "ratio": ("比例", "a percentage", "“30%”或“三成”", "“30%” or “0.3”"),
    "count": ("数量", "a count", "“3台”或“12个”", "“3” or “12 units”"),
    "months": ("时长（月）", "a duration in months", "“12个月”或“一年半”", "“12 months” or “1.5 years”"),
    "years": ("时长（年）", "a duration in years", "“3年”或“两年半”", "“3 years” or “2.5 years”"),
    "plain": ("一个数字", "a number", "“12”", "“12”"),
}


def _number_error(unit: str, kind: str, detail_zh: str = "", detail_en: str = "") -> ParseError:
    """Build the message for one way a number answer can fail, with an example for ``unit``."""
    asked_zh, asked_en, ex_zh, ex_en = _TARGET_TEXT[unit]
    if kind == "empty":
        return ParseError(
            f"还没有收到回答。请回复{asked_zh}，例如{ex_zh}。",
            f"The answer is empty. Reply with {asked_en}, e.g. {ex_en}.",
        )
    if kind == "unreadable":
        return ParseError(
            f"没看懂这个数字。请直接回复数值和单位，例如{ex_zh}。",
            f"I could not read that number. Reply with a figure and unit, e.g. {ex_en}.",
        )
    if kind == "inexact":
        return ParseError(
            f"请给出确切数值：政策门槛取决于具体数字（“以上”和“超过”的界限不同），"
            f"“以上/超过/不到/多/几”这类说法无法判断。请回复一个数，例如{ex_zh}。",
            f"Please give the exact figure: policy thresholds depend on it, so “over”, “under” or "
            f"“more than” cannot be judged. Reply with one figure, e.g. {ex_en}.",
        )
    if kind == "several":
        return ParseError(
            f"回答里有不止一个数值（{detail_zh}），请只回复一个数，例如{ex_zh}。",
            f"Your answer contains more than one figure ({detail_en}). Reply with a single figure, e.g. {ex_en}.",
        )
    if kind == "negative":
        return ParseError(
            f"数值不能是负数。请回复0或更大的数，例如{ex_zh}。",
            f"The figure cannot be negative. Reply with zero or more, e.g. {ex_en}.",
        )
    if kind == "over100":
        return ParseError(
            "比例不能超过100%。请回复0到100%之间的数，例如“30%”或“三成”。",
            "A share cannot exceed 100%. Reply with a value from 0 to 100%, e.g. “30%”.",
        )
    if kind == "fractional":
        return ParseError(
            f"数量应为整数。请回复一个整数，例如{ex_zh}。",
            f"A count must be a whole number, e.g. {ex_en}.",
        )
    if kind == "too_large":
        return ParseError(
            f"这个数大得不合常理，请核对后重新回复，例如{ex_zh}。",
            f"That figure is implausibly large; please check it and reply again, e.g. {ex_en}.",
        )
    # kind == "incompatible": detail_zh is what was typed, detail_en its dimension
    surface, dim = detail_zh, detail_en
    dim_zh, dim_en = _DIM_NAMES.get(dim, _DIM_NAMES["other"])
    return ParseError(
        f"这里需要填写{asked_zh}，但“{surface}”是{dim_zh}。请按{asked_zh}回复，例如{ex_zh}。",
        f"This question asks for {asked_en}, but “{surface}” is {dim_en}. Reply with {asked_en}, e.g. {ex_en}.",
    )


def _convert(q: _Qty, unit: str, target_dim: str) -> Fraction:
    """Convert a quantity into the question's unit (bare numbers are already in it)."""
    if q.dim is None:
        if unit == "ratio" and q.value > 1:
            return q.value / 100  # documented rule: a bare 1 < v <= 100 is a percentage
        return q.value
    if target_dim == "plain":
        return q.value
    return q.value * _TARGET_SCALE.get(unit, Fraction(1))


def parse_number(text: str, unit: str) -> float | Unknown | ParseError:
    """Parse a figure typed with any common unit and convert it to ``unit`` (see module docs)."""
    if unit not in _TARGETS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(_TARGETS)}")
    target_dim = _TARGETS[unit]
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _number_error(unit, "empty")
    s = _prepare(s)
    special = _special_number(s, unit)
    if special is not None:
        return float(special)
    lex_dim = None if target_dim == "plain" else target_dim
    qtys = [q for q in _lex(s, lex_dim) if not q.lone or _is_whole_answer(s, q)]
    accepted = {target_dim, "count"} if target_dim == "plain" else {target_dim}
    candidates = [q for q in qtys if q.dim is None or q.dim in accepted]
    if not candidates:
        others = [q for q in qtys if q.dim != "label"]
        if others:
            first = others[0]
            return _number_error(unit, "incompatible", first.surface, first.dim or "other")
        if is_unknown(text):
            return UNKNOWN
        return _number_error(unit, "unreadable")
    if any(q.too_large for q in candidates):
        return _number_error(unit, "too_large")
    if any(q.vague_range for q in candidates):
        return _number_error(unit, "inexact")
    if any(q.malformed for q in candidates):
        return _number_error(unit, "unreadable")
    if any(q.inexact for q in candidates) or _BOUND_RE.search(s):
        return _number_error(unit, "inexact")
    values = [_convert(q, unit, target_dim) for q in candidates]
    if len(set(values)) > 1:
        shown = list(dict.fromkeys(q.surface for q in candidates))
        return _number_error(unit, "several", "、".join(shown), ", ".join(shown))
    if any(q.negative for q in candidates):
        return _number_error(unit, "negative")
    value = values[0]
    if value > _MAX_VALUE:
        return _number_error(unit, "too_large")
    if unit == "ratio" and value > 1:
        return _number_error(unit, "over100")
    if unit == "count" and value.denominator != 1:
        return _number_error(unit, "fractional")
    return float(value)


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


def parse_bool(text: str) -> bool | Unknown | ParseError:
    """Parse a yes/no answer (是/有/对/嗯/yes… or 否/没有/不/未/no…); 不知道 gives UNKNOWN."""
    s = _normalize(text)
    if not _strip_punct(s):
        return UNKNOWN if "?" in s else _bool_error("empty")
    if is_unknown(text):
        return UNKNOWN
    if _BOOL_AMBIGUOUS_RE.search(s) or _BOOL_DOUBLE_NEG_RE.search(s) or _BOOL_HEDGE_RE.search(s):
        return _bool_error("ambiguous")
    if "吗" in s or s.rstrip().endswith("?"):
        return _bool_error("ambiguous")  # a question back is not an answer
    markers = _bool_markers(s)
    strong = {pol for pol, is_strong, _ in markers if is_strong}
    weak = {pol for pol, is_strong, _ in markers if not is_strong}
    decided = strong or weak
    if len(decided) > 1:
        return _bool_error("conflict")
    if not decided:
        return _bool_error("unreadable")
    return decided.pop() == _POS


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
_CHOICE_NEGATED_RE: Final = re.compile(r"(?:不是|不要|不|非|没有|没|无)\s*$")


def _choice_core(s: str) -> str:
    """Compact an answer for whole-answer comparison: no punctuation, no trailing particles."""
    core = _strip_punct(s)
    core = re.sub(r"^(?:我们选|我选|就选|选择|选|答案是|应该是)", "", core)
    return re.sub(r"[吧啊呢了呀哦]+$", "", core)


def _option_keys(options: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    """Normalise each option's value and labels for matching."""
    keyed: list[tuple[str, list[str]]] = []
    for value, labels in options:
        keys = [_normalize(x) for x in (value, *labels)]
        keyed.append((value, [k for k in dict.fromkeys(keys) if k]))
    return keyed


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


def _find_labels(s: str, keyed: list[tuple[str, list[str]]]) -> list[_LabelHit]:
    """Find option labels mentioned inside a longer answer, longest labels first."""
    pairs = sorted(((k, v) for v, keys in keyed for k in keys), key=lambda kv: len(kv[0]), reverse=True)
    taken = [False] * len(s)
    hits: list[_LabelHit] = []
    for key, value in pairs:
        if len(key) < 2 or key.replace(".", "").isdigit():
            continue  # one-character labels only match whole answers; numbers are option numbers
        if all(ch.isascii() for ch in key):
            pattern = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])")
        else:
            pattern = re.compile(re.escape(key))
        for m in pattern.finditer(s):
            if any(taken[m.start() : m.end()]):
                continue
            for pos in range(m.start(), m.end()):
                taken[pos] = True
            negated = bool(_CHOICE_NEGATED_RE.search(s[: m.start()]))
            hits.append(_LabelHit(value, m.start(), m.end(), negated))
    hits.sort(key=lambda h: h.start)
    return hits


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


def parse_choice(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | Unknown | ParseError:
    """Pick one option by its label, a synonym, its value or its 1-based number; return the value."""
    keyed = _option_keys(options)
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
    hits = _find_labels(s, keyed)
    chosen = list(dict.fromkeys(h.value for h in hits if not h.negated))
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) > 1:
        shown = "、".join(f"“{s[h.start : h.end]}”" for h in hits if not h.negated)
        return _choice_error("several", keyed, shown)
    return _choice_error("unreadable", keyed)


def parse_multi_choice(
    text: str, options: Sequence[tuple[str, Sequence[str]]]
) -> list[str] | Unknown | ParseError:
    """Pick any number of options ("1,3", "光伏、车辆", "光伏和绿电", "1-3", "全部", "都没有")."""
    keyed = _option_keys(options)
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
    hits = _find_labels(s, keyed)
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
        masked[h.start : h.end] = [","] * (h.end - h.start)
    rest = re.sub(r"(?<=\d)\.(?=\d)", ",", "".join(masked))  # "1.3" lists options 1 and 3
    for m in list(_CHOICE_RANGE_RE.finditer(rest)):
        low, high = int(m.group(1)), int(m.group(2))
        if not (1 <= low <= high <= len(keyed)):
            return _choice_error("range", keyed, str(high if high > len(keyed) else low))
        chosen.update(values[low - 1 : high])
    rest = _CHOICE_RANGE_RE.sub(",", rest)
    for segment in _CHOICE_SEPARATORS_RE.split(rest):
        piece = _strip_punct(segment)
        if not piece:
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
        leftover = _CHOICE_FILLER_RE.sub("", piece)
        if len(leftover) >= 2:
            return _choice_error("not_option", keyed, segment.strip())
    if not chosen:
        return _choice_error("multi", keyed)
    return [v for v in values if v in chosen]
