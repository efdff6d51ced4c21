"""Property tests: whatever the bytes or the cells, file readers answer with problems.

For every file the bot or the CLI reads (roster, schedule, calendar days) through
:func:`bot.services.files.tabular.read_table` and the domain checkers behind it: arbitrary
bytes as ``.csv`` and as ``.xlsx``, damaged workbooks, and arbitrary cell text never
raise anything but return :class:`~bot.domain.tables.Problem`\\ s, each in under a second.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.calendar import (
    CALENDAR_EXCEPTION_ALIASES,
    CALENDAR_EXCEPTION_REQUIRED,
    parse_calendar_exceptions,
)
from bot.domain.roster import ROSTER_ALIASES, ROSTER_REQUIRED, validate_roster
from bot.domain.schedule import (
    SCHEDULE_ALIASES,
    SCHEDULE_REQUIRED,
    row_audiences,
    validate_schedule,
)
from bot.domain.tables import Problem, TableRow, format_problem
from bot.i18n import get_translator
from bot.services.files.tabular import Table, read_table
from tests.services import hostile_files

QUICK = 1.0  # seconds
PROPERTIES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VI = get_translator("vi")

FORMATS: Mapping[str, tuple[Mapping[str, tuple[str, ...]], tuple[str, ...]]] = {
    "roster": (ROSTER_ALIASES, ROSTER_REQUIRED),
    "schedule": (SCHEDULE_ALIASES, SCHEDULE_REQUIRED),
    "calendar": (CALENDAR_EXCEPTION_ALIASES, CALENDAR_EXCEPTION_REQUIRED),
}
Checker = Callable[[list[TableRow]], list[Problem]]


def _schedule(rows: list[TableRow]) -> list[Problem]:
    row_audiences(rows)
    return validate_schedule(rows)[1]


CHECKERS: Mapping[str, Checker] = {
    "roster": lambda rows: validate_roster(rows)[1],
    "schedule": _schedule,
    "calendar": lambda rows: parse_calendar_exceptions((r.number, r.values) for r in rows)[1],
}


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    assert elapsed < QUICK, f"{what}: {elapsed:.2f}s"


def assert_problems(problems: list[Problem]) -> None:
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert len(format_problem(problem, VI)) < 2_000


def read_bytes(content: bytes, suffix: str, kind: str) -> tuple[Table, list[Problem]]:
    aliases, required = FORMATS[kind]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(content)
        with timed(f"{kind}{suffix}"):
            table, problems = read_table(path, aliases=aliases, required=required)
    assert_problems(problems)
    if problems:
        assert table.rows == ()
    return table, problems


def check_rows(kind: str, rows: list[TableRow]) -> None:
    with timed(f"checking {kind}"):
        problems = CHECKERS[kind](rows)
    assert_problems(problems)


KINDS = st.sampled_from(sorted(FORMATS))


# --- arbitrary bytes ------------------------------------------------------------------------


@PROPERTIES
@given(kind=KINDS, content=st.binary(max_size=4_096))
def test_arbitrary_bytes_as_csv(kind: str, content: bytes) -> None:
    table, _problems = read_bytes(content, ".csv", kind)
    check_rows(kind, list(table.rows))


@PROPERTIES
@given(kind=KINDS, content=st.binary(max_size=4_096))
@example(kind="schedule", content=b"PK\x03\x04" + b"\x00" * 64)
@example(kind="schedule", content=b"PK\x05\x06" + b"\xff" * 18)
def test_arbitrary_bytes_as_xlsx(kind: str, content: bytes) -> None:
    table, _problems = read_bytes(content, ".xlsx", kind)
    check_rows(kind, list(table.rows))


@cache
def _sample_workbook() -> bytes:
    rows = "".join(
        f'<row r="{n}">'
        + "".join(
            f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{text}</t></is></c>'
            for i, text in enumerate(("reception", "Tiếp công dân", "2026-12-10 07:30", "HDND-ML"))
        )
        + "</row>"
        for n in range(2, 6)
    )
    return hostile_files.workbook_bytes(hostile_files.header_row() + rows)


@PROPERTIES
@given(
    kind=KINDS,
    changes=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8
    ),
    cut=st.none() | st.integers(min_value=0),
)
def test_damaged_workbooks(kind: str, changes: list[tuple[int, int]], cut: int | None) -> None:
    content = bytearray(_sample_workbook())
    for position, value in changes:
        content[position % len(content)] = value
    if cut is not None:
        content = content[: cut % len(content)]
    table, _problems = read_bytes(bytes(content), ".xlsx", kind)
    check_rows(kind, list(table.rows))


# --- arbitrary cells --------------------------------------------------------------------------

NUMBERISH = st.text(
    alphabet=st.characters(categories=["Nd", "No", "Nl"]) | st.sampled_from("+-.,/: T0123456789"),
    max_size=20,
)
RULE_PARTS = st.sampled_from(
    [
        "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST", "BYMONTH", "BYMONTHDAY",
        "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYHOUR", "BYMINUTE", "BYSECOND", "RRULE:FREQ",
    ]
)  # fmt: skip
RULE_VALUES = st.one_of(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MO", "5FR", "-1SU", "0TU"]),
    st.integers(min_value=-400, max_value=400).map(str),
    st.lists(st.integers(min_value=-60, max_value=60).map(str), min_size=1, max_size=4).map(
        ",".join
    ),
    NUMBERISH,
    st.text(max_size=12),
)
RULES = st.lists(st.tuples(RULE_PARTS, RULE_VALUES).map("=".join), min_size=1, max_size=6).map(
    ";".join
)
CELL = st.one_of(st.text(max_size=300), NUMBERISH, st.text(max_size=3).map(lambda t: t * 400))


def cells_for(kind: str) -> st.SearchStrategy[dict[str, str]]:
    columns = sorted(FORMATS[kind][0])
    strategies: dict[str, st.SearchStrategy[str]] = dict.fromkeys(columns, CELL)
    if kind == "schedule":
        strategies["recurrence"] = st.one_of(RULES, CELL)
    return st.fixed_dictionaries(strategies)


@st.composite
def table_rows(draw: st.DrawFn) -> tuple[str, list[TableRow]]:
    kind = draw(KINDS)
    rows = draw(st.lists(cells_for(kind), min_size=1, max_size=5))
    return kind, [TableRow(number=n, values=values) for n, values in enumerate(rows, start=2)]


@PROPERTIES
@given(table_rows())
@example(("schedule", [TableRow(2, {"per_occurrence": "²"})]))
@example(("schedule", [TableRow(2, {"starts_at": "0001-01-01 00:00", "recurrence": "FREQ=DAILY"})]))
@example(("schedule", [TableRow(2, {"recurrence": "FREQ=DAILY;INTERVAL=²"})]))
@example(("calendar", [TableRow(2, {"date": "31/12/9999", "kind": "off"})]))
def test_arbitrary_cells(case: tuple[str, list[TableRow]]) -> None:
    kind, rows = case
    check_rows(kind, rows)


def _csv_bytes(kind: str, rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, sorted(FORMATS[kind][0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _xlsx_bytes(kind: str, rows: list[dict[str, str]]) -> bytes:
    columns = sorted(FORMATS[kind][0])
    header = hostile_files.header_row(1, tuple(columns))
    body = "".join(
        f'<row r="{n}">'
        + "".join(
            f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{escape(row[column])}</t></is></c>'
            for i, column in enumerate(columns)
        )
        + "</row>"
        for n, row in enumerate(rows, start=2)
    )
    return hostile_files.workbook_bytes(header + body)


@PROPERTIES
@given(
    kind=KINDS,
    data=st.data(),
    writer=st.sampled_from([(".csv", _csv_bytes), (".xlsx", _xlsx_bytes)]),
)
def test_arbitrary_cells_through_files(kind: str, data: st.DataObject, writer: Any) -> None:
    suffix, write = writer
    rows = data.draw(st.lists(cells_for(kind), min_size=1, max_size=5))
    try:
        content = write(kind, rows)
    except UnicodeEncodeError:  # a lone surrogate cannot be written to a file at all
        return
    table, _problems = read_bytes(content, suffix, kind)
    check_rows(kind, list(table.rows))
