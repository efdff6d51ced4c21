"""A realistic demo council: a district of 2022 with a quarter of schedule, for trying the bot.

``seed_demo`` writes a roster and a schedule as ordinary CSV files and imports them with
:func:`~bot.services.roster.import_roster` and :func:`~bot.services.schedule.import_schedule`,
so the demo passes the same validation as a secretariat's own files (any problem is a bug
here and raises :class:`DemoError`). Everything is deterministic: the roster is the same on
every run and the schedule depends only on the quarter that contains ``now``, so seeding
twice in one quarter leaves the database exactly as it was.

The demo council (``HDND-DEMO``, district level, historical data style) has 18 units
(communes and towns), 35 district delegates elected in 9 constituencies of two units each
(two of them, ``DEMO-H-001`` and ``DEMO-H-002``, members of the Standing Committee, have
the role ``secretary``: they are delegates too and attend what every delegate attends), and
491 commune delegates in 18 commune councils ``HDND-DEMO-X01`` … ``HDND-DEMO-X18``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import WorkingCalendar
from bot.domain.roster import Role
from bot.domain.tables import Problem, format_problem_line
from bot.models import Assignment, Council, Delegate, Event, Occurrence
from bot.services.roster import import_roster
from bot.services.schedule import import_schedule, local_bounds
from bot.services.schedule_sync import load_calendar

__all__ = [
    "COMMUNE_DELEGATES",
    "DEMO_ACTOR",
    "DISTRICT_COUNCIL",
    "DISTRICT_DELEGATES",
    "DISTRICT_NAME",
    "RECEPTION_DAYS",
    "ROSTER_FILE",
    "SCHEDULE_FILE",
    "SECRETARY_CODES",
    "UNITS",
    "DemoError",
    "DemoResult",
    "RosterRow",
    "ScheduleRow",
    "build_roster",
    "build_schedule",
    "commune_council",
    "council_names",
    "quarter_of",
    "seed_demo",
]

DEMO_ACTOR = "demo"
DISTRICT_COUNCIL = "HDND-DEMO"
DISTRICT_NAME = "huyện An Thịnh"
DISTRICT_DELEGATES = 35
COMMUNE_DELEGATES = 491
SECRETARY_CODES = ("DEMO-H-001", "DEMO-H-002")
ROSTER_FILE = "demo-roster.csv"
SCHEDULE_FILE = "demo-schedule.csv"

UNITS: tuple[str, ...] = (
    "Thị trấn An Thịnh",
    "Thị trấn Hưng Phú",
    "Xã An Hòa",
    "Xã An Lạc",
    "Xã Mỹ Hưng",
    "Xã Tân Phong",
    "Xã Tân Tiến",
    "Xã Hòa Bình",
    "Xã Đồng Tâm",
    "Xã Quang Trung",
    "Xã Hưng Đạo",
    "Xã Thịnh Long",
    "Xã Yên Thành",
    "Xã Bình Minh",
    "Xã Hồng Phong",
    "Xã Nghĩa Đồng",
    "Xã Trung Đông",
    "Xã Liên Minh",
)
"""The district's communes and towns (invented names; the first town is the district seat)."""

_DISTRICT_DELEGATES_PER_CONSTITUENCY = 4
_UNITS_PER_CONSTITUENCY = 2
_COMMUNE_DELEGATES_PER_CONSTITUENCY = 3
_SEED = 20_220_101

_SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
    "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
