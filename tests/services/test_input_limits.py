"""What the database would refuse (or ``datetime`` overflow on) is a row problem instead.

Each over-long or out-of-range cell must come back as a problem naming its row and
column, before anything reaches an INSERT: on PostgreSQL a ``VARCHAR(512)`` or an
``INTEGER`` column otherwise ends the import with "Sorry, something went wrong", and on
SQLite the value is silently stored.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import SessionFactory, create_session_factory
from bot.domain.calendar import parse_calendar_exceptions
from bot.domain.tables import Problem
from bot.models import Council, Event, Occurrence
from bot.services.delegates.roster import read_roster
from bot.services.schedule.imports import import_schedule
from bot.services.schedule.sync import extend_horizon
from bot.services.schedule.uploads import UploadStatus, decide_upload, stage_upload
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
HEADER = [
    "ref", "kind", "title", "starts_at", "ends_at", "location", "council",
    "delegates", "recurrence", "until", "shift", "per_occurrence",
]  # fmt: skip


def session(number: int, **cells: str) -> dict[str, str]:
    row = {
        "kind": "session",
        "title": f"Kỳ họp {number}",
        "starts_at": "2026-02-05 08:00",
        "ends_at": "2026-02-05 17:00",
        "location": "Hội trường",
        "council": "HDND-ML",
        "delegates": "ML-001",
    }
    row.update(cells)
    return row


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADER)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


async def problems_of(
    session_factory: SessionFactory, tmp_path: Path, *rows: dict[str, str]
) -> list[Problem]:
    async with session_factory() as session:
        result = await import_schedule(
            session=session,
            path=write(tmp_path / "schedule.csv", list(rows)),
            now=NOW,
            zone=ZONE,
            dry_run=False,
        )
    async with session_factory() as db:
        if result.problems:
            assert (await db.exec(select(Event))).all() == []
    return result.problems


@pytest.fixture
async def roster(session_factory: SessionFactory) -> None:
    await add_delegate(session_factory, "ML-001")


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"ref": "r" * 600}, "ref"),
        ({"recurrence": "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(["10"] * 200)}, "recurrence"),
        ({"title": "T" * 256}, "title"),
        ({"location": "Hội trường " * 30}, "location"),
        ({"delegates": "ML-" + "1" * 100}, "delegates"),
        ({"delegates": "unit:" + "Xã " * 100}, "delegates"),
        ({"council": "HDND-" + "M" * 100}, "council"),
        ({"per_occurrence": "99999999999"}, "per_occurrence"),
        ({"per_occurrence": "²"}, "per_occurrence"),
        ({"starts_at": "0001-01-01 08:00"}, "starts_at"),
        ({"starts_at": "9999-12-31 08:00"}, "starts_at"),
        ({"ends_at": "31/12/9999 23:59"}, "ends_at"),
        ({"recurrence": "FREQ=MONTHLY", "until": "9999-12-30"}, "until"),
    ],
)
async def test_over_long_or_out_of_range_cells_are_row_problems(
    session_factory: SessionFactory,
    roster: None,
    tmp_path: Path,
    cells: dict[str, str],
    column: str,
) -> None:
    problems = await problems_of(session_factory, tmp_path, session(1), session(2, **cells))
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert all(len(value) <= 80 for value in problems[0].params.values())


async def test_a_rule_that_never_matches_is_a_row_problem_in_the_import(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    started = time.perf_counter()
    problems = await problems_of(
        session_factory,
        tmp_path,
        session(1, recurrence="FREQ=DAILY;BYYEARDAY=1;BYMONTH=2"),
        session(2, recurrence="FREQ=DAILY;INTERVAL=7;BYDAY=MO"),  # 5 Feb 2026 is a Thursday
    )
    assert time.perf_counter() - started < 1.0
    assert [(p.row, p.column) for p in problems] == [(2, "recurrence"), (3, "recurrence")]


async def test_horizon_job_survives_a_stored_rule_that_never_matches(
    session_factory: SessionFactory, roster: None
) -> None:
    async with session_factory() as db, db.begin():
        council = (await db.exec(select(Council))).one()
        assert council.id is not None
        for key, rule in (("bad", "FREQ=DAILY;BYYEARDAY=1;BYMONTH=2"), ("good", "FREQ=DAILY")):
            db.add(
                Event(
                    council_id=council.id,
                    key=key,
                    kind="other",
                    title=key,
                    starts_at=NOW,
                    ends_at=NOW + timedelta(hours=1),
                    recurrence=rule,
                    shift="none",
                    pool="ML-001",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    started = time.perf_counter()
    async with session_factory() as session:
        counts = await extend_horizon(
            session=session, now=NOW, zone=ZONE, horizon=timedelta(days=10)
        )
    assert time.perf_counter() - started < 1.0
    async with session_factory() as db:
        occurrences = (await db.exec(select(Occurrence))).all()
    assert counts.occurrences_created == len(occurrences) == 10  # the good rule's days


def test_roster_lengths_are_row_problems(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    rows = [
        "code,full_name,council,level,unit,constituency,phone",
        "ML-001,Nguyễn Văn A,HDND-ML,commune,Xã Mỹ Lộc,ĐV 1,0912345678",
        f"{'X' * 65},Nguyễn Văn B,HDND-ML,commune,,,",
        f"ML-003,{'B' * 256},HDND-ML,commune,,,",
        f"ML-004,Nguyễn Văn D,HDND-ML,commune,{'U' * 256},,",
        f"ML-005,Nguyễn Văn E,HDND-ML,commune,,{'C' * 256},",
        f"ML-006,Nguyễn Văn F,HDND-ML,commune,,,{'0912345678' * 4}",
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    entries, problems = read_roster(path)
    assert [entry.code for entry in entries] == ["ML-001"]
    assert [(p.row, p.column) for p in problems] == [
        (3, "code"),
        (4, "full_name"),
        (5, "unit"),
        (6, "constituency"),
        (7, "phone"),
    ]


def test_calendar_days_out_of_range_are_row_problems() -> None:
    exceptions, problems = parse_calendar_exceptions(
        [(2, {"date": "0001-01-01", "kind": "off"}), (3, {"date": "31/12/9999", "kind": "off"})]
    )
    assert exceptions == []
    assert [(p.row, p.column) for p in problems] == [(2, "date"), (3, "date")]


async def check_huge_upload_ids(session_factory: SessionFactory) -> None:
    upload_id = await in_session(
        session_factory,
        stage_upload,
        telegram_user_id=1,
        filename="a.csv",
        content=b"x",
        now=NOW,
        council_ids=(),
    )
    for wrong in (10**18, 2**31, 0):
        decided = await in_session(
            session_factory,
            decide_upload,
            upload_id=wrong,
            telegram_user_id=1,
            decision=UploadStatus.confirmed,
            now=NOW,
        )
        assert decided is None
    assert upload_id < 2**31


async def test_an_upload_id_beyond_the_integer_column_is_unknown(
    session_factory: SessionFactory,
) -> None:
    await check_huge_upload_ids(session_factory)


async def test_an_upload_id_beyond_the_integer_column_is_unknown_on_postgresql(
    pg_engine: AsyncEngine,
) -> None:
    await check_huge_upload_ids(create_session_factory(pg_engine))
