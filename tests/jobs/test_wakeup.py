"""A process that queued work wakes the sender through PostgreSQL NOTIFY; SQLite needs none."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.wakeup import Wakeup


async def test_a_notify_from_one_process_wakes_the_listener(pg_engine: AsyncEngine) -> None:
    woken = asyncio.Event()
    sender = Wakeup(pg_engine, woken.set)
    other = Wakeup(pg_engine, lambda: None)
    await sender.listen()
    await sender.listen()  # already listening: nothing more
    try:
        await other.notify()
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        await sender.close()
        await other.close()


async def test_sqlite_has_nothing_to_do(engine: AsyncEngine) -> None:
    calls: list[int] = []
    wakeup = Wakeup(engine, lambda: calls.append(1))
    await wakeup.listen()
    await wakeup.notify()
    await wakeup.close()
    assert calls == []
