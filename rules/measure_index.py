"""Which measures a zone, a scope or a topic leads to, read from the rule data (one source per fact).

Dialogs and the bot ask here instead of keeping their own lists: the scopes and their zones come
from ``chapter7.yaml`` (七(一)), the topics from each measure file's ``topics:`` field. Every
function takes the rulebook to read (the newest version by default) and returns measure numbers
in ascending order.
"""

from __future__ import annotations

from rules.loader import LoadedRulebook, latest_rulebook


def _book(book: LoadedRulebook | None) -> LoadedRulebook:
    return book if book is not None else latest_rulebook()


def scope_of(number: int, book: LoadedRulebook | None = None) -> str:
    """Return the scope (``core60`` or ``newtown225``) a measure applies in (七(一))."""
    return _book(book).measures[number].scope


def measures_in_scope(scope: str, book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures whose scope is ``scope`` (七(一)1: core60, 七(一)2: newtown225)."""
    b = _book(book)
    if scope not in b.chapter7.scopes:
        raise KeyError(f"unknown scope {scope!r}; known: {sorted(b.chapter7.scopes)}")
    return tuple(n for n, m in b.measures.items() if m.scope == scope)


def zones_of_scope(scope: str, book: LoadedRulebook | None = None) -> tuple[str, ...]:
    """Return the zones whose enterprises a scope admits."""
    return tuple(_book(book).chapter7.scopes[scope].zones)


def measures_for_zone(zone: str, book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures an enterprise in ``zone`` may apply for (none for ``outside``)."""
    b = _book(book)
    open_scopes = {s for s, rule in b.chapter7.scopes.items() if zone in rule.zones}
    return tuple(n for n, m in b.measures.items() if m.scope in open_scopes)


def topics(book: LoadedRulebook | None = None) -> dict[str, tuple[int, ...]]:
    """Return every topic named in the measure files with its measures, topics in first-seen order."""
    out: dict[str, list[int]] = {}
    for n, m in _book(book).measures.items():
        for topic in m.topics:
            out.setdefault(topic, []).append(n)
    return {t: tuple(ns) for t, ns in out.items()}


def measures_for_topic(topic: str, book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures whose file lists ``topic`` (empty for a topic no measure names)."""
    return tuple(n for n, m in _book(book).measures.items() if topic in m.topics)


def topics_of_measure(number: int, book: LoadedRulebook | None = None) -> tuple[str, ...]:
    """Return the topics a measure's file lists, in its order."""
    return tuple(_book(book).measures[number].topics)


__all__ = [
    "measures_for_topic",
    "measures_for_zone",
    "measures_in_scope",
    "scope_of",
    "topics",
    "topics_of_measure",
    "zones_of_scope",
]
