"""The first ``Nhận thay`` wins on PostgreSQL even when two presses arrive together.

Two sessions (two connections, as two processes would hold) read the same open release
and update it at the same moment; the conditional UPDATE lets exactly one through, and
the loser is told who took the place.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import create_session_factory
from bot.domain.availability import Answer, AwayReason
from bot.models import Absence, Assignment, Release, SessionAnswer
from bot.services.availability.absences import apply_absences, record_absence
from bot.services.availability.attendance import record_answer
from bot.services.availability.standins import TakeOutcome, take_place
from tests.factories import add_delegate
from tests.services.test_availability import (
    NOW,
    POLICY,
    POOL,
    SESSION,
    first_assignment,
    load_schedule,
    offers,
    pool_on_rota,
    release,
)


async def test_two_presses_at_once_give_one_stand_in(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = create_session_factory(pg_engine)
    ids = await pool_on_rota(sessions, tmp_path)
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


async def test_an_answer_given_while_the_planner_applies_an_absence_is_kept(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    """The delegate presses «Tham dự» while the planner answers the same session
    ``absent`` for a period recorded earlier: the unique index settles it, the planner's
    run does not fail, and the delegate's later word counts."""
    sessions = create_session_factory(pg_engine)
    ids = {}
    for number, code in enumerate(POOL):
        delegate = await add_delegate(sessions, code, telegram_user_id=100 + number)
        assert delegate.id is not None
        ids[code] = delegate.id
    await load_schedule(sessions, tmp_path, SESSION)
    a = ids["ML-A"]
    mine = await first_assignment(sessions, a)
    async with sessions() as session:
        session.add(
            Absence(delegate_id=a, starts_on=date(2026, 12, 17), ends_on=date(2026, 12, 19),
                    reason=AwayReason.personal.value, note="", source="bot",
                    created_at=NOW - timedelta(hours=1))
        )  # fmt: skip
        await session.commit()
    moment = NOW + timedelta(minutes=1)
    async with sessions() as pressing:
        assert await record_answer(
            session=pressing, assignment_id=mine, delegate_ids=[a], answer=Answer.attend,
            reason=None, note="", now=moment,
        )  # fmt: skip
        await pressing.flush()  # the row is written, not yet committed

        async def planner() -> int:
            async with sessions() as session:
                applied = await apply_absences(session=session, now=moment, policy=POLICY)
                await session.commit()
                return applied

        running = asyncio.create_task(planner())
        await _until_waiting_for_a_lock(pg_engine)
        await pressing.commit()
        assert await running == 0  # nothing answered for the delegate
    async with sessions() as session:
        stored = (await session.exec(select(SessionAnswer))).all()
    assert [(s.assignment_id, s.answer, s.absence_id) for s in stored] == [
        (mine, Answer.attend.value, None)
    ]


async def test_an_absence_replaces_an_earlier_answer_on_postgresql(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    """The batched replacement and its count on PostgreSQL (whose driver reports no row
    count for a batch)."""
    sessions = create_session_factory(pg_engine)
    a = (await add_delegate(sessions, "ML-A", telegram_user_id=100)).id
    assert a is not None
    for number, code in enumerate(POOL[1:], start=1):
        await add_delegate(sessions, code, telegram_user_id=100 + number)
    await load_schedule(sessions, tmp_path, SESSION)
    mine = await first_assignment(sessions, a)
    async with sessions() as session:
        assert await record_answer(
            session=session, assignment_id=mine, delegate_ids=[a], answer=Answer.attend,
            reason=None, note="", now=NOW,
        )  # fmt: skip
        await session.commit()
    async with sessions() as session:
        result = await record_absence(
            session=session, delegate_id=a, starts_on=date(2026, 12, 18),
            ends_on=date(2026, 12, 18), reason=AwayReason.personal, note="ốm",
            source="bot", now=NOW + timedelta(hours=1), policy=POLICY,
        )  # fmt: skip
        await session.commit()
    assert result.sessions == 1
    async with sessions() as session:
        stored = (await session.exec(select(SessionAnswer))).all()
    assert [(s.answer, s.note, s.absence_id) for s in stored] == [
        ("absent", "ốm", result.absence.id)
    ]


async def _until_waiting_for_a_lock(engine: AsyncEngine) -> None:
    """Polls until another connection waits on a row lock (the planner's insert)."""
    for _poll in range(400):
        async with engine.connect() as connection:
            waiting = (
                await connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                )
            ).scalar_one()
        if waiting:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the planner never waited for the delegate's answer")
