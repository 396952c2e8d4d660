"""Numbers: ``parse_number`` and its messages (their texts: ``parse.number.*`` in the catalogue)."""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from dialogs.messages import t
from dialogs.parse.fold import _normalize, _strip_punct
from dialogs.parse.numerals import _MAX_VALUE
from dialogs.parse.prepare import _BOUND_RE, _is_whole_answer, _prepare, _special_number
from dialogs.parse.quantities import _lex, _Qty
from dialogs.parse.result import UNKNOWN, ParseError, Unknown
from dialogs.parse.units import DIMENSIONS
from dialogs.parse.unknown import is_unknown

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


def _number_error(
    unit: str, kind: str, typed: str = "", dim: str = "", figures: tuple[str, ...] = ()
) -> ParseError:
    """Build the message for one way a number answer can fail, with an example for ``unit``."""

    def text(lang: str) -> str:
        """Return the message in one language (only the parts its kind shows are looked up)."""
        params: dict[str, str] = {"example": t(f"parse.unit.{unit}.example", lang)}
        if kind in ("empty", "incompatible"):
            params["asked"] = t(f"parse.unit.{unit}.asked", lang)
        if kind == "incompatible":
            params["typed"] = typed
            params["dimension"] = t(f"parse.dimension.{dim if dim in DIMENSIONS else 'other'}", lang)
        if kind == "several":
            params["figures"] = t("parse.number.figure_separator", lang).join(figures)
        return t(f"parse.number.{kind}", lang, **params)

    return ParseError(text("zh"), text("en"))


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
            return _number_error(unit, "incompatible", typed=first.surface, dim=first.dim or "other")
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
        return _number_error(unit, "several", figures=tuple(shown))
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
