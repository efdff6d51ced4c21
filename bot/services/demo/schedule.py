"""The demo schedule: a quarter of receptions, meetings, a session, deadlines and visits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.calendar import WorkingCalendar
from bot.domain.dates import format_file_moment
from bot.services.demo.roster import (
    DISTRICT_COUNCIL,
    DISTRICT_NAME,
    UNITS,
    RosterRow,
    commune_council,
    constituency_name,
    constituency_units,
    district_constituencies,
    in_text,
)

_HAMLETS = ("Đông", "Đoài", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Phú Xuân")
_ROMAN_QUARTERS = ("I", "II", "III", "IV")
# Supervision visits: days after the quarter's start, where, what, which district delegates.
_SUPERVISIONS = (
    (20, UNITS[5], "việc giải quyết đơn thư, kiến nghị của cử tri", (4, 12, 21)),
    (62, UNITS[1], "công tác tiếp công dân", (7, 16, 30)),
)
RECEPTION_DAYS = (10, 20)
_RECEPTION_RULE = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(map(str, RECEPTION_DAYS))


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
    return format_file_moment(moment)


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
    return f"{building} {where}, {in_text(unit)}"


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
    plan = _Plan(first_day, last_day, calendar, roster)
    plan.rows += _receptions(first_day, last_day, district=True)
    session_first, session_last = plan.days.two_days(first_day + timedelta(days=44))
    plan.one_off(
        "session",
        f"Kỳ họp thường lệ {plan.period} HĐND {DISTRICT_NAME}",
        _at(session_first, 7, 30),
        _at(session_last, 17),
        f"Hội trường HĐND-UBND {DISTRICT_NAME}",
        None,
    )
    last_meeting = _voter_meetings(plan, session_first, session_last)
    _deadlines(plan, session_first, last_meeting)
    _supervisions(plan, {session_first, session_last})
    plan.rows += _receptions(first_day, last_day, district=False)
    _commune_sessions(plan, session_last)
    return plan.rows


class _Plan:
    """The quarter's rows as they are added, and which day each district delegate is busy."""

    def __init__(
        self,
        first_day: date,
        last_day: date,
        calendar: WorkingCalendar,
        roster: Sequence[RosterRow],
    ) -> None:
        self.first_day = first_day
        self.last_day = last_day
        self.days = _Days(first_day, last_day, calendar)
        self.period = f"quý {_ROMAN_QUARTERS[(first_day.month - 1) // 3]}/{first_day.year}"
        self.district = [row for row in roster if row.council == DISTRICT_COUNCIL]
        self.busy: dict[str, set[date]] = {row.code: set() for row in self.district}
        self.rows: list[ScheduleRow] = []

    def one_off(
        self,
        kind: str,
        title: str,
        starts: datetime,
        ends: datetime | None,
        location: str,
        members: Sequence[str] | None,
        council: str = DISTRICT_COUNCIL,
    ) -> None:
        for code in members or ():
            self.busy[code].add(starts.date())
        self.rows.append(
            ScheduleRow(
                kind=kind,
                title=title,
                starts_at=_stamp(starts),
                ends_at=_stamp(ends) if ends is not None else "",
                location=location,
                council=council,
                delegates="all" if members is None else ";".join(members),
            )
        )


def _receptions(first_day: date, last_day: date, *, district: bool) -> list[ScheduleRow]:
    """A reception rule per unit on the 10th and 20th: the district's delegates of that
    unit in the morning, one at a time; the commune council's in the afternoon, two."""
    rows = []
    for index, unit in enumerate(UNITS):
        if district:
            title = f"Tiếp công dân định kỳ của đại biểu HĐND huyện tại {in_text(unit)}"
            hours, location = ((7, 30), (11, 0)), f"Trụ sở HĐND-UBND {in_text(unit)}"
        else:
            title = f"Tiếp công dân định kỳ của đại biểu HĐND {in_text(unit)}"
            hours = ((13, 30), (16, 30))
            location = f"Phòng tiếp công dân, trụ sở HĐND-UBND {in_text(unit)}"
        rows.append(
            ScheduleRow(
                kind="reception",
                title=title,
                starts_at=_stamp(_at(first_day, *hours[0])),
                ends_at=_stamp(_at(first_day, *hours[1])),
                location=location,
                council=DISTRICT_COUNCIL if district else commune_council(index),
                delegates=f"unit:{unit}" if district else "all",
                recurrence=_RECEPTION_RULE,
                until=last_day.isoformat(),
                shift="next_working_day",
                per_occurrence="1" if district else "2",
            )
        )
    return rows


