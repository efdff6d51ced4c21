"""The office's name since the 2025 reform, from the council it serves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.i18n import get_translator
from bot.messages.office import capitalized, council_place, office_name

vi = get_translator("vi")
en = get_translator("en")


@dataclass(frozen=True)
class _Council:
    code: str
    name: str
    level: str | None


@pytest.mark.parametrize(
    ("council", "expected"),
    [
        (_Council("NB-T", "HĐND tỉnh Ninh Bình", "province"), "Văn phòng Đoàn ĐBQH và HĐND tỉnh Ninh Bình"),  # noqa: E501
        (_Council("HN", "Hội đồng nhân dân thành phố Hà Nội", "province"), "Văn phòng Đoàn ĐBQH và HĐND thành phố Hà Nội"),  # noqa: E501
        (_Council("ML", "HĐND xã Mỹ Lộc", "commune"), "Văn phòng HĐND và UBND xã Mỹ Lộc"),
        (_Council("BD", "HĐND phường Bến Thành", "commune"), "Văn phòng HĐND và UBND phường Bến Thành"),  # noqa: E501
        # A council without a name yet is still served by an office of its level.
        (_Council("X1", "X1", "commune"), "Văn phòng HĐND và UBND"),
        (_Council("T1", "T1", "province"), "Văn phòng Đoàn ĐBQH và HĐND"),
        (_Council("Q", "HĐND xã Q", None), "Văn phòng"),
        (None, "Văn phòng"),
    ],
)  # fmt: skip
def test_the_office_is_named_by_the_council_level(council: _Council | None, expected: str) -> None:
    assert office_name(vi, council) == expected


def test_secretariat_name_overrides() -> None:
    council = _Council("ML", "HĐND xã Mỹ Lộc", "commune")
    assert office_name(vi, council, override=" Đ/c Lan ") == "Đ/c Lan"


def test_english_names_the_office_too() -> None:
    council = _Council("ML", "HĐND xã Mỹ Lộc", "commune")
    expected = "the Office of the People's Council and People's Committee of xã Mỹ Lộc"
    assert office_name(en, council) == expected
    assert capitalized(office_name(en, None)) == "The council office"


def test_place_needs_the_body_name() -> None:
    assert council_place(_Council("ML", "Mỹ Lộc", "commune")) is None
