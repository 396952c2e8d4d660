"""Questions that are not one fact of the catalogue: typed names for the interview's own questions.

A question asked is stored as ``Asked.ref``: a fact of ``rules/data/facts.yaml``
("project.pv_capacity_kw") or one of these. They keep their historic string forms
("@basic", "@sub:vehicles") because conversations are stored with them.
"""

from __future__ import annotations

from enum import StrEnum


class Pseudo(StrEnum):
    """A question the interview asks about several facts at once, or about its own course."""

    # The five basic conditions of 七(二)2, asked together.
    BASIC = "@basic"
    # The exclusions of 七(二)5 for all projects at once.
    EXCLUSIONS = "@exclusions"
    # The kinds of entity still relevant (数据中心, 全额预算拨款单位…), a multi-select.
    KINDS = "@kinds"
    # What the enterprise did or plans, a multi-select.
    TOPICS = "@topics"
    # Whether another batch or item of a project follows ("再添加一批").
    MORE = "@more"


SUB_PREFIX = "@sub:"
# The compound yes/no questions: one "none"/"some" answer sets several facts.
COMPOUND = (Pseudo.BASIC, Pseudo.EXCLUSIONS)


def sub_ref(topic_id: str) -> str:
    """Return the question of which of a topic's kinds of project apply."""
    return f"{SUB_PREFIX}{topic_id}"


def sub_topic(ref: str | None) -> str | None:
    """Return the topic of a "which kinds of project" question, None for any other question."""
    if ref is not None and ref.startswith(SUB_PREFIX):
        return ref[len(SUB_PREFIX) :]
    return None


def is_pseudo(ref: str) -> bool:
    """Tell whether a question is the interview's own rather than one catalogue fact."""
    return ref.startswith("@")
