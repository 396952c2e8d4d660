"""The conversation, written once for every channel: ``step(state, event) -> (state, replies)``.

The names below are loaded on first use, so that a module needing one corner of the package (the
message catalogue, the result texts of `etownbot evaluate`) does not import the whole interview.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialogs.engine import evaluate_state, load_state, new_state, profile_of, step
    from dialogs.types import SCHEMA_VERSION, Choice, Event, Phase, Reply, State

_HOME = {
    "evaluate_state": "dialogs.engine",
    "load_state": "dialogs.engine",
    "new_state": "dialogs.engine",
    "profile_of": "dialogs.engine",
    "step": "dialogs.engine",
    "SCHEMA_VERSION": "dialogs.types",
    "Choice": "dialogs.types",
    "Event": "dialogs.types",
    "Phase": "dialogs.types",
    "Reply": "dialogs.types",
    "State": "dialogs.types",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name of the package from its module on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'dialogs' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
