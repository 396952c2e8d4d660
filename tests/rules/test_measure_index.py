"""The measures of a zone, a scope and a topic come from the rule data (issue 9: one source per fact)."""

from __future__ import annotations

import pytest

from rules.measure_index import (
    measures_for_topic,
    measures_for_zone,
    measures_in_scope,
    scope_of,
    topics,
    topics_of_measure,
    zones_of_scope,
)

# 七(一)1: "本措施中第 7~11、14~22、34~37、39~40 条支持措施适用于经开区60 平方公里范围…"
CORE60 = (*range(7, 12), *range(14, 23), *range(34, 38), 39, 40)


def test_the_core_area_scope_is_the_list_in_chapter_seven() -> None:
    """The measures of 七(一)1 are exactly those the clause names; the rest are 七(一)2's."""
    assert measures_in_scope("core60") == CORE60
    assert measures_in_scope("newtown225") == tuple(n for n in range(1, 41) if n not in CORE60)
    assert scope_of(27) == "newtown225" and scope_of(18) == "core60"


def test_a_zone_reaches_the_measures_of_every_scope_that_admits_it() -> None:
    """An enterprise in the 60 km² area may apply for all 40 measures; in the new town for 七(一)2's only."""
    assert measures_for_zone("core60") == tuple(range(1, 41))
    assert measures_for_zone("newtown225") == measures_in_scope("newtown225")
    assert measures_for_zone("outside") == ()
    assert zones_of_scope("newtown225") == ("core60", "newtown225")


def test_topics_come_from_the_measure_files() -> None:
    """A topic lists the measures whose file names it, and a measure its own topics."""
    assert measures_for_topic("pv") == (27, 32)
    assert measures_for_topic("vehicles") == (18, 19, 20, 22)
    assert topics_of_measure(32) == ("carbon_neutral", "certification", "pv")
    assert measures_for_topic("no such topic") == ()
    every = topics()
    assert every["machinery"] == (21, 22)
    assert all(n in every[t] for n in range(1, 41) for t in topics_of_measure(n))


def test_an_unknown_scope_is_refused() -> None:
    """A typo in a scope name fails loudly instead of giving no measures."""
    with pytest.raises(KeyError, match="unknown scope"):
        measures_in_scope("core 60")
