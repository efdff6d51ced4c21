"""The availability services read and write many items in a constant number of SQL
statements: the same count for one release, absence or session as for twenty.

Each scenario is a fresh database holding ``n`` of everything; the statements each
service sends are counted with SQLAlchemy's ``before_cursor_execute`` event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, create_engine, create_session_factory
from bot.models import Absence, Assignment, Event, Occurrence, Release
from bot.services.availability.absences import apply_absences
from bot.services.availability.attendance import session_rolls
from bot.services.availability.candidates import release_views
from bot.services.availability.releases import plan_substitutes
from bot.services.schedule.imports import import_schedule
from tests import database_template
from tests.factories import add_delegate
from tests.services.test_availability import HEADER, NOW, POLICY, POOL, ZONE

FIRST = date(2026, 12, 10)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def counted(
    engine: AsyncEngine,
    sessions: SessionFactory,
    service: Callable[..., Awaitable[Any]],
    **kwargs: Any,
) -> tuple[int, Any]:
    """Statements one call sends (committed, as the planner does), and its result."""
    async with sessions() as session:
        await session.connection()  # the transaction's BEGIN is not the service's
        with statements(engine) as seen:
            result = await service(session=session, **kwargs)
            await session.flush()
        await session.commit()
    return len(seen), result


async def setup(sessions: SessionFactory, tmp_path: Path, n: int) -> None:
    """Five pool delegates and the office; ``n`` daily reception turns from 10 December
    (one delegate each) and ``n`` daily session days from 10 January; each turn's
    delegate away on its day."""
    for number, code in enumerate(POOL):
        await add_delegate(
            sessions, code, full_name=f"Đại biểu {code[-1]}", telegram_user_id=100 + number
        )
    await add_delegate(
        sessions, "ML-VP", full_name="Văn phòng", role="secretary", telegram_user_id=900
    )
    last = FIRST + timedelta(days=n - 1)
    pool = ";".join(POOL)
    rows = [
        f"reception,Tiếp công dân,{FIRST} 07:30,{FIRST} 11:00,Trụ sở xã,HDND-ML,{pool},"
        f"FREQ=DAILY,{last},none,1",
        f"session,Kỳ họp,2027-01-10 08:00,2027-01-10 17:00,Hội trường,HDND-ML,{pool},"
        f"FREQ=DAILY,{last.replace(year=2027, month=1)},none,",
    ]
    path = tmp_path / f"schedule-{n}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    async with sessions() as session:
        result = await import_schedule(
            session=session, path=path, now=NOW, zone=ZONE, dry_run=False
        )
        assert result.problems == []
        turns = (
            await session.exec(
                select(Assignment.delegate_id, Occurrence.starts_at)
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .join(Event, col(Event.id) == col(Occurrence.event_id))
                .where(Event.kind == "reception")
            )
        ).all()
        assert len(turns) == n
        for delegate_id, starts_at in turns:
            day = starts_at.astimezone(ZONE).date()
            session.add(
                Absence(
                    delegate_id=delegate_id, starts_on=day, ends_on=day, reason="personal",
                    note="", source="cli", created_at=NOW,
                )
            )  # fmt: skip
        await session.commit()


async def release_ids(session: AsyncSession) -> list[int]:
    return [i for i in (await session.exec(select(Release.id))).all() if i is not None]


async def measure(engine: AsyncEngine, folder: Path, n: int) -> dict[str, int]:
    """Statements per service for ``n`` items of each, on an empty database."""
    sessions = create_session_factory(engine)
    await setup(sessions, folder, n)
    found: dict[str, int] = {}
    # The planner's tick after the periods were recorded: n turns released, and the
    # stand-ins' offers planned for each.
    found["apply_absences"], released = await counted(
        engine, sessions, apply_absences, now=NOW, policy=POLICY
    )
    assert released == n
    async with sessions() as session:
        ids = await release_ids(session)
    assert len(ids) == n
    # One more candidate each (a wider fan-out): n new offers on the next tick.
    wider = replace(POLICY, fanout=POLICY.fanout + 1)
    found["plan_substitutes"], queued = await counted(
        engine, sessions, plan_substitutes, policy=wider, now=NOW
    )
    assert queued == n
    found["release_views"], views = await counted(
        engine, sessions, release_views, release_ids=ids, zone=ZONE, with_candidates=True
    )
    assert len(views) == n
    assert all(view.candidates for view in views.values())
    found["session_rolls"], rolls = await counted(
        engine, sessions, session_rolls, zone=ZONE, council_ids=None,
        starts_from=datetime(2027, 1, 1, tzinfo=ZONE),
    )  # fmt: skip
    assert len(rolls) == n
    assert all(len(roll.lines) == len(POOL) for roll in rolls)
    return found


async def on_sqlite(folder: Path, n: int) -> dict[str, int]:
    database = folder / "test.db"
    await database_template.copy_migrated(database)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        return await measure(engine, folder, n)
    finally:
        await engine.dispose()


async def test_statements_do_not_grow_with_the_number_of_items(tmp_path: Path) -> None:
    one = await on_sqlite(tmp_path / "1", 1)
    twenty = await on_sqlite(tmp_path / "20", 20)
    assert twenty == one, (one, twenty)
    assert max(one.values()) <= 20, one


async def test_statements_do_not_grow_on_postgresql(pg_engine: AsyncEngine, tmp_path: Path) -> None:
    one = await measure(pg_engine, tmp_path, 1)
    async with pg_engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    twenty = await measure(pg_engine, tmp_path, 20)
    assert twenty == one, (one, twenty)
