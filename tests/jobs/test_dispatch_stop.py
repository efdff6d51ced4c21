"""A stop while Telegram does not answer: the dispatcher claims nothing more once asked to
stop, and a stop cut short ends the requests to Telegram, never a database write (a write
cancelled halfway left SQLite locked, so the rows could not be handed back: issue 18)."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import select

from bot.db import SessionFactory
from bot.models import OutboxMessage
from bot.services.outbox.rows import Delivered, OutboxKind, Outgoing, SendResult
from jobs.dispatcher import BATCH_SIZE, CONCURRENCY, Dispatcher
from tests.jobs.test_dispatch_pipeline import NOW, REGISTRY, ZONE, delegate_ids, queue

ROWS = 60


class StuckTelegram:
    """Sends wait until ``answer`` is set (never, unless a test says so)."""

    def __init__(self) -> None:
        self.answer = asyncio.Event()
        self.waiting = 0
        self.cancelled = 0
        self.sent: list[str] = []
        self._changed = asyncio.Event()

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        self.waiting += 1
        self._changed.set()
        try:
            await self.answer.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.waiting -= 1
        self.sent.append(message.text)
        return Delivered(len(self.sent))

    async def until_waiting(self, count: int) -> None:
        while self.waiting < count:
            self._changed.clear()
            await self._changed.wait()


async def statuses(sessions: SessionFactory) -> Counter[tuple[str, bool, str | None]]:
    """(status, outcome_uncertain, lease_owner) of every row."""
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return Counter((row.status, row.outcome_uncertain, row.lease_owner) for row in rows)


async def stuck_drain(
    sessions: SessionFactory,
) -> tuple[Dispatcher, StuckTelegram, asyncio.Task[object]]:
    """A drain of ``ROWS`` rows whose every sender waits for Telegram."""
    await queue(sessions, OutboxKind.broadcast, await delegate_ids(sessions, ROWS), NOW)
    telegram = StuckTelegram()
    dispatcher = Dispatcher(session_factory=sessions, notifier=telegram, zone=ZONE,
                            clock=lambda: NOW, owner="me", registry=REGISTRY)  # fmt: skip
    drain: asyncio.Task[object] = asyncio.create_task(dispatcher.drain())
    await asyncio.wait_for(telegram.until_waiting(CONCURRENCY), 10)
    assert await statuses(sessions) == {
        ("sending", False, "me"): BATCH_SIZE,
        ("pending", False, None): ROWS - BATCH_SIZE,
    }
    return dispatcher, telegram, drain


async def test_a_stop_claims_nothing_more_once_the_sends_free_room(
    session_factory: SessionFactory,
) -> None:
    dispatcher, telegram, drain = await stuck_drain(session_factory)
    dispatcher.stop()
    telegram.answer.set()  # Telegram answers again: what was claimed goes out, room frees up
    await asyncio.wait_for(drain, 10)
    assert len(telegram.sent) == BATCH_SIZE
    assert await statuses(session_factory) == {
        ("sent", False, None): BATCH_SIZE,
        ("pending", False, None): ROWS - BATCH_SIZE,  # never claimed after the stop
    }


async def test_a_stop_cut_short_ends_the_requests_and_records_them_as_uncertain(
    session_factory: SessionFactory,
) -> None:
    dispatcher, telegram, drain = await stuck_drain(session_factory)
    dispatcher.stop()
    await asyncio.sleep(0.05)  # the stop alone does not end a send
    assert not drain.done()
    dispatcher.cut_short()
    await asyncio.wait_for(drain, 5)  # ends by itself: nothing had to be cancelled
    assert not drain.cancelled()
    assert telegram.cancelled == CONCURRENCY
    assert telegram.sent == []
    assert await statuses(session_factory) == {
        # The requests cut short may have arrived: pending again, flagged.
        ("pending", True, None): CONCURRENCY,
        # Claimed, never handed to Telegram: still leased, for the runner to hand back.
        ("sending", False, "me"): BATCH_SIZE - CONCURRENCY,
        ("pending", False, None): ROWS - BATCH_SIZE,
    }
