"""At most N messages in any sliding second, for every send this process makes.

PTB's ``AIORateLimiter`` uses a leaky bucket: with capacity 30 it lets about 60 messages
through in the first second of a burst, which Telegram answers with 429s. A sliding
window cannot burst, so it sits in front of every request that targets a chat; the
``AIORateLimiter`` underneath keeps its per-group limits and its waiting on ``RetryAfter``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

# Below Telegram's 30/s: leaves room for replies from another process sharing the token
# and for jitter between our clock and Telegram's.
MESSAGES_PER_SECOND = 25


class SlidingWindow:
    """Admits at most ``limit`` acquisitions in any ``period`` seconds, evenly spaced.

    The spacing (``period / limit`` apart) keeps a burst from arriving at Telegram as 25
    messages in a tenth of a second, where a little network jitter at the window's edge
    would put 31 into one second of Telegram's count.
    """

    def __init__(
        self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._stamps and self._stamps[0] <= now - self.period:
                    self._stamps.popleft()
                spacing = self.period / self.limit
                ready_at = self._stamps[-1] + spacing if self._stamps else now
                if len(self._stamps) >= self.limit:
                    ready_at = max(ready_at, self._stamps[0] + self.period)
                if ready_at <= now:
                    self._stamps.append(now)
                    return
                await asyncio.sleep(ready_at - now)


Callback = Callable[..., Coroutine[Any, Any, Any]]


class SlidingWindowRateLimiter(AIORateLimiter):
    def __init__(self, *, per_second: int = MESSAGES_PER_SECOND, max_retries: int = 5) -> None:
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
            return await callback(*inner_args, **inner_kwargs)

        return await super().process_request(limited, args, kwargs, endpoint, data, rate_limit_args)
