"""The 2026 demo schedule: a quarter of the province's and its communes' duties.

Sessions are named as councils name them: numbered within the 2026–2031 term ("Kỳ họp
thứ Tư"), regular ones twice a year (mid-year and year-end) and thematic ones between.
The province's Standing Committee receives citizens on the 10th and 20th at the
province's reception office, one member at a time; each Tổ đại biểu meets voters before
and after the session; the committees supervise; every local council receives citizens
on the same days and holds its own session in the week after the province's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.domain.calendar import WorkingCalendar
from bot.domain.titles import is_standing_committee
from bot.services.demo.province import (
    LOCAL_COUNCILS,
    PROVINCE_COUNCIL,
    PROVINCE_GROUPS,
    PROVINCE_PLACE,
    TERM,
    ProvinceRow,
    group_name,
    local_council,
)
from bot.services.demo.roster import in_text
from bot.services.demo.schedule import (
    RECEPTION_DAYS,
    ScheduleRow,
    _at,
    _Days,
    _spread,
    _stamp,
)

_ORDINALS = ("Nhất", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười")
_RULE = "ngày " + " và ".join(map(str, RECEPTION_DAYS)) + " hằng tháng"
_RRULE = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(map(str, RECEPTION_DAYS))
_TERM_FIRST_YEAR = 2026


def session_name(first_day: date) -> tuple[str, str]:
    """The quarter's session: (``Kỳ họp thứ Tư``, ``kỳ họp thường lệ cuối năm 2026``).

    The first session of the term opens it (late March 2026, after the election of 15
    March), then one a quarter: thematic in the first and third quarters, regular mid-year
    in the second and year-end in the fourth.
    """
    quarter = (first_day.month - 1) // 3 + 1
    number = max(1, (first_day.year - _TERM_FIRST_YEAR) * 4 + quarter)
    ordinal = _ORDINALS[number - 1] if number <= len(_ORDINALS) else str(number)
    kind = {
        2: f"kỳ họp thường lệ giữa năm {first_day.year}",
        4: f"kỳ họp thường lệ cuối năm {first_day.year}",
    }.get(quarter, "kỳ họp chuyên đề")
    if number == 1:
        kind = "kỳ họp thứ nhất của nhiệm kỳ"
    return f"Kỳ họp thứ {ordinal}", kind


def build_province_schedule(
    first_day: date, last_day: date, calendar: WorkingCalendar, roster: Sequence[ProvinceRow]
) -> list[ScheduleRow]:
    """The quarter ``first_day..last_day`` of the province, then of each local council."""
    days = _Days(first_day, last_day, calendar)
    province = [row for row in roster if row.council == PROVINCE_COUNCIL and row.group]
    standing = [row.code for row in province if is_standing_committee(row.title)]
    name, kind = session_name(first_day)
    rows = [_reception(first_day, last_day, PROVINCE_COUNCIL, standing, province=True)]
    session_first, session_last = days.two_days(first_day + timedelta(days=44))
    rows.append(
        _one_off(
            "session",
            f"{name} ({kind}) HĐND {PROVINCE_PLACE} {TERM}",
            session_first,
            (7, 30),
            session_last,
            (17, 0),
            f"Hội trường HĐND {PROVINCE_PLACE}",
            "all",
        )
    )
    meetings, last_meeting = _voter_meetings(days, province, name, session_first, session_last)
    rows += meetings
    office = f"Văn phòng Đoàn ĐBQH và HĐND {PROVINCE_PLACE}"
    questions = days.on_or_before(session_first - timedelta(days=7))
    report = days.on_or_after(last_meeting + timedelta(days=5))
    rows.append(_deadline(f"Gửi câu hỏi chất vấn tại {name}", questions, office))
    rows.append(_deadline(f"Gửi báo cáo kết quả tiếp xúc cử tri sau {name}", report, office))
    legal = ";".join(row.code for row in province if row.committee == "Ban Pháp chế")
    visit = days.on_or_after(first_day + timedelta(days=62))
    rows.append(
        _one_off(
            "supervision",
            "Ban Pháp chế giám sát việc giải quyết khiếu nại, tố cáo tại phường An Thịnh",
            visit,
            (8, 0),
            visit,
            (11, 30),
            "Trụ sở HĐND và UBND phường An Thịnh",
            legal,
        )
    )
    rows += _local_rows(first_day, last_day, days, session_last)
    return rows


def _voter_meetings(
    days: _Days,
    province: Sequence[ProvinceRow],
    name: str,
    session_first: date,
    session_last: date,
) -> tuple[list[ScheduleRow], date]:
    """Each Tổ meets its voters before and after the session; and the last such day."""
    rows: list[ScheduleRow] = []
    before = _spread(
        days.between(session_first - timedelta(days=20), session_first - timedelta(days=10)),
        PROVINCE_GROUPS,
    )
    after = _spread(
        days.between(session_last + timedelta(days=10), session_last + timedelta(days=20)),
        PROVINCE_GROUPS,
    )
    for number in range(1, PROVINCE_GROUPS + 1):
        members = ";".join(row.code for row in province if row.group == group_name(number))
        unit = next(row.unit for row in province if row.group == group_name(number))
        for phase, day in (("trước", before[number - 1]), ("sau", after[number - 1])):
            rows.append(
                _one_off(
                    "voter_meeting",
                    f"Tiếp xúc cử tri {phase} {name} – {group_name(number)}",
                    day,
                    (8, 0),
                    day,
                    (11, 0),
                    f"Nhà văn hóa khu dân cư số {number}, {in_text(unit)}",
                    members,
                )
            )
    return rows, max(after)


def _local_rows(
    first_day: date, last_day: date, days: _Days, province_session: date
) -> list[ScheduleRow]:
    """Each local council: receptions on the 10th and 20th, its own session after the
    province's."""
    rows = []
    session_days = days.between(
        province_session + timedelta(days=3), province_session + timedelta(days=9)
    )
    name, kind = session_name(first_day)
    for index, (suffix, unit, _count) in enumerate(LOCAL_COUNCILS):
        council = local_council(suffix)
        rows.append(_reception(first_day, last_day, council, ["all"], province=False, unit=unit))
        day = session_days[index % len(session_days)]
        rows.append(
            _one_off(
                "session",
                f"{name} ({kind}) HĐND {in_text(unit)} {TERM}",
                day,
                (7, 30),
                day,
                (17, 0),
                f"Hội trường HĐND và UBND {in_text(unit)}",
                "all",
                council=council,
            )
        )
    return rows


