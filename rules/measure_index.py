"""Which measures a zone, a scope or a topic leads to, read from the rule data (one source per fact).

Dialogs and the bot ask here instead of keeping their own lists: the scopes and their zones come
from ``chapter7.yaml`` (七(一)), the interview's topics and project templates from each measure
file's ``interview:`` field (the ids and their order: ``rules/topics.py``). Every
function takes the rulebook to read (the newest version by default) and returns measure numbers
in ascending order, except that a topic's measures come in the order of its templates (the
construction topic: 12, 22, 11, as the interview asks them).
"""

from __future__ import annotations

from rules.loader import LoadedRulebook, latest_rulebook
from rules.topics import NOT_OFFERED, TEMPLATES, Interview


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


def interview(book: LoadedRulebook | None = None) -> dict[str, dict[str, tuple[int, ...]]]:
    """Return each interview topic with its project templates and their measures, in the interview's order.

    Topics and templates come in the order of ``rules/topics.py``; which measures a template leads
    to is what the measure files' ``interview:`` say. A template no measure names is an error.
    """
    b = _book(book)
    out: dict[str, dict[str, tuple[int, ...]]] = {}
    for topic, templates in TEMPLATES.items():
        out[topic] = {}
        for template in templates:
            found = tuple(
                n
                for n, m in b.measures.items()
                if isinstance(m.interview, Interview)
                and m.interview.project == template
                and m.interview.topic == topic
            )
            if not found:
                raise ValueError(f"no measure file offers the project {template!r} of the topic {topic!r}")
            out[topic][template] = found
    return out


def topics(book: LoadedRulebook | None = None) -> dict[str, tuple[int, ...]]:
    """Return every interview topic with its measures, in the order the interview offers them."""
    return {
        topic: tuple(n for ns in templates.values() for n in ns)
        for topic, templates in interview(book).items()
    }


def measures_for_topic(topic: str, book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures the interview offers under ``topic`` (empty for a topic it does not have)."""
    return topics(book).get(topic, ())


def measures_for_template(template: str, book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures a project template is put forward under (empty for an unknown template)."""
    for templates in interview(book).values():
        if template in templates:
            return templates[template]
    return ()


def topic_of_measure(number: int, book: LoadedRulebook | None = None) -> str | None:
    """Return the interview topic a measure is offered under, or None when the interview does not offer it."""
    offered = _book(book).measures[number].interview
    return offered.topic if isinstance(offered, Interview) else None


def template_of_measure(number: int, book: LoadedRulebook | None = None) -> str | None:
    """Return the project template a measure is put forward under, or None when the interview does not offer it."""
    offered = _book(book).measures[number].interview
    return offered.project if isinstance(offered, Interview) else None


def not_in_interview(book: LoadedRulebook | None = None) -> tuple[int, ...]:
    """Return the measures whose file says the interview does not offer them."""
    return tuple(n for n, m in _book(book).measures.items() if m.interview == NOT_OFFERED)


__all__ = [
    "interview",
    "measures_for_template",
    "measures_for_topic",
    "measures_for_zone",
    "measures_in_scope",
    "not_in_interview",
    "scope_of",
    "template_of_measure",
    "topic_of_measure",
    "topics",
    "zones_of_scope",
]
