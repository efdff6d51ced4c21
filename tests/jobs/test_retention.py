"""The nightly purge (issue 18, item 10): uploads 30 days after their decision (or their
expiry), delivered outbox rows after 400 days; reports, their versions and broadcast
copies (a broadcast's report reads them) are kept. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import SessionFactory, create_session_factory
from bot.models import Broadcast, BroadcastRecipient, Delegate, OutboxMessage, PendingUpload
from bot.services.outbox.payloads import BroadcastPayload, ReminderPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row
from jobs.retention import purge
from tests.factories import add_delegate

NOW = datetime(2027, 6, 1, 20, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgres"])
def sessions(request: pytest.FixtureRequest) -> SessionFactory:
    if request.param == "sqlite":
        factory: SessionFactory = request.getfixturevalue("session_factory")
        return factory
    engine: AsyncEngine = request.getfixturevalue("pg_engine")
    return create_session_factory(engine)


def _upload(status: str, created: datetime, decided: datetime | None) -> PendingUpload:
    return PendingUpload(telegram_user_id=7001, filename="s.csv", content=b"x" * 100,
                         status=status, created_at=created, decided_at=decided)  # fmt: skip


async def _outbox(
    sessions: SessionFactory, delegate: Delegate, key: str, status: str, sent: datetime | None,
    *, broadcast: bool = False,
) -> int:  # fmt: skip
    payload = BroadcastPayload(broadcast=1) if broadcast else ReminderPayload()
    row = outbox_row(payload, key, now=NOW - 500 * DAY, due_at=NOW - 500 * DAY,
                     delegate_id=delegate.id)  # fmt: skip
    row.update(status=status)
    async with sessions() as session, session.begin():
        result = await session.exec(insert(OUTBOX_TABLE).returning(OUTBOX_TABLE.c.id), params=[row])  # type: ignore[call-overload]
        row_id = int(result.scalar_one())
        if sent is not None:
            found = await session.get(OutboxMessage, row_id)
            assert found is not None
            found.sent_at = sent
            session.add(found)
    return row_id


async def test_the_purge_keeps_what_is_still_wanted(sessions: SessionFactory) -> None:
    delegate = await add_delegate(sessions, "ML-001", telegram_user_id=8001)
    async with sessions() as session, session.begin():
        session.add_all([
            _upload("confirmed", NOW - 40 * DAY, NOW - 31 * DAY),  # goes
            _upload("cancelled", NOW - 40 * DAY, NOW - 29 * DAY),  # kept: decided 29 days ago
            _upload("pending", NOW - 31 * DAY, None),  # expired long ago: goes
            _upload("pending", NOW - 2 * DAY, None),  # expired, but recent: kept
            _upload("superseded", NOW - 60 * DAY, NOW - 45 * DAY),  # goes
        ])  # fmt: skip
    old = await _outbox(sessions, delegate, "old", "sent", NOW - 401 * DAY)
    recent = await _outbox(sessions, delegate, "recent", "sent", NOW - 399 * DAY)
    failed = await _outbox(sessions, delegate, "failed", "failed", None)
    copy = await _outbox(sessions, delegate, "copy", "sent", NOW - 450 * DAY, broadcast=True)
    async with sessions() as session, session.begin():
        broadcast = Broadcast(council_id=delegate.council_id, created_by=7001, status="done",
                              created_at=NOW - 450 * DAY)  # fmt: skip
        session.add(broadcast)
        await session.flush()
        assert broadcast.id is not None
        assert delegate.id is not None
        session.add(BroadcastRecipient(broadcast_id=broadcast.id, delegate_id=delegate.id,
                                       outbox_id=copy))  # fmt: skip

    purged = await purge(sessions, lambda: NOW, batch=2)  # batches smaller than the backlog

    assert (purged.uploads, purged.outbox) == (3, 1)
    async with sessions() as session:
        uploads = (
            await session.exec(select(PendingUpload.status).order_by(col(PendingUpload.id)))
        ).all()
        rows = set((await session.exec(select(OutboxMessage.id))).all())
        recipients = (
            await session.exec(select(func.count()).select_from(BroadcastRecipient))
        ).one()
    assert list(uploads) == ["cancelled", "pending"]
    assert rows == {recent, failed, copy}
    assert old not in rows
    assert recipients == 1
    again = await purge(sessions, lambda: NOW)
    assert not again.any
