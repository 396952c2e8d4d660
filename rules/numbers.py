"""Numbers as the policy counts them: exact decimals, whole yuan rounded down, and how amounts are written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from rules.report import _Lazy

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
BASIS_POINT = Decimal("0.0001")
INFINITY = Decimal("Infinity")
# Python compares ints and floats exactly; below 2**53 every int is a float too, so such a
# comparison orders the numbers as Decimal(str(x)) does (str(float) is the shortest round trip).
EXACT = 2**53
# Texts of values this large (or not finite) can fail to format; they are written at once, so
# that an evaluation fails where it always did instead of when the text is read.
TAME = 10**15


def dec(value: Any) -> Decimal:
    if type(value) is int:
        return Decimal(value)  # the same number and exponent as Decimal(str(value))
    if type(value) is Decimal:
        return value
    return Decimal(str(value))


TAME_D = Decimal(TAME)


def whole_yuan(value: Decimal) -> int:
    # Whole yuan, rounded down: the bot never promises a fraction the policy does not give.
    if ZERO <= value < TAME_D:
        return int(value)  # truncation is the floor here, and cheaper
    return int(value.quantize(ONE, rounding=ROUND_FLOOR))


def is_tame(*values: Any) -> bool:
    """Say whether every value is a number whose texts are sure to format."""
    for v in values:
        t = type(v)
        if t is int or t is float:
            if not -TAME < v < TAME:
                return False
        elif t is Decimal:
            if not (v.is_finite() and -TAME < v < TAME):
                return False
        else:
            return False
    return True


def lazy_if(tame: bool, fn: Callable[..., Any], *args: Any) -> Any:
    """Return ``fn(*args)`` as a lazy field value, or computed now when its inputs are not tame."""
    return _Lazy(fn, *args) if tame else fn(*args)


def fmt_yuan(amount: Decimal | int | float) -> str:
    """Format an amount as ``1,234,567``, dropping a zero fraction."""
    if isinstance(amount, int):
        return f"{amount:,}"
    value = amount if isinstance(amount, Decimal) else dec(amount)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(CENT):,}"


def fmt_num(value: Decimal | int | float) -> str:
    """Format a quantity without needless decimals."""
    d = dec(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():f}"


def fmt_pct(rate: Decimal | float) -> str:
    """Format a rate such as 0.3 as ``30%``."""
    return f"{fmt_num(dec(rate) * 100)}%"
