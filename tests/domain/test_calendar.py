"""Working days, holiday shift, RRULE expansion and the round-robin rota."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import (
    CalendarException,
    ExceptionKind,
    Occurrence,
    Shift,
    WorkingCalendar,
    assign_round_robin,
    expand_occurrences,
    normalize_rrule,
    parse_calendar_exceptions,
    parse_exception_date,
    parse_exception_kind,
    rota_slot,
    shift_date,
    validate_rrule,
)
from bot.domain.tables import format_problem
from bot.i18n import get_translator

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
RECEPTION_RULE = "FREQ=MONTHLY;BYMONTHDAY=10,20"
CALENDAR = WorkingCalendar()
OFF = ExceptionKind.off
WORKDAY = ExceptionKind.workday


def at(day: date, hour: int = 8, minute: int = 0, zone: ZoneInfo = VN) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def expand(
    rule: str | None,
    *,
    first: date = date(2026, 1, 1),
    window: tuple[date, date] = (date(2026, 1, 1), date(2027, 1, 1)),
    calendar: WorkingCalendar = CALENDAR,
    shift: Shift = Shift.next_working_day,
    until: date | None = None,
    hours: tuple[int, int] = (8, 11),
) -> list[Occurrence]:
    return expand_occurrences(
        start=at(first, hours[0]),
        end=at(first, hours[1]),
        rrule=rule,
        until=until,
        shift=shift,
        calendar=calendar,
        window_start=at(window[0], 0),
        window_end=at(window[1], 0),
    )


def moves(occurrences: list[Occurrence]) -> dict[date, date]:
    return {o.original_date: o.starts_at.date() for o in occurrences}


# --- what the holidays package says (the brief's examples rest on it) --------------------


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2022, 4, 10), "Hung Kings"),  # a Sunday: the day off is observed on Monday
        (date(2022, 4, 11), "Hung Kings' Commemoration Day (observed)"),
        (date(2027, 2, 10), "Fifth Day of Lunar New Year"),
        (date(2026, 4, 27), "Hung Kings' Commemoration Day (observed)"),
        (date(2026, 8, 31), "substituted from 08/22/2026"),
        (date(2026, 11, 24), "Vietnam Cultural Day"),
        (date(2027, 5, 3), "International Labor Day (observed)"),
    ],
)
def test_package_lists_these_days_off(day: date, words: str) -> None:
    table = holidays.country_holidays("VN", years=day.year, language="en_US")
    assert words in table.get(day, "")
    assert not CALENDAR.is_working_day(day)
    assert CALENDAR.holiday_name(day, "en") == table.get(day)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2027, 2, 10), "Mùng năm Tết Nguyên Đán"),
        (date(2026, 2, 17), "Tết Nguyên Đán"),
        (date(2022, 4, 11), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
    ],
)
def test_holiday_names_default_to_vietnamese(day: date, name: str) -> None:
    assert CALENDAR.holiday_name(day) == name


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 10), date(2026, 1, 12), date(2022, 4, 12), date(2026, 1, 11)],
)
def test_ordinary_days_have_no_holiday_name(day: date) -> None:
    assert CALENDAR.holiday_name(day) is None


@pytest.mark.parametrize(
    "day",
    [date(2024, 5, 4), date(2025, 4, 26), date(2026, 8, 22)],
)
def test_package_make_up_saturdays_are_working_days(day: date) -> None:
    assert day.weekday() == 5
    assert CALENDAR.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 12), True),  # Monday
        (date(2026, 1, 10), False),  # Saturday
        (date(2026, 1, 11), False),  # Sunday
        (date(2026, 1, 1), False),  # New Year
        (date(2030, 2, 4), False),  # Tết 2030, a year loaded on demand
        (date(2030, 2, 11), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


# --- the shift --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 4, 10), date(2022, 4, 12)),  # Sunday, then the observed Hùng Kings day
        (date(2027, 2, 10), date(2027, 2, 11)),  # fifth day of Tết 2027
        (date(2026, 1, 10), date(2026, 1, 12)),  # Saturday
        (date(2026, 5, 31), date(2026, 6, 1)),  # Sunday at a month end
        (date(2026, 4, 30), date(2026, 5, 4)),  # 30/4, 1/5, then a weekend
        (date(2026, 8, 31), date(2026, 9, 3)),  # bridge day, National Day 1-2/9
        (date(2023, 1, 20), date(2023, 1, 27)),  # Tết 2023: Friday to Thursday off
        (date(2026, 1, 13), date(2026, 1, 13)),  # already a working day
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert shift_date(day, Shift.next_working_day, CALENDAR) == expected
    assert CALENDAR.next_working_day(day) == expected


def test_shift_none_keeps_the_day() -> None:
    assert shift_date(date(2026, 1, 10), Shift.none, CALENDAR) == date(2026, 1, 10)


def test_secretariat_make_up_saturday_is_a_working_day() -> None:
    calendar = WorkingCalendar([CalendarException(date(2026, 1, 10), WORKDAY, "làm bù")])
    assert calendar.is_working_day(date(2026, 1, 10))
    assert calendar.next_working_day(date(2026, 1, 10)) == date(2026, 1, 10)
    assert calendar.holiday_name(date(2026, 1, 10)) is None
    assert moves(expand(RECEPTION_RULE, calendar=calendar))[date(2026, 1, 10)] == date(2026, 1, 10)


def test_secretariat_workday_overrides_a_package_holiday() -> None:
    calendar = WorkingCalendar([CalendarException(date(2026, 11, 24), WORKDAY)])
    assert calendar.is_working_day(date(2026, 11, 24))
    assert calendar.holiday_name(date(2026, 11, 24)) is None


def test_extra_day_off_pushes_further() -> None:
    calendar = WorkingCalendar([CalendarException(date(2026, 1, 12), OFF, "Đại hội")])
    assert calendar.next_working_day(date(2026, 1, 10)) == date(2026, 1, 13)
    assert calendar.holiday_name(date(2026, 1, 12)) == "Đại hội"
    assert moves(expand(RECEPTION_RULE, calendar=calendar))[date(2026, 1, 10)] == date(2026, 1, 13)


def test_extra_day_off_beats_a_package_make_up_saturday() -> None:
    calendar = WorkingCalendar([CalendarException(date(2026, 8, 22), OFF)])
    assert not calendar.is_working_day(date(2026, 8, 22))
    assert calendar.next_working_day(date(2026, 8, 22)) == date(2026, 8, 24)


def test_calendar_refuses_a_day_declared_both_ways() -> None:
    with pytest.raises(ValueError, match="2026-01-10"):
        WorkingCalendar(
            [
                CalendarException(date(2026, 1, 10), WORKDAY),
                CalendarException(date(2026, 1, 10), OFF),
            ]
        )


def test_calendar_is_a_value() -> None:
    one = CalendarException(date(2026, 1, 10), WORKDAY)
    two = CalendarException(date(2026, 3, 2), OFF)
    assert WorkingCalendar([two, one, one]) == WorkingCalendar([one, two])
    assert hash(WorkingCalendar([two, one])) == hash(WorkingCalendar([one, two]))
    assert WorkingCalendar([one]).exceptions == (one,)
    assert WorkingCalendar() != WorkingCalendar([one])


# --- reception days over whole years ---------------------------------------------------

SHIFTED_RECEPTIONS = {
    2022: {
        date(2022, 2, 20): date(2022, 2, 21),
        date(2022, 3, 20): date(2022, 3, 21),
        date(2022, 4, 10): date(2022, 4, 12),
        date(2022, 7, 10): date(2022, 7, 11),
        date(2022, 8, 20): date(2022, 8, 22),
        date(2022, 9, 10): date(2022, 9, 12),
        date(2022, 11, 20): date(2022, 11, 21),
        date(2022, 12, 10): date(2022, 12, 12),
    },
    2026: {
        date(2026, 1, 10): date(2026, 1, 12),
        date(2026, 2, 20): date(2026, 2, 23),  # fourth day of Tết, then a weekend
        date(2026, 5, 10): date(2026, 5, 11),
        date(2026, 6, 20): date(2026, 6, 22),
        date(2026, 9, 20): date(2026, 9, 21),
        date(2026, 10, 10): date(2026, 10, 12),
        date(2026, 12, 20): date(2026, 12, 21),
    },
    2027: {
        date(2027, 1, 10): date(2027, 1, 11),
        date(2027, 2, 10): date(2027, 2, 11),  # fifth day of Tết
        date(2027, 2, 20): date(2027, 2, 22),
        date(2027, 3, 20): date(2027, 3, 22),
        date(2027, 4, 10): date(2027, 4, 12),
        date(2027, 6, 20): date(2027, 6, 21),
        date(2027, 7, 10): date(2027, 7, 12),
        date(2027, 10, 10): date(2027, 10, 11),
        date(2027, 11, 20): date(2027, 11, 22),
    },
}


@pytest.mark.parametrize("year", sorted(SHIFTED_RECEPTIONS))
def test_a_whole_year_of_reception_days(year: int) -> None:
    occurrences = expand(
        RECEPTION_RULE,
        first=date(year, 1, 1),
        window=(date(year, 1, 1), date(year + 1, 1, 1)),
    )
    originals = [date(year, month, day) for month in range(1, 13) for day in (10, 20)]
    # no two collide in these years: all 24 survive, in order, each on a working day
    assert [o.original_date for o in occurrences] == originals
    assert [o.index for o in occurrences] == list(range(24))
    for occurrence in occurrences:
        assert CALENDAR.is_working_day(occurrence.starts_at.date())
        assert occurrence.starts_at.time() == time(8)
        assert occurrence.ends_at == occurrence.starts_at + timedelta(hours=3)
    shifted = {o.original_date: o.starts_at.date() for o in occurrences if o.shifted}
    assert shifted == SHIFTED_RECEPTIONS[year]
    assert all(o.starts_at.date() == o.original_date for o in occurrences if not o.shifted)


# --- month ends and other rules ------------------------------------------------------


def test_last_day_of_the_month() -> None:
    assert moves(expand("FREQ=MONTHLY;BYMONTHDAY=-1")) == {
        date(2026, 1, 31): date(2026, 2, 2),
        date(2026, 2, 28): date(2026, 3, 2),
        date(2026, 3, 31): date(2026, 3, 31),
        date(2026, 4, 30): date(2026, 5, 4),
        date(2026, 5, 31): date(2026, 6, 1),
        date(2026, 6, 30): date(2026, 6, 30),
        date(2026, 7, 31): date(2026, 7, 31),
        date(2026, 8, 31): date(2026, 9, 3),
        date(2026, 9, 30): date(2026, 9, 30),
        date(2026, 10, 31): date(2026, 11, 2),
        date(2026, 11, 30): date(2026, 11, 30),
        date(2026, 12, 31): date(2026, 12, 31),
    }


def test_bymonthday_31_skips_shorter_months() -> None:
    occurrences = expand("FREQ=MONTHLY;BYMONTHDAY=31")
    assert [o.original_date.month for o in occurrences] == [1, 3, 5, 7, 8, 10, 12]
    assert moves(occurrences)[date(2026, 5, 31)] == date(2026, 6, 1)


def test_weekly_on_monday_moves_off_a_holiday_monday() -> None:
    occurrences = expand("FREQ=WEEKLY;BYDAY=MO", window=(date(2026, 4, 1), date(2026, 5, 12)))
    assert moves(occurrences) == {
        date(2026, 4, 6): date(2026, 4, 6),
        date(2026, 4, 13): date(2026, 4, 13),
        date(2026, 4, 20): date(2026, 4, 20),
        date(2026, 4, 27): date(2026, 4, 28),  # observed Hùng Kings day
        date(2026, 5, 4): date(2026, 5, 4),
        date(2026, 5, 11): date(2026, 5, 11),
    }
    assert [o.shifted for o in occurrences] == [False, False, False, True, False, False]


def test_a_start_that_does_not_match_the_rule_is_not_an_occurrence() -> None:
    occurrences = expand(RECEPTION_RULE, first=date(2026, 1, 5))
    assert occurrences[0].original_date == date(2026, 1, 10)
    assert occurrences[0].index == 0


def test_count_limits_the_rule() -> None:
    assert [o.original_date for o in expand("FREQ=MONTHLY;BYMONTHDAY=10;COUNT=3")] == [
        date(2026, 1, 10),
        date(2026, 2, 10),
        date(2026, 3, 10),
    ]


# --- collisions --------------------------------------------------------------------------


def test_collision_after_shift_keeps_the_earliest_original() -> None:
    calendar = WorkingCalendar(
        CalendarException(date(2026, 3, 10) + timedelta(days=n), OFF) for n in range(11)
    )  # 10-20 March off: both reception days land on Monday 23 March
    occurrences = expand(
        RECEPTION_RULE, calendar=calendar, window=(date(2026, 3, 1), date(2026, 4, 1))
    )
    assert occurrences == [
        Occurrence(
            original_date=date(2026, 3, 10),
            starts_at=at(date(2026, 3, 23), 8),
            ends_at=at(date(2026, 3, 23), 11),
            shifted=True,
            index=4,
        )
    ]


def test_weekend_days_collide_with_the_monday() -> None:
    occurrences = expand("FREQ=WEEKLY;BYDAY=SA,SU,MO", window=(date(2026, 1, 5), date(2026, 1, 19)))
    # Saturday and Sunday shift to the Monday, itself an occurrence: Saturday's is kept.
    # The rule starts on Thursday 1 January, so Saturday 3 January is the first one; the
    # Saturday 17 January lands on Monday 19, outside the window.
    assert [(o.original_date, o.starts_at.date(), o.index) for o in occurrences] == [
        (date(2026, 1, 3), date(2026, 1, 5), 0),
        (date(2026, 1, 10), date(2026, 1, 12), 3),
    ]


def test_collision_is_decided_from_the_rule_start_not_the_window() -> None:
    rule = "FREQ=WEEKLY;BYDAY=SA,MO"
    whole = expand(rule, window=(date(2026, 1, 1), date(2026, 2, 1)))
    later = expand(rule, window=(date(2026, 1, 12), date(2026, 2, 1)))
    assert later == [o for o in whole if o.starts_at >= at(date(2026, 1, 12), 0)]
    assert later[0].original_date == date(2026, 1, 10)  # Saturday, moved into the window


# --- times, windows, until -------------------------------------------------------------


def test_wall_clock_time_and_duration_survive_the_shift() -> None:
    [occurrence] = expand(
        RECEPTION_RULE, hours=(14, 17), window=(date(2026, 1, 11), date(2026, 1, 13))
    )
    assert occurrence.original_date == date(2026, 1, 10)
    assert occurrence.starts_at == datetime(2026, 1, 12, 14, 0, tzinfo=VN)
    assert occurrence.ends_at == datetime(2026, 1, 12, 17, 0, tzinfo=VN)
    assert occurrence.starts_at.utcoffset() == timedelta(hours=7)
    assert occurrence.shifted


def test_wall_clock_time_is_kept_across_a_daylight_saving_change() -> None:
    occurrences = expand_occurrences(
        start=datetime(2026, 3, 23, 8, 30, tzinfo=BERLIN),
        end=datetime(2026, 3, 23, 10, 0, tzinfo=BERLIN),
        rrule="FREQ=WEEKLY;BYDAY=MO",
        until=None,
        shift=Shift.none,
        calendar=CALENDAR,
        window_start=datetime(2026, 3, 23, tzinfo=BERLIN),
        window_end=datetime(2026, 4, 1, tzinfo=BERLIN),
    )
    assert [o.starts_at.time() for o in occurrences] == [time(8, 30), time(8, 30)]
    assert [o.starts_at.utcoffset() for o in occurrences] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert all(o.ends_at is not None and o.ends_at.time() == time(10) for o in occurrences)


def test_deadline_without_end() -> None:
    [occurrence] = expand_occurrences(
        start=at(date(2026, 1, 10), 17),
        end=None,
        rrule=None,
        until=None,
        shift=Shift.next_working_day,
        calendar=CALENDAR,
        window_start=at(date(2026, 1, 1), 0),
        window_end=at(date(2026, 2, 1), 0),
    )
    assert occurrence.ends_at is None
    assert occurrence.starts_at == at(date(2026, 1, 12), 17)


@pytest.mark.parametrize(
    ("shift", "expected"),
    [(Shift.next_working_day, date(2026, 1, 12)), (Shift.none, date(2026, 1, 10))],
)
def test_a_single_event(shift: Shift, expected: date) -> None:
    [occurrence] = expand(None, first=date(2026, 1, 10), shift=shift, until=date(2025, 1, 1))
    assert occurrence.original_date == date(2026, 1, 10)
    assert occurrence.starts_at.date() == expected
    assert occurrence.shifted is (expected != date(2026, 1, 10))
    assert occurrence.index == 0


@pytest.mark.parametrize(
    ("window", "included"),
    [
        ((at(date(2026, 1, 10), 0), at(date(2026, 1, 12), 8)), False),  # end exclusive
        ((at(date(2026, 1, 12), 8), at(date(2026, 1, 12), 9)), True),  # start inclusive
        ((at(date(2026, 1, 12), 8, 1), at(date(2026, 1, 13), 0)), False),
        ((at(date(2026, 1, 11), 0), at(date(2026, 1, 13), 0)), True),  # by shifted start
    ],
)
def test_window_selects_by_shifted_start(window: tuple[datetime, datetime], included: bool) -> None:
    occurrences = expand_occurrences(
        start=at(date(2026, 1, 10)),
        end=at(date(2026, 1, 10), 11),
        rrule=None,
        until=None,
        shift=Shift.next_working_day,
        calendar=CALENDAR,
        window_start=window[0],
        window_end=window[1],
    )
    assert bool(occurrences) is included


def test_window_in_another_zone_compares_instants() -> None:
    occurrences = expand_occurrences(
        start=at(date(2026, 1, 12)),  # 01:00 UTC
        end=None,
        rrule=None,
        until=None,
        shift=Shift.none,
        calendar=CALENDAR,
        window_start=datetime(2026, 1, 12, 1, 0, tzinfo=ZoneInfo("UTC")),
        window_end=datetime(2026, 1, 12, 1, 1, tzinfo=ZoneInfo("UTC")),
    )
    assert len(occurrences) == 1


@pytest.mark.parametrize(
    ("until", "last"),
    [
        (date(2026, 3, 20), date(2026, 3, 20)),  # inclusive
        (date(2026, 3, 19), date(2026, 3, 10)),
        (date(2026, 1, 10), date(2026, 1, 10)),  # limits the rule date, not the shifted one
    ],
)
def test_until_is_inclusive(until: date, last: date) -> None:
    occurrences = expand(RECEPTION_RULE, until=until)
    assert occurrences[-1].original_date == last


@pytest.mark.parametrize(
    ("rule", "last"),
    [
        ("FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=20260320", date(2026, 3, 20)),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=2026-03-20", date(2026, 3, 20)),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=20260320T075959", date(2026, 3, 10)),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=20260320T010000Z", date(2026, 3, 20)),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=20260320T005959Z", date(2026, 3, 10)),
    ],
)
def test_until_inside_the_rule(rule: str, last: date) -> None:
    assert expand(rule)[-1].original_date == last


def test_the_earlier_of_both_untils_wins() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=10,20;UNTIL=20260320"
    assert expand(rule, until=date(2026, 2, 28))[-1].original_date == date(2026, 2, 20)
    assert expand(rule, until=date(2026, 12, 31))[-1].original_date == date(2026, 3, 20)


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", datetime(2026, 1, 1, 8)), ("window_end", datetime(2026, 2, 1))],
)
def test_naive_datetimes_are_refused(field: str, value: datetime) -> None:
    arguments = {
        "start": at(date(2026, 1, 1)),
        "window_end": at(date(2026, 2, 1), 0),
        field: value,
    }
    with pytest.raises(ValueError, match=f"{field} must be an aware datetime"):
        expand_occurrences(
            start=arguments["start"],
            end=None,
            rrule=RECEPTION_RULE,
            until=None,
            shift=Shift.none,
            calendar=CALENDAR,
            window_start=at(date(2026, 1, 1), 0),
            window_end=arguments["window_end"],
        )


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="end must not be before start"):
        expand(RECEPTION_RULE, hours=(11, 8))


# --- rule validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "normal"),
    [
        ("FREQ=MONTHLY;BYMONTHDAY=10,20", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("rrule:freq=weekly;byday=mo;", "FREQ=WEEKLY;BYDAY=MO"),
        ("BYMONTHDAY=-1;FREQ=MONTHLY", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("FREQ=MONTHLY;BYDAY=1MO;UNTIL=2026-12-31", "FREQ=MONTHLY;BYDAY=1MO;UNTIL=20261231"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        ("FREQ=DAILY;BYHOUR=14;INTERVAL=2", "FREQ=DAILY;BYHOUR=14;INTERVAL=2"),
    ],
)
def test_valid_rules(rule: str, normal: str) -> None:
    assert validate_rrule(rule) is None
    assert normalize_rrule(rule) == normal


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("", "empty"),
        ("BYMONTHDAY=10", "FREQ is required"),
        ("FREQ=FORTNIGHTLY", "FREQ must be one of"),
        ("FREQ=HOURLY", "at most once a day"),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20,x", "whole numbers"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "-31..-1 or 1..31"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "-31..-1 or 1..31"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "no day of BYMONTHDAY"),
        ("FREQ=WEEKLY;BYDAY=MON", "BYDAY needs days"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL must be"),
        ("FREQ=MONTHLY;COUNT=3;UNTIL=20261231", "COUNT or UNTIL"),
        ("FREQ=MONTHLY;UNTIL=31/12/2026", "UNTIL must look like"),
        ("FREQ=MONTHLY;UNTIL=20260231", "not a real date"),
        ("FREQ=MONTHLY;FREQ=WEEKLY", "given twice"),
        ("FREQ=MONTHLY;COLOR=RED", "unknown part COLOR"),
        ("FREQ=MONTHLY;BYMONTHDAY", "not NAME=VALUE"),
        ("FREQ=DAILY;BYHOUR=8,14", "at most once a day"),
        ("DTSTART:20260101T080000\nRRULE:FREQ=DAILY", "single RRULE line"),
        ("FREQ=MONTHLY;WKST=XX", "WKST must be"),
    ],
)
def test_invalid_rules(rule: str, reason: str) -> None:
    message = validate_rrule(rule)
    assert message is not None
    assert reason in message
    assert "is not a valid recurrence rule" in message
    with pytest.raises(ValueError, match="is not a valid recurrence rule"):
        expand(rule)


# --- secretariat exception rows ----------------------------------------------------------


def test_parse_calendar_exceptions() -> None:
    exceptions, problems = parse_calendar_exceptions(
        [
            (2, {"date": "2026-01-10", "kind": "workday", "note": "Làm bù cho 2/1"}),
            (3, {"date": "02/01/2026", "kind": "nghỉ", "note": "  Nghỉ   bù "}),
            (4, {"date": "2026-03-07", "kind": "Làm bù", "note": ""}),
            (5, {"date": "9.3.2026", "kind": "lam viec"}),
            (6, {"date": "2026-03-12", "kind": "OFF", "note": ""}),
            (7, {"date": "12/03/2026", "kind": "ngày nghỉ", "note": "again"}),  # same kind
        ]
    )
    assert problems == []
    assert exceptions == [
        CalendarException(date(2026, 1, 10), WORKDAY, "Làm bù cho 2/1"),
        CalendarException(date(2026, 1, 2), OFF, "Nghỉ bù"),
        CalendarException(date(2026, 3, 7), WORKDAY, ""),
        CalendarException(date(2026, 3, 9), WORKDAY, ""),
        CalendarException(date(2026, 3, 12), OFF, ""),
    ]


def test_parse_calendar_exception_problems() -> None:
    exceptions, problems = parse_calendar_exceptions(
        [
            (2, {"date": "2026-01-10", "kind": "off"}),
            (3, {"date": "", "kind": ""}),
            (4, {"date": "31/02/2026", "kind": "off"}),
            (5, {"date": "next monday", "kind": "holiday-ish"}),
            (6, {"date": "10/01/2026", "kind": "làm bù"}),  # conflicts with row 2
            (7, {"date": "2026-01-11", "kind": "off", "note": "x" * 256}),
            (8, {"kind": "off"}),
        ]
    )
    assert exceptions == [CalendarException(date(2026, 1, 10), OFF)]
    english = get_translator("en")
    assert [(p.row, p.column, format_problem(p, english)) for p in problems] == [
        (3, "date", "A value is required"),
        (3, "kind", "A kind is required: off (nghỉ) or workday (làm bù)"),
        (4, "date", '"31/02/2026" is not a date of the calendar'),
        (5, "date", '"next monday" is not a date: write YYYY-MM-DD or DD/MM/YYYY'),
        (5, "kind", '"holiday-ish" is not a kind of day: write off (nghỉ) or workday (làm bù)'),
        (6, "kind", "10/01/2026 is already listed as a day off on row 2"),
        (7, "note", "Too long: 256 characters (at most 255)"),
        (8, "date", "A value is required"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10", date(2026, 1, 10)),
        ("10/01/2026", date(2026, 1, 10)),
        ("1/2/2026", date(2026, 2, 1)),
        ("01-02-2026", date(2026, 2, 1)),
        (" 2026-1-5 ", date(2026, 1, 5)),
    ],
)
def test_exception_dates_are_day_first(text: str, expected: date) -> None:
    assert parse_exception_date(text) == expected


@pytest.mark.parametrize("text", ["10/01/26", "2026/01/10", "20260110", "01-13-2026"])
def test_bad_exception_dates(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_exception_date(text)


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
exception_sets = st.dictionaries(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(ExceptionKind),
    max_size=20,
).map(lambda chosen: WorkingCalendar(CalendarException(d, k) for d, k in chosen.items()))


@given(day=days, calendar=exception_sets)
def test_shift_is_idempotent_forward_and_lands_on_a_working_day(
    day: date, calendar: WorkingCalendar
) -> None:
    shifted = shift_date(day, Shift.next_working_day, calendar)
    assert shifted >= day
    assert calendar.is_working_day(shifted)
    assert shift_date(shifted, Shift.next_working_day, calendar) == shifted
    assert all(not calendar.is_working_day(day + timedelta(n)) for n in range((shifted - day).days))


@given(first=days, second=days)
def test_shift_keeps_the_order_of_days(first: date, second: date) -> None:
    low, high = sorted((first, second))
    assert CALENDAR.next_working_day(low) <= CALENDAR.next_working_day(high)


@given(
    split=st.integers(min_value=0, max_value=365 * 2),
    rule=st.sampled_from(
        [RECEPTION_RULE, "FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=SA,MO", "FREQ=DAILY"]
    ),
)
def test_adjacent_windows_add_up_to_the_whole(split: int, rule: str) -> None:
    start, end = date(2026, 1, 1), date(2028, 1, 1)
    middle = start + timedelta(days=split)
    whole = expand(rule, first=start, window=(start, end))
    parts = expand(rule, first=start, window=(start, middle))
    parts += expand(rule, first=start, window=(middle, end))
    assert parts == whole
    assert len({o.starts_at.date() for o in whole}) == len(whole)


# --- round-robin rota --------------------------------------------------------------------

POOL = ("A", "B", "C", "D", "E")


def test_round_robin_takes_n_in_pool_order() -> None:
    assignment = assign_round_robin(POOL, ["k0", "k1", "k2", "k3", "k4", "k5"], 2)
    assert assignment == {
        "k0": ("A", "B"),
        "k1": ("C", "D"),
        "k2": ("E", "A"),
        "k3": ("B", "C"),
        "k4": ("D", "E"),
        "k5": ("A", "B"),
    }


@pytest.mark.parametrize("per_occurrence", [None, 5, 7])
def test_round_robin_everyone_attends(per_occurrence: int | None) -> None:
    assignment = assign_round_robin(POOL, [date(2026, 1, 10), date(2026, 1, 20)], per_occurrence)
    assert set(assignment.values()) == {POOL}


@pytest.mark.parametrize("per_occurrence", [0, -1])
def test_round_robin_needs_at_least_one(per_occurrence: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        assign_round_robin(POOL, [1], per_occurrence)
    with pytest.raises(ValueError, match="at least 1"):
        rota_slot(POOL, 0, per_occurrence)


def test_round_robin_refuses_duplicates() -> None:
    with pytest.raises(ValueError, match="twice in the pool"):
        assign_round_robin(["A", "B", "A"], [1], 1)
    with pytest.raises(ValueError, match="key 1 appears twice"):
        assign_round_robin(POOL, [1, 1], 1)


def test_round_robin_with_an_empty_pool_assigns_nobody() -> None:
    assert assign_round_robin([], [1, 2], 2) == {1: (), 2: ()}


def test_rota_is_stable_when_the_window_moves() -> None:
    first = date(2026, 1, 1)
    everything = expand(RECEPTION_RULE, first=first, window=(first, date(2027, 1, 1)))
    from_start = assign_round_robin(POOL, [o.original_date for o in everything], 2)
    later = expand(RECEPTION_RULE, first=first, window=(date(2026, 7, 1), date(2027, 1, 1)))
    assert later
    for occurrence in later:
        slot = rota_slot(POOL, occurrence.index, 2)
        assert slot == from_start[occurrence.original_date]
    # each delegate is on duty as often as any other over a whole cycle of the pool
    counts = dict.fromkeys(POOL, 0)
    for slot in list(from_start.values())[:20]:
        for member in slot:
            counts[member] += 1
    assert set(counts.values()) == {8}


@given(
    size=st.integers(min_value=1, max_value=12),
    per=st.integers(min_value=1, max_value=15),
    index=st.integers(min_value=0, max_value=10_000),
)
def test_rota_slot_properties(size: int, per: int, index: int) -> None:
    pool = [f"D{n}" for n in range(size)]
    slot = rota_slot(pool, index, per)
    assert len(slot) == min(per, size)
    assert len(set(slot)) == len(slot)
    if per < size:
        nxt = rota_slot(pool, index + 1, per)
        assert pool.index(nxt[0]) == (pool.index(slot[-1]) + 1) % size


def test_a_day_listed_twice_reads_as_the_clerk_wrote_it() -> None:
    """Contract: values as the clerk reads them (02/01/2027, "ngày nghỉ"), never ISO or "off"."""
    _exceptions, problems = parse_calendar_exceptions(
        [(2, {"date": "02/01/2027", "kind": "nghỉ"}), (3, {"date": "2027-01-02", "kind": "làm bù"})]
    )
    vietnamese = get_translator("vi")
    assert [format_problem(p, vietnamese) for p in problems] == [
        "Ngày 02/01/2027 đã được ghi là ngày nghỉ ở dòng 2"
    ]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("off", ExceptionKind.off),
        ("Nghỉ", ExceptionKind.off),
        ("ngay nghi", ExceptionKind.off),
        ("workday", ExceptionKind.workday),
        ("Làm bù", ExceptionKind.workday),
        ("ngày làm việc", ExceptionKind.workday),
    ],
)
def test_a_kind_of_day_in_english_or_vietnamese(cell: str, kind: ExceptionKind) -> None:
    assert parse_exception_kind(cell) is kind


def test_a_wrong_kind_of_day_is_explained_in_vietnamese_only() -> None:
    _exceptions, problems = parse_calendar_exceptions([(2, {"date": "10/01/2026", "kind": "lễ?"})])
    (problem,) = problems
    assert format_problem(problem, get_translator("vi")) == (
        "«lễ?» không phải là loại ngày hợp lệ: ghi «nghỉ» hoặc «làm bù»"
    )
