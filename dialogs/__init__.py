"""The conversation, written once for every channel: ``step(state, event) -> (state, replies)``.

The names below are loaded on first use, so that a module needing one corner of the package (the
message catalogue, the result texts of `etownbot evaluate`) does not import the whole interview.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialogs.answers import evaluate_state, profile_of
    from dialogs.engine import step
    from dialogs.types import (
        SCHEMA_VERSION,
        AttachmentReply,
        Choice,
        DeleteData,
        Effect,
        Event,
        FaqMiss,
        NotifyStaff,
        Phase,
        QuestionReply,
        Reply,
        ReportPayload,
        SaveLead,
        State,
        TextReply,
        is_effect,
        load_state,
        new_state,
        reply_from_json,
    )

_TYPES = (
    "SCHEMA_VERSION",
    "AttachmentReply",
    "Choice",
    "DeleteData",
    "Effect",
    "Event",
    "FaqMiss",
    "NotifyStaff",
    "Phase",
    "QuestionReply",
    "Reply",
    "ReportPayload",
    "SaveLead",
    "State",
    "TextReply",
    "is_effect",
    "load_state",
    "new_state",
    "reply_from_json",
)
_HOME = {
    "evaluate_state": "dialogs.answers",
    "profile_of": "dialogs.answers",
    "step": "dialogs.engine",
    **dict.fromkeys(_TYPES, "dialogs.types"),
}

__all__ = [
    "SCHEMA_VERSION",
    "AttachmentReply",
    "Choice",
    "DeleteData",
    "Effect",
    "Event",
    "FaqMiss",
    "NotifyStaff",
    "Phase",
    "QuestionReply",
    "Reply",
    "ReportPayload",
    "SaveLead",
    "State",
    "TextReply",
    "evaluate_state",
    "is_effect",
    "load_state",
    "new_state",
    "profile_of",
    "reply_from_json",
    "step",
]


def __getattr__(name: str) -> Any:
    """Import a public name of the package from its module on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'dialogs' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
