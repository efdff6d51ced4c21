"""The first ``Nhận thay`` wins on PostgreSQL even when two presses arrive together.

Two sessions (two connections, as two processes would hold) read the same open release
and update it at the same moment; the conditional UPDATE lets exactly one through, and
the loser is told who took the place.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import create_session_factory
from bot.models import Assignment, Release
from bot.services.availability.standins import TakeOutcome, take_place
from tests.factories import add_delegate
from tests.services.test_availability import (
    NOW,
    POOL,
    ROTA,
    first_assignment,
    load_schedule,
    offers,
    release,
)


async def test_two_presses_at_once_give_one_stand_in(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = create_session_factory(pg_engine)
    ids = {}
    for number, code in enumerate(POOL):
        delegate = await add_delegate(sessions, code, telegram_user_id=100 + number)
        assert delegate.id is not None
        ids[code] = delegate.id
    await load_schedule(sessions, tmp_path, ROTA)
    released = await release(sessions, await first_assignment(sessions, ids["ML-A"]), ids["ML-A"])
    asked = await offers(sessions)
    b, c = ids["ML-B"], ids["ML-C"]
    gate = asyncio.Barrier(2)

    async def press(delegate_id: int) -> TakeOutcome:
        async with sessions() as session:
            # Both transactions have begun and read before either writes.
            await session.exec(select(Release).where(col(Release.id) == released.id))
            await gate.wait()
            result = await take_place(
                session=session, offer_id=asked[delegate_id][0], delegate_ids=[delegate_id],
                now=NOW,
            )  # fmt: skip
            await session.commit()
            return result.outcome

    outcomes = await asyncio.gather(press(b), press(c))
    assert sorted(outcomes) == sorted([TakeOutcome.won, TakeOutcome.taken])
    async with sessions() as session:
        stored = await session.get(Release, released.id)
        assert stored is not None
        active = (
            await session.exec(
                select(Assignment.delegate_id).where(
                    col(Assignment.occurrence_id) == stored.occurrence_id,
                    col(Assignment.cancelled_at).is_(None),
                )
            )
        ).all()
    winner = b if outcomes[0] is TakeOutcome.won else c
    assert stored.taken_by == winner
    assert list(active) == [winner]