def _reception(
    first_day: date,
    last_day: date,
    council: str,
    members: Sequence[str],
    *,
    province: bool,
    unit: str = "",
) -> ScheduleRow:
    if province:
        title = f"Thường trực HĐND {PROVINCE_PLACE} tiếp công dân định kỳ {_RULE}"
        hours, location = ((7, 30), (11, 0)), f"Trụ sở Tiếp công dân {PROVINCE_PLACE}"
        per_occurrence = "1"
    else:
        title = f"Tiếp công dân định kỳ của đại biểu HĐND {in_text(unit)}"
        hours = ((13, 30), (16, 30))
        location = f"Phòng tiếp công dân, trụ sở HĐND và UBND {in_text(unit)}"
        per_occurrence = "2"
    return ScheduleRow(
        kind="reception",
        title=title,
        starts_at=_stamp(_at(first_day, *hours[0])),
        ends_at=_stamp(_at(first_day, *hours[1])),
        location=location,
        council=council,
        delegates=";".join(members),
        recurrence=_RRULE,
        until=last_day.isoformat(),
        shift="next_working_day",
        per_occurrence=per_occurrence,
    )


def _one_off(
    kind: str,
    title: str,
    first: date,
    start: tuple[int, int],
    last: date,
    end: tuple[int, int],
    location: str,
    delegates: str,
    council: str = PROVINCE_COUNCIL,
) -> ScheduleRow:
    return ScheduleRow(
        kind=kind,
        title=title,
        starts_at=_stamp(_at(first, *start)),
        ends_at=_stamp(_at(last, *end)),
        location=location,
        council=council,
        delegates=delegates,
    )


def _deadline(title: str, day: date, office: str) -> ScheduleRow:
    return ScheduleRow(
        kind="deadline",
        title=title,
        starts_at=_stamp(_at(day, 17)),
        ends_at="",
        location=office,
        council=PROVINCE_COUNCIL,
        delegates="all",
    )
