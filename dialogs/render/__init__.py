"""Turn a rulebook report into the texts the user reads, in modules of one idea.

``words`` (one language of a text, money, marks, titles, notes), ``summary`` (the result in the
chat), ``detail`` (one measure: the first screen, the rest, documents), ``explain`` (a measure from
its rule data, for ``etownbot explain``) and ``report`` (the whole report as plain text).
"""

from __future__ import annotations

from dialogs.render.detail import (
    applied_awards,
    applied_quotes,
    detail_first,
    detail_more,
    detail_replies,
    detail_text,
    documents_for,
)
from dialogs.render.explain import explain_measure, measures_list
from dialogs.render.report import report_text
from dialogs.render.summary import summary_rows, summary_text, touched, untouched_count
from dialogs.render.words import (
    MARK,
    STATUS_MARK,
    after_pending_line,
    fact_label,
    literal,
    money,
    pending_text,
    plain,
    steps_text,
    tx,
)

__all__ = [
    "MARK",
    "STATUS_MARK",
    "after_pending_line",
    "applied_awards",
    "applied_quotes",
    "detail_first",
    "detail_more",
    "detail_replies",
    "detail_text",
    "documents_for",
    "explain_measure",
    "fact_label",
    "literal",
    "measures_list",
    "money",
    "pending_text",
    "plain",
    "report_text",
    "steps_text",
    "summary_rows",
    "summary_text",
    "touched",
    "tx",
    "untouched_count",
]
