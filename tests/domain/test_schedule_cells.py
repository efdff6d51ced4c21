"""Date and time cells of a schedule file, written the ways an office writes them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.domain.schedule import parse_date, parse_local_datetime
from bot.domain.tables import InvalidValue


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-12-10 07:30", datetime(2026, 12, 10, 7, 30)),
        ("10/12/2026 07:30", datetime(2026, 12, 10, 7, 30)),
        ("10/12/2026 7h30", datetime(2026, 12, 10, 7, 30)),
        ("10/12/2026 7h", datetime(2026, 12, 10, 7, 0)),
        ("10/12/2026 14H00", datetime(2026, 12, 10, 14, 0)),
        ("2026-12-10 7:30", datetime(2026, 12, 10, 7, 30)),
        ("2026-12-10T07:30:00", datetime(2026, 12, 10, 7, 30)),
        ("  10/12/2026   7h30 ", datetime(2026, 12, 10, 7, 30)),
    ],
)
def test_times_as_offices_write_them(cell: str, expected: datetime) -> None:
    assert parse_local_datetime(cell) == expected


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("31/11/2026 08:00", "is not a date of the calendar"),
        ("29/02/2027 08:00", "is not a date of the calendar"),
        ("10/12/2026 25h", "is not a date and time"),
        ("10/12/2026 7h75", "is not a date and time"),
        ("10/12/2026", "has no time"),
        ("hôm nay 7h", "is not a date and time"),
    ],
)
def test_impossible_dates_and_times_say_so(cell: str, fragment: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_local_datetime(cell)
    assert fragment in caught.value.message


def test_dates_day_first_and_dates_that_do_not_exist() -> None:
    assert parse_date("10/12/2026") == date(2026, 12, 10)
    assert parse_date("2026-12-10 00:00:00") == date(2026, 12, 10)
    with pytest.raises(InvalidValue) as caught:
        parse_date("31/11/2026")
    assert "is not a date of the calendar" in caught.value.message


@pytest.mark.parametrize(
    "cell", ["unit:Thôn Đông", "đơn vị:Thôn Đông", "Đơn vị: Thôn Đông", "don vi:Thôn Đông"]
)
def test_a_unit_is_named_in_english_or_vietnamese(cell: str) -> None:
    from bot.domain.schedule_cells import DelegateSelection, parse_delegates

    assert parse_delegates(cell) == DelegateSelection(unit="Thôn Đông")


def test_all_in_english_or_vietnamese() -> None:
    from bot.domain.schedule_cells import DelegateSelection, parse_delegates

    assert parse_delegates("tất cả") == parse_delegates("all") == DelegateSelection(everyone=True)
