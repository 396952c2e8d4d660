"""What the Telegram handlers share inside one process: settings, service, pools, delivered ids."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import warnings
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import (
    CallbackContext,
)
from telegram.warnings import PTBUserWarning

from bot.flow import LangCache, RateLimiter
from bot.service import Service
from bot.settings import Settings

log = logging.getLogger(__name__)
# `api_call` goes through Bot.do_api_request on purpose; the library suggests its typed method.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


# Database step threads of a process on PostgreSQL (bot/tg_app.py says why); storage/db.py's pool
# keeps a connection for each, so none is opened and closed per step.
POSTGRESQL_STEP_THREADS = 6

T = TypeVar("T")
Context = CallbackContext[Any, Any, Any, Any]


@dataclass
class Runtime:
    """What the handlers share inside one process (no conversation state: that is in the database)."""

    settings: Settings
    service: Service
    limiter: RateLimiter
    langs: LangCache
    executor: ThreadPoolExecutor
    delivered: DeliveredLog = field(default_factory=lambda: DeliveredLog())
    # Slow work (PDF reports, lead exports) runs here so it never holds up the dialog steps.
    slow_executor: ThreadPoolExecutor | None = None
    # Updates whose handling failed in this attempt, by update_id: the caller must not confirm them.
    failures: dict[int, BaseException] = field(default_factory=dict)
    # Chats told "系统繁忙" during the current outage: told once, until one of their steps succeeds.
    busy_chats: set[int] = field(default_factory=set)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking (database) function in the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def call_slow(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a long blocking function (rendering a file) in its own pool, if there is one."""
        loop = asyncio.get_running_loop()
        executor = self.slow_executor or self.executor
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    def is_staff(self, user_id: int | None) -> bool:
        """Tell whether a Telegram user is BDA staff."""
        return user_id is not None and user_id in self.settings.staff_user_ids


class DeliveredLog:
    """Update ids whose replies this process has sent (bounded): a re-delivery of one is a true repeat."""

    def __init__(self, size: int = 20_000) -> None:
        """Start empty."""
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, update_id: int) -> None:
        """Remember an update as delivered."""
        self._ids[update_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def __contains__(self, update_id: object) -> bool:
        """Tell whether this process delivered the update's replies."""
        return update_id in self._ids


def freeze_startup_objects() -> None:
    """Keep what start-up loaded (rulebook, FAQ index, libraries) out of the garbage collector's full passes.

    A full pass walks every tracked object with the event loop stopped: ~150,000 after start-up,
    ~160 ms each in bench/bot.py's backlog; frozen, the passes walk only what the updates made.
    Called once per process, after start-up (frozen objects are never freed).
    """
    gc.collect()
    gc.freeze()


def runtime(context: Context) -> Runtime:
    """Return the process runtime stored on the application."""
    value = context.application.bot_data["etown"]
    assert isinstance(value, Runtime)
    return value


def chat_key(chat_id: int) -> str:
    """Return the storage key of a Telegram chat."""
    return f"tg:{chat_id}"


def user_key(user_id: int) -> str:
    """Return the storage key of a Telegram user."""
    return f"tg:{user_id}"