def _voter_meetings(plan: _Plan, session_first: date, session_last: date) -> date:
    """A meeting per constituency 10-20 days before the session and one 10-20 days after
    it; returns the day of the last one."""
    constituencies = district_constituencies()
    days = plan.days
    before = _spread(
        days.between(session_first - timedelta(days=20), session_first - timedelta(days=10)),
        constituencies,
    )
    after = _spread(
        days.between(session_last + timedelta(days=10), session_last + timedelta(days=20)),
        constituencies,
    )
    for number in range(1, constituencies + 1):
        members = [
            row.code for row in plan.district if row.constituency == constituency_name(number)
        ]
        units = constituency_units(number - 1)
        for phase, day, unit, building in (
            ("trước", before[number - 1], units[0], "Nhà văn hóa"),
            ("sau", after[number - 1], units[-1], "Hội trường"),
        ):
            plan.one_off(
                "voter_meeting",
                f"Tiếp xúc cử tri {phase} kỳ họp {plan.period} - {constituency_name(number)}",
                _at(day, 8),
                _at(day, 11),
                _place(unit, number, building),
                members,
            )
    return max(after)


def _deadlines(plan: _Plan, session_first: date, last_meeting: date) -> None:
    """Questions a week before the session; the voter-meeting report 5 days after the last."""
    office = f"Văn phòng HĐND và UBND {DISTRICT_NAME}"
    questions_due = plan.days.on_or_before(session_first - timedelta(days=7))
    report_due = plan.days.on_or_after(last_meeting + timedelta(days=5))
    plan.one_off(
        "deadline",
        f"Gửi câu hỏi chất vấn tại kỳ họp {plan.period}",
        _at(questions_due, 17),
        None,
        office,
        None,
    )
    plan.one_off(
        "deadline",
        f"Nộp báo cáo kết quả tiếp xúc cử tri sau kỳ họp {plan.period}",
        _at(report_due, 17),
        None,
        office,
        None,
    )


def _supervisions(plan: _Plan, session_days: set[date]) -> None:
    """Two visits by three delegates, on a day none of them has another meeting."""
    for offset, unit, topic, numbers in _SUPERVISIONS:
        members = [plan.district[number - 1].code for number in numbers]
        target = plan.first_day + timedelta(days=offset)
        candidates = [
            day
            for day in plan.days.between(target, plan.last_day)
            if day not in session_days and not any(day in plan.busy[code] for code in members)
        ]
        day = candidates[0] if candidates else plan.days.on_or_after(target)
        plan.one_off(
            "supervision",
            f"Giám sát {topic} tại {in_text(unit)}",
            _at(day, 8),
            _at(day, 11, 30),
            f"Trụ sở HĐND-UBND {in_text(unit)}",
            members,
        )


def _commune_sessions(plan: _Plan, session_last: date) -> None:
    """Each commune council's session, in the week after the district's."""
    commune_days = plan.days.between(
        session_last + timedelta(days=3), session_last + timedelta(days=9)
    )
    for index, unit in enumerate(UNITS):
        day = commune_days[index % len(commune_days)]
        plan.one_off(
            "session",
            f"Kỳ họp thường lệ {plan.period} HĐND {in_text(unit)}",
            _at(day, 7, 30),
            _at(day, 17),
            f"Hội trường HĐND-UBND {in_text(unit)}",
            None,
            council=commune_council(index),
        )
