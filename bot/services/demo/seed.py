"""Seeding the demo: the roster and the schedule written as files and imported."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.csv_text import csv_text
from bot.domain.office import OFFICE_ROLE
from bot.domain.tables import Problem, format_problem_line
from bot.models import Assignment, Council, Delegate, Event, Occurrence
from bot.services.delegates.roster import import_roster
from bot.services.demo.province import ROSTER_HEADER, build_province_roster
from bot.services.demo.province import council_names as province_council_names
from bot.services.demo.province_schedule import build_province_schedule
from bot.services.demo.roster import RosterRow, build_roster, council_names
from bot.services.demo.schedule import ScheduleRow, build_schedule, quarter_of
from bot.services.files.output import write_atomically
from bot.services.schedule.imports import import_schedule, local_bounds
from bot.services.schedule.sync import load_calendar

DEMO_ACTOR = "demo"
ROSTER_FILE = "demo-roster.csv"
SCHEDULE_FILE = "demo-schedule.csv"
SCHEDULE_HEADER = (
    "Loại", "Tiêu đề", "Bắt đầu", "Kết thúc", "Địa điểm", "Mã HĐND", "Đại biểu",
    "Lặp lại", "Lặp đến", "Dời ngày", "Số đại biểu mỗi buổi",
)  # fmt: skip
"""The 2026 schedule's Vietnamese headers, in :class:`ScheduleRow`'s order."""


class DemoError(RuntimeError):
    """The generated files did not import cleanly: a bug in this module."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(format_problem_line(p, _english) for p in problems)
        listed = "\n".join(f"  {line}" for line in self.problems)
        super().__init__(f"the demo {file} did not import:\n{listed}")


def _english(message: str) -> str:
    return message


@dataclass(frozen=True)
class DemoResult:
    """What the demo looks like after seeding.

    The counts describe the demo councils in the database (``HDND-DEMO`` and its commune
    councils): active delegates, active events, and the occurrences and assignments (not
    cancelled) that start in the quarter. The ``*_created`` fields say what this run added;
    all zero (and ``changed`` false) when the demo was already there.
    """

    quarter: str
    first_day: date
    last_day: date
    councils: int
    delegates: int
    secretaries: int
    events: int
    occurrences: int
    assignments: int
    delegates_created: int
    events_created: int
    assignments_created: int
    changed: bool
    roster_file: Path | None = None
    """The generated roster CSV, kept only when ``workdir`` was given."""
    schedule_file: Path | None = None
    """The generated schedule CSV, kept only when ``workdir`` was given."""


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[str, ...]]) -> Path:
    """UTF-8 with a BOM, so that Excel shows the Vietnamese text right when opened."""
    text = csv_text([header, *rows], line_end="\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(text.encode("utf-8-sig"), path, private=True)  # names and phones
    return path


def _write_files(folder: Path, files: _Files) -> tuple[Path, Path]:
    return (
        _write_csv(folder / ROSTER_FILE, *files.roster),
        _write_csv(folder / SCHEDULE_FILE, *files.schedule),
    )


@contextmanager
def _folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="delegate-bot-demo-") as temporary:
        yield Path(temporary)


# --- seeding ----------------------------------------------------------------------------------


async def seed_demo(
    *,
    session: AsyncSession,
    now: datetime,
    zone: ZoneInfo,
    workdir: Path | None = None,
) -> DemoResult:
    """The dated example: the 2022-style district and its communes (see the package doc),
    scheduled in ``now``'s quarter. :func:`seed_province_demo` is the demo of 2026."""
    label, first_day, last_day = quarter_of(now.astimezone(zone).date())
    roster = build_roster()
    calendar = await load_calendar(session=session)
    schedule = build_schedule(first_day, last_day, calendar, roster)
    files = _Files(
        roster=([item.name for item in fields(RosterRow)], [astuple(row) for row in roster]),
        schedule=(
            [item.name for item in fields(ScheduleRow)],
            [astuple(row) for row in schedule],
        ),
        names=council_names(),
    )
    return await _seed(session, now, zone, workdir, files, (label, first_day, last_day))


async def seed_province_demo(
    *,
    session: AsyncSession,
    now: datetime,
    zone: ZoneInfo,
    workdir: Path | None = None,
) -> DemoResult:
    """Create (or confirm) the demo of 2026: a province council, the commune, ward and
    special-zone councils under it, and the schedule of ``now``'s quarter, written as an
    office writes its files (Vietnamese headers and words) and imported like them."""
    label, first_day, last_day = quarter_of(now.astimezone(zone).date())
    roster = build_province_roster()
    calendar = await load_calendar(session=session)
    schedule = build_province_schedule(first_day, last_day, calendar, roster)
    files = _Files(
        roster=(list(ROSTER_HEADER), [astuple(row) for row in roster]),
        schedule=(list(SCHEDULE_HEADER), [astuple(row) for row in schedule]),
        names=province_council_names(),
    )
    return await _seed(session, now, zone, workdir, files, (label, first_day, last_day))


