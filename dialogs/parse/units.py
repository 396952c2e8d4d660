"""The units a figure may be typed with (千瓦, 亩, 个月, kWh…) and their dimensions; its Chinese is unit words it reads."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

# Dimensions and their base units: money yuan, power kW, energy kWh, area m², ratio fraction,
# count pieces, time months. "label" marks numbers that name things (二期, 3号楼, 第2) and are
# never answers; the rest are real units that no question here asks for (their names, shown when
# such a unit is typed, are the catalogue's parse.dimension.* texts).
DIMENSIONS: Final = (
    "money",
    "power",
    "energy",
    "area",
    "ratio",
    "count",
    "time",
    "shorttime",
    "foreign",
    "other",
)


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
