"""Problem texts quote what a file holds, but never more than a line of it."""

from __future__ import annotations

from bot.domain.roster import validate_roster
from bot.domain.schedule import parse_kind
from bot.domain.tables import InvalidValue, Problem, TableRow, format_problem
from bot.i18n import get_translator

VI = get_translator("vi")


def test_a_quoted_cell_is_cut_to_eighty_characters() -> None:
    try:
        parse_kind("tiệc " * 20_000)
    except InvalidValue as invalid:
        value = invalid.params["value"]
    else:
        raise AssertionError("a party is not a kind of duty")
    assert len(value) == 80
    assert value.endswith("…")


def test_every_problem_field_is_bounded_when_shown() -> None:
    problem = Problem(2, "title", "Unknown delegate code: {code}", {"code": "X" * 1_000_000})
    assert len(format_problem(problem, VI)) < 300


def test_line_breaks_in_a_quoted_cell_do_not_break_the_message() -> None:
    (problem,) = validate_roster(
        [
            TableRow(
                2,
                {"code": "ML-001", "full_name": "A", "council": "HDND-ML", "level": "x\ny\nz"},
            )
        ]
    )[1]
    assert "\n" not in format_problem(problem, VI)
