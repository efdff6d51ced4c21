"""Repeats as a council office writes them, read into RFC 5545 RRULE.

Pure. ``ngày 10 và 20 hằng tháng`` → ``FREQ=MONTHLY;BYMONTHDAY=10,20``; ``thứ Hai và
thứ Năm hằng tuần`` → ``FREQ=WEEKLY;BYDAY=MO,TH``; ``thứ Sáu cuối cùng hằng tháng`` →
``FREQ=MONTHLY;BYDAY=-1FR``. With or without diacritics, ``hằng`` or ``hàng`` (both are
written), ``mỗi`` too, any case. A text that is no such phrase gives ``None``: it may be
an RRULE, which :mod:`bot.domain.recurrence` reads.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["phrase_to_rrule"]

_WEEKDAYS = {
    "hai": "MO",
    "2": "MO",
    "ba": "TU",
    "3": "TU",
    "tu": "WE",
    "4": "WE",
    "nam": "TH",
    "5": "TH",
    "sau": "FR",
    "6": "FR",
    "bay": "SA",
    "7": "SA",
}
_SUNDAY = "chu nhat"
_POSITIONS = {"dau tien": 1, "dau": 1, "thu nhat": 1, "cuoi cung": -1, "cuoi": -1}
_EVERY = r"(?:hang|moi)"
_AND = re.compile(r"\s*(?:,|;|\bva\b|&)\s*")
_DAY = r"(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s+nhat|cn)"

_MONTH_DAYS = re.compile(
    rf"^(?:vao\s+)?(?:cac\s+)?ngay\s+(?P<days>[0-9]{{1,2}}(?:\s*(?:,|;|va|&)\s*[0-9]{{1,2}})*)"
    rf"\s+{_EVERY}\s+thang$"
)
_WEEK_DAYS = re.compile(
    rf"^(?:vao\s+)?(?:cac\s+)?(?:ngay\s+)?(?P<days>{_DAY}(?:\s*(?:,|;|va|&)\s*{_DAY})*)"
    rf"\s+{_EVERY}\s+tuan$"
)
_NTH_WEEKDAY = re.compile(
    rf"^(?:vao\s+)?(?:ngay\s+)?(?P<day>{_DAY})\s+(?:tuan\s+)?(?P<position>dau tien|dau|thu nhat"
    rf"|cuoi cung|cuoi)(?:\s+(?:cua\s+)?)?\s*(?:{_EVERY}|cua\s+{_EVERY}|cua\s+moi)\s+thang$"
)
_PLAIN = {
    "hang ngay": "FREQ=DAILY",
    "moi ngay": "FREQ=DAILY",
    "hang tuan": "FREQ=WEEKLY",
    "moi tuan": "FREQ=WEEKLY",
    "hang thang": "FREQ=MONTHLY",
    "moi thang": "FREQ=MONTHLY",
    "hang quy": "FREQ=MONTHLY;INTERVAL=3",
    "moi quy": "FREQ=MONTHLY;INTERVAL=3",
    "hang nam": "FREQ=YEARLY",
    "moi nam": "FREQ=YEARLY",
}


def _fold(text: str) -> str:
    lowered = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in lowered if not unicodedata.combining(c))
    return " ".join(bare.replace(".", " ").split())


def _weekday(word: str) -> str:
    word = " ".join(word.split())
    if word in (_SUNDAY, "cn"):
        return "SU"
    return _WEEKDAYS[word.removeprefix("thu ").strip()]


def _month_days(days: str) -> str | None:
    numbers = [int(part) for part in _AND.split(days) if part]
    if not numbers or any(not 1 <= n <= 31 for n in numbers) or len(set(numbers)) != len(numbers):
        return None
    return "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(n) for n in sorted(numbers))


def _week_days(days: str) -> str | None:
    found = [_weekday(part) for part in _AND.split(days) if part]
    order = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if len(set(found)) != len(found):
        return None
    return "FREQ=WEEKLY;BYDAY=" + ",".join(sorted(found, key=order.index))


def phrase_to_rrule(text: str) -> str | None:
    """The RRULE an office phrase means, or ``None`` when ``text`` is no such phrase."""
    folded = _fold(text)
    if folded in _PLAIN:
        return _PLAIN[folded]
    if (match := _MONTH_DAYS.match(folded)) is not None:
        return _month_days(match["days"])
    if (match := _WEEK_DAYS.match(folded)) is not None:
        return _week_days(match["days"])
    if (match := _NTH_WEEKDAY.match(folded)) is not None:
        position = _POSITIONS[match["position"]]
        return f"FREQ=MONTHLY;BYDAY={position}{_weekday(match['day'])}"
    return None
