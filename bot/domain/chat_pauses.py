"""Which chats Telegram refused with 429, until when, and when the refusal is everyone's.

A 429 that names one chat holds that chat only; several chats refused within one period
mean the bot's overall rate was refused, and then every send waits. Both the rate
limiter (handlers' replies) and the dispatcher (the outbox) apply this one rule. The
caller passes its clock's ``now`` (seconds, monotonic).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

SEVERAL_CHATS = 3
"""This many chats refused within one period: the whole sender backs off."""
FORGET_AFTER = 1024
"""Past this many chats on record, the pauses that have ended are dropped."""


class ChatPauses(Generic[K]):
    def __init__(self, period: float = 1.0, several: int = SEVERAL_CHATS) -> None:
        self.period = period
        self.several = several
        self._until: dict[K, float] = {}
        self._refusals: deque[tuple[float, K]] = deque()

    def refuse(self, chat: K, seconds: float, now: float) -> bool:
        """Records a 429 naming ``chat``; True when it makes several chats refused at once."""
        if len(self._until) > FORGET_AFTER:
            self._until = {key: until for key, until in self._until.items() if until > now}
        self._until[chat] = max(now + seconds, self._until.get(chat, -math.inf))
        self._refusals.append((now, chat))
        while self._refusals and self._refusals[0][0] <= now - self.period:
            self._refusals.popleft()
        return len({refused for _at, refused in self._refusals}) >= self.several

    def wait(self, chat: K, now: float) -> float:
        """Seconds ``chat`` must still wait (0: none); a pause that has ended is forgotten."""
        until = self._until.get(chat)
        if until is None:
            return 0.0
        if until <= now:
            del self._until[chat]
            return 0.0
        return until - now

    def __len__(self) -> int:
        return len(self._until)
