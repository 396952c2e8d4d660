"""Keep this process's FAQ in step with the staff entries in the database, within about a second.

Every process checks a cheap stamp (entry count and sum of versions) at most once a second before
a dialog step; only when it moved are the entries read and the FAQ index rebuilt, whole, so a
lookup never sees a half-built index. Nothing is held in the process that the database lacks.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

import storage
from dialogs import faq, staff_faq

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 1.0


def staff_entry(row: storage.StaffFaqEntry) -> staff_faq.StaffEntry:
    """Return a stored staff FAQ entry as the dialogs' model."""
    return staff_faq.StaffEntry(
        number=row.id,
        questions=list(row.questions),
        answer_zh=row.answer_zh,
        answer_en=row.answer_en,
        cite=list(row.cite),
        clause=row.clause,
        measures=list(row.measures),
    )


class LiveFaq:
    """The staff entries in use in this process, refreshed from the database."""

    def __init__(self, sessions: sessionmaker[Session], every: float = CHECK_EVERY_SECONDS) -> None:
        """Start with nothing checked."""
        self.sessions = sessions
        self.every = every
        self._stamp: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Check the stamp (at most every `every` seconds); rebuild the FAQ if it moved; True if rebuilt."""
        if time.monotonic() - self._checked < self.every:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking; this step uses the index as it is
        try:
            self._checked = time.monotonic()
            with storage.session_scope(self.sessions) as session:
                stamp = storage.faq_entries_stamp(session=session)
                if stamp == self._stamp or (self._stamp is None and stamp == (0, 0)):
                    self._stamp = stamp
                    return False
                rows = storage.list_faq_entries(session=session, active_only=True)
                entries = [staff_entry(row) for row in rows]
            live = staff_faq.live_entries(entries)
            if len(live) < len(entries):
                log.warning("%d staff FAQ entries fail the checks and are not used", len(entries) - len(live))
            faq.use_extra_entries(live)
            self._stamp = stamp
            log.info("FAQ rebuilt with %d staff entries (stamp %s)", len(live), stamp)
            return True
        finally:
            self._lock.release()
