"""Repeat rules that never match: refused up front, or expanded within a hard bound.

dateutil looks for the next date period by period and checks UNTIL and COUNT only on a
match, so a rule that matches nothing walks to the year 9999 (seconds per rule, on
every import and every horizon run). These rules must be answered in well under a
second: refused when the combination is impossible, and otherwise expanded no further
than the window asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import Shift, WorkingCalendar, expand_occurrences, validate_rrule
from bot.domain.schedule import validate_schedule
from bot.domain.tables import TableRow, format_problem
from bot.i18n import get_translator

VN = ZoneInfo("Asia/Ho_Chi_Minh")
QUICK = 10.0
"""Seconds. Not a performance claim (bench/ holds those): an unbounded search over a rule
that never matches would take minutes or hang, so a generous bound on a loaded 2-core
machine still tells the two apart."""
T = TypeVar("T")

IMPOSSIBLE = [
    ("FREQ=DAILY;BYYEARDAY=1;BYMONTH=2", "BYYEARDAY"),
    ("FREQ=YEARLY;BYYEARDAY=32;BYMONTHDAY=5", "BYYEARDAY"),
    ("FREQ=MONTHLY;BYYEARDAY=-1;BYMONTH=1,6", "BYYEARDAY"),
    ("FREQ=YEARLY;BYWEEKNO=1;BYMONTH=6", "BYWEEKNO"),
    ("FREQ=DAILY;BYSETPOS=2", "BYSETPOS"),
    ("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3", "BYSETPOS"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "BYSETPOS"),
    ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY"),
    ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY"),
    ("FREQ=YEARLY;BYDAY=54FR", "BYDAY"),
    ("FREQ=DAILY;INTERVAL=100000000", "INTERVAL"),
    ("FREQ=DAILY;COUNT=99999999999999999999", "COUNT"),
]


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@pytest.mark.parametrize(("rule", "part"), IMPOSSIBLE)
def test_impossible_rules_are_refused_quickly(rule: str, part: str) -> None:
    message, elapsed = timed(lambda: validate_rrule(rule))
    assert elapsed < QUICK, f"{rule}: {elapsed:.2f}s"
    assert message is not None, rule
    assert "is not a valid recurrence rule" in message
    assert part in message


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=5FR",  # only some months have a fifth Friday
        "FREQ=YEARLY;BYDAY=53MO",
        "FREQ=YEARLY;BYMONTH=2;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",  # last working day of the month
        "FREQ=YEARLY;BYYEARDAY=366",  # 31 December of leap years
        "FREQ=YEARLY;BYYEARDAY=60;BYMONTH=2,3;BYMONTHDAY=29,1",  # 29 Feb or 1 Mar
        "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=1,12",
        "FREQ=YEARLY;BYWEEKNO=-1;BYMONTH=12",
        "FREQ=DAILY;BYSETPOS=1",
        "FREQ=DAILY;INTERVAL=1000",
    ],
)
def test_rules_that_do_match_are_still_accepted(rule: str) -> None:
    assert validate_rrule(rule) is None


NEVER_FROM_A_TUESDAY = [
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO",  # every 7 days from a Tuesday is always a Tuesday
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO;UNTIL=20261231",
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=3",
    "FREQ=DAILY;INTERVAL=14;BYDAY=MO;UNTIL=99991231",
]
TUESDAY = date(2026, 1, 6)


@pytest.mark.parametrize("rule", NEVER_FROM_A_TUESDAY)
def test_expanding_a_rule_that_never_matches_stops_at_the_window(rule: str) -> None:
    assert validate_rrule(rule) is None  # a Monday start would match

    def expand() -> list[object]:
        return list(
            expand_occurrences(
                start=datetime.combine(TUESDAY, clock(8), VN),
                end=datetime.combine(TUESDAY, clock(11), VN),
                rrule=rule,
                until=None,
                shift=Shift.next_working_day,
                calendar=WorkingCalendar(),
                window_start=datetime(2026, 1, 1, tzinfo=VN),
                window_end=datetime(2026, 6, 1, tzinfo=VN),
            )
        )

    occurrences, elapsed = timed(expand)
    assert occurrences == []
    assert elapsed < QUICK / 5, f"{rule}: {elapsed:.2f}s"


def test_expansion_is_exact_up_to_the_window_end() -> None:
    # A sparse rule (29 February) is found years after the start, and nothing is lost
    # because the walk is bounded.
    occurrences = expand_occurrences(
        start=datetime(2025, 3, 1, 8, tzinfo=VN),
        end=None,
        rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
        until=None,
        shift=Shift.none,
        calendar=WorkingCalendar(),
        window_start=datetime(2025, 1, 1, tzinfo=VN),
        window_end=datetime(2032, 3, 1, tzinfo=VN),
    )
    assert [o.original_date for o in occurrences] == [date(2028, 2, 29), date(2032, 2, 29)]
    assert [o.index for o in occurrences] == [0, 1]


def row(number: int, **cells: str) -> TableRow:
    values = {
        "kind": "reception",
        "title": f"Tiếp công dân {number}",
        "starts_at": "2026-01-06 08:00",  # a Tuesday
        "ends_at": "2026-01-06 11:00",
        "council": "HDND-ML",
        "delegates": "ML-001",
    }
    values.update(cells)
    return TableRow(number=number, values=values)


@pytest.mark.parametrize(
    "cells",
    [
        {"recurrence": "FREQ=DAILY;INTERVAL=7;BYDAY=MO"},
        {"recurrence": "FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=4"},
        {"recurrence": "FREQ=MONTHLY;BYMONTHDAY=31", "until": "2026-01-30"},
        {"recurrence": "FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20260130"},
    ],
)
def test_a_rule_with_no_date_in_its_span_is_a_row_problem(cells: dict[str, str]) -> None:
    (entries, problems), elapsed = timed(lambda: validate_schedule([row(2), row(3, **cells)]))
    assert elapsed < QUICK
    assert [entry.row for entry in entries] == [2]
    assert [(p.row, p.column) for p in problems] == [(3, "recurrence")]
    text = format_problem(problems[0], get_translator("vi"))
    assert "06/01/2026" in text  # the dates as the clerk reads them


def test_a_file_of_rules_that_never_match_is_checked_quickly() -> None:
    rows = [
        row(n, recurrence="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;UNTIL=20991231")
        for n in range(2, 202)
    ]
    (entries, problems), elapsed = timed(lambda: validate_schedule(rows))
    assert entries == []
    assert len(problems) == 200
    assert elapsed < QUICK, f"{elapsed:.2f}s"
