"""Checks of contact details a user types."""

from __future__ import annotations

import re

# GB 32100-2015: 18 characters from this set; the last is a check character.
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_credit_code(text: str) -> str:
    """Upper-case and drop spaces and dashes."""
    return re.sub(r"[\s\-]", "", text).upper().translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def credit_code_valid(code: str) -> bool:
    """Say whether a 统一社会信用代码 has the right form and check character."""
    if len(code) != 18 or any(c not in _CHARS for c in code):
        return False
    total = sum(_CHARS.index(c) * w for c, w in zip(code[:17], _WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return _CHARS[check] == code[17]


def normalise_mobile(text: str) -> str:
    """Drop spaces, dashes and a +86 / 86 prefix."""
    digits = re.sub(r"[\s\-()（）]", "", text)
    digits = digits.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


def mobile_valid(number: str) -> bool:
    """Say whether a number is a mainland China mobile number."""
    return bool(_MOBILE.match(number))


def mask_mobile(number: str) -> str:
    """Show only the first three and last four digits."""
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "***"
