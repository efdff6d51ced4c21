"""How many updates each Telegram user may have handled: a token bucket per user.

Each user has ``burst`` tokens, refilled at ``per_minute`` a minute; an update takes one.
An update that finds none is refused: the first refusal is answered ("slow down"),
every later one is silent until the bucket has refilled completely. Pure (the
clock is injected), so a flood costs a dictionary look-up and no database work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    admitted = "admitted"
    refused = "refused"
    """Over the budget, and told so now: the only refusal of this run that is answered."""
    silenced = "silenced"
    """Over the budget and already told: nothing is sent."""


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


class UserBudget:
    """``per_minute`` updates a minute for each user, in bursts of at most ``burst``."""

    def __init__(
        self,
        per_minute: float = 20.0,
        burst: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("the budget must be positive")
        self.per_second = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._next_sweep = -float("inf")

    def admit(self, user_id: int) -> Verdict:
        now = self.clock()
        self._sweep(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
            if bucket.tokens >= self.burst:  # refilled: a new flood is told again
                bucket.told = False
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.admitted
        if bucket.told:
            return Verdict.silenced
        bucket.told = True
        return Verdict.refused

    def __len__(self) -> int:
        """Users with a bucket in memory (those who are full again are dropped)."""
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        """Forgets the buckets that have refilled: a full bucket is the same as none."""
        if now < self._next_sweep:
            return
        refill = self.burst / self.per_second
        self._next_sweep = now + refill
        self._buckets = {
            user_id: bucket
            for user_id, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self.per_second < self.burst
        }
