"""Repeats in the office's words (contract: schedule ``recurrence``) → RRULE."""

from __future__ import annotations

import pytest

from bot.domain.recurrence import normalize_rrule
from bot.domain.recurrence_phrases import phrase_to_rrule
from bot.domain.schedule_cells import BAD_REPEAT, parse_recurrence
from bot.domain.tables import InvalidValue


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        # the contract's phrases
        ("ngày 10 và 20 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("ngày 5, 15 và 25 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=5,15,25"),
        ("thứ Hai hằng tuần", "FREQ=WEEKLY;BYDAY=MO"),
        ("thứ Hai và thứ Năm hằng tuần", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thứ Năm đầu tiên hằng tháng", "FREQ=MONTHLY;BYDAY=1TH"),
        ("thứ Sáu cuối cùng hằng tháng", "FREQ=MONTHLY;BYDAY=-1FR"),
        # hàng as well as hằng, no diacritics, any case, spaces
        ("ngày 10 và 20 hàng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("ngay 10 va 20 hang thang", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("NGÀY 10 VÀ 20 HẰNG THÁNG", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("  Ngày 10  và   20 hằng tháng. ", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("thu hai hang tuan", "FREQ=WEEKLY;BYDAY=MO"),
        ("Thứ hai và thứ năm hàng tuần", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thu sau cuoi cung hang thang", "FREQ=MONTHLY;BYDAY=-1FR"),
        # other ways the same is written
        ("ngày 15 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("vào ngày 10 và 20 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("các ngày 10, 20 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("ngày 20 và 10 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("ngày 10 và 20 mỗi tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("thứ 2, thứ 4 và thứ 6 hằng tuần", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("thứ Năm và thứ Hai hằng tuần", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thứ Tư hằng tuần", "FREQ=WEEKLY;BYDAY=WE"),
        ("thứ Bảy hằng tuần", "FREQ=WEEKLY;BYDAY=SA"),
        ("chủ nhật hằng tuần", "FREQ=WEEKLY;BYDAY=SU"),
        ("thứ Hai tuần đầu tiên hằng tháng", "FREQ=MONTHLY;BYDAY=1MO"),
        ("thứ Sáu cuối cùng của hằng tháng", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("thứ Ba đầu tiên mỗi tháng", "FREQ=MONTHLY;BYDAY=1TU"),
        ("hằng tuần", "FREQ=WEEKLY"),
        ("hằng tháng", "FREQ=MONTHLY"),
        ("hằng quý", "FREQ=MONTHLY;INTERVAL=3"),
        ("hằng năm", "FREQ=YEARLY"),
    ],
)
def test_phrase_becomes_rrule(phrase: str, rule: str) -> None:
    assert phrase_to_rrule(phrase) == rule
    assert normalize_rrule(rule) == rule  # a rule the rest of the schedule reads as it is
    assert parse_recurrence(phrase) == rule


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=MONTHLY;BYMONTHDAY=10,20",  # an RRULE is not a phrase (read as an RRULE)
        "ngày 32 hằng tháng",
        "ngày 0 hằng tháng",
        "ngày 10 và 10 hằng tháng",
        "thứ Hai và thứ Hai hằng tuần",
        "thứ Tám hằng tuần",
        "ngày 10 và 20 hằng năm",
        "mỗi khi có việc",
        "",
    ],
)
def test_not_a_phrase(text: str) -> None:
    assert phrase_to_rrule(text) is None


def test_an_rrule_is_still_read() -> None:
    assert parse_recurrence("rrule:freq=monthly;bymonthday=10,20") == (
        "FREQ=MONTHLY;BYMONTHDAY=10,20"
    )


@pytest.mark.parametrize("text", ["ngày 10 và 20 hằng năm", "NGÀY 10 VÀ 20", "FREQ=SOMETIMES"])
def test_an_unreadable_repeat_says_what_works_without_english(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_recurrence(text)
    assert caught.value.message == BAD_REPEAT
    assert caught.value.params == {"value": text}
