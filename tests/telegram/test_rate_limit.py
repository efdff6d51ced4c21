"""The sliding window on a manual clock: exact spacing, no drift, never a burst, 429 pauses."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.db import SessionFactory
from bot.telegram.rate_limit import SlidingWindow

OVERSLEEP = 0.002  # what asyncio.sleep adds on a busy loop


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.stalled_until = 0.0
        """Sleepers wake no sooner than this (the event loop was busy, e.g. collecting)."""

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = max(self.now + seconds + OVERSLEEP, self.stalled_until)
        await asyncio.sleep(0)
        self.now = max(self.now, target)


def most_in_window(times: list[float], period: float = 1.0) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= period - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("rate", [25.0, 28.0, 29.5])
async def test_oversleeping_does_not_slow_the_rate(rate: float) -> None:
    clock = ManualClock()
    window = SlidingWindow(rate, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(300):
        await window.acquire()
        times.append(clock.now)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    # at most floor(rate) in any second; the old limiter reached 24.4 of 25 this way
    assert achieved > min(rate, int(rate)) * 0.995
    assert most_in_window(times) <= int(rate)


async def test_concurrent_callers_get_evenly_spaced_slots() -> None:
    clock = ManualClock()
    window = SlidingWindow(28.0, clock=clock, sleep=clock.sleep)
    times: list[float] = []

    async def send() -> None:
        await window.acquire()
        times.append(clock.now)

    await asyncio.gather(*(send() for _ in range(60)))
    times.sort()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 28 - 1e-9  # no burst, even at the start
    assert most_in_window(times) <= 28


async def test_sends_bunched_by_a_stalled_loop_do_not_overfill_a_later_second() -> None:
    clock = ManualClock()
    window = SlidingWindow(28.0, clock=clock, sleep=clock.sleep)
    times: list[float] = []

    async def send() -> None:
        await window.acquire()
        times.append(clock.now)

    for _ in range(20):
        await send()
    clock.stalled_until = clock.now + 0.3  # six sleepers all wake at once, and leave together
    await asyncio.gather(*(send() for _ in range(6)))
    assert len({round(t, 6) for t in times[-6:]}) == 1
    for _ in range(80):
        await send()
    assert most_in_window(times) <= 28


async def test_a_429_pauses_everyone_including_those_already_waiting() -> None:
    clock = ManualClock()
    window = SlidingWindow(28.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await window.acquire()
    window.pause(2.0)
    paused_until = clock.now + 2.0
    times: list[float] = []

    async def send() -> None:
        await window.acquire()
        times.append(clock.now)

    await asyncio.gather(*(send() for _ in range(5)))
    assert min(times) >= paused_until
    assert len(times) == 5


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindow(0)


async def test_a_429_naming_one_chat_pauses_only_that_chat() -> None:
    clock = ManualClock()
    window = SlidingWindow(28.0, clock=clock, sleep=clock.sleep)
    start = clock.now
    window.pause(5.0, chat=1)
    await window.acquire(chat=2)
    await window.acquire()
    assert clock.now < start + 1.0  # others are not held
    await window.acquire(chat=1)
    assert clock.now >= start + 5.0
    assert window.paused_chats == 0  # a pause that has passed is forgotten


async def test_several_chats_refused_at_once_pause_everyone() -> None:
    clock = ManualClock()
    window = SlidingWindow(28.0, clock=clock, sleep=clock.sleep)
    start = clock.now
    for chat in (1, 2, 3):
        window.pause(4.0, chat=chat)
    await window.acquire(chat=4)
    assert clock.now >= start + 4.0


async def test_an_updates_open_transaction_is_closed_before_any_request(
    session_factory: SessionFactory,
) -> None:
    """A handler that reads, then replies, holds no transaction across the Bot API call."""
    from bot.models import Council
    from bot.telegram.rate_limit import SlidingWindowRateLimiter
    from bot.telegram.scope import _SESSION, end_update_transaction

    seen: list[bool] = []
    async with session_factory() as session:
        token = _SESSION.set(session)
        try:
            await session.get(Council, 1)  # a read opens the transaction
            assert session.in_transaction()
            limiter = SlidingWindowRateLimiter(
                per_second=1000, before_request=end_update_transaction
            )

            async def request(*_args: object, **_kwargs: object) -> bool:
                seen.append(session.in_transaction())
                return True

            assert await limiter.process_request(
                request, (), {}, "sendMessage", {"chat_id": 5}, None
            )
        finally:
            _SESSION.reset(token)
    assert seen == [False]


def test_one_reading_of_retry_after_for_the_runtime_the_limiter_and_the_jobs() -> None:
    """Once written twice (the limiter, the jobs' notifier): one copy could drift."""
    from datetime import timedelta

    from telegram.error import RetryAfter

    import bot.polling
    import bot.runner
    import bot.telegram.rate_limit
    import jobs.telegram_notifier
    from bot.domain.durations import retry_after_seconds

    users = [bot.polling, bot.runner, bot.telegram.rate_limit, jobs.telegram_notifier]
    assert {module.retry_after_seconds for module in users} == {retry_after_seconds}
    assert retry_after_seconds(RetryAfter(7).retry_after) == 7.0
    assert retry_after_seconds(timedelta(seconds=2.5)) == 2.5
