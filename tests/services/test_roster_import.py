"""Roster import against a real (SQLite) database, and the table reader under it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from sqlmodel import col, func, select

from bot.db import SessionFactory, create_engine, create_session_factory
from bot.models import AuditEntry, Council, Delegate
from bot.services.delegates.roster import (
    AUDIT_ACTION,
    RosterImportResult,
    format_problem,
    format_problem_line,
    import_roster,
)
from bot.services.files.tabular import OLD_EXCEL, Problem, read_table
from tests.database_template import copy_migrated
from tests.services.roster_files import (
    DISTRICT_COUNCIL,
    EN_HEADERS,
    RosterRow,
    district_roster,
    national_phone,
    write_csv,
    write_raw_csv,
    write_xlsx,
)

NOW = datetime(2022, 1, 3, 8, 0, tzinfo=UTC)
LATER = datetime(2022, 2, 1, 9, 30, tzinfo=UTC)
TABLES = ("councils", "delegates", "audit_log")


async def dump(session_factory: SessionFactory) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row of the roster tables, as the database returns it (no ORM)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with session_factory() as session:
        connection = await session.connection()
        for table in TABLES:
            result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            tables[table] = [tuple(row) for row in result]
    return tables


async def delegates_by_code(session_factory: SessionFactory) -> dict[str, Delegate]:
    async with session_factory() as session:
        return {d.code: d for d in await session.exec(select(Delegate))}


async def run(
    session_factory: SessionFactory, path: Path, *, now: datetime = NOW, dry_run: bool = False
) -> RosterImportResult:
    async with session_factory() as session:
        return await import_roster(session=session, path=path, now=now, dry_run=dry_run)


@pytest.fixture
def roster() -> list[RosterRow]:
    return district_roster()


@pytest.fixture
async def other_session_factory(tmp_path: Path) -> AsyncIterator[SessionFactory]:
    """A second, empty migrated database, to compare two imports side by side."""
    await copy_migrated(tmp_path / "other.db")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    yield create_session_factory(engine)
    await engine.dispose()


# --- a whole district --------------------------------------------------------------------


async def test_district_roster_is_created(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster)

    started = time.perf_counter()
    result = await run(session_factory, path)
    elapsed = time.perf_counter() - started

    assert result == RosterImportResult(created=526, councils_created=19)
    assert elapsed < 5, f"526 rows took {elapsed:.2f}s"
    delegates = await delegates_by_code(session_factory)
    assert len(delegates) == 526
    async with session_factory() as session:
        councils = {c.id: c for c in await session.exec(select(Council))}
        audit = list(await session.exec(select(AuditEntry)))
    assert len(councils) == 19
    assert {c.code for c in councils.values()} == {DISTRICT_COUNCIL} | {
        f"ML-X{n:02d}" for n in range(1, 19)
    }
    assert all(c.name == c.code and c.created_at == NOW for c in councils.values())

    first = delegates["ML-H-001"]
    assert (first.full_name, first.level, first.role) == ("Trần Văn Hạnh", "district", "secretary")
    assert councils[first.council_id].code == "ML-H"
    assert first.unit == "Thị trấn Mỹ Lộc"
    assert first.constituency == "Đơn vị bầu cử số 1"
    assert first.phone == national_phone(1)
    assert (first.telegram_user_id, first.language, first.reachable, first.active) == (
        None,
        "vi",
        True,
        True,
    )
    assert first.created_at == first.updated_at == NOW
    # Every way of writing a phone in the file ends up in one form.
    assert {d.phone for d in delegates.values()} == {national_phone(i) for i in range(1, 527)}
    commune_delegates = [d for d in delegates.values() if d.level == "commune"]
    assert len(commune_delegates) == 491
    assert len({d.council_id for d in commune_delegates}) == 18

    [entry] = audit
    assert (entry.actor, entry.action, entry.at) == ("cli", AUDIT_ACTION, NOW)
    assert json.loads(entry.details) == {
        "file": "roster.csv",
        "created": 526,
        "updated": 0,
        "unchanged": 0,
        "councils_created": 19,
    }


async def test_reimporting_the_same_file_changes_nothing(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster)
    await run(session_factory, path)
    before = await dump(session_factory)

    result = await run(session_factory, path, now=LATER)

    assert result == RosterImportResult(unchanged=526)
    assert await dump(session_factory) == before


async def test_xlsx_and_csv_give_the_same_database(
    session_factory: SessionFactory,
    other_session_factory: SessionFactory,
    roster: list[RosterRow],
    tmp_path: Path,
) -> None:
    csv_result = await run(session_factory, write_csv(tmp_path / "roster.csv", roster))
    xlsx_path = write_xlsx(tmp_path / "roster.xlsx", roster, with_second_sheet=True)
    xlsx_result = await run(other_session_factory, xlsx_path)

    assert csv_result == xlsx_result == RosterImportResult(created=526, councils_created=19)
    csv_rows, xlsx_rows = await dump(session_factory), await dump(other_session_factory)
    assert csv_rows["delegates"] == xlsx_rows["delegates"]
    assert csv_rows["councils"] == xlsx_rows["councils"]
    # And the XLSX file read over the CSV import finds every field equal.
    assert await run(session_factory, xlsx_path, now=LATER) == RosterImportResult(unchanged=526)


@pytest.mark.parametrize(
    ("headers", "bom", "delimiter", "line_end"),
    [
        pytest.param("vi", False, ",", "\n", id="vietnamese-headers"),
        pytest.param("en", True, ",", "\n", id="bom"),
        pytest.param("vi", True, ";", "\r\n", id="excel-csv-utf8-semicolon-crlf"),
    ],
)
async def test_csv_variants_import_the_same_data(
    session_factory: SessionFactory,
    roster: list[RosterRow],
    tmp_path: Path,
    headers: Any,
    bom: bool,
    delimiter: str,
    line_end: str,
) -> None:
    path = write_csv(
        tmp_path / "roster.csv",
        roster,
        headers=headers,
        bom=bom,
        delimiter=delimiter,
        line_end=line_end,
    )
    assert await run(session_factory, path) == RosterImportResult(created=526, councils_created=19)
    plain = write_csv(tmp_path / "plain.csv", roster)
    assert await run(session_factory, plain, now=LATER) == RosterImportResult(unchanged=526)


async def test_vietnamese_xlsx_with_vietnamese_keywords(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "danh-sach.xlsx", roster, headers="vi")
    assert await run(session_factory, path) == RosterImportResult(created=526, councils_created=19)
    delegates = await delegates_by_code(session_factory)
    assert delegates["ML-H-001"].role == "secretary"
    assert delegates["ML-X01-001"].level == "commune"


async def test_xlsx_title_block_above_the_header(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    rows = [*roster[:20], replace(roster[20], phone="091")]
    title = "DANH SÁCH ĐẠI BIỂU HĐND HUYỆN MỸ LỘC KHÓA XX, NHIỆM KỲ 2021-2026"
    path = write_xlsx(tmp_path / "danh-sach.xlsx", rows, headers="vi", title=title)

    result = await run(session_factory, path)

    # Title on row 1, blank row 2, header row 3: the 21st delegate is on row 24.
    assert [(p.row, p.column) for p in result.problems] == [(24, "phone")]
    path = write_xlsx(tmp_path / "danh-sach.xlsx", roster[:20], headers="vi", title=title)
    assert await run(session_factory, path) == RosterImportResult(created=20, councils_created=1)


async def test_csv_with_excel_separator_line(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    plain = write_csv(tmp_path / "plain.csv", roster[:3], delimiter=";")
    path = tmp_path / "sep.csv"
    path.write_bytes(b"sep=;\r\n" + plain.read_bytes())
    assert await run(session_factory, path) == RosterImportResult(created=3, councils_created=1)


async def test_unknown_columns_are_reported_as_ignored(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    header = ["STT", "code", "full_name", "council", "level", "Số đt di động", "Ghi chú"]
    rows = [["1", "ML-H-001", "Trần Văn Hạnh", "ML-H", "district", "0912345678", "x"]]
    result = await run(session_factory, write_raw_csv(tmp_path / "r.csv", header, rows))
    assert result == RosterImportResult(
        created=1, councils_created=1, ignored_columns=("STT", "Số đt di động", "Ghi chú")
    )


# --- all or nothing ----------------------------------------------------------------------


def _with_bad_rows(roster: list[RosterRow]) -> list[RosterRow]:
    """Rows 5, 100 and 301 (spreadsheet numbering) broken; row 301 in two ways."""
    rows = list(roster)
    rows[3] = replace(rows[3], phone="0912 34")
    rows[98] = replace(rows[98], level="county")
    rows[299] = replace(rows[299], full_name="  ", council="ML X01")
    return rows


async def test_bad_rows_are_all_reported_and_nothing_is_written(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", _with_bad_rows(roster))

    result = await run(session_factory, path)

    assert not result.ok
    assert (result.created, result.updated, result.unchanged, result.councils_created) == (
        0,
        0,
        0,
        0,
    )
    assert [(p.row, p.column) for p in result.problems] == [
        (5, "phone"),
        (100, "level"),
        (301, "full_name"),
        (301, "council"),
    ]
    assert result.problems[0].params == {"value": "0912 34"}
    assert result.problems[1].params["value"] == "county"
    assert await dump(session_factory) == {table: [] for table in TABLES}


async def test_bad_file_leaves_an_existing_roster_untouched(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "good.csv", roster))
    before = await dump(session_factory)
    # The good rows of this file would update and create; the bad ones stop everything.
    changed = [replace(row, unit="Xã Mỹ Phúc") for row in _with_bad_rows(roster)]
    changed.append(replace(roster[0], code="ML-H-999"))

    result = await run(session_factory, write_csv(tmp_path / "bad.csv", changed), now=LATER)

    assert len(result.problems) == 4
    assert await dump(session_factory) == before


async def test_missing_required_column(session_factory: SessionFactory, tmp_path: Path) -> None:
    header = [name for name in EN_HEADERS if name != "council"]
    path = write_raw_csv(
        tmp_path / "roster.csv", header, [["ML-H-001", "Lê Thị Hoa", "district", "", "", "", ""]]
    )

    result = await run(session_factory, path)

    [problem] = result.problems
    assert (problem.row, problem.column) == (1, "council")
    assert "mã hội đồng" in problem.params["accepted"]
    assert await dump(session_factory) == {table: [] for table in TABLES}


async def test_duplicate_code_is_a_problem_on_the_later_row(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    rows = [*roster[:10], replace(roster[20], code=roster[2].code)]
    result = await run(session_factory, write_csv(tmp_path / "roster.csv", rows))

    [problem] = result.problems
    assert (problem.row, problem.column) == (12, "code")
    assert problem.params == {"code": "ML-H-003", "first_row": "4"}
    assert (
        format_problem_line(problem, str)
        == "row 12, column code: Code ML-H-003 is already used on row 4"
    )
    assert await dump(session_factory) == {table: [] for table in TABLES}


# --- updates -----------------------------------------------------------------------------


async def test_changed_unit_is_an_update_and_links_are_kept(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "v1.csv", roster))
    async with session_factory() as session:
        linked = (await session.exec(select(Delegate).where(Delegate.code == "ML-X02-003"))).one()
        linked.telegram_user_id = 5_000_001
        linked.language = "en"
        linked.reachable = False
        await session.commit()
    before = await delegates_by_code(session_factory)

    moved = {"ML-X02-003", "ML-H-010", "ML-X18-027"}
    rows = [replace(r, unit="Phường Mỹ Xá") if r.code in moved else r for r in roster]
    result = await run(session_factory, write_csv(tmp_path / "v2.csv", rows), now=LATER)

    assert result == RosterImportResult(updated=3, unchanged=523)
    after = await delegates_by_code(session_factory)
    for code, delegate in after.items():
        if code in moved:
            assert delegate.unit == "Phường Mỹ Xá"
            assert delegate.updated_at == LATER
        else:
            assert delegate == before[code]
        assert delegate.created_at == NOW
    kept = after["ML-X02-003"]
    assert (kept.telegram_user_id, kept.language, kept.reachable) == (5_000_001, "en", False)
    async with session_factory() as session:
        audits = list(await session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))
    assert json.loads(audits[-1].details)["updated"] == 3


async def test_delegate_moved_to_a_new_council_and_reactivated(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    rows = roster[:40]
    await run(session_factory, write_csv(tmp_path / "v1.csv", rows))
    async with session_factory() as session:
        inactive = (await session.exec(select(Delegate).where(Delegate.code == "ML-H-002"))).one()
        inactive.active = False
        session.add(inactive)
        await session.commit()

    rows = [replace(rows[0], council="ML-X99"), *rows[1:]]
    result = await run(session_factory, write_csv(tmp_path / "v2.csv", rows), now=LATER)

    assert result == RosterImportResult(updated=2, unchanged=38, councils_created=1)
    delegates = await delegates_by_code(session_factory)
    assert delegates["ML-H-002"].active
    async with session_factory() as session:
        council = (await session.exec(select(Council).where(Council.code == "ML-X99"))).one()
    assert delegates["ML-H-001"].council_id == council.id


async def test_delegates_absent_from_the_file_are_left_alone(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "all.csv", roster))
    before = await delegates_by_code(session_factory)

    result = await run(session_factory, write_csv(tmp_path / "some.csv", roster[:10]), now=LATER)

    assert result == RosterImportResult(unchanged=10)
    assert await delegates_by_code(session_factory) == before


async def test_absent_optional_columns_keep_stored_values(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    await run(session_factory, write_csv(tmp_path / "full.csv", roster[:5]))
    header = ["code", "full_name", "council", "level"]
    rows = [[r.code, r.full_name, r.council, r.level] for r in roster[:5]]
    rows.append(["ML-H-900", "Ngô Thị Ước", "ML-H", "district"])

    result = await run(
        session_factory, write_raw_csv(tmp_path / "min.csv", header, rows), now=LATER
    )

    assert result == RosterImportResult(created=1, unchanged=5)
    delegates = await delegates_by_code(session_factory)
    assert delegates["ML-H-001"].phone == national_phone(1)
    assert delegates["ML-H-001"].role == "secretary"
    new = delegates["ML-H-900"]
    assert (new.unit, new.constituency, new.phone, new.role) == ("", "", "", "delegate")


# --- dry run -----------------------------------------------------------------------------


async def test_dry_run_counts_but_writes_nothing(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster)

    result = await run(session_factory, path, dry_run=True)

    assert result == RosterImportResult(created=526, councils_created=19, dry_run=True)
    assert await dump(session_factory) == {table: [] for table in TABLES}

    await run(session_factory, write_csv(tmp_path / "first.csv", roster[:100]))
    before = await dump(session_factory)
    rows = [replace(roster[0], full_name="Trần Văn Hạnh (Tổ trưởng)"), *roster[1:]]
    result = await run(
        session_factory, write_csv(tmp_path / "next.csv", rows), now=LATER, dry_run=True
    )
    assert result == RosterImportResult(
        created=426, updated=1, unchanged=99, councils_created=15, dry_run=True
    )
    assert await dump(session_factory) == before


async def test_dry_run_reports_problems_like_a_real_run(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "roster.csv", _with_bad_rows(roster))
    dry = await run(session_factory, path, dry_run=True)
    real = await run(session_factory, path)
    assert dry.problems == real.problems
    assert len(dry.problems) == 4


# --- files that are not rosters ------------------------------------------------------------


async def test_unreadable_files_are_problems(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    cases = {
        "roster.xls": b"\xd0\xcf\x11\xe0",
        "roster.txt": b"code,full_name\n",
        "empty.csv": b"",
        "blank.csv": b"\r\n ,\r\n",
        "cp1258.csv": "code,full_name,council,level\nA,Lê Văn Tám,X,district\n".encode("cp1258"),
        "broken.xlsx": b"PK\x03\x04 not really a zip",
        "header-only.csv": b"code,full_name,council,level\n",
    }
    expected = {
        "roster.xls": OLD_EXCEL,
        "roster.txt": 'Unsupported file type ".txt": use a .csv or .xlsx file',
        "empty.csv": "The file is empty",
        "blank.csv": "The file is empty",
        "cp1258.csv": ('The file is not UTF-8 text (bad byte on line 2); save it as "CSV UTF-8"'),
        "broken.xlsx": None,
        "header-only.csv": "The file has a header row but no data rows",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = await run(session_factory, path)
        [problem] = result.problems
        assert problem.row is None
        text = format_problem(problem, str)
        if expected[name] is None:
            assert text.startswith("The file cannot be opened as an Excel workbook"), text
            assert "zip" not in text  # the library's English reason is not shown
        else:
            assert text == expected[name]
    missing = await run(session_factory, tmp_path / "nowhere.csv")
    assert format_problem(missing.problems[0], str).startswith("Cannot read the file: ")
    assert await dump(session_factory) == {table: [] for table in TABLES}


# --- the table reader --------------------------------------------------------------------

ALIASES = {"code": ("mã",), "name": ("họ tên", "full name"), "phone": ("số điện thoại",)}


def test_reader_rows_keep_spreadsheet_numbers_and_skip_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        '\n\n STT ; Mã ;"Họ  Tên";ghi chú\r\n'
        "1;A1; Lê  Văn Tám ;x\r\n"
        ";;;\r\n"
        '3;"A;3";"Hai\ndòng";\r\n'
        "4;;;chỉ ghi chú\r\n",
        encoding="utf-8",
    )
    table, problems = read_table(path, aliases=ALIASES, required=("code", "name"))
    assert problems == []
    assert table.columns == ("code", "name")
    assert table.ignored_columns == ("STT", "ghi chú")
    assert [(row.number, dict(row.values)) for row in table.rows] == [
        (4, {"code": "A1", "name": "Lê  Văn Tám"}),
        (6, {"code": "A;3", "name": "Hai\ndòng"}),
    ]


def test_reader_header_matching_ignores_case_spacing_and_accents(tmp_path: Path) -> None:
    # "Ho ten" without accents, decomposed (NFD) "Số điện thoại", upper-case "MÃ".
    path = write_raw_csv(
        tmp_path / "t.csv",
        ["MÃ", "Ho_ten", "So\u0302\u0301 \u0111ie\u0323\u0302n thoa\u0323i"],
        [["A", "B", "0912345678"]],
    )
    table, problems = read_table(path, aliases=ALIASES)
    assert problems == []
    assert table.rows[0].values == {"code": "A", "name": "B", "phone": "0912345678"}


def test_reader_duplicate_column(tmp_path: Path) -> None:
    path = write_raw_csv(tmp_path / "t.csv", ["code", "Họ tên", "full name"], [["A", "B", "C"]])
    table, problems = read_table(path, aliases=ALIASES)
    assert table.rows == ()
    assert problems == [
        Problem(
            1,
            "name",
            'Column {column} appears more than once ("{first}" and "{second}")',
            {"column": "name", "first": "Họ tên", "second": "full name"},
        )
    ]


def test_reader_xlsx_cells_as_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Code", "Name", "Phone", "Born"])
    sheet.append([1001, "  Đỗ Thị Ước ", 912345678.0, datetime(1975, 4, 30)])
    sheet.append([None, None, None, None])
    sheet.append([1002.5, True, 84912345678, date(2022, 1, 10)])
    sheet.append(["x", "y", "z", datetime(2022, 1, 10, 8, 30)])
    path = tmp_path / "t.xlsx"
    workbook.save(path)

    table, problems = read_table(
        path, aliases={"code": (), "name": (), "phone": (), "born": ()}, required=("code",)
    )

    assert problems == []
    assert [(row.number, dict(row.values)) for row in table.rows] == [
        (2, {"code": "1001", "name": "Đỗ Thị Ước", "phone": "912345678", "born": "1975-04-30"}),
        (4, {"code": "1002.5", "name": "TRUE", "phone": "84912345678", "born": "2022-01-10"}),
        (5, {"code": "x", "name": "y", "phone": "z", "born": "2022-01-10 08:30"}),
    ]


def test_format_problem_translates_only_the_text() -> None:
    problem = Problem(7, "phone", '"{value}" is bad', {"value": "12"})
    vietnamese = {'"{value}" is bad': '"{value}" không hợp lệ'}

    def _(message: str) -> str:
        return vietnamese.get(message, message)

    assert format_problem(problem, _) == '"12" không hợp lệ'
    assert format_problem_line(problem, _) == 'row 7, column phone: "12" không hợp lệ'
    assert format_problem_line(replace(problem, column=None), _) == 'row 7: "12" không hợp lệ'
    assert format_problem_line(replace(problem, row=None, column=None), _) == '"12" không hợp lệ'
    broken = {'"{value}" is bad': '"{gia_tri}" không hợp lệ'}
    assert format_problem(problem, lambda m: broken.get(m, m)) == '"12" is bad'


async def test_counting_queries_do_not_grow_with_rows(
    session_factory: SessionFactory, roster: list[RosterRow], tmp_path: Path
) -> None:
    """The import loads what exists in a few queries, not one per row."""
    from sqlalchemy import event

    await run(session_factory, write_csv(tmp_path / "a.csv", roster))
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    async with session_factory() as session:
        engine = (await session.connection()).engine
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        result = await run(session_factory, write_csv(tmp_path / "b.csv", roster), now=LATER)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert result.unchanged == 526
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4, selects
    async with session_factory() as session:
        count = (await session.exec(select(func.count()).select_from(Delegate))).one()
    assert count == 526
