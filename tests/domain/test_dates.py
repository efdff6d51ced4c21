"""Times, dates and lead times the way a council office writes them (vi) and in English."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.dates import (
    format_as_written,
    format_clock,
    format_clock_24h,
    format_date,
    format_date_time,
    format_day_month,
    format_entry_time,
    format_entry_when,
    format_file_moment,
    format_ical,
    format_lead_time,
    format_month_key,
    format_time_range,
    format_until,
)

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 10, 7, 30, tzinfo=ZONE)  # a Thursday
END = datetime(2026, 12, 10, 11, 0, tzinfo=ZONE)
DUE = datetime(2026, 11, 9, 17, 0, tzinfo=ZONE)  # a Monday


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant given on the council's wall clock in December 2026, as UTC."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=ZONE).astimezone(UTC)


def test_vietnamese_hours_are_written_7h30_english_keeps_the_24_hour_clock() -> None:
    assert format_clock(START, "vi") == "7h30"
    assert format_clock(datetime(2026, 12, 10, 14, 0, tzinfo=ZONE), "vi") == "14h00"
    assert format_clock(START, "en") == "07:30"
    assert format_time_range(START, END, "vi") == "7h30–11h00"
    assert format_time_range(START, END, "en") == "07:30–11:00"
    assert format_time_range(START, None, "vi") == "7h30"
    overnight = datetime(2026, 12, 11, 9, 0, tzinfo=ZONE)
    assert format_time_range(START, overnight, "vi") == "7h30 đến 9h00 ngày 11/12"
    assert format_time_range(START, overnight, "en") == "07:30 to 09:00 on 11/12"


def test_the_time_comes_before_the_day_in_vietnamese() -> None:
    assert format_entry_when("reception", START, END, "vi") == "7h30–11h00 Thứ Năm, 10/12/2026"
    assert format_entry_when("reception", START, END, "en") == "Thursday, 10/12/2026, 07:30–11:00"
    sunday = datetime(2026, 12, 13, 8, 0, tzinfo=ZONE)
    assert format_entry_when("other", sunday, None, "vi") == "8h00 Chủ nhật, 13/12/2026"


def test_a_deadline_reads_due_before() -> None:
    assert format_entry_when("deadline", DUE, None, "vi") == "Hạn: trước 17h00 Thứ Hai, 09/11/2026"
    assert format_entry_when("deadline", DUE, None, "en") == "Due: Monday, 09/11/2026, by 17:00"
    assert format_entry_time("deadline", DUE, None, "vi") == "trước 17h00"
    # a deadline given with an end is a working session like any other
    ends = DUE + timedelta(hours=1)
    assert format_entry_when("deadline", DUE, ends, "vi") == "17h00–18h00 Thứ Hai, 09/11/2026"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(local(7, 7, 30), "còn 3 ngày", id="three-days"),
        pytest.param(local(7, 23, 0), "còn 3 ngày", id="calendar-days-not-hours"),
        pytest.param(local(9, 7, 30), "ngày mai", id="the-day-before"),
        pytest.param(local(9, 17, 0), "ngày mai", id="tomorrow-14-hours-ahead"),
        pytest.param(local(9, 23, 59), "ngày mai", id="tomorrow-just-before-midnight"),
        pytest.param(local(10, 0, 0), "hôm nay, còn 7 giờ 30 phút", id="midnight"),
        pytest.param(local(10, 5, 30), "hôm nay, còn 2 giờ", id="today"),
        pytest.param(local(10, 7, 15), "hôm nay, còn 15 phút", id="minutes"),
        pytest.param(local(10, 7, 29) + timedelta(seconds=30), "còn dưới 1 phút", id="seconds"),
        pytest.param(local(10, 7, 31), "đã bắt đầu", id="begun"),
    ],
)
def test_how_far_off_by_the_councils_calendar(now: datetime, expected: str) -> None:
    assert format_until(START, now, "vi") == expected


def test_how_far_off_in_english() -> None:
    assert format_until(START, local(7, 7, 30), "en") == "in 3 days"
    assert format_until(START, local(9, 17, 0), "en") == "tomorrow"
    assert format_until(START, local(10, 5, 30), "en") == "today, in 2 hour(s)"
    assert format_until(START, local(10, 7, 29, 59), "en") == "in less than a minute"


def test_lead_times_of_the_settings_never_say_now() -> None:
    assert format_lead_time(timedelta(days=3), "vi") == "3 ngày"
    assert format_lead_time(timedelta(hours=2), "vi") == "2 giờ"
    assert format_lead_time(timedelta(days=1, hours=4), "vi") == "1 ngày 4 giờ"
    assert format_lead_time(timedelta(seconds=20), "vi") == "dưới 1 phút"
    assert "ngay bây giờ" not in format_lead_time(timedelta(0), "vi")


def test_the_forms_without_a_language() -> None:
    moment = datetime(2026, 12, 7, 8, 4, tzinfo=ZONE)
    assert format_date(moment.date()) == "07/12/2026"
    assert format_day_month(moment) == "07/12"
    assert format_clock_24h(moment) == "08:04"
    assert format_date_time(moment) == "07/12/2026 08:04"
    assert format_file_moment(moment) == "2026-12-07 08:04"
    assert format_as_written(moment) == "07/12/2026 8h04"
    assert format_month_key(moment.date()) == "2026-12"
    assert format_ical(date(2026, 12, 31)) == "20261231"
    assert format_ical(date(2026, 12, 31), time(7, 30), utc=True) == "20261231T073000Z"


STRFTIME_SPEC = re.compile(r"\{[^{}]*:[^{}]*%[a-zA-Z]")
"""``"{:%d/%m}".format(...)``: strftime by another name."""


def _date_formatting(tree: ast.AST) -> list[int]:
    """Lines that format a date or time by hand: ``strftime``, an f-string's
    ``{day:%d/%m}``, ``format(day, "%d")`` or a ``"{:%d}"`` template."""
    found = []
    # SQLite's own strftime (``func.strftime("%s", column)``) computes in the database,
    # it writes nothing for people: its node and its arguments are not counted.
    in_sql = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "strftime"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "func"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in in_sql:
            continue
        if isinstance(node, ast.Attribute) and node.attr == "strftime":
            found.append(node.lineno)
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = ast.unparse(node.format_spec)
            if "%" in spec:
                found.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "format"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
            and "%" in str(node.args[1].value)
        ) or (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and STRFTIME_SPEC.search(node.value)
        ):
            found.append(node.lineno)
    return found


def test_no_module_formats_dates_without_the_helpers() -> None:
    """One place writes dates and times for people (``bot/domain/dates.py``): a new
    screen cannot invent its own form of a date.

    ``isoformat()`` is not looked for here: it is the machine format (JSON, CSV, keys),
    exempt by the rule in ``bot/domain/dates.py``'s docstring; the next test keeps it
    away from the texts people read."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("bot", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "bot" / "domain" / "dates.py"
        for line in _date_formatting(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


HUMAN_TEXTS = ("bot/messages", "bot/telegram")
"""Where the texts and keyboards people read are made."""


def _iso_formatting(tree: ast.AST) -> list[int]:
    """Lines that write ISO 8601 (``day.isoformat()``, ``moment.isoformat(sep=" ")``)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "isoformat"
    ]


def test_iso_dates_are_for_machines_not_for_people() -> None:
    """ISO 8601 is the machine format (``bot/domain/dates.py``): a handler or a text
    that shows a date uses the helpers, not ``isoformat()``."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in HUMAN_TEXTS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line in _iso_formatting(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []
    seen = _iso_formatting(ast.parse("f'{day.isoformat()}'\nday.isoformat(sep=' ')"))
    assert sorted(seen) == [1, 2]  # the guard sees it in an f-string and in a call
    assert _iso_formatting(ast.parse("format_date(day)")) == []


@pytest.mark.parametrize(
    "source",
    [
        'day.strftime("%d/%m/%Y")',
        'f"{day:%d/%m}"',
        'format(day, "%Y")',
        '"{:%d/%m/%Y}".format(day)',
        "f\"{moment:{'%H:%M'}}\"",
    ],
)
def test_the_guard_sees_each_way_of_formatting_a_date(source: str) -> None:
    assert _date_formatting(ast.parse(source)) == [1]


def test_the_guard_leaves_sqls_strftime_alone() -> None:
    sql = ast.parse('cast(func.strftime("%s", column), Integer)\nday.strftime("%d")\n')
    assert _date_formatting(sql) == [2]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "từ 7h30 Thứ Sáu, 18/12/2026 đến 17h00 Thứ Bảy, 19/12/2026"),
        ("en", "from Friday, 18/12/2026, 07:30 to Saturday, 19/12/2026, 17:00"),
    ],
)
def test_an_event_over_two_days_names_both(language: str, expected: str) -> None:
    from bot.domain.dates import format_when

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime(2026, 12, 18, 7, 30, tzinfo=zone)
    assert format_when(start, start.replace(day=19, hour=17, minute=0), language) == expected
    assert format_when(start, start.replace(hour=11), "vi") == "7h30–11h30 Thứ Sáu, 18/12/2026"
