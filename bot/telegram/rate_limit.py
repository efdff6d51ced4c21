"""At most ``SEND_RATE`` messages in any sliding second, for every send this process makes.

PTB's ``AIORateLimiter`` uses a leaky bucket: with capacity 30 it lets about 60 messages
through in the first second of a burst, which Telegram answers with 429s. A sliding
window cannot burst, so it sits in front of every request that targets a chat; the
``AIORateLimiter`` underneath keeps its per-group limits and its waiting on ``RetryAfter``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

DEFAULT_SEND_RATE = 28.0
"""See ``SEND_RATE`` in ``bot/config.py`` for why 28 and not 30."""


class SlidingWindow:
    """Admits at most ``rate × period`` acquisitions in any ``period`` seconds, evenly spaced.

    Slots lie on an exact grid ``period / rate`` apart. Each caller reserves the next slot
    under the lock and then sleeps until it, so the oversleep of one ``asyncio.sleep``
    (a millisecond or so) delays that one send and never pushes back every later slot:
    the old "stamp when I woke up" version drifted to 24.4 sends/s at a limit of 25.
    The spacing keeps a burst from arriving at Telegram as 28 messages in a tenth of a
    second, where a little network jitter at the window's edge would put 31 into one
    second of Telegram's count.

    A stall of the event loop (a garbage collection, a slow callback) wakes several
    sleepers at once, and those sends leave together. So the limit is checked a second
    time on the moments sends actually leave: a send that would make ``limit`` departures
    within one period waits, and a bunch after a stall cannot meet the regular flow a
    second later inside one of Telegram's windows.

    :meth:`pause` (a 429 anywhere in the process) holds every caller, including those
    that had already reserved a slot, until Telegram's ``retry_after`` has passed.
    """

    def __init__(
        self,
        rate: float,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.period = period
        self.limit = max(1, math.floor(rate * period + 1e-9))
        self.spacing = period / rate
        self._clock = clock
        self._sleep = sleep
        self._slots: deque[float] = deque()
        self._departures: deque[float] = deque()
        self._paused_until = -math.inf
        self._pauses = 0
        self._lock = asyncio.Lock()
        self._leaving = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` from now (Telegram answered 429)."""
        until = self._clock() + seconds
        if until > self._paused_until:
            self._paused_until = until
            self._pauses += 1

    async def acquire(self) -> None:
        while True:
            async with self._lock:
                pauses = self._pauses
                slot = self._reserve(self._clock())
            wait = slot - self._clock()
            if wait > 0:
                await self._sleep(wait)
            if self._pauses == pauses and await self._depart(pauses):
                return
            # A 429 came while this caller slept: its slot may fall inside the pause.

    async def _depart(self, pauses: int) -> bool:
        """Records the send as leaving now, once fewer than ``limit`` left in the last period."""
        async with self._leaving:
            while True:
                now = self._clock()
                while self._departures and self._departures[0] <= now - self.period:
                    self._departures.popleft()
                if len(self._departures) < self.limit:
                    self._departures.append(now)
                    return True
                await self._sleep(self._departures[0] + self.period - now)
                if self._pauses != pauses:
                    return False

    def _reserve(self, now: float) -> float:
        start = max(now, self._paused_until)
        while self._slots and self._slots[0] <= start - self.period:
            self._slots.popleft()
        slot = start
        if self._slots:
            slot = max(slot, self._slots[-1] + self.spacing)
        if len(self._slots) >= self.limit:
            # Float rounding of the grid must never fit limit + 1 slots into one period.
            slot = max(slot, self._slots[-self.limit] + self.period)
        self._slots.append(slot)
        return slot


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


Callback = Callable[..., Coroutine[Any, Any, Any]]


class SlidingWindowRateLimiter(AIORateLimiter):
    def __init__(self, *, per_second: float = DEFAULT_SEND_RATE, max_retries: int = 5) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.window = SlidingWindow(per_second)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if data.get("chat_id") is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def limited(*inner_args: Any, **inner_kwargs: Any) -> Any:
            await self.window.acquire()  # every attempt, retries included, takes a slot
            try:
                return await callback(*inner_args, **inner_kwargs)
            except RetryAfter as error:
                # Every sender of this process waits, not only the one that met the 429.
                self.window.pause(retry_after_seconds(error))
                raise

        return await super().process_request(limited, args, kwargs, endpoint, data, rate_limit_args)
