"""The conversation, written once for every channel: ``step(state, event) -> (state, replies)``."""

from dialogs.engine import evaluate_state, load_state, new_state, profile_of, step
from dialogs.types import SCHEMA_VERSION, Choice, Event, Phase, Reply, State

__all__ = [
    "SCHEMA_VERSION",
    "Choice",
    "Event",
    "Phase",
    "Reply",
    "State",
    "evaluate_state",
    "load_state",
    "new_state",
    "profile_of",
    "step",
]
