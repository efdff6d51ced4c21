"""At most ``SEND_RATE`` messages in any sliding second, for every send this process makes.

PTB's ``AIORateLimiter`` uses a leaky bucket: with capacity 30 it lets about 60 messages
through in the first second of a burst, which Telegram answers with 429s. A sliding
window cannot burst, so it sits in front of every request that targets a chat; the
``AIORateLimiter`` underneath keeps its per-group limits and its waiting on ``RetryAfter``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.domain.chat_pauses import ChatPauses
from bot.domain.durations import retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_SEND_RATE = 28.0
"""See ``SEND_RATE`` in ``bot/config.py`` for why 28 and not 30."""

ChatKey = int | str


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

    :meth:`pause` with a chat (a 429 naming that chat) holds only that chat's callers;
    once several chats are refused within one period (``bot/domain/chat_pauses.py``), or
    a 429 names no chat, it holds every caller, including those that had already reserved
    a slot, until Telegram's ``retry_after`` has passed.
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
        self._chats: ChatPauses[ChatKey] = ChatPauses(period)

    def pause(self, seconds: float, chat: ChatKey | None = None) -> None:
        """Telegram answered 429: ``chat`` waits ``seconds`` from now, or everyone does when
        no chat is named or several chats were refused at once."""
        now = self._clock()
        until = now + seconds
        if chat is not None and not self._chats.refuse(chat, seconds, now):
            return
        if until > self._paused_until:
            self._paused_until = until
            self._pauses += 1

    async def acquire(self, chat: ChatKey | None = None) -> None:
        if chat is not None:
            await self._chat_turn(chat)
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

    async def _chat_turn(self, chat: ChatKey) -> None:
        """Waits out a pause of this chat alone; a pause that has passed is forgotten."""
        while (wait := self._chats.wait(chat, self._clock())) > 0:
            await self._sleep(wait)

    @property
    def paused_chats(self) -> int:
        return len(self._chats)

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


Callback = Callable[..., Coroutine[Any, Any, Any]]


class SlidingWindowRateLimiter(AIORateLimiter):
    """The sliding window in front of every request that targets a chat, and the retries
    after a 429 done here: PTB's own retry holds every request of the process while one
    chat waits, where this one holds that chat (or everyone, see :meth:`SlidingWindow.pause`).
    """

    def __init__(
        self,
        *,
        per_second: float = DEFAULT_SEND_RATE,
        max_retries: int = 5,
        before_request: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.window = SlidingWindow(per_second)
        self._retries = max_retries
        self._before_request = before_request

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if self._before_request is not None:
            await self._before_request()
        chat = _chat_key(data.get("chat_id"))
        if chat is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        retries = rate_limit_args or self._retries
        group: ChatKey | bool = chat if isinstance(chat, str) or chat < 0 else False
        for attempt in range(retries + 1):
            await self.window.acquire(chat)  # every attempt, retries included, takes a slot
            try:
                return await self._run_request(
                    chat=True,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as error:
                # This chat waits (the next attempt's acquire); the others go on.
                self.window.pause(retry_after_seconds(error.retry_after), chat)
                if attempt >= retries:
                    raise
                logger.info("429 for chat %s: retrying after %ss", chat, error.retry_after)
        raise AssertionError("unreachable")


def _chat_key(chat_id: object) -> ChatKey | None:
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)
