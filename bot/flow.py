"""Flow control inside one bot process: per-chat ordering and per-user rate limits."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _ChatLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatScheduler:
    """Run work for one chat strictly in arrival order, and for different chats concurrently."""

    def __init__(self, max_concurrent: int = 64) -> None:
        """Allow at most `max_concurrent` pieces of work at once across all chats."""
        self._locks: dict[Hashable, _ChatLock] = {}
        self._slots = asyncio.Semaphore(max_concurrent)

    @property
    def active_chats(self) -> int:
        """Return how many chats have work running or waiting."""
        return len(self._locks)

    async def run(self, key: Hashable | None, work: Callable[[], Awaitable[None]]) -> None:
        """Run work after every earlier work of the same chat (key None: no ordering)."""
        if key is None:
            async with self._slots:
                await work()
            return
        entry = self._locks.setdefault(key, _ChatLock())
        entry.users += 1
        try:
            # The chat lock comes first: a flooding chat waits on its own lock, not on shared slots.
            # asyncio.Lock wakes waiters first-in first-out, so a chat's updates keep their order.
            async with entry.lock, self._slots:
                await work()
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._locks.pop(key, None)


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class RateLimiter:
    """A token bucket per user: a burst, then a steady rate; one polite warning per flood."""

    def __init__(self, burst: int, per_minute: int, *, max_users: int = 50_000) -> None:
        """Configure the bucket; burst 0 or per_minute 0 turns limiting off."""
        self.burst = burst
        self.rate = per_minute / 60.0
        self.max_users = max_users
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Tell whether limiting is on."""
        return self.burst > 0 and self.rate > 0

    def check(self, key: Hashable, now: float | None = None) -> tuple[bool, bool]:
        """Take one token at `now` (epoch seconds); return (allowed, warn), warn once per flood.

        Channels pass the moment the user sent the message when they know it, so a backlog
        delivered at once after an outage is judged by the pace it was typed at.
        """
        if not self.enabled:
            return True, False
        now = time.time() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), at=now)
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_users:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            # Message dates and arrival times may disagree a little: time never runs backwards here.
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.at = max(bucket.at, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn


class LangCache:
    """Remember each chat's language from its last reply, for notes sent without a dialog step."""

    def __init__(self, default: str, size: int = 20_000) -> None:
        """Start empty with a default language."""
        self.default = default
        self.size = size
        self._langs: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable) -> str:
        """Return the chat's language, or the default."""
        return self._langs.get(key, self.default)

    def set(self, key: Hashable, lang: str) -> None:
        """Record the chat's language."""
        self._langs[key] = lang
        self._langs.move_to_end(key)
        while len(self._langs) > self.size:
            self._langs.popitem(last=False)
