"""The demo council: realistic, valid through the ordinary imports, and idempotent."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select as sql_select
from sqlmodel import SQLModel, col, select

from bot.db import SessionFactory
from bot.domain.calendar import WorkingCalendar
from bot.domain.schedule import SCHEDULE_ALIASES
from bot.models import Assignment, Council, Delegate, Event, Occurrence
from bot.services.demo import (
    DISTRICT_COUNCIL,
    ROSTER_FILE,
    SCHEDULE_FILE,
    SECRETARY_CODES,
    UNITS,
    DemoResult,
    build_roster,
    build_schedule,
    quarter_of,
    seed_demo,
)
from bot.services.schedule.imports import list_assignments, local_bounds
from tests.factories import in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 2026-Q4, mid-quarter
QUARTER_FIRST = date(2026, 10, 1)
QUARTER_LAST = date(2026, 12, 31)
VIETNAMESE_LETTERS = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]"
)
PHONE = re.compile(r"0[39]\d{8}")


async def seed(session_factory: SessionFactory, workdir: Path | None = None) -> DemoResult:
    async with session_factory() as session:
        return await seed_demo(session=session, now=NOW, zone=ZONE, workdir=workdir)


async def delegates(session_factory: SessionFactory) -> list[tuple[Delegate, str]]:
    async with session_factory() as session:
        rows = await session.exec(
            select(Delegate, Council.code)
            .join(Council, col(Council.id) == col(Delegate.council_id))
            .order_by(col(Delegate.code))
        )
        return list(rows.all())


async def occurrences(session_factory: SessionFactory) -> list[tuple[Occurrence, Event]]:
    async with session_factory() as session:
        rows = await session.exec(
            select(Occurrence, Event)
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(col(Occurrence.cancelled_at).is_(None))
            .order_by(col(Occurrence.starts_at))
        )
        return list(rows.all())


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


async def snapshot(session_factory: SessionFactory) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    async with session_factory() as session:
        connection = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            result = await connection.execute(sql_select(table))
            tables[table.name] = sorted((tuple(row) for row in result), key=repr)
    return tables


def test_quarter_of() -> None:
    assert quarter_of(date(2026, 11, 26)) == ("2026-Q4", QUARTER_FIRST, QUARTER_LAST)
    assert quarter_of(date(2024, 2, 29)) == ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_of(date(2025, 6, 30)) == ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30))
    assert quarter_of(date(2025, 7, 1)) == ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30))


async def test_seed_creates_the_district_its_communes_and_their_delegates(
    session_factory: SessionFactory,
) -> None:
    result = await seed(session_factory)

    assert result.quarter == "2026-Q4"
    assert (result.first_day, result.last_day) == (QUARTER_FIRST, QUARTER_LAST)
    assert (result.councils, result.delegates, result.secretaries) == (19, 526, 2)
    assert result.changed
    assert result.delegates_created == 526
    assert result.roster_file is None
    assert result.schedule_file is None

    rows = await delegates(session_factory)
    district = [d for d, council in rows if council == DISTRICT_COUNCIL]
    commune = [d for d, council in rows if council != DISTRICT_COUNCIL]
    assert len(district) == 35
    assert {d.level for d in district} == {"district"}
    assert [d.code for d in district] == [f"DEMO-H-{n:03d}" for n in range(1, 36)]
    assert len(commune) == 491
    assert {d.level for d in commune} == {"commune"}
    assert all(re.fullmatch(r"DEMO-X(0[1-9]|1[0-8])-0\d\d", d.code) for d in commune)

    # 18 units: every one has a commune council of its own and district delegates.
    assert len(set(UNITS)) == 18
    assert {d.unit for d in district} == set(UNITS)
    per_council = Counter(council for _, council in rows if council != DISTRICT_COUNCIL)
    assert len(per_council) == 18
    assert set(per_council.values()) <= {27, 28}
    assert {d.unit for d in commune} == set(UNITS)
    assert all(d.constituency.startswith("Đơn vị bầu cử số ") for d, _ in rows)
    assert len({d.constituency for d in district}) == 9

    # The two secretaries are district delegates (Standing Committee members).
    secretaries = [(d.code, council) for d, council in rows if d.role == "secretary"]
    assert secretaries == [(code, DISTRICT_COUNCIL) for code in SECRETARY_CODES]

    # Vietnamese names with diacritics, Vietnamese mobile numbers, all distinct.
    names = [d.full_name for d, _ in rows]
    assert all(len(name.split()) == 3 for name in names)
    with_diacritics = [name for name in names if VIETNAMESE_LETTERS.search(name.lower())]
    assert len(with_diacritics) > 0.9 * len(names)
    assert all(VIETNAMESE_LETTERS.search(unit.lower()) for unit in UNITS)
    assert all(PHONE.fullmatch(d.phone) for d, _ in rows)
    assert len({d.phone for d, _ in rows}) == len(rows)

    async with session_factory() as session:
        council_names = dict((await session.exec(select(Council.code, Council.name))).all())
    assert council_names[DISTRICT_COUNCIL] == "HĐND huyện An Thịnh"
    assert council_names["HDND-DEMO-X01"] == "HĐND thị trấn An Thịnh"


async def test_seed_schedules_the_quarter(session_factory: SessionFactory) -> None:
    result = await seed(session_factory)
    found = await occurrences(session_factory)

    assert result.events == 77
    assert result.occurrences == len(found) == 257
    assert 500 <= result.assignments <= 3000
    assert all(QUARTER_FIRST <= local_day(o.starts_at) <= QUARTER_LAST for o, _ in found)

    calendar = WorkingCalendar()
    receptions = [o for o, event in found if event.kind == "reception"]
    assert len(receptions) == 36 * 6  # 18 district + 18 commune rules, 10th and 20th
    assert all(calendar.is_working_day(local_day(o.starts_at)) for o in receptions)
    # 2026-10-10 is a Saturday: that reception moved to Monday the 12th.
    assert date(2026, 10, 12) in {local_day(o.starts_at) for o in receptions}

    (session,) = [o for o, e in found if e.kind == "session" and "huyện" in e.title]
    session_start, session_end = session.starts_at, session.ends_at
    assert session_end is not None
    assert (local_day(session_end) - local_day(session_start)).days == 1
    meetings = [(o, e) for o, e in found if e.kind == "voter_meeting"]
    before = [o for o, e in meetings if o.starts_at < session_start]
    after = [o for o, e in meetings if o.starts_at > session_end]
    assert len(before) == len(after) == 9
    assert all(10 <= (local_day(session_start) - local_day(o.starts_at)).days <= 20 for o in before)
    assert all(10 <= (local_day(o.starts_at) - local_day(session_end)).days <= 20 for o in after)
    assert all(o.location.startswith(("Nhà văn hóa", "Hội trường")) for o, _ in meetings)

    deadlines = {e.title: o.starts_at for o, e in found if e.kind == "deadline"}
    assert len(deadlines) == 2
    questions = next(at for title, at in deadlines.items() if "chất vấn" in title)
    report = next(at for title, at in deadlines.items() if "báo cáo" in title)
    assert questions < session_start
    assert report > max(o.starts_at for o in after)
    assert len([o for o, e in found if e.kind == "supervision"]) == 2

    # A district delegate sees receptions, voter meetings, the session and deadlines.
    async with session_factory() as db:
        delegate = (await db.exec(select(Delegate).where(Delegate.code == "DEMO-H-005"))).one()
    assert delegate.id is not None
    starts_from, starts_before = local_bounds(QUARTER_FIRST, QUARTER_LAST, ZONE)
    agenda = await in_session(
        session_factory,
        list_assignments,
        zone=ZONE,
        delegate_ids=[delegate.id],
        starts_from=starts_from,
        starts_before=starts_before,
    )
    kinds = Counter(view.kind for view in agenda)
    assert kinds["reception"] >= 1
    assert kinds["voter_meeting"] == 2
    assert kinds["session"] == 1
    assert kinds["deadline"] == 2
    assert all(view.delegate_code == "DEMO-H-005" for view in agenda)
    # Nobody is expected at two meetings (anything but a deadline) on one day.
    async with session_factory() as db:
        pairs = (
            await db.exec(
                select(Assignment.delegate_id, Occurrence.starts_at, Event.kind)
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .join(Event, col(Event.id) == col(Occurrence.event_id))
            )
        ).all()
    per_day = Counter(
        (delegate_id, local_day(starts_at))
        for delegate_id, starts_at, kind in pairs
        if kind != "deadline"
    )
    assert max(per_day.values()) == 1


async def test_seeding_twice_changes_nothing(session_factory: SessionFactory) -> None:
    first = await seed(session_factory)
    before = await snapshot(session_factory)
    assert before["delegates"]
    assert before["assignments"]

    second = await seed(session_factory)

    assert await snapshot(session_factory) == before
    assert not second.changed
    assert (second.delegates_created, second.events_created, second.assignments_created) == (
        0,
        0,
        0,
    )
    assert (second.delegates, second.events, second.occurrences, second.assignments) == (
        first.delegates,
        first.events,
        first.occurrences,
        first.assignments,
    )


async def test_workdir_keeps_the_files_in_the_contract_format(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    workdir = tmp_path / "demo"
    result = await seed(session_factory, workdir)

    assert result.roster_file == workdir / ROSTER_FILE
    assert result.schedule_file == workdir / SCHEDULE_FILE
    with result.roster_file.open(encoding="utf-8-sig", newline="") as handle:
        roster = list(csv.DictReader(handle))
    assert list(roster[0]) == [
        "code", "full_name", "council", "level", "unit", "constituency", "phone", "role",
    ]  # fmt: skip
    assert len(roster) == 526
    with result.schedule_file.open(encoding="utf-8-sig", newline="") as handle:
        schedule = list(csv.DictReader(handle))
    assert list(schedule[0]) == [
        "kind", "title", "starts_at", "ends_at", "location", "council",
        "delegates", "recurrence", "until", "shift", "per_occurrence",
    ]  # fmt: skip
    assert set(schedule[0]) <= set(SCHEDULE_ALIASES)
    assert len(schedule) == result.events
    assert {row["kind"] for row in schedule} == {
        "reception", "session", "voter_meeting", "deadline", "supervision",
    }  # fmt: skip


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_one_off_events_fall_on_working_days_of_their_quarter(year: int) -> None:
    calendar = WorkingCalendar()
    roster = build_roster()
    assert build_roster() == roster  # deterministic
    for month in (1, 4, 7, 10):
        _label, first, last = quarter_of(date(year, month, 1))
        rows = build_schedule(first, last, calendar, roster)
        assert rows == build_schedule(first, last, calendar, roster)
        for row in rows:
            day = date.fromisoformat(row.starts_at[:10])
            assert first <= day <= last, row
            if not row.recurrence:
                assert calendar.is_working_day(day), row
                assert day.day not in (10, 20) or row.kind == "deadline", row
