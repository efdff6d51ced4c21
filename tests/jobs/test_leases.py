"""Outbox leases (issue 18, item 6): rows a process still holds are never claimed again
by it, and a row that waited past its lease has it renewed before it goes out. The
claim SQL differs on PostgreSQL (``FOR UPDATE SKIP LOCKED``): each test runs on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import SessionFactory, create_session_factory
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import BroadcastPayload
from bot.services.outbox.rows import (
    LEASE,
    OUTBOX_TABLE,
    claim_due,
    outbox_row,
    renew_leases,
)
from jobs.dispatch_queue import keep_leases
from tests.factories import add_linked_delegates, in_session

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
LATER = NOW + LEASE + timedelta(seconds=30)  # the claim's lease has run out


@pytest.fixture(params=["sqlite", "postgres"])
def sessions(request: pytest.FixtureRequest) -> SessionFactory:
    if request.param == "sqlite":
        factory: SessionFactory = request.getfixturevalue("session_factory")
        return factory
    engine: AsyncEngine = request.getfixturevalue("pg_engine")
    return create_session_factory(engine)


async def _queue(sessions: SessionFactory, count: int) -> None:
    await add_linked_delegates(sessions, count, first_user_id=9000)
    async with sessions() as session:
        delegates = (await session.exec(select(Delegate.id))).all()
    rows = [
        outbox_row(BroadcastPayload(broadcast=1), f"l:{d}", now=NOW, due_at=NOW, delegate_id=d)
        for d in delegates
    ]
    async with sessions() as session, session.begin():
        await session.exec(insert(OUTBOX_TABLE), params=rows)  # type: ignore[call-overload]


async def _claim(
    sessions: SessionFactory, owner: str, now: datetime, holding: set[int] | None = None
) -> list[OutboxMessage]:
    return await in_session(
        sessions, claim_due, now=now, owner=owner, limit=10, holding=holding or set()
    )


async def test_rows_a_process_still_holds_are_not_claimed_again_by_it(
    sessions: SessionFactory,
) -> None:
    await _queue(sessions, 3)
    held = {row.id for row in await _claim(sessions, "me", NOW) if row.id is not None}
    assert len(held) == 3
    # Past the lease, still sitting in this process's queue: nothing to claim.
    assert await _claim(sessions, "me", LATER, holding=held) == []
    # One of them was recorded meanwhile; the two left over from an earlier, failed drain
    # (no longer held) come back, as any expired lease does, flagged uncertain.
    still = set(sorted(held)[:1])
    again = await _claim(sessions, "me", LATER, holding=still)
    assert {row.id for row in again} == held - still
    assert all(row.outcome_uncertain for row in again)


async def test_a_renewed_lease_keeps_other_processes_off(sessions: SessionFactory) -> None:
    await _queue(sessions, 2)
    mine = await _claim(sessions, "me", NOW)
    ids = {row.id for row in mine if row.id is not None}
    renewed_at = NOW + LEASE - timedelta(seconds=10)
    kept = await in_session(sessions, renew_leases, ids=ids, owner="me", now=renewed_at)
    assert kept == ids
    assert await _claim(sessions, "other", LATER) == []  # renewed until renewed_at + LEASE
    # Another owner cannot renew them, and does not learn of them.
    assert await in_session(sessions, renew_leases, ids=ids, owner="other", now=LATER) == set()


async def test_a_row_taken_over_meanwhile_is_not_sent_by_the_old_holder(
    sessions: SessionFactory,
) -> None:
    await _queue(sessions, 2)
    mine = await _claim(sessions, "me", NOW)
    taken = await _claim(sessions, "other", LATER)  # "me" did not renew in time
    assert {row.id for row in taken} == {row.id for row in mine}
    assert await keep_leases(sessions, mine, owner="me", now=LATER) == []


async def test_fresh_leases_are_kept_without_asking_the_database(
    session_factory: SessionFactory,
) -> None:
    await _queue(session_factory, 1)
    mine = await _claim(session_factory, "me", NOW)

    def no_session() -> None:
        raise AssertionError("a fresh lease needs no renewal")

    kept = await keep_leases(no_session, mine, owner="me", now=NOW + timedelta(seconds=5))  # type: ignore[arg-type]
    assert kept == mine
    renewed = await keep_leases(session_factory, mine, owner="me", now=NOW + LEASE)
    assert renewed == mine
    assert mine[0].lease_until == NOW + 2 * LEASE
