"""Hostile spreadsheets are refused quickly, with a problem, never an exception.

Every case here was built to hurt the reader: a workbook of a few hundred bytes whose
only row is numbered a million (or a billion), zip members that inflate a
thousandfold, an XML entity bomb, sheets wider than any schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import openpyxl.xml
import pytest

from bot.domain.schedule import SCHEDULE_ALIASES, SCHEDULE_REQUIRED
from bot.domain.tables import Problem
from bot.services.files.tabular import Table, read_table
from tests.services import hostile_files

ROW_LIMIT = 20_000
# CPU seconds of this process: what a hostile file costs the bot, whatever else the
# machine is running (wall-clock limits failed under a loaded CI machine).
QUICK = 1.0


def read(path: Path) -> tuple[Table, list[Problem], float]:
    started = time.process_time()
    table, problems = read_table(path, aliases=SCHEDULE_ALIASES, required=SCHEDULE_REQUIRED)
    return table, problems, time.process_time() - started


@cache
def bomb(name: str) -> bytes:
    builders: dict[str, Callable[[], bytes]] = {
        "row-1e6": lambda: hostile_files.far_row_bomb(1_000_000),
        "row-1e9": lambda: hostile_files.far_row_bomb(1_000_000_000),
        "sst-60MB": lambda: hostile_files.shared_strings_bomb(60_000_000),
        "sst-ratio-1000": lambda: hostile_files.shared_strings_bomb(20_000_000),
        "entities": hostile_files.entity_bomb,
        "members-1500": lambda: hostile_files.many_members(1_500),
        "400k shared strings": lambda: hostile_files.many_shared_strings(400_000),
        "320k cells": lambda: hostile_files.many_cells(16_000, 20),
        "12 MB of styles": lambda: hostile_files.styles_bomb(250_000),
    }
    return builders[name]()


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize(
    "name",
    [
        "row-1e6",
        "row-1e9",
        "sst-60MB",
        "sst-ratio-1000",
        "entities",
        "members-1500",
    ],
)
def test_bombs_are_refused_quickly_with_a_problem(name: str, tmp_path: Path) -> None:
    content = bomb(name)
    assert len(content) < 200_000  # each is tiny on disk
    table, problems, elapsed = read(hostile_files.write(tmp_path / "bomb.xlsx", content))
    assert problems, f"{name}: read {len(table.rows)} rows without a problem"
    assert table.rows == ()
    assert elapsed < QUICK, f"{name}: {elapsed:.2f}s"


@pytest.mark.parametrize(
    ("name", "limit"),
    [("400k shared strings", "300.000"), ("320k cells", "300.000"), ("12 MB of styles", "10")],
)
def test_workbooks_with_too_much_to_parse_are_refused_quickly(
    name: str, limit: str, tmp_path: Path
) -> None:
    data = bomb(name)
    assert len(data) < 5 * 1024 * 1024  # small enough to be sent to the bot
    table, problems, elapsed = read(hostile_files.write(tmp_path / "cells.xlsx", data))
    assert table.rows == ()
    assert [p.params.get("limit") for p in problems] == [limit]
    assert elapsed < QUICK, f"{elapsed:.2f}s"


def test_far_row_is_a_row_problem_naming_the_limit(tmp_path: Path) -> None:
    path = hostile_files.write(tmp_path / "far.xlsx", bomb("row-1e6"))
    _table, problems, _elapsed = read(path)
    (problem,) = problems
    assert problem.row == ROW_LIMIT + 1
    assert problem.params.get("limit") == str(ROW_LIMIT)


def test_zip_bombs_say_why(tmp_path: Path) -> None:
    size = read(hostile_files.write(tmp_path / "a.xlsx", bomb("sst-60MB")))[1]
    ratio = read(hostile_files.write(tmp_path / "b.xlsx", bomb("sst-ratio-1000")))[1]
    members = read(hostile_files.write(tmp_path / "c.xlsx", bomb("members-1500")))[1]
    assert size[0].message != ratio[0].message != members[0].message
    assert "sharedStrings" in ratio[0].params.get("member", "")


def test_the_last_allowed_row_is_still_read(tmp_path: Path) -> None:
    path = hostile_files.write(tmp_path / "edge.xlsx", hostile_files.far_row_bomb(ROW_LIMIT))
    table, problems, elapsed = read(path)
    assert problems == []
    assert [row.number for row in table.rows] == [ROW_LIMIT]
    assert elapsed < QUICK


def test_wide_rows_are_read_to_a_column_limit(tmp_path: Path) -> None:
    table, problems, elapsed = read(
        hostile_files.write(tmp_path / "wide.xlsx", hostile_files.wide_row_bomb())
    )
    assert elapsed < QUICK, f"{elapsed:.2f}s"
    # the only cells are far right of every column read: a header and no data rows
    assert table.rows == ()
    assert [p.message for p in problems] == ["The file has a header row but no data rows"]


def test_csv_with_too_many_rows_is_a_row_problem(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    lines = ["kind,title,starts_at,council,delegates"]
    lines += ["session,Kỳ họp,2026-12-15 08:00,HDND-ML,all"] * (ROW_LIMIT + 5)
    path.write_text("\n".join(lines), encoding="utf-8")
    table, problems, elapsed = read(path)
    assert table.rows == ()
    (problem,) = problems
    assert problem.row == ROW_LIMIT + 1
    assert elapsed < QUICK


def test_csv_of_blank_lines_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"kind,title,starts_at,council,delegates\n" + b"\n" * 4_000_000)
    table, problems, elapsed = read(path)
    assert table.rows == ()
    assert problems
    assert elapsed < QUICK, f"{elapsed:.2f}s"


def test_csv_with_thousands_of_columns_reads_the_first_ones(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    header = "kind,title,starts_at,council,delegates" + ",extra" * 100_000
    row = "session,Kỳ họp,2026-12-15 08:00,HDND-ML,all" + ",x" * 100_000
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    table, problems, elapsed = read(path)
    assert problems == []
    assert table.rows[0].values["council"] == "HDND-ML"
    assert len(table.ignored_columns) <= 50
    assert elapsed < QUICK, f"{elapsed:.2f}s"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"kind,title,starts_at,council,delegates\n")
        handle.seek(60 * 1024 * 1024)
        handle.write(b"\n")
    table, problems, elapsed = read(path)
    assert table.rows == ()
    (problem,) = problems
    assert problem.row is None
    assert elapsed < QUICK, f"{elapsed:.2f}s"


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        (
            "kind,title\nreception," + "x" * 200_000 + "\n",
            2,
            'Có ô quá dài, thường do một dấu ngoặc kép (") không được đóng lại; '
            "đồng chí kiểm tra lại hoặc gửi tệp .xlsx",
        ),
        (
            'kind,title\nreception,"Tiếp công dân\nreception,Tiếp\n',
            2,  # where the quotation mark opens
            'Có dấu ngoặc kép (") mở đầu một ô mà không có dấu đóng; '
            "đồng chí xóa dấu ngoặc kép thừa hoặc gửi tệp .xlsx",
        ),
        (
            "kind,title\nreception,Tiếp\nreception,Ti\x00ếp\n",
            3,
            "Tệp có ký tự lạ (NUL), không phải tệp văn bản; "
            "đồng chí lưu lại dạng «CSV UTF-8» hoặc gửi tệp .xlsx",
        ),
    ],
)
def test_a_broken_csv_is_explained_in_the_office_s_words(
    tmp_path: Path, text: str, row: int, message: str
) -> None:
    """Python's csv module says "field larger than field limit" or nothing at all (an open
    quotation mark swallowed the rest of the file): the clerk reads Vietnamese, and no
    row is lost in silence."""
    from bot.i18n import get_translator

    path = tmp_path / "lich.csv"
    path.write_text(text, encoding="utf-8")
    table, problems, _seconds = read(path)
    assert not table.rows
    assert [(p.row, get_translator("vi")(p.message)) for p in problems] == [(row, message)]
