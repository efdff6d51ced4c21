"""The Standing Committee is read from a delegate's title, never from the bot's role."""

from __future__ import annotations

import pytest

from bot.domain.titles import is_standing_committee


@pytest.mark.parametrize(
    "title",
    [
        "Chủ tịch HĐND",
        "Chủ tịch Hội đồng nhân dân xã",
        "Phó Chủ tịch HĐND tỉnh",
        "PHÓ CHỦ TỊCH",
        "Ủy viên Thường trực",
        "Uỷ viên Thường trực HĐND",  # the old placement of the tone mark
        "uy vien thuong truc",
    ],
)
def test_standing_committee_titles(title: str) -> None:
    assert is_standing_committee(title)


@pytest.mark.parametrize(
    "title",
    [
        "",
        "Đại biểu",
        "Trưởng Ban Pháp chế",
        "Phó Trưởng Ban Kinh tế – Ngân sách",
        "Tổ trưởng tổ đại biểu",
        "Chủ tịch UBND xã",  # the People's Committee, another body
        "Chủ tịch Ủy ban MTTQ Việt Nam xã",
        "Chuyên viên Văn phòng",
    ],
)
def test_other_titles(title: str) -> None:
    assert not is_standing_committee(title)