# How common each family name is, roughly (Nguyễn far ahead of the rest).
_SURNAME_WEIGHTS = (38, 11, 9, 7, 5, 3, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1)
_MALE_MIDDLE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thanh", "Công", "Ngọc", "Trọng")
_FEMALE_MIDDLE = ("Thị", "Thu", "Ngọc", "Minh", "Thanh", "Hồng", "Kim", "Phương", "Thúy")
_MALE_GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Quân", "Sơn", "Trung",
    "Tuấn", "Hoàng", "Khánh", "Phong", "Thắng", "Việt", "Đạt", "Hiếu", "Toàn", "Thành",
    "Lộc", "Huy", "Kiên",
)  # fmt: skip
_FEMALE_GIVEN = (
    "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Mai", "Phương", "Tâm", "Thảo", "Vân",
    "Yến", "Ngân", "Nhung", "Oanh", "Trang", "Thủy", "Liên", "Hằng", "Linh", "Huyền", "Nga",
)  # fmt: skip
_PHONE_PREFIXES = (
    "090", "091", "093", "094", "096", "097", "098",
    "032", "033", "034", "035", "036", "037", "038", "039",
)  # fmt: skip
_HAMLETS = ("Đông", "Đoài", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Phú Xuân")
_ROMAN_QUARTERS = ("I", "II", "III", "IV")
# Supervision visits: days after the quarter's start, where, what, which district delegates.
_SUPERVISIONS = (
    (20, UNITS[5], "việc giải quyết đơn thư, kiến nghị của cử tri", (4, 12, 21)),
    (62, UNITS[1], "công tác tiếp công dân", (7, 16, 30)),
)
RECEPTION_DAYS = (10, 20)
_RECEPTION_RULE = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(map(str, RECEPTION_DAYS))


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


# --- the roster -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One line of the demo roster file, in the contract's column order."""

    code: str
    full_name: str
    council: str
    level: str
    unit: str
    constituency: str
    phone: str
    role: str = "delegate"


def commune_council(index: int) -> str:
    """The council code of unit ``index`` (from 0): ``HDND-DEMO-X01`` …"""
    return f"{DISTRICT_COUNCIL}-X{index + 1:02d}"


def _commune_prefix(index: int) -> str:
    return f"DEMO-X{index + 1:02d}"


def _in_text(unit: str) -> str:
    """``"Xã Mỹ Hưng"`` → ``"xã Mỹ Hưng"``, as the name is written inside a sentence."""
    return unit[:1].lower() + unit[1:]


def _constituency(number: int) -> str:
    return f"Đơn vị bầu cử số {number}"


def _district_constituencies() -> int:
    return -(-DISTRICT_DELEGATES // _DISTRICT_DELEGATES_PER_CONSTITUENCY)


def _constituency_units(index: int) -> tuple[str, ...]:
    """The units of district constituency ``index`` (from 0)."""
    first = index * _UNITS_PER_CONSTITUENCY
    return UNITS[first : first + _UNITS_PER_CONSTITUENCY]


class _People:
    """Deterministic names and unique phone numbers."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._phones: set[str] = set()

    def name(self) -> str:
        pick = self._random
        surname = pick.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        if pick.random() < 0.5:
            return f"{surname} {pick.choice(_MALE_MIDDLE)} {pick.choice(_MALE_GIVEN)}"
        return f"{surname} {pick.choice(_FEMALE_MIDDLE)} {pick.choice(_FEMALE_GIVEN)}"

    def phone(self) -> str:
        while True:
            number = f"{self._random.choice(_PHONE_PREFIXES)}{self._random.randrange(10**7):07d}"
            if number not in self._phones:
                self._phones.add(number)
                return number


def build_roster() -> list[RosterRow]:
    """The demo roster: 35 district delegates, then 491 commune delegates, unit by unit.

    District delegates are elected in 9 constituencies of two units each (four delegates
    per constituency, three in the last); each lives and receives citizens in one unit of
    their constituency, so every unit has at least one. Communes get 27 or 28 delegates,
    three per constituency.
    """
    people = _People(_SEED)
    rows: list[RosterRow] = []
    for number in range(1, DISTRICT_DELEGATES + 1):
        constituency, seat = divmod(number - 1, _DISTRICT_DELEGATES_PER_CONSTITUENCY)
        units = _constituency_units(constituency)
        code = f"DEMO-H-{number:03d}"
        rows.append(
            RosterRow(
                code=code,
                full_name=people.name(),
                council=DISTRICT_COUNCIL,
                level="district",
                unit=units[seat % len(units)],
                constituency=_constituency(constituency + 1),
                phone=people.phone(),
                role="secretary" if code in SECRETARY_CODES else "delegate",
            )
        )
    per_unit, extra = divmod(COMMUNE_DELEGATES, len(UNITS))
    for index, unit in enumerate(UNITS):
        for number in range(1, per_unit + (1 if index < extra else 0) + 1):
            rows.append(
                RosterRow(
                    code=f"{_commune_prefix(index)}-{number:03d}",
                    full_name=people.name(),
                    council=commune_council(index),
                    level="commune",
                    unit=unit,
                    constituency=_constituency(
                        (number - 1) // _COMMUNE_DELEGATES_PER_CONSTITUENCY + 1
                    ),
                    phone=people.phone(),
                )
            )
    return rows


def council_names() -> dict[str, str]:
    """Display names of the demo councils (the roster file only knows their codes)."""
    names = {DISTRICT_COUNCIL: f"HĐND {DISTRICT_NAME}"}
    for index, unit in enumerate(UNITS):
        names[commune_council(index)] = f"HĐND {_in_text(unit)}"
    return names


# --- the schedule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the demo schedule file, in the contract's column order."""

    kind: str
    title: str
    starts_at: str
    ends_at: str
    location: str
    council: str
    delegates: str
    recurrence: str = ""
    until: str = ""
    shift: str = ""
    per_occurrence: str = ""


def quarter_of(day: date) -> tuple[str, date, date]:
    """The quarter containing ``day``: its label (``2026-Q4``), first day and last day."""
    quarter = (day.month - 1) // 3
    first = date(day.year, quarter * 3 + 1, 1)
    following = date(day.year + 1, 1, 1) if quarter == 3 else date(day.year, quarter * 3 + 4, 1)
    return f"{day.year}-Q{quarter + 1}", first, following - timedelta(days=1)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local wall-clock time, naive as in the file."""
    return datetime.combine(day, time(hour, minute))


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


class _Days:
    """The days of one quarter free for a one-off event: working days but reception days.

    Keeping the 10th and the 20th (after their holiday shift) clear means nobody is expected
    at a reception and at a meeting or a session at the same time. Every answer is a day of
    the quarter, the nearest one that fits when none fits exactly.
    """

    def __init__(self, first: date, last: date, calendar: WorkingCalendar) -> None:
        reception_days = {
            calendar.next_working_day(date(first.year, month, day))
            for month in range(first.month, last.month + 1)
            for day in RECEPTION_DAYS
        }
        every_day = (first + timedelta(days=n) for n in range((last - first).days + 1))
        free = tuple(
            day for day in every_day if calendar.is_working_day(day) and day not in reception_days
        )
        self.days = free or (first,)
        self._free = frozenset(self.days)

    def on_or_after(self, day: date) -> date:
        return next((free for free in self.days if free >= day), self.days[-1])

    def on_or_before(self, day: date) -> date:
        return next((free for free in reversed(self.days) if free <= day), self.days[0])

    def between(self, start: date, end: date) -> list[date]:
        """The free days in ``start..end``, or the first one after it if there is none."""
        return [day for day in self.days if start <= day <= end] or [self.on_or_after(start)]

    def two_days(self, around: date) -> tuple[date, date]:
        """Two consecutive free days, the first from ``around`` on if possible."""
        pairs = [day for day in self.days if day + timedelta(days=1) in self._free]
        if not pairs:
            return self.on_or_after(around), self.on_or_after(around)
        first = next((day for day in pairs if day >= around), pairs[-1])
        return first, first + timedelta(days=1)


def _spread(days: Sequence[date], count: int) -> list[date]:
    """``count`` dates taken evenly, in order, from ``days``."""
    return [days[index * len(days) // count] for index in range(count)]


def _place(unit: str, hamlet: int, building: str) -> str:
    if unit.startswith("Thị trấn"):
        where = f"tổ dân phố số {hamlet % 9 + 1}"
    else:
        where = f"thôn {_HAMLETS[hamlet % len(_HAMLETS)]}"
    return f"{building} {where}, {_in_text(unit)}"


def build_schedule(
    first_day: date, last_day: date, calendar: WorkingCalendar, roster: Sequence[RosterRow]
) -> list[ScheduleRow]:
    """The demo schedule of the quarter ``first_day..last_day``: district rows, then communes.

    District council: a reception rule per unit on the 10th and 20th (one delegate of that
    unit each time, in turn); the regular session, two days in the middle of the quarter;
    a voter meeting per constituency 10-20 days before it and another 10-20 days after
    it; the deadlines for questions (a week before) and for the voter-meeting report (5
    days after the last meeting); two supervision visits by three delegates. Each commune
    council: an afternoon reception rule on the same days (two delegates each time) and
    its own session in the week after the district's. One-off events are put on working
    days of ``calendar`` that are not reception days, and no delegate has two meetings on
    one day.
    """
    days = _Days(first_day, last_day, calendar)
    period = f"quý {_ROMAN_QUARTERS[(first_day.month - 1) // 3]}/{first_day.year}"
    district = [row for row in roster if row.council == DISTRICT_COUNCIL]
    busy: dict[str, set[date]] = {row.code: set() for row in district}

    def one_off(
        kind: str,
        title: str,
        starts: datetime,
        ends: datetime | None,
        location: str,
        members: Sequence[str] | None,
        council: str = DISTRICT_COUNCIL,
    ) -> ScheduleRow:
        for code in members or ():
            busy[code].add(starts.date())
        return ScheduleRow(
            kind=kind,
            title=title,
            starts_at=_stamp(starts),
            ends_at=_stamp(ends) if ends is not None else "",
            location=location,
            council=council,
            delegates="all" if members is None else ";".join(members),
        )

    rows = [
        ScheduleRow(
            kind="reception",
            title=f"Tiếp công dân định kỳ của đại biểu HĐND huyện tại {_in_text(unit)}",
            starts_at=_stamp(_at(first_day, 7, 30)),
            ends_at=_stamp(_at(first_day, 11)),
            location=f"Trụ sở HĐND-UBND {_in_text(unit)}",
            council=DISTRICT_COUNCIL,
            delegates=f"unit:{unit}",
            recurrence=_RECEPTION_RULE,
            until=f"{last_day:%Y-%m-%d}",
            shift="next_working_day",
            per_occurrence="1",
        )
        for unit in UNITS
    ]

    session_first, session_last = days.two_days(first_day + timedelta(days=44))
    session_days = {session_first, session_last}
    rows.append(
        one_off(
            "session",
            f"Kỳ họp thường lệ {period} HĐND {DISTRICT_NAME}",
            _at(session_first, 7, 30),
            _at(session_last, 17),
            f"Hội trường HĐND-UBND {DISTRICT_NAME}",
            None,
        )
    )

    constituencies = _district_constituencies()
    before = _spread(
        days.between(session_first - timedelta(days=20), session_first - timedelta(days=10)),
        constituencies,
    )
    after = _spread(
        days.between(session_last + timedelta(days=10), session_last + timedelta(days=20)),
        constituencies,
    )
    for number in range(1, constituencies + 1):
        members = [row.code for row in district if row.constituency == _constituency(number)]
        units = _constituency_units(number - 1)
        for phase, day, unit, building in (
            ("trước", before[number - 1], units[0], "Nhà văn hóa"),
            ("sau", after[number - 1], units[-1], "Hội trường"),
        ):
            rows.append(
                one_off(
                    "voter_meeting",
                    f"Tiếp xúc cử tri {phase} kỳ họp {period} - {_constituency(number)}",
                    _at(day, 8),
                    _at(day, 11),
                    _place(unit, number, building),
                    members,
                )
            )

    office = f"Văn phòng HĐND và UBND {DISTRICT_NAME}"
    questions_due = days.on_or_before(session_first - timedelta(days=7))
    report_due = days.on_or_after(max(after) + timedelta(days=5))
    rows.append(
        one_off(
            "deadline",
            f"Gửi câu hỏi chất vấn tại kỳ họp {period}",
            _at(questions_due, 17),
            None,
            office,
            None,
        )
    )
    rows.append(
        one_off(
            "deadline",
            f"Nộp báo cáo kết quả tiếp xúc cử tri sau kỳ họp {period}",
            _at(report_due, 17),
            None,
            office,
            None,
        )
    )

    for offset, unit, topic, numbers in _SUPERVISIONS:
        members = [district[number - 1].code for number in numbers]
        target = first_day + timedelta(days=offset)
        candidates = [
            day
            for day in days.between(target, last_day)
            if day not in session_days and not any(day in busy[code] for code in members)
        ]
        day = candidates[0] if candidates else days.on_or_after(target)
        rows.append(
            one_off(
                "supervision",
                f"Giám sát {topic} tại {_in_text(unit)}",
                _at(day, 8),
                _at(day, 11, 30),
                f"Trụ sở HĐND-UBND {_in_text(unit)}",
                members,
            )
        )

    for index, unit in enumerate(UNITS):
        rows.append(
            ScheduleRow(
                kind="reception",
                title=f"Tiếp công dân định kỳ của đại biểu HĐND {_in_text(unit)}",
                starts_at=_stamp(_at(first_day, 13, 30)),
                ends_at=_stamp(_at(first_day, 16, 30)),
                location=f"Phòng tiếp công dân, trụ sở HĐND-UBND {_in_text(unit)}",
                council=commune_council(index),
                delegates="all",
                recurrence=_RECEPTION_RULE,
                until=f"{last_day:%Y-%m-%d}",
                shift="next_working_day",
                per_occurrence="2",
            )
        )
    commune_days = days.between(session_last + timedelta(days=3), session_last + timedelta(days=9))
    for index, unit in enumerate(UNITS):
        day = commune_days[index % len(commune_days)]
        rows.append(
            one_off(
                "session",
                f"Kỳ họp thường lệ {period} HĐND {_in_text(unit)}",
                _at(day, 7, 30),
                _at(day, 17),
                f"Hội trường HĐND-UBND {_in_text(unit)}",
                None,
                council=commune_council(index),
            )
        )
    return rows


# --- files ------------------------------------------------------------------------------------


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[str, ...]]) -> Path:
    """UTF-8 with a BOM, so that Excel shows the Vietnamese text right when opened."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


def _write_files(
    folder: Path, roster: Sequence[RosterRow], schedule: Sequence[ScheduleRow]
) -> tuple[Path, Path]:
    roster_file = _write_csv(
        folder / ROSTER_FILE,
        [item.name for item in fields(RosterRow)],
        [astuple(row) for row in roster],
    )
    schedule_file = _write_csv(
        folder / SCHEDULE_FILE,
        [item.name for item in fields(ScheduleRow)],
        [astuple(row) for row in schedule],
    )
    return roster_file, schedule_file


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
    """Create (or confirm) the demo councils, delegates and the schedule of ``now``'s quarter.

    The files are written to ``workdir`` (created if needed, files overwritten) and kept
    there, or to a temporary folder that is removed afterwards. Raises :class:`DemoError`
    if an import reports problems (nothing of that import is written). Each step commits
    the caller's ``session`` as it goes: the roster, the councils' names, the schedule.
    """
    label, first_day, last_day = quarter_of(now.astimezone(zone).date())
    roster = build_roster()
    calendar = await load_calendar(session=session)
    schedule = build_schedule(first_day, last_day, calendar, roster)

    with _folder(workdir) as folder:
        roster_file, schedule_file = await asyncio.to_thread(_write_files, folder, roster, schedule)
        roster_result = await import_roster(
            session=session,
            path=roster_file,
            now=now,
            dry_run=False,
            actor=DEMO_ACTOR,
        )
        if roster_result.problems:
            raise DemoError(ROSTER_FILE, roster_result.problems)
        renamed = await _name_councils(session)
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

    counts = await _counts(session, first_day, last_day, zone)
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


async def _name_councils(session: AsyncSession) -> bool:
    """Give the councils the roster import created (named by code) their display names."""
    names = council_names()
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
    session: AsyncSession, first_day: date, last_day: date, zone: ZoneInfo
) -> dict[str, int]:
    starts_from, starts_before = local_bounds(first_day, last_day, zone)
    assert starts_from is not None
    assert starts_before is not None
    council_ids = [
        council_id
        for council_id in (
            await session.exec(
                select(Council.id).where(col(Council.code).in_(list(council_names())))
            )
        ).all()
        if council_id is not None
    ]
    delegates = (
        select(func.count())
        .select_from(Delegate)
        .where(col(Delegate.council_id).in_(council_ids), col(Delegate.active).is_(True))
    )
    secretaries = delegates.where(col(Delegate.role) == Role.secretary.value)
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
