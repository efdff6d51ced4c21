"""The outcomes kept while the database was away (``jobs/held_writes.py``): written in
order once it answers, and one bad write (a bug, not an outage) does not lose the others."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, create_session_factory
from bot.db_watch import DatabaseWatch
from bot.models import Council
from jobs.held_writes import HeldWrites, Write
from tests.factories import NOW


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest) -> SessionFactory:
    """Both databases: on PostgreSQL a failed statement spoils the rest of its transaction."""
    if request.param == "sqlite":
        factory: SessionFactory = request.getfixturevalue("session_factory")
        return factory
    return create_session_factory(request.getfixturevalue("pg_engine"))


def council(code: str, *, outage: list[bool] | None = None) -> Write:
    """Adds council ``code``; fails like a refused connection while ``outage`` says so."""

    async def write(session: AsyncSession) -> None:
        if outage is not None and outage[0]:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        session.add(Council(code=code, name=f"HĐND {code}", created_at=NOW))
        await session.flush()

    return write


async def codes(session_factory: SessionFactory) -> list[str]:
    async with session_factory() as session:
        return list((await session.exec(select(Council.code).order_by(col(Council.code)))).all())


async def kept_during_an_outage(
    session_factory: SessionFactory, watch: DatabaseWatch, *writes: Write
) -> HeldWrites:
    """``writes`` kept in memory: the first fails as the database goes away, the others
    are kept behind it (a later outcome never overtakes an earlier one)."""
    held = HeldWrites(session_factory, watch, owner="test:1")
    outage = [True]
    await held.write(council("A-first", outage=outage), "recording an outbox outcome")
    assert not watch.reachable
    for write in writes:
        await held.write(write, "recording an outbox outcome")
    assert held.held == 1 + len(writes)
    assert await codes(session_factory) == []
    outage[0] = False  # the database answers again
    return held


async def test_kept_outcomes_are_written_in_order_once_the_database_answers(
    sessions: SessionFactory,
) -> None:
    watch = DatabaseWatch()
    held = await kept_during_an_outage(sessions, watch, council("B"), council("C"))
    assert await held.flush()
    assert held.held == 0
    assert await codes(sessions) == ["A-first", "B", "C"]


async def test_one_bad_write_does_not_lose_the_others(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A write that fails for a reason other than an outage (here a duplicate code, which
    also spoils a PostgreSQL transaction) is logged once with its reason and given up;
    the outcomes kept before and after it are still written."""
    watch = DatabaseWatch()
    held = await kept_during_an_outage(sessions, watch, council("B"), council("B"), council("C"))
    caplog.set_level(logging.INFO, logger="jobs.held_writes")
    assert await held.flush()
    assert held.held == 0
    assert await codes(sessions) == ["A-first", "B", "C"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], IntegrityError)  # with its traceback: a bug
    assert "outcome 3 of 4" in errors[0].getMessage()
    assert "unique constraint" in errors[0].getMessage().lower()  # its reason


async def test_an_outage_during_the_flush_keeps_what_is_not_written(
    sessions: SessionFactory,
) -> None:
    """The database going away again mid-flush: nothing is given up, all is written on the
    next flush, in order."""
    watch = DatabaseWatch()
    again = [False]
    held = await kept_during_an_outage(
        sessions, watch, council("B"), council("C", outage=again), council("D")
    )
    again[0] = True
    assert not await held.flush()
    assert held.held == 4  # all of them kept, in order: A-first and B too, not only C and D
    written = await codes(sessions)
    assert "C" not in written  # the write the outage interrupted
    assert "D" not in written  # nothing after it is written
    again[0] = False
    assert await held.flush()
    assert held.held == 0
    assert await codes(sessions) == ["A-first", "B", "C", "D"]


async def test_a_flush_the_database_leaves_midway_writes_nothing(sessions: SessionFactory) -> None:
    """The flush is one transaction: the outage at C rolls back A-first and B as well, so
    the four kept writes are exactly what the database lacks, and none is written twice."""
    watch = DatabaseWatch()
    again = [False]
    held = await kept_during_an_outage(
        sessions, watch, council("B"), council("C", outage=again), council("D")
    )
    again[0] = True
    assert not await held.flush()
    assert held.held == 4
    assert await codes(sessions) == []
