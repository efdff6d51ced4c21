"""``db copy``: the demo council from SQLite to PostgreSQL, every row, and a bot that works
on the copy (new rows get fresh ids, the services read what was copied)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.db import SessionFactory, create_session_factory
from bot.domain.reports import Figures
from bot.services.db_copy import CopyError, copy_engines
from bot.services.demo import seed_demo
from bot.services.reports.records import ReportDraft, SaveStatus, ended_assignments, save_report
from bot.services.schedule.imports import list_assignments
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def test_the_demo_council_copies_to_postgresql_and_works_there(
    engine: AsyncEngine, session_factory: SessionFactory, pg_engine: AsyncEngine
) -> None:
    async with session_factory() as session:
        await seed_demo(session=session, now=NOW, zone=ZONE)
    later = NOW + timedelta(days=40)
    (first, *_rest) = await in_session(session_factory, ended_assignments, now=later, zone=ZONE)
    views = await in_session(session_factory, list_assignments, zone=ZONE)
    owner = {v.assignment_id: v.delegate_id for v in views}
    await in_session(
        session_factory,
        save_report,
        assignment_id=first.assignment_id,
        delegate_ids=[owner[first.assignment_id]],
        draft=ReportDraft(held=False, reason="clash"),
        actor="test",
        now=later,
    )
    counts = await copy_engines(engine, pg_engine)
    by_table = {c.table: c for c in counts}
    assert {t.name for t in SQLModel.metadata.sorted_tables} == set(by_table)
    assert all(c.ok for c in counts)
    assert by_table["delegates"].target == 526  # 35 district + 491 commune delegates
    assert by_table["assignments"].target > 900
    assert by_table["reports"].target == by_table["report_versions"].target == 1

    copy = create_session_factory(pg_engine)
    before = await in_session(session_factory, list_assignments, zone=ZONE)
    after = await in_session(copy, list_assignments, zone=ZONE)
    assert [(v.assignment_id, v.starts_at, v.delegate_code) for v in before] == [
        (v.assignment_id, v.starts_at, v.delegate_code) for v in after
    ]
    # new rows on the copy get fresh ids (the sequences were moved past the copied ones)
    await add_delegate(copy, "MOI-001", council="HDND-MOI")
    ended = await in_session(copy, ended_assignments, now=NOW + timedelta(days=40), zone=ZONE)
    assert ended
    saved = await in_session(
        copy,
        save_report,
        assignment_id=ended[0].assignment_id,
        delegate_ids=[v.delegate_id for v in after if v.assignment_id == ended[0].assignment_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=3, petitions=1, forwarded=0)),
        actor="test",
        now=NOW + timedelta(days=40),
    )
    assert saved.status is SaveStatus.saved


async def test_a_target_with_rows_is_refused_and_left_as_it_was(
    engine: AsyncEngine, session_factory: SessionFactory, pg_engine: AsyncEngine
) -> None:
    await add_delegate(session_factory, "ML-001")
    await add_delegate(create_session_factory(pg_engine), "KHAC-001", council="KHAC")
    with pytest.raises(CopyError, match="not empty"):
        await copy_engines(engine, pg_engine)
    async with pg_engine.connect() as connection:
        delegates = SQLModel.metadata.tables["delegates"]
        count = (await connection.execute(select(func.count()).select_from(delegates))).scalar()
    assert count == 1
