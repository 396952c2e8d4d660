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

from dialogs.parse.choices import parse_choice, parse_multi_choice
from dialogs.parse.fold import fold
from dialogs.parse.numbers import parse_number
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.unknown import is_unknown
from dialogs.parse.yesno import parse_bool

__all__ = [
    "UNKNOWN",
    "ParseError",
    "Unknown",
    "fold",
    "is_unknown",
    "parse_bool",
    "parse_choice",
    "parse_multi_choice",
    "parse_number",
]
