"""The register's pure rules: due dates per type, reading and checking register rows."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.petitions import (
    DEFAULT_ANSWER_DAYS,
    PetitionAction,
    PetitionSource,
    PetitionType,
    Urgency,
    answered_on_time,
    due_on,
    next_ref,
    read_petition_row,
    read_petition_rows,
    row_cells,
    urgency,
)
from bot.domain.tables import TableRow

DAYS = dict(DEFAULT_ANSWER_DAYS)


def _row(number: int = 2, **values: str) -> TableRow:
    base = {
        "ref": "15/2026",
        "council": "HN-XA-01",
        "source": "tiếp công dân",
        "received_on": "10/03/2026",
        "delegate": "D-001",
        "type": "khiếu nại",
        "summary": "Tranh chấp đất đai thôn Đông",
        "citizen": "Nguyễn Văn A, thôn Đông",
        "action": "chuyển",
        "agency": "UBND xã",
        "forwarded_on": "12/03/2026",
        "due_on": "",
        "answered_on": "",
        "answer": "",
    }
    base.update(values)
    return TableRow(number, base)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (PetitionType.complaint, date(2026, 4, 11)),
        (PetitionType.denunciation, date(2026, 4, 11)),
        (PetitionType.proposal, date(2026, 3, 27)),
        (PetitionType.feedback, date(2026, 3, 27)),
        (PetitionType.opinion, date(2026, 4, 11)),
    ],
)
def test_due_date_per_type(kind: PetitionType, expected: date) -> None:
    assert due_on(kind, date(2026, 3, 12), DAYS) == expected


def test_due_date_follows_the_setting() -> None:
    assert due_on(PetitionType.proposal, date(2026, 3, 12), {"proposal": 10}) == date(2026, 3, 22)


def test_urgency() -> None:
    today = date(2026, 4, 10)
    assert urgency(date(2026, 4, 9), None, today) is Urgency.overdue
    assert urgency(date(2026, 4, 13), None, today) is Urgency.due_soon
    assert urgency(date(2026, 4, 10), None, today) is Urgency.due_soon
    assert urgency(date(2026, 4, 14), None, today) is None
    assert urgency(date(2026, 4, 9), date(2026, 4, 9), today) is None
    assert urgency(None, None, today) is None


def test_answered_on_time() -> None:
    assert answered_on_time(date(2026, 4, 9), date(2026, 4, 9)) is True
    assert answered_on_time(date(2026, 4, 9), date(2026, 4, 10)) is False
    assert answered_on_time(date(2026, 4, 9), None) is None


def test_vietnamese_row_is_read_and_due_date_computed() -> None:
    entry, problems = read_petition_row(_row(), DAYS)
    assert problems == []
    assert entry is not None
    assert entry.source is PetitionSource.reception
    assert entry.type is PetitionType.complaint
    assert entry.action is PetitionAction.forwarded
    assert entry.received_on == date(2026, 3, 10)
    assert entry.due_on == date(2026, 4, 11)


def test_values_without_diacritics_and_english() -> None:
    entry, problems = read_petition_row(
        _row(source="tiep xuc cu tri", type="y kien cu tri", action="forwarded"), DAYS
    )
    assert problems == []
    assert entry is not None
    assert entry.type is PetitionType.opinion


@pytest.mark.parametrize("source", list(PetitionSource))
@pytest.mark.parametrize("kind", list(PetitionType))
def test_any_source_takes_any_type(source: PetitionSource, kind: PetitionType) -> None:
    """DESIGN's register: ``source`` and ``type`` are independent (voters hand in petitions
    at a voter meeting, a citizen may voice an opinion at a reception)."""
    entry, problems = read_petition_row(_row(source=source.value, type=kind.value), DAYS)
    assert problems == []
    assert entry is not None
    assert (entry.source, entry.type) == (source, kind)
    assert entry.due_on == due_on(kind, date(2026, 3, 12), DAYS)


def test_given_due_date_is_kept() -> None:
    entry, _problems = read_petition_row(_row(due_on="2026-05-01"), DAYS)
    assert entry is not None
    assert entry.due_on == date(2026, 5, 1)


def test_not_forwarded_has_no_due_date() -> None:
    entry, problems = read_petition_row(_row(action="hướng dẫn", agency="", forwarded_on=""), DAYS)
    assert problems == []
    assert entry is not None
    assert entry.due_on is None


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"ref": ""}, "ref"),
        ({"council": ""}, "council"),
        ({"source": "hội nghị"}, "source"),
        ({"received_on": "31/02/2026"}, "received_on"),
        ({"received_on": ""}, "received_on"),
        ({"type": "thư"}, "type"),
        ({"summary": "x" * 501}, "summary"),
        ({"action": "bỏ"}, "action"),
        ({"agency": ""}, "agency"),
        ({"forwarded_on": ""}, "forwarded_on"),
        ({"forwarded_on": "01/03/2026"}, "forwarded_on"),
        ({"answered_on": "11/03/2026", "answer": "Đã giải quyết"}, "answered_on"),
        ({"answer": "Đã giải quyết"}, "answered_on"),
        ({"action": "lưu", "agency": ""}, "forwarded_on"),
    ],
)
def test_each_rule_names_its_column(values: dict[str, str], column: str) -> None:
    entry, problems = read_petition_row(_row(**values), DAYS)
    assert entry is None
    assert column in {p.column for p in problems}
    assert all(p.row == 2 for p in problems)


def test_every_problem_of_a_row_is_reported() -> None:
    _entry, problems = read_petition_row(_row(type="x", received_on="x", agency=""), DAYS)
    assert {p.column for p in problems} == {"type", "received_on", "agency"}


def test_same_ref_twice_in_one_council() -> None:
    entries, problems = read_petition_rows([_row(2), _row(3, ref=" 15/2026")], DAYS)
    assert len(entries) == 1
    assert [(p.row, p.column) for p in problems] == [(3, "ref")]
    entries, problems = read_petition_rows([_row(2), _row(3, council="HN-XA-02")], DAYS)
    assert len(entries) == 2
    assert problems == []


def test_formula_quote_removed() -> None:
    entry, _problems = read_petition_row(_row(summary="'=1+1"), DAYS)
    assert entry is not None
    assert entry.summary == "=1+1"


def test_cells_read_back_unchanged() -> None:
    entry, _ = read_petition_row(_row(answered_on="2026-04-01", answer="Đã trả lời"), DAYS)
    assert entry is not None
    again, problems = read_petition_row(TableRow(2, row_cells(entry)), DAYS)
    assert problems == []
    assert again == entry


def test_next_ref() -> None:
    assert next_ref([], 2026) == "1/2026"
    assert next_ref(["15/2026", "3/2026", "20/2025", "x/2026"], 2026) == "16/2026"
