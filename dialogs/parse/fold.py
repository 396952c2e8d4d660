"""The one entry point for reading typed text: width, traditional characters, case, spaces.

Every parser here and the FAQ read text through ``fold`` so that "沒有", "屋頂光伏補貼" and
"ＰＶ" mean what "没有", "屋顶光伏补贴" and "pv" mean. Traditional characters are converted with
OpenCC's t2s table (characters and phrases), which leaves simplified text unchanged.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

import opencc

__all__ = ["fold", "to_simplified"]


@functools.cache
def _converter() -> opencc.OpenCC:
    """Load OpenCC's traditional-to-simplified converter once (its data ships in the wheel)."""
    return opencc.OpenCC("t2s")


# 參 is the financial numeral 3 before a magnitude (參拾萬); elsewhere it is 参 (參加 -> 参加).
_FINANCIAL_SAN: Final = re.compile(r"參(?=[拾佰仟萬億万亿元圆圓])")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters and phrases to simplified ones."""
    if text.isascii():
        return text
    return str(_converter().convert(_FINANCIAL_SAN.sub("叁", text)))


def fold(text: str) -> str:
    """Fold full-width forms (NFKC) and traditional characters; keep case and spacing."""
    return to_simplified(unicodedata.normalize("NFKC", text))


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
    }
)


def _normalize(text: str) -> str:
    """Fold width, traditional characters and case; unify dashes; collapse whitespace."""
    s = fold(text).translate(_TRANSLATE).lower()
    return re.sub(r"\s+", " ", s).strip()


def _strip_punct(s: str) -> str:
    """Drop punctuation, symbols and spaces (keeping % and the digits' decimal point)."""
    return "".join(
        ch for ch in s if ch in "%.+-" or not (unicodedata.category(ch)[0] in "PSZ" or ch.isspace())
    )
