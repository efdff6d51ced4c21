"""Long polling (``getUpdates``) that a stop can interrupt and that backs off on errors.

PTB's own polling loop logs a traceback for every failed poll and retries a 409 Conflict
(another process polling the same token) every second or two, the two processes taking
turns to interrupt each other. Here:

* a failure is one warning line, and the next poll waits 2, 4, 8 … up to 60 seconds;
* a 409 Conflict is logged once as an error saying what to do (again only after
  ``CONFLICT_QUIET`` without one), and polls are spaced out the same way, so the other
  process keeps working;
* a stop cancels the pending long poll at once; :meth:`Poller.confirm` then tells
  Telegram which updates were handled, so a restart does not receive them again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.domain.durations import retry_after_seconds

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 10
"""Seconds Telegram holds a ``getUpdates`` that has nothing to return."""
FIRST_RETRY = 2.0
MAX_RETRY = 60.0
CONFLICT_QUIET = 600.0
"""A conflict after this many seconds without one is logged as an error again."""


def backoff(failures: int) -> float:
    """2, 4, 8 … seconds after the n-th failure in a row, at most ``MAX_RETRY``."""
    return float(min(FIRST_RETRY * 2 ** max(0, failures - 1), MAX_RETRY))


class Poller:
    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[Any],
        *,
        allowed_updates: Sequence[str],
        api_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._queue = queue
        self._allowed = list(allowed_updates)
        self._api_url = api_url
        self._clock = clock
        self._offset: int | None = None
        self._failures = 0
        self._conflicts = 0
        self._last_conflict: float | None = None

    async def run(self) -> None:
        """Puts updates on the application's queue until cancelled.

        Raises ``InvalidToken`` when Telegram no longer accepts the token.
        """
        while True:
            try:
                updates = await self._bot.get_updates(
                    offset=self._offset, timeout=POLL_TIMEOUT, allowed_updates=self._allowed
                )
            except InvalidToken:
                raise
            except Conflict as error:
                await asyncio.sleep(self._on_conflict(error))
                continue
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error.retry_after))
                continue
            except TelegramError as error:
                await asyncio.sleep(self._on_failure(error))
                continue
            self._on_success()
            for update in updates:
                await self._queue.put(update)
                self._offset = update.update_id + 1

    async def confirm(self) -> None:
        """Marks every fetched update as read on Telegram's side (a poll without waiting)."""
        if self._offset is None:
            return
        try:
            await self._bot.get_updates(
                offset=self._offset, timeout=0, allowed_updates=self._allowed
            )
        except TelegramError as error:
            logger.warning(
                "could not confirm the last updates to Telegram (%s): "
                "they may be handled again after a restart",
                error.message,
            )

    def _on_success(self) -> None:
        if self._failures:
            logger.info("getUpdates works again after %d failed attempts", self._failures)
            self._failures = 0

    def _on_failure(self, error: TelegramError) -> float:
        self._failures += 1
        delay = backoff(self._failures)
        logger.warning(
            "getUpdates failed at %s (%s); attempt %d, next in %g s",
            self._api_url,
            error.message,
            self._failures,
            delay,
        )
        return delay

    def _on_conflict(self, error: Conflict) -> float:
        now = self._clock()
        if self._last_conflict is None or now - self._last_conflict > CONFLICT_QUIET:
            self._conflicts = 0
            logger.error(
                "Telegram refuses to give this process updates (409: %s). Another process "
                "receives this bot's updates: another `delegate-bot run` polling with the "
                "same BOT_TOKEN (here or on another server), or a webhook. Only one may "
                "poll: stop the other process, or run every process in webhook mode "
                "(WEBHOOK_URL) behind one address. Polling again at most once a minute "
                "meanwhile.",
                error.message,
            )
        else:
            logger.debug("still in conflict with another poller (%s)", error.message)
        self._conflicts += 1
        self._last_conflict = now
        return backoff(self._conflicts)
