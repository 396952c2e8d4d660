"""The words staff type that the staff tools read: owners in /leads filters and the /faq verbs.

Vocabulary, not text anyone is shown (tests/test_messages.py lists this file as such); the names
shown to staff are in the staff message catalogue.
"""

from __future__ import annotations

OWNER_ME = frozenset({"我的", "我", "mine", "me"})
OWNER_NONE = frozenset({"无人", "无负责人", "unowned", "nobody"})
FAQ_VERBS = {
    "问": "question",
    "q": "question",
    "删问": "drop_question",
    "delq": "drop_question",
    "原文": "quote",
    "quote": "quote",
    "删原文": "drop_quotes",
    "delquote": "drop_quotes",
    "条款": "clause",
    "clause": "clause",
    "答": "zh",
    "zh": "zh",
    "en": "en",
    "启用": "on",
    "on": "on",
    "停用": "off",
    "off": "off",
    "yaml": "yaml",
}
