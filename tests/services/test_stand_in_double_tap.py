"""A double tap on ``Nhận thay`` that reaches two processes (webhook behind a load
balancer): both presses read the open offer before either writes. The place goes to the
delegate once, their offer stays ``taken``, and the second press is told it was answered,
not that somebody else took the place. PostgreSQL; the process-level test is
``tests/e2e/test_stand_in_race.py``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import create_session_factory
from bot.models import Assignment, Release, SubstituteOffer
from bot.services.availability.standins import TakeOutcome, take_place
from tests.services.test_availability import (
    NOW,
    first_assignment,
    offers,
    pool_on_rota,
    release,
)


async def test_a_double_tap_on_two_processes_keeps_the_winner(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = create_session_factory(pg_engine)
    ids = await pool_on_rota(sessions, tmp_path)
    released = await release(sessions, await first_assignment(sessions, ids["ML-A"]), ids["ML-A"])
    b = ids["ML-B"]
    offer_id = (await offers(sessions))[b][0]
    gate = asyncio.Barrier(2)

    async def press() -> TakeOutcome:
        async with sessions() as session:
            await session.get(SubstituteOffer, offer_id)  # read before either writes
            await gate.wait()
            result = await take_place(session=session, offer_id=offer_id, delegate_ids=[b], now=NOW)
            await session.commit()
            return result.outcome

    outcomes = await asyncio.gather(press(), press())
    assert sorted(outcomes) == sorted([TakeOutcome.won, TakeOutcome.answered])
    async with sessions() as session:
        stored = await session.get(Release, released.id)
        offer = await session.get(SubstituteOffer, offer_id)
        active = (
            await session.exec(
                select(Assignment.delegate_id).where(
                    col(Assignment.occurrence_id) == released.occurrence_id,
                    col(Assignment.cancelled_at).is_(None),
                )
            )
        ).all()
    assert stored is not None
    assert offer is not None
    assert (stored.taken_by, offer.status, list(active)) == (b, "taken", [b])
