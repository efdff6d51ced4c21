"""The dispatcher's pipeline: claims ahead while sending, holds at most one batch, lets an
urgent row overtake a long bulk run, and leaves nothing running when it is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert
from sqlmodel import col, select

import jobs.dispatcher as dispatcher_module
from bot.db import SessionFactory
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import BroadcastPayload, ReminderPayload
from bot.services.outbox.rows import (
    OUTBOX_TABLE,
    Delivered,
    OutboxKind,
    Outgoing,
    SendResult,
    outbox_row,
)
from jobs.dispatcher import BATCH_SIZE, Dispatcher
from jobs.outbox_kinds import KindSpec, Recipient, build_registry
from tests.factories import add_linked_delegates

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def _load(_s: SessionFactory, _rows: Sequence[OutboxMessage], _z: ZoneInfo) -> None:
    return None


def _render(row: OutboxMessage, _c: None, _r: Recipient, _n: datetime) -> Outgoing:
    return Outgoing(text=f"{row.kind}:{row.id}")


REGISTRY = build_registry(
    KindSpec(payload, _load, render=_render) for payload in (BroadcastPayload, ReminderPayload)
)


class SlowNotifier:
    """Takes 5 ms per send; counts the rows held (``sending``) at each send."""

    def __init__(self, sessions: SessionFactory, on_send: Any = None) -> None:
        self.sessions = sessions
        self.sent: list[str] = []
        self.most_held = 0
        self.on_send = on_send

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        async with self.sessions() as session:
            held = (
                await session.exec(
                    select(func.count()).where(col(OutboxMessage.status) == "sending")
                )
            ).one()
        self.most_held = max(self.most_held, held)
        await asyncio.sleep(0.005)
        self.sent.append(message.text)
        if self.on_send is not None:
            await self.on_send(len(self.sent))
        return Delivered(len(self.sent))


async def queue(sessions: SessionFactory, kind: OutboxKind, delegate_ids: list[int],
                due_at: datetime) -> None:  # fmt: skip
    payload = BroadcastPayload(broadcast=1) if kind is OutboxKind.broadcast else ReminderPayload()
    rows = [
        outbox_row(payload, f"t:{delegate_id}", now=NOW, due_at=due_at, delegate_id=delegate_id)
        for delegate_id in delegate_ids
    ]
    async with sessions() as session, session.begin():
        await session.exec(insert(OUTBOX_TABLE), params=rows)  # type: ignore[call-overload]


async def delegate_ids(sessions: SessionFactory, count: int) -> list[int]:
    await add_linked_delegates(sessions, count, first_user_id=70_000)
    async with sessions() as session:
        return [d.id for d in (await session.exec(select(Delegate))).all() if d.id is not None]


async def test_an_urgent_row_overtakes_a_long_bulk_run(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await delegate_ids(session_factory, 400)
    await queue(session_factory, OutboxKind.broadcast, ids[:399], NOW)
    clock_now = [NOW]
    fell_due = asyncio.Event()

    async def reminder_falls_due(sent: int) -> None:
        if sent == 20:
            await queue(session_factory, OutboxKind.reminder, ids[399:], NOW)
            fell_due.set()

    # Claims are counted, not send positions: how many copies go out meanwhile depends on
    # the machine's load, how many claims the reminder waits for does not.
    claims_after: list[list[str]] = []
    real_claim = dispatcher_module.claim_due

    async def counting_claim(**kwargs: Any) -> Any:
        rows = await real_claim(**kwargs)
        if fell_due.is_set():
            claims_after.append([row.kind for row in rows])
        return rows

    monkeypatch.setattr(dispatcher_module, "claim_due", counting_claim)
    notifier = SlowNotifier(session_factory, reminder_falls_due)
    dispatcher = Dispatcher(session_factory=session_factory, notifier=notifier, zone=ZONE,
                            clock=lambda: clock_now[0], owner="me", registry=REGISTRY)  # fmt: skip
    stats = await dispatcher.drain()
    assert stats.messages == 400
    taken_by = next(n for n, kinds in enumerate(claims_after) if "reminder" in kinds)
    # One of the first claims after it fell due takes it (claims already on their way
    # may go first), not the twelfth or so that the 380 copies still queued would make.
    assert taken_by <= 2, claims_after[:4]
    assert notifier.most_held <= BATCH_SIZE


async def test_cancelling_a_drain_stops_every_sender(session_factory: SessionFactory) -> None:
    ids = await delegate_ids(session_factory, 60)
    await queue(session_factory, OutboxKind.broadcast, ids, NOW)
    ten_sent = asyncio.Event()

    async def count(sent: int) -> None:
        if sent >= 10:
            ten_sent.set()

    notifier = SlowNotifier(session_factory, count)
    dispatcher = Dispatcher(session_factory=session_factory, notifier=notifier, zone=ZONE,
                            clock=lambda: NOW, owner="me", registry=REGISTRY)  # fmt: skip
    task = asyncio.create_task(dispatcher.drain())
    await ten_sent.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    sent = len(notifier.sent)
    await asyncio.sleep(0.1)
    assert len(notifier.sent) == sent  # nothing kept sending after the cancellation
    later = Dispatcher(session_factory=session_factory, notifier=notifier, zone=ZONE,
                       clock=lambda: NOW + timedelta(minutes=5), owner="next",
                       registry=REGISTRY)  # fmt: skip
    await later.drain()
    assert sorted(set(notifier.sent)) == sorted(f"broadcast:{n}" for n in range(1, 61))
