"""Schedule import: all-or-nothing, idempotent, updates in place, never rewrites history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.models import Assignment, AuditEntry, Event, Occurrence
from bot.services.schedule.imports import import_schedule, list_assignments
from bot.services.schedule.sync import extend_horizon
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
HEADER = [
    "kind", "title", "starts_at", "ends_at", "location", "council",
    "delegates", "recurrence", "until", "shift", "per_occurrence",
]  # fmt: skip
RECEPTION = [
    "reception", "Tiếp công dân xã Mỹ Lộc", "2026-01-10 07:30", "2026-01-10 11:00",
    "Trụ sở UBND xã Mỹ Lộc", "HDND-ML", "ML-001;ML-002;ML-003",
    "FREQ=MONTHLY;BYMONTHDAY=10,20", "2026-06-30", "", "1",
]  # fmt: skip
SESSION = [
    "session", "Kỳ họp thứ 5 HĐND xã", "2026-02-05 08:00", "2026-02-05 17:00",
    "Hội trường xã", "HDND-ML", "all", "", "", "", "",
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    lines = [",".join(HEADER)] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
async def roster(session_factory: SessionFactory) -> None:
    for number in (1, 2, 3):
        await add_delegate(session_factory, f"ML-00{number}", full_name=f"Đại biểu {number}")
    await add_delegate(session_factory, "NT-001", council="HDND-NT")


async def run(
    session_factory: SessionFactory, path: Path, *, now: datetime = NOW, dry_run: bool = False
):  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        return await import_schedule(
            session=session, path=path, now=now, zone=ZONE, dry_run=dry_run
        )


async def snapshot(session_factory: SessionFactory) -> list[tuple[object, ...]]:
    async with session_factory() as session:
        events = [tuple(e.model_dump().values()) for e in (await session.exec(select(Event))).all()]
        occurrences = [
            tuple(o.model_dump().values()) for o in (await session.exec(select(Occurrence))).all()
        ]
        assignments = [
            tuple(a.model_dump().values()) for a in (await session.exec(select(Assignment))).all()
        ]
    return sorted(map(str, events + occurrences + assignments))  # type: ignore[arg-type]


async def test_import_materialises_shifted_occurrences_with_round_robin(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    result = await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION, SESSION]))
    assert result.problems == []
    assert result.events_created == 2
    views = await in_session(session_factory, list_assignments, zone=ZONE)
    reception = [v for v in views if v.kind == "reception"]
    # 10th and 20th of Jan..Jun 2026 = 12 occurrences, 1 delegate each, rota in pool order
    assert len(reception) == 12
    assert [v.delegate_code for v in reception[:4]] == ["ML-001", "ML-002", "ML-003", "ML-001"]
    dates = [v.starts_at.date() for v in reception]
    assert dates[0] == date(2026, 1, 12)  # Saturday 10 Jan → Monday 12 Jan
    assert date(2026, 2, 23) in dates  # 20 Feb 2026 is Tết → Monday 23 Feb
    assert all(d.weekday() < 5 for d in dates)
    assert all(v.starts_at.hour == 7 and v.starts_at.minute == 30 for v in reception)
    session = [v for v in views if v.kind == "session"]
    assert sorted(v.delegate_code for v in session) == ["ML-001", "ML-002", "ML-003"]


async def test_reimport_changes_nothing_and_csv_equals_xlsx(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION, SESSION]))
    before = await snapshot(session_factory)
    again = await run(session_factory, write_xlsx(tmp_path / "s.xlsx", [RECEPTION, SESSION]))
    assert again.problems == []
    assert not again.changed
    assert again.events_unchanged == 2
    assert await snapshot(session_factory) == before


async def test_changed_time_updates_in_place_and_marks_assignments(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "s.csv", [SESSION]))
    async with session_factory() as session:
        (occurrence_before,) = (await session.exec(select(Occurrence))).all()
    moved = [*SESSION]
    moved[2], moved[3] = "2026-02-06 08:00", "2026-02-06 17:00"
    result = await run(session_factory, write_csv(tmp_path / "s2.csv", [moved]))
    assert result.events_updated == 1
    assert result.sync.occurrences_changed == 1
    assert result.sync.assignments_changed == 3
    async with session_factory() as session:
        (occurrence,) = (await session.exec(select(Occurrence))).all()
        assignments = (await session.exec(select(Assignment))).all()
    assert occurrence.id == occurrence_before.id
    assert occurrence.starts_at.astimezone(ZONE) == datetime(2026, 2, 6, 8, 0, tzinfo=ZONE)
    assert all(a.changed_at == NOW for a in assignments)


async def test_a_one_off_reception_on_a_holiday_moves_to_the_next_working_day(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    # 2 September 2026 (Quốc khánh) is a Wednesday; 1 September is a day off with it,
    # and a one-off reception shifts to Thursday 3 September instead of being lost.
    once = [*RECEPTION]
    once[2], once[3], once[7], once[8], once[10] = (
        "2026-09-02 07:30", "2026-09-02 11:00", "", "", "",
    )  # fmt: skip
    result = await run(session_factory, write_csv(tmp_path / "s.csv", [once]))
    assert result.sync.occurrences_created == 1
    async with session_factory() as session:
        (occurrence,) = (await session.exec(select(Occurrence))).all()
    assert occurrence.original_date == date(2026, 9, 2)
    assert occurrence.starts_at.astimezone(ZONE) == datetime(2026, 9, 3, 7, 30, tzinfo=ZONE)
    assert occurrence.previous_starts_at is None  # created, not moved


async def test_removed_rows_cancel_future_occurrences_only(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION, SESSION]))
    later = datetime(2026, 3, 1, tzinfo=UTC)
    result = await run(session_factory, write_csv(tmp_path / "s2.csv", [SESSION]), now=later)
    assert result.events_cancelled == 1
    async with session_factory() as session:
        occurrences = (
            await session.exec(
                select(Occurrence)
                .join(Event, col(Event.id) == col(Occurrence.event_id))
                .where(Event.kind == "reception")
            )
        ).all()
    past = [o for o in occurrences if o.starts_at < later]
    future = [o for o in occurrences if o.starts_at > later]
    assert past
    assert future
    assert all(o.cancelled_at is None for o in past)
    assert all(o.cancelled_at == later for o in future)


async def test_the_cancelled_events_are_named_with_the_delegates_told(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION, SESSION]))
    later = datetime(2026, 3, 1, tzinfo=UTC)
    path = write_csv(tmp_path / "s2.csv", [SESSION])
    preview = await run(session_factory, path, now=later, dry_run=True)
    assert preview.cancelled_titles == ["Tiếp công dân xã Mỹ Lộc"]
    assert preview.delegates_told == 3  # the rota's three delegates have upcoming turns
    result = await run(session_factory, path, now=later)
    assert (result.events_cancelled, result.cancelled_titles) == (1, ["Tiếp công dân xã Mỹ Lộc"])


async def test_merge_adds_and_updates_and_cancels_nothing(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION, SESSION]))
    moved = [*SESSION]
    moved[4] = "Hội trường UBND xã"
    extra = [*SESSION]
    extra[1], extra[2], extra[3] = "Kỳ họp chuyên đề", "2026-03-05 08:00", "2026-03-05 11:00"
    async with session_factory() as session:
        result = await import_schedule(
            session=session,
            path=write_csv(tmp_path / "thang3.csv", [moved, extra]),
            now=datetime(2026, 2, 1, tzinfo=UTC),
            zone=ZONE,
            dry_run=False,
            merge=True,
        )
    assert (result.events_created, result.events_updated, result.events_cancelled) == (1, 1, 0)
    assert result.cancelled_titles == []
    async with session_factory() as session:
        events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
    assert [(e.title, e.cancelled_at) for e in events] == [
        ("Tiếp công dân xã Mỹ Lộc", None),
        ("Kỳ họp thứ 5 HĐND xã", None),
        ("Kỳ họp chuyên đề", None),
    ]


async def test_bad_file_reports_every_problem_and_writes_nothing(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    bad_kind = [*SESSION]
    bad_kind[0], bad_kind[1], bad_kind[6] = "party", "Liên hoan", "ML-001;ML-777"
    backwards = [*SESSION]
    backwards[1], backwards[3] = "Họp ngược", "2026-02-05 07:00"
    unknown = [*RECEPTION]
    unknown[1], unknown[6] = "Tiếp công dân 2", "ML-001;ML-999"
    bad_rule = [*RECEPTION]
    bad_rule[1], bad_rule[7] = "Tiếp công dân 3", "FREQ=SOMETIMES"
    other_council = [*SESSION]
    other_council[1], other_council[6] = "Họp liên xã", "NT-001"
    path = write_csv(
        tmp_path / "bad.csv", [RECEPTION, bad_kind, backwards, unknown, bad_rule, other_council]
    )
    result = await run(session_factory, path)
    where = {(p.row, p.column) for p in result.problems}
    assert where == {
        (3, "kind"),
        (3, "delegates"),  # checked against the roster although the kind is wrong
        (4, "ends_at"),
        (5, "delegates"),
        (6, "recurrence"),
        (7, "delegates"),
    }
    assert await snapshot(session_factory) == []


async def test_dry_run_counts_but_writes_nothing(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    result = await run(session_factory, write_csv(tmp_path / "s.csv", [RECEPTION]), dry_run=True)
    assert result.events_created == 1
    assert result.sync.assignments_created == 12
    assert await snapshot(session_factory) == []


async def test_horizon_extends_an_open_ended_rule(
    session_factory: SessionFactory, roster: None, tmp_path: Path
) -> None:
    open_ended = [*RECEPTION]
    open_ended[8] = ""
    await run(session_factory, write_csv(tmp_path / "s.csv", [open_ended]))
    async with session_factory() as session:
        first = len((await session.exec(select(Occurrence))).all())
    assert 7 <= first <= 9  # about 120 days of 10th/20th
    async with session_factory() as session:
        counts = await extend_horizon(session=session, now=NOW + timedelta(days=60), zone=ZONE)
    assert counts.occurrences_created == 4
    async with session_factory() as session:
        again = await extend_horizon(session=session, now=NOW + timedelta(days=60), zone=ZONE)
    assert not again.any


async def test_a_planning_failure_undoes_the_planning_alone(
    session_factory: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning shares the import's transaction, in a savepoint: when it fails halfway, what
    it wrote is undone and the schedule is still written. The caller (the bot's Confirm
    button) must not reopen an upload already written."""
    import bot.services.schedule.imports as schedule_service
    from bot.services import audit
    from bot.services.outbox.reminders import ReminderPolicy

    async def broken_planner(*, session: AsyncSession, **_kwargs: object) -> None:
        audit.record(session, actor="planner", action="half.planned", at=NOW)
        await session.flush()
        raise RuntimeError("the planner failed")

    monkeypatch.setattr(schedule_service, "plan_outbox", broken_planner)
    await add_delegate(session_factory, "ML-001")
    path = tmp_path / "s.csv"
    path.write_text(
        "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,"
        "per_occurrence\n"
        "other,Tập huấn,2026-12-20 08:00,2026-12-20 11:00,Hội trường,HDND-ML,ML-001,,,,\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await schedule_service.import_schedule(
            session=session,
            path=path,
            now=NOW,
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
            dry_run=False,
            policy=ReminderPolicy(offsets={}, quiet=None, zone=ZoneInfo("Asia/Ho_Chi_Minh")),
        )
    assert result.problems == []
    async with session_factory() as session:
        assert len((await session.exec(select(Assignment))).all()) == 1
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert actions == ["schedule.import"]
