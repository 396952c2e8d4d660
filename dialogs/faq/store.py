"""The knowledge base in use: the released one (built once, disk-cached) plus live staff entries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from dialogs.faq.authored import FAQ_PATH, load_yaml_entries
from dialogs.faq.entry import FaqEntry, Source
from dialogs.faq.generated import measure_sources
from dialogs.faq.match import Faq
from rules.loader import LoadedRulebook, latest_rulebook


def build_faq(book: LoadedRulebook, path: Path = FAQ_PATH, extra: Sequence[FaqEntry] = ()) -> Faq:
    """Build the knowledge base from a rulebook's measures, a faq.yaml file and extra (staff) entries."""
    general = load_yaml_entries(path, book.policy_text, set(book.measures))
    # Extra entries are matched exactly like the YAML ones: their questions, no keywords.
    added = [Source(entry, (), ()) for entry in extra]
    return Faq([*general, *added, *measure_sources(book)], book.policy_text, max(book.measures, default=40))


@functools.cache
def _shipped_faq() -> Faq:
    """Return the knowledge base as released (built once; from the disk cache when unchanged)."""
    from dialogs.buildcache import cached

    return cached("faq", lambda: build_faq(latest_rulebook()))


# The shipped entries plus staff entries from the database, swapped whole (bot/faq_live.py).
_with_extra: Faq | None = None


def load_faq() -> Faq:
    """Return the knowledge base in use: the released one, plus staff entries when there are any."""
    return _with_extra or _shipped_faq()


def use_extra_entries(entries: Sequence[FaqEntry]) -> None:
    """Put extra (staff) entries into use next to the released ones; none: back to the released set."""
    global _with_extra
    _with_extra = build_faq(latest_rulebook(), extra=entries) if entries else None
