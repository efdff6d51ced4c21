"""The text's comparison (the quarter before, the same quarter a year before) in the CSV
and the workbook, on the hand-computed figures of the Mê Linh quarter (I/2022)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.domain.stats import Statistics, aggregate
from bot.services.stats.comparison_sheet import SHEET_COMPARISON, comparison_rows
from bot.services.stats.output import csv_bytes
from bot.services.stats.xlsx import xlsx_bytes
from tests.domain.test_stats_text import COMMUNES, CURRENT, DISTRICT, PREVIOUS, Q1, YEAR_AGO


@pytest.fixture
def stats() -> Statistics:
    return aggregate(Q1, (DISTRICT, *COMMUNES), CURRENT, PREVIOUS, year_ago=YEAR_AGO)


def _csv(stats: Statistics) -> dict[tuple[str, str], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(csv_bytes(stats).decode("utf-8-sig"))))
    return {(row["unit"], row["kind"]): row for row in rows}


def test_the_csv_sets_the_previous_rate_and_the_year_before_beside_each_row(
    stats: Statistics,
) -> None:
    rows = _csv(stats)
    everything = rows["TOTAL", "all"]
    # this quarter: 692 turns, 687 held, 3 not held, 2 unreported
    assert everything["completion_rate"] == "0.9928"  # 687 / 692
    # the quarter before: 10 reception turns, 8 held, 2 unreported, 8 occasions
    assert everything["previous_assigned"] == "10"
    assert everything["previous_sessions"] == "8"
    assert everything["previous_completion_rate"] == "0.8"
    # a year before: one supervision, two delegates, both held
    assert everything["year_ago_assigned"] == "2"
    assert everything["year_ago_held"] == "2"
    assert everything["year_ago_sessions"] == "1"
    assert everything["year_ago_completion_rate"] == "1"
    supervision = rows["TOTAL", "supervision"]
    assert (supervision["assigned"], supervision["year_ago_assigned"]) == ("24", "2")
    reception = rows["TOTAL", "reception"]
    assert reception["previous_completion_rate"] == "0.8"
    assert reception["year_ago_assigned"] == "0"
    assert reception["year_ago_completion_rate"] == ""  # nothing was due: no rate
    # the contract's columns first, the council's code last
    header = csv_bytes(stats).decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:2] == ["unit", "kind"]
    assert header[-3:] == ["year_ago_sessions", "year_ago_completion_rate", "council"]


def test_the_comparison_rows_are_the_texts_figures(stats: Statistics) -> None:
    rows = comparison_rows(stats)
    district = {figure: values for who, figure, values in rows if who == "HĐND huyện Mê Linh"}
    assert district == {
        "Tiếp công dân định kỳ (lượt)": (81, 0, 0),
        "Tiếp công dân theo phân công (buổi)": (54, 8, 0),
        "Lượt công dân": (120, 0, 0),
        "Đơn thư tiếp nhận": (4, 0, 0),
        "Đơn thư đã chuyển": (4, 0, 0),
        "Tiếp xúc cử tri (hội nghị)": (0, 0, 0),
        "Lượt cử tri": (0, 0, 0),
        "Ý kiến, kiến nghị": (0, 0, 0),
        "Giám sát (cuộc)": (0, 0, 1),
        "Kỳ họp": (1, 0, 0),
        "Tỷ lệ thực hiện": (170 / 175, 0.8, 1.0),
    }
    level = "HĐND các xã, phường (02 xã, phường)"
    communes = {figure: values for who, figure, values in rows if who == level}
    assert communes["Tiếp công dân theo phân công (buổi)"] == (445, 0, 0)
    assert communes["Tiếp xúc cử tri (hội nghị)"] == (48, 0, 0)
    assert communes["Giám sát (cuộc)"] == (24, 0, 0)
    assert communes["Tỷ lệ thực hiện"] == (1.0, None, None)
    assert len(rows) == 2 * len(district)


def test_the_workbook_has_the_comparison_sheet(stats: Statistics) -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(stats)), read_only=True)
    assert book.sheetnames[-1] == SHEET_COMPARISON
    cells = [list(row) for row in book[SHEET_COMPARISON].iter_rows(values_only=True)]
    assert cells[3] == ["HĐND", "Nội dung", "Quý I/2022", "Quý IV/2021", "Quý I/2021"]
    by_figure = {(row[0], row[1]): row[2:] for row in cells[4:]}
    assert by_figure["HĐND huyện Mê Linh", "Tiếp công dân theo phân công (buổi)"] == [54, 8, 0]
    assert by_figure["HĐND huyện Mê Linh", "Giám sát (cuộc)"] == [0, 0, 1]
    assert by_figure["HĐND các xã, phường (02 xã, phường)", "Tỷ lệ thực hiện"] == [1, None, None]
