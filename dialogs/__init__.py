"""The conversation, written once for every channel: ``step(state, event) -> (state, replies)``."""

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
    SaveLead,
    State,
    TextReply,
    is_effect,
    load_state,
    new_state,
    reply_from_json,
)

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
