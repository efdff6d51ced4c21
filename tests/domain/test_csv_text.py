"""Every CSV the product writes quotes cells a spreadsheet would run (issue 18, item 10)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.csv_text import csv_dict_text, csv_text, protect_cell, unprotect_cell

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_are_quoted_and_read_back(value: str) -> None:
    assert protect_cell(value) == "'" + value
    assert unprotect_cell(protect_cell(value)) == value


@pytest.mark.parametrize("value", ["Xã Mỹ Lộc", "", "-3", "+84912345678", "12.5", "'quoted"])
def test_plain_cells_and_numbers_are_left_alone(value: str) -> None:
    assert protect_cell(value) == value


def test_every_cell_of_a_sheet_is_protected_the_header_too() -> None:
    text = csv_text([["=title", 3], ["ok", "-1+1"]])
    assert list(csv.reader(io.StringIO(text))) == [["'=title", "3"], ["ok", "'-1+1"]]
    assert text.endswith("\r\n")
    rows = csv_dict_text(["a", "b"], [{"a": "@x", "b": "y"}], line_end="\n")
    assert rows == "a,b\n'@x,y\n"


def test_no_module_writes_csv_without_the_helper() -> None:
    """One writer for every CSV: a new export cannot forget the quoting."""
    writer = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if writer.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["bot/domain/csv_text.py"]


def test_schedule_list_invites_and_stats_quote_hostile_cells() -> None:
    from bot.cli.delegates import _invite_sheet
    from bot.cli.schedule import _csv_text
    from bot.services.delegates.invites import IssuedInvite
    from bot.services.schedule.views import AssignmentView

    moment = datetime(2032, 1, 12, 8, 0, tzinfo=UTC)
    view = AssignmentView(
        assignment_id=1, occurrence_id=1, event_id=1, kind="other", title="=HYPERLINK(\"x\")",
        location="@Hội trường", starts_at=moment, ends_at=None, delegate_id=1,
        delegate_code="ML-001", delegate_name="+Nguyễn", changed_at=None,
    )  # fmt: skip
    (row,) = list(csv.reader(io.StringIO(_csv_text([view]))))[1:]
    assert row[4:] == ['\'=HYPERLINK("x")', "'@Hội trường", "ML-001", "'+Nguyễn"]
    sheet = _invite_sheet([IssuedInvite("ML-001", "=cmd|' /C calc'!A0", "tok")], "hdnd_bot")
    (invite,) = list(csv.reader(io.StringIO(sheet)))[1:]
    assert invite[1] == "'=cmd|' /C calc'!A0"
