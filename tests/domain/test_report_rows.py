"""Cells of a paper-report file: English keywords and the office's Vietnamese alike."""

from __future__ import annotations

import pytest

from bot.domain.report_rows import parse_held, parse_reason
from bot.domain.reports import NotHeldReason
from bot.domain.tables import InvalidValue
from bot.i18n import get_translator

VI = get_translator("vi")


@pytest.mark.parametrize(
    ("cell", "held"),
    [
        ("yes", True),
        ("Có", True),
        ("co", True),
        ("Đã thực hiện", True),
        ("có thực hiện", True),
        ("x", True),
        ("no", False),
        ("Không", False),
        ("khong", False),
        ("Không thực hiện", False),
        ("không thực hiện được", False),
    ],
)
def test_held_in_english_or_vietnamese(cell: str, held: bool) -> None:
    assert parse_held(cell) is held


@pytest.mark.parametrize("cell", ["chưa", "Chưa báo cáo", "chưa thực hiện"])
def test_not_yet_is_refused_as_ambiguous(cell: str) -> None:
    """«chưa» in an office's sheet means "not reported yet", not "did not take place"."""
    with pytest.raises(InvalidValue) as caught:
        parse_held(cell)
    message = get_translator("vi")(caught.value.message).format(**caught.value.params)
    assert message == (
        f"«{cell}» có thể hiểu là chưa báo cáo: ghi «không» nếu hoạt động không diễn ra, "
        "hoặc bỏ dòng này cho đến khi có báo cáo"
    )


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("postponed", NotHeldReason.postponed),
        ("Hoãn lịch", NotHeldReason.postponed),
        ("trùng lịch", NotHeldReason.clash),
        ("personal", NotHeldReason.personal),
        ("Ốm đau, việc riêng", NotHeldReason.personal),
        ("Lý do cá nhân", NotHeldReason.personal),  # the statistics' own words
        ("khác", NotHeldReason.other),
    ],
)
def test_reason_in_english_or_vietnamese(cell: str, reason: NotHeldReason) -> None:
    assert parse_reason(cell) == reason.value


@pytest.mark.parametrize(
    ("parse", "cell", "vietnamese"),
    [
        (parse_held, "có lẽ", "«có lẽ» không phải là «có» hoặc «không»"),
        (
            parse_reason,
            "bận",
            "«bận» không phải là lý do hợp lệ: ghi «hoãn lịch», «trùng lịch», "
            "«ốm đau, việc riêng» hoặc «khác»",
        ),
    ],
)
def test_a_wrong_cell_is_explained_in_vietnamese_only(
    parse: object, cell: str, vietnamese: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse(cell)  # type: ignore[operator]
    error = caught.value
    assert VI(error.message).format(**error.params) == vietnamese