@dataclass(frozen=True)
class _Files:
    roster: tuple[list[str], list[tuple[str, ...]]]
    schedule: tuple[list[str], list[tuple[str, ...]]]
    names: dict[str, str]
    """The demo's councils and their names (those the roster file does not name)."""


async def _seed(
    session: AsyncSession,
    now: datetime,
    zone: ZoneInfo,
    workdir: Path | None,
    files: _Files,
    quarter: tuple[str, date, date],
) -> DemoResult:
    """Write the files, import them, count what the demo has.

    The files are written to ``workdir`` (created if needed, files overwritten) and kept
    there, or to a temporary folder that is removed afterwards. Raises :class:`DemoError`
    if an import reports problems (nothing of that import is written). Each step commits
    the caller's ``session`` as it goes: the roster, the councils' names, the schedule.
    """
    label, first_day, last_day = quarter
    with _folder(workdir) as folder:
        roster_file, schedule_file = await asyncio.to_thread(_write_files, folder, files)
        roster_result = await import_roster(
            session=session,
            path=roster_file,
            now=now,
            dry_run=False,
            actor=DEMO_ACTOR,
        )
        if roster_result.problems:
            raise DemoError(ROSTER_FILE, roster_result.problems)
        renamed = await _name_councils(session, files.names)
        schedule_result = await import_schedule(
            session=session,
            path=schedule_file,
            now=now,
            zone=zone,
            dry_run=False,
            actor=DEMO_ACTOR,
        )
        if schedule_result.problems:
            raise DemoError(SCHEDULE_FILE, schedule_result.problems)

    counts = await _counts(session, first_day, last_day, zone, list(files.names))
    return DemoResult(
        quarter=label,
        first_day=first_day,
        last_day=last_day,
        councils=counts["councils"],
        delegates=counts["delegates"],
        secretaries=counts["secretaries"],
        events=counts["events"],
        occurrences=counts["occurrences"],
        assignments=counts["assignments"],
        delegates_created=roster_result.created,
        events_created=schedule_result.events_created,
        assignments_created=schedule_result.sync.assignments_created,
        changed=roster_result.changed or renamed or schedule_result.changed,
        roster_file=roster_file if workdir is not None else None,
        schedule_file=schedule_file if workdir is not None else None,
    )


async def _name_councils(session: AsyncSession, names: dict[str, str]) -> bool:
    """Give the councils the roster import created (named by code) their display names."""
    changed = False
    councils = (await session.exec(select(Council).where(col(Council.code).in_(list(names))))).all()
    for council in councils:
        wanted = names[council.code]
        if council.name != wanted:
            council.name = wanted
            session.add(council)
            changed = True
    if changed:
        await session.commit()
    return changed


async def _counts(
    session: AsyncSession, first_day: date, last_day: date, zone: ZoneInfo, codes: list[str]
) -> dict[str, int]:
    starts_from, starts_before = local_bounds(first_day, last_day, zone)
    assert starts_from is not None
    assert starts_before is not None
    council_ids = [
        council_id
        for council_id in (
            await session.exec(select(Council.id).where(col(Council.code).in_(codes)))
        ).all()
        if council_id is not None
    ]
    delegates = (
        select(func.count())
        .select_from(Delegate)
        .where(col(Delegate.council_id).in_(council_ids), col(Delegate.active).is_(True))
    )
    secretaries = delegates.where(col(Delegate.role) == OFFICE_ROLE)
    events = (
        select(func.count())
        .select_from(Event)
        .where(col(Event.council_id).in_(council_ids), col(Event.cancelled_at).is_(None))
    )
    occurrences = (
        select(func.count())
        .select_from(Occurrence)
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .where(
            col(Event.council_id).in_(council_ids),
            col(Occurrence.cancelled_at).is_(None),
            col(Occurrence.starts_at) >= starts_from,
            col(Occurrence.starts_at) < starts_before,
        )
    )
    assignments = occurrences.join(
        Assignment, col(Assignment.occurrence_id) == col(Occurrence.id)
    ).where(col(Assignment.cancelled_at).is_(None))
    return {
        "councils": len(council_ids),
        "delegates": (await session.exec(delegates)).one(),
        "secretaries": (await session.exec(secretaries)).one(),
        "events": (await session.exec(events)).one(),
        "occurrences": (await session.exec(occurrences)).one(),
        "assignments": (await session.exec(assignments)).one(),
    }
