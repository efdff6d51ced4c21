"""``reports import`` saves a file at once: the same reports and versions as row by row.

A shared reception of four delegates, three of them reported in the bot (two attendees,
then the carrier of the figures). In each file the carrier says it did not take place
(its figures go to the first attendee), then new figures come either from a delegate
reporting for the first time (a new row) or from that first attendee, whose row is older
than the carrier's and so would be updated first: the one-carrier index would refuse it
were the old carrier not released first. Saving the rows one by one through
``save_in_session`` is the reference.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, create_session_factory
from bot.domain.report_rows import ALIASES, REQUIRED, read_report_rows
from bot.domain.reports import Figures
from bot.models import Assignment, Delegate, Occurrence, Report, ReportVersion
from bot.services.files.tabular import read_table
from bot.services.reports.files import import_reports
from bot.services.reports.records import ReportDraft, Source, save_in_session, save_report
from bot.services.schedule.imports import import_schedule
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence\n"
    "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,"
    "ML-001;ML-002;ML-003;ML-004,,,,\n"
)
NEW_CARRIER = (
    "delegate,date,kind,held,citizens,petitions,note,reason\n"
    "ML-001,10/12/2026,reception,không,,,,hoãn\n"
    "ML-004,10/12/2026,reception,có,20,5,,\n"
    "ML-003,10/12/2026,reception,có,,,,\n"
)
OLDER_CARRIER = (
    "delegate,date,kind,held,citizens,petitions,note,reason\n"
    "ML-001,10/12/2026,reception,không,,,,hoãn\n"
    "ML-002,10/12/2026,reception,có,20,5,,\n"
    "ML-004,10/12/2026,reception,có,,,,\n"
    "ML-003,10/12/2026,reception,có,,,,\n"
)
CASES = [
    # file, (created, updated, unchanged), the carrier at the end, ML-002's versions
    (NEW_CARRIER, (1, 1, 1), ("ML-004", True, None, True, 20, 5, 1, "import"), 3),
    (OLDER_CARRIER, (1, 2, 1), ("ML-002", True, None, True, 20, 5, 3, "import"), 3),
]
ACTOR = "cli:reports.csv"


async def reported(session_factory: SessionFactory, tmp_path: Path) -> dict[str, Assignment]:
    """The reception, two attendees and then its carrier from the bot, and a fourth
    delegate who reports only in the file."""
    for number in range(1, 5):
        await add_delegate(session_factory, f"ML-00{number}")
    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    async with session_factory() as session:
        result = await import_schedule(
            session=session,
            path=path,
            now=datetime(2026, 12, 1, tzinfo=UTC),
            zone=ZONE,
            dry_run=False,
        )
    assert result.problems == []
    assignments = await _assignments(session_factory)
    for code, draft in (
        ("ML-002", ReportDraft(held=True)),
        ("ML-003", ReportDraft(held=True)),
        ("ML-001", ReportDraft(held=True, figures=Figures(citizens=12, petitions=3))),
    ):
        assignment = assignments[code]
        assert assignment.id is not None
        await in_session(
            session_factory,
            save_report,
            assignment_id=assignment.id,
            delegate_ids=[assignment.delegate_id],
            draft=draft,
            actor="tg",
            now=datetime(2026, 12, 10, 6, tzinfo=UTC),
        )
    return assignments


async def _assignments(session_factory: SessionFactory) -> dict[str, Assignment]:
    async with session_factory() as session:
        rows = await session.exec(
            select(Delegate.code, Assignment).join(
                Assignment, col(Assignment.delegate_id) == col(Delegate.id)
            )
        )
        return dict(rows.all())


async def _dump(session: AsyncSession) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Reports and versions by delegate code (ids may differ between the two runs)."""
    reports = await session.exec(
        select(Delegate.code, Report).join(Delegate, col(Delegate.id) == col(Report.delegate_id))
    )
    current = sorted(
        (code, r.held, r.reason, r.carries_figures, r.citizens, r.petitions, r.version, r.source)
        for code, r in reports.all()
    )
    versions = await session.exec(
        select(Delegate.code, ReportVersion)
        .join(Report, col(Report.id) == col(ReportVersion.report_id))
        .join(Delegate, col(Delegate.id) == col(Report.delegate_id))
    )
    history = sorted(
        (code, v.version, v.content, v.source, v.actor, v.recorded_at) for code, v in versions.all()
    )
    return current, history


@pytest.mark.parametrize(("body", "counts", "carrier", "versions"), CASES)
async def test_a_file_saved_at_once_keeps_what_row_by_row_keeps(
    session_factory: SessionFactory,
    tmp_path: Path,
    body: str,
    counts: tuple[int, int, int],
    carrier: tuple[Any, ...],
    versions: int,
) -> None:
    await check_saved_at_once(session_factory, tmp_path, body, counts, carrier, versions)


@pytest.mark.parametrize(("body", "counts", "carrier", "versions"), CASES)
async def test_the_same_on_postgresql(
    pg_engine: AsyncEngine,
    tmp_path: Path,
    body: str,
    counts: tuple[int, int, int],
    carrier: tuple[Any, ...],
    versions: int,
) -> None:
    """PostgreSQL checks the one-carrier index statement by statement too."""
    sessions = create_session_factory(pg_engine)
    await check_saved_at_once(sessions, tmp_path, body, counts, carrier, versions)


async def check_saved_at_once(
    session_factory: SessionFactory,
    tmp_path: Path,
    body: str,
    counts: tuple[int, int, int],
    carrier: tuple[Any, ...],
    versions: int,
) -> None:
    assignments = await reported(session_factory, tmp_path)
    path = tmp_path / "reports.csv"
    path.write_text(body, encoding="utf-8")
    table, problems = read_table(path, aliases=ALIASES, required=REQUIRED)
    rows, problems = read_report_rows(table.rows)
    assert problems == []
    async with session_factory() as session:  # the reference, rolled back afterwards
        occurrence = (await session.exec(select(Occurrence))).one()
        for row in rows:
            await save_in_session(
                session,
                assignment=await session.get_one(Assignment, assignments[row.delegate_code].id),
                occurrence=occurrence,
                draft=ReportDraft(
                    held=row.held, reason=row.reason, figures=row.figures, note=row.note
                ),
                source=Source.imported,
                actor=ACTOR,
                now=NOW,
            )
        expected = await _dump(session)
        await session.rollback()

    async with session_factory() as session:
        result = await import_reports(session=session, path=path, now=NOW, zone=ZONE, dry_run=False)
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == counts
    async with session_factory() as session:
        current, history = await _dump(session)
    assert (current, history) == expected
    assert [row for row in current if row[3]] == [carrier]
    # ML-002 inherits the figures when ML-001 says the meeting did not take place.
    assert len([row for row in history if row[0] == "ML-002"]) == versions
