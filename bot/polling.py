"""Long polling that confirms an update to Telegram only after its step has committed (issue 8).

Why not python-telegram-bot's ``Updater``: it advances the getUpdates offset as soon as a batch is
fetched, so an update still being processed (or retried after a database outage) is already
forgotten by Telegram, and a process killed at that moment loses it. Here the offset stays at the
oldest update not yet settled: a crash at any moment leaves every unfinished update with Telegram,
to be delivered again, and the database de-duplicates by update_id. Updates already running are
recognised when they come back and not started twice; one slow update (a long flood wait) holds
back only its chat. Webhook mode needs none of this: Telegram re-sends until the request answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

log = logging.getLogger(__name__)


class Poller:
    """Fetch updates with getUpdates, hand each to `feed`, and confirm only what has settled."""

    def __init__(
        self,
        bot: Bot,
        feed: Callable[[dict[str, Any]], Coroutine[Any, Any, str]],
        stopping: asyncio.Event,
        poll_timeout: int,
        allowed_updates: list[str],
    ) -> None:
        """Prepare; nothing is fetched until `run`."""
        self.bot = bot
        self.feed = feed
        self.stopping = stopping
        self.poll_timeout = poll_timeout
        self.allowed_updates = allowed_updates
        # Updates being processed by id, the offset to send, the newest id seen.
        self.inflight: dict[int, asyncio.Task[str]] = {}
        self.offset: int | None = None
        self.highest: int | None = None
        # Updates given up on at a stop before they settled (never confirmed).
        self.unsettled: set[int] = set()

    async def run(self) -> None:
        """Long-poll getUpdates, processing updates as they come; confirm only what is finished."""
        finished: set[int] = set()
        delay = 1.0
        while not self.stopping.is_set():
            params: dict[str, Any] = {
                # While work is running, ask without waiting: we return here when some of it ends.
                "timeout": 0 if self.inflight else self.poll_timeout,
                "allowed_updates": self.allowed_updates,
            }
            if self.offset is not None:
                params["offset"] = self.offset
            try:
                with warnings.catch_warnings():
                    # Raw getUpdates on purpose: each update is parsed on its own, so one malformed
                    # update cannot block the queue; PTB warns about that use.
                    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
                    batch = await self.bot.do_api_request(
                        "getUpdates", api_kwargs=params, read_timeout=self.poll_timeout + 15
                    )
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.error("Telegram rejected the bot token; stopping")
                self.stopping.set()
                return
            except Conflict as error:
                log.warning("another getUpdates or a webhook is active (%s); retrying", error.message)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except (NetworkError, TelegramError) as error:
                log.warning("getUpdates failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            fresh = 0
            for item in batch if isinstance(batch, list) else []:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int) or update_id in self.inflight or update_id in finished:
                    continue
                fresh += 1
                self.highest = update_id if self.highest is None else max(self.highest, update_id)
                # Tasks start in update order and each chat's lock is first-in first-out.
                self.inflight[update_id] = asyncio.create_task(self.feed(item), name=f"update-{update_id}")
            if self.inflight:
                await self._some_finished(0.05 if fresh else 0.25)
            for update_id, task in list(self.inflight.items()):
                if task.done():
                    del self.inflight[update_id]
                    finished.add(update_id)
                    if not task.cancelled() and task.exception() is not None:
                        log.error(
                            "update %s failed outside the handlers", update_id, exc_info=task.exception()
                        )
            self.offset = self.next_offset()
            finished = {
                update_id for update_id in finished if self.offset is None or update_id >= self.offset
            }

    async def _some_finished(self, timeout: float) -> None:
        """Wait (at most `timeout`) until a quarter of the running updates, and at least one, end.

        Each getUpdates returns the whole window from the oldest unfinished update, up to 100 of
        them, already running or not; asking again after every single completion made a backlog
        download and parse that window ~0.8 times per update (bench/bot.py).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pending = set(self.inflight.values())
        target = max(1, len(pending) // 4)
        finished = 0
        while finished < target:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                return
            finished += len(done)

    def next_offset(self) -> int | None:
        """Return the offset that confirms everything settled before the oldest unsettled update."""
        open_ids = self.inflight.keys() | self.unsettled
        if open_ids:
            return min(open_ids)
        return None if self.highest is None else self.highest + 1

    async def drain(self, seconds: float) -> None:
        """Wait (bounded) for the updates being processed to finish."""
        if self.inflight:
            await asyncio.wait(list(self.inflight.values()), timeout=seconds)

    async def confirm(self) -> None:
        """Tell Telegram what is finished, so a restart does not receive it again."""
        self.inflight = {k: task for k, task in self.inflight.items() if not task.done()}
        self.offset = self.next_offset()
        if self.offset is None:
            return
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
            # Bounded: a stop must not wait on an unreachable Telegram.
            await asyncio.wait_for(
                self.bot.do_api_request(
                    "getUpdates", api_kwargs={"offset": self.offset, "timeout": 0, "limit": 1}
                ),
                3,
            )

    async def cut_off(self) -> None:
        """Cancel the updates still running (after `confirm`: they stay with Telegram for next time)."""
        for running in self.inflight.values():
            running.cancel()
        for running in list(self.inflight.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
