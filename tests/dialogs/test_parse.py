"""Behaviour of dialogs.parse: the named table in parse_cases.yaml plus hypothesis properties."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

import opencc
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.parse import (
    UNKNOWN,
    ParseError,
    Unknown,
    fold,
    is_unknown,
    parse_bool,
    parse_choice,
    parse_multi_choice,
    parse_number,
)

_TABLE = yaml.safe_load((Path(__file__).with_name("parse_cases.yaml")).read_text(encoding="utf-8"))
_OPTION_SETS: dict[str, list[tuple[str, list[str]]]] = {
    name: [(value, list(labels)) for value, labels in rows] for name, rows in _TABLE["option_sets"].items()
}
_CASES: list[dict[str, Any]] = _TABLE["cases"]
_UNITS = ("yuan", "kw", "kwh", "m2", "ha", "ratio", "count", "months", "years", "plain")


def _run(case: dict[str, Any]) -> Any:
    """Call the parser a table row is about."""
    text = case["input"]
    if "unit" in case:
        return parse_number(text, case["unit"])
    kind = case["kind"]
    if kind == "bool":
        return parse_bool(text, question=case.get("question", ""))
    if kind == "unknown":
        return is_unknown(text)
    options = _OPTION_SETS[case["options"]]
    if kind == "choice":
        return parse_choice(text, options)
    if kind == "multi":
        return parse_multi_choice(text, options)
    raise AssertionError(f"unknown kind {kind!r} in {case['name']}")


def test_table_is_well_formed() -> None:
    names = [case["name"] for case in _CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(_CASES) >= 170
    for case in _CASES:
        assert isinstance(case["input"], str), case["name"]
        assert ("unit" in case) != ("kind" in case), case["name"]
        assert case.get("unit", "plain") in _UNITS, case["name"]
        outcomes = [key for key in ("expected", "error", "unknown") if key in case]
        assert len(outcomes) == 1, case["name"]


@pytest.mark.parametrize("case", _CASES, ids=[case["name"] for case in _CASES])
def test_case(case: dict[str, Any]) -> None:
    result = _run(case)
    if case.get("error"):
        assert isinstance(result, ParseError), f"expected a ParseError, got {result!r}"
        assert case.get("error_zh", "") in result.message_zh
        assert case.get("error_en", "") in result.message_en
        assert result.kind == case.get("error_kind", result.kind)
    elif case.get("unknown"):
        assert result is UNKNOWN
    else:
        expected = case["expected"]
        if isinstance(expected, (bool, list, str)):
            assert result == expected
            assert type(result) is type(expected)
        else:
            assert isinstance(result, float), f"expected {expected}, got {result!r}"
            assert result == pytest.approx(expected, rel=1e-9, abs=0.0 if expected else 1e-12)


def test_every_error_message_gives_an_example_in_both_languages() -> None:
    for case in _CASES:
        result = _run(case)
        if isinstance(result, ParseError):
            assert "例如" in result.message_zh and "“" in result.message_zh, case["name"]
            assert "e.g." in result.message_en and "“" in result.message_en, case["name"]
            assert "Traceback" not in result.message_zh + result.message_en


def test_example_follows_the_unit_asked() -> None:
    """The same unreadable answer gets an example in the unit the question asks for."""
    examples = {
        "yuan": "万元",
        "kw": "兆瓦",
        "kwh": "度",
        "m2": "平方米",
        "ha": "公顷",
        "ratio": "%",
        "count": "台",
        "months": "个月",
        "years": "年",
    }
    for unit, fragment in examples.items():
        result = parse_number("看情况", unit)
        assert isinstance(result, ParseError)
        assert fragment in result.message_zh, unit


def test_unknown_is_a_single_sentinel() -> None:
    assert Unknown() is UNKNOWN
    assert repr(UNKNOWN) == "UNKNOWN"


def test_unknown_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_number("500", "tonnes")


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_ZH_DIGITS = "零一二三四五六七八九"
_FINANCIAL = str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")


def _zh_below_10000(n: int) -> str:
    """Write 1..9999 in formal Chinese numerals, with 零 for inner gaps (1005 -> 一千零五)."""
    out = ""
    gap = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if digit == 0:
            gap = bool(out)
            continue
        if gap:
            out += "零"
            gap = False
        out += _ZH_DIGITS[digit] + unit
    return out


def to_chinese(n: int) -> str:
    """Write a non-negative integer in formal Chinese numerals (12005 -> 一万二千零五)."""
    if n == 0:
        return "零"
    yi, wan, ones = n // 10**8, n // 10**4 % 10**4, n % 10**4
    out = ""
    if yi:
        out += to_chinese(yi) + "亿"
    if wan:
        if out and wan < 1000:
            out += "零"
        out += _zh_below_10000(wan) + "万"
    if ones:
        if out and (ones < 1000 or wan == 0):
            out += "零"
        out += _zh_below_10000(ones)
    return out[1:] if out.startswith("一十") else out  # 十二, not 一十二


def _arabic_forms(n: int) -> list[str]:
    """Ways to write ``n`` with Arabic digits and 万/亿."""
    forms = [str(n), f"{n:,}"]
    yi, wan, ones = n // 10**8, n // 10**4 % 10**4, n % 10**4
    if n % 10**4 == 0:
        forms.append(f"{n // 10**4}万")
    if n % 10**8 == 0:
        forms.append(f"{n // 10**8}亿")
    mixed = ""
    if yi:
        mixed += f"{yi}亿"
    if wan:
        mixed += (f"{wan:04d}" if yi else str(wan)) + "万"
    if ones or not mixed:
        mixed += f"{ones:04d}" if mixed else str(ones)
    forms.append(mixed)
    return forms


@given(st.integers(min_value=0, max_value=10**16))
def test_arabic_with_wan_and_yi_parses_back(n: int) -> None:
    for form in _arabic_forms(n):
        assert parse_number(form, "plain") == pytest.approx(n, rel=1e-9), form
        assert parse_number(form + "元", "yuan") == pytest.approx(n, rel=1e-9), form


@given(st.integers(min_value=0, max_value=10**16), st.sampled_from(["formal", "financial", "liang"]))
def test_chinese_numerals_parse_back(n: int, style: str) -> None:
    text = to_chinese(n)
    if style == "financial":
        text = text.translate(_FINANCIAL)
    elif style == "liang":
        text = text.replace("二千", "两千").replace("二百", "两百")
    assert parse_number(text, "count") == pytest.approx(n, rel=1e-9), text


def test_chinese_formatter_helper() -> None:
    assert to_chinese(12) == "十二"
    assert to_chinese(1005) == "一千零五"
    assert to_chinese(200500) == "二十万零五百"
    assert to_chinese(120000000) == "一亿二千万"
    assert to_chinese(100000005) == "一亿零五"


_NUMERAL_ALPHABET = list(
    "0123456789.,%-+~ 万亿千百十零一二两三四五六七八九点半成分之个台年月元块千瓦兆度平方米亩公顷多几约以上不到负第号期"
    "kKwWmMhH¥$?？是否有没不知道清楚和、"
)
_ANY_TEXT = st.one_of(st.text(max_size=40), st.text(alphabet=_NUMERAL_ALPHABET, max_size=30))


@settings(max_examples=400)
@given(_ANY_TEXT, st.sampled_from(_UNITS))
def test_parse_number_never_raises(text: str, unit: str) -> None:
    result = parse_number(text, unit)
    assert isinstance(result, (float, Unknown, ParseError))
    if isinstance(result, float):
        assert math.isfinite(result) and result >= 0
        if unit == "ratio":
            assert result <= 1
        if unit == "count":
            assert result == int(result)


@settings(max_examples=300)
@given(_ANY_TEXT)
def test_other_parsers_never_raise(text: str) -> None:
    options = _OPTION_SETS["kinds"]
    assert isinstance(parse_bool(text), (bool, Unknown, ParseError))
    assert isinstance(parse_choice(text, options), (str, Unknown, ParseError))
    multi = parse_multi_choice(text, options)
    assert isinstance(multi, (list, Unknown, ParseError))
    if isinstance(multi, list):
        assert set(multi) <= {value for value, _ in options}
    assert isinstance(is_unknown(text), bool)


# --------------------------------------------------------------------------------------------
# Traditional characters: folding to simplified never changes what an answer means
# --------------------------------------------------------------------------------------------

_TO_TRADITIONAL = opencc.OpenCC("s2t")
# Fragments users type, in simplified characters; many change when written in traditional ones.
_FRAGMENTS = [
    *("三百万元", "两辆", "五百千瓦", "一千二百五十万", "三十亩", "1.2亿", "十二个月", "两年半", "四成"),
    *("500千瓦", "300万", "百分之三十", "约", "大概", "左右", "以上", "不到", "多", "几"),
    *("没有", "有", "是", "不是", "还没有", "从来没有过", "已经", "确认", "取消", "都报废了"),
    *("不知道", "不清楚", "记不得", "说不准", "没统计过"),
    *("不在", "亦庄新城", "以外", "在经开区里面", "新城", "外面", "核心区"),
    *("屋顶光伏", "燃气锅炉", "锅炉改造", "绿色工厂", "车辆", "叉车", "碳足迹", "还有", "以及", "和"),
    *("、", "，", " ", "我们", "公司", "的", "了", "吗", "？"),
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=5))
def test_traditional_spelling_parses_like_simplified(parts: list[str]) -> None:
    simplified = "".join(parts)
    traditional = _TO_TRADITIONAL.convert(simplified)
    assert fold(traditional) == fold(simplified)
    for unit in _UNITS:
        assert parse_number(traditional, unit) == parse_number(simplified, unit), (traditional, unit)
    assert parse_bool(traditional) == parse_bool(simplified)
    assert is_unknown(traditional) == is_unknown(simplified)
    for options in (_OPTION_SETS["zone"], _OPTION_SETS["topics"]):
        assert parse_choice(traditional, options) == parse_choice(simplified, options)
        assert parse_multi_choice(traditional, options) == parse_multi_choice(simplified, options)


def test_folding_leaves_the_projects_simplified_text_alone() -> None:
    root = Path(__file__).resolve().parents[2]
    texts = [
        root / "rules" / "data" / "jjgf-2025-11" / "policy.txt",
        root / "rules" / "data" / "facts.yaml",
        root / "dialogs" / "data" / "faq.yaml",
    ]
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert fold(text) == unicodedata.normalize("NFKC", text), path.name
