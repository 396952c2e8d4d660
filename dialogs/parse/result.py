"""The values every parser returns besides a parsed value: ``UNKNOWN`` and ``ParseError``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal


class Unknown:
    """Sentinel type for "the user does not know"; use the module constant ``UNKNOWN``."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        """Return the single shared instance."""
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        """Show the constant's name."""
        return "UNKNOWN"

    def __reduce__(self) -> str:
        """Pickle as a reference to the module constant so identity survives a round trip."""
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


@dataclass(frozen=True)
class ParseError:
    """Why an answer could not be used, with an example of a valid answer."""

    message_zh: str
    message_en: str
    # "ambiguous": the answer fits several options equally well (or rules out one of three);
    # the interview asks again showing the options instead of guessing.
    kind: Literal["invalid", "ambiguous"] = "invalid"
