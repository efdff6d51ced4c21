"""Quarters of the calendar year, as councils report them (``2026-Q1``, ``Quý I/2026``).

A quarter is cut at local midnight: an assignment on the evening of 31 March belongs to
the first quarter even when it is already April in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

ROMAN = ("I", "II", "III", "IV")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-\s*[Qq]([1-4])\s*$")
# "Q4/2026", "IV/2026", "quý IV/2026", "Quý 4/2026", "quy 4 / 2026", "4/2026": as offices write it.
_OFFICE_QUARTER = re.compile(
    r"^\s*(?:(?:qu[yý]|quarter)\s*)?(?:q\s*)?(iv|iii|ii|i|[1-4])\s*/\s*(\d{4})\s*$",
    re.IGNORECASE,
)


class QuarterError(ValueError):
    """A quarter written in none of the forms :meth:`Quarter.parse` reads."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4 or not 1 <= self.year <= 9999:
            raise QuarterError(f"no such quarter: {self.year}-Q{self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026-Q4`` (also ``2026-q4``), or as an office writes it: ``Q4/2026``,
        ``IV/2026``, ``quý IV/2026``, ``quý 4/2026`` (any case, with or without accents)."""
        match = _QUARTER.match(text)
        if match is not None:
            return cls(int(match.group(1)), int(match.group(2)))
        office = _OFFICE_QUARTER.match(text.replace("Ý", "ý"))
        if office is None:
            raise QuarterError(f"{text!r} is not a quarter such as IV/2026 or 2026-Q4")
        written = office.group(1).upper()
        number = ROMAN.index(written) + 1 if written in ROMAN else int(written)
        return cls(int(office.group(2)), number)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def roman(self) -> str:
        return ROMAN[self.number - 1]

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def year_before(self) -> Quarter:
        """The same quarter a year before ("cùng kỳ năm trước")."""
        return Quarter(self.year - 1, self.number)

    def following(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """UTC ``[start, end)`` from local midnight of the first day to that of the next
        quarter: 23:30 local on 31 March is Q1 even though it is 16:30 UTC."""
        end_day = date(self.year + 1, 1, 1) if self.number == 4 else self.following().first_day
        return (
            datetime.combine(self.first_day, time.min, zone).astimezone(UTC),
            datetime.combine(end_day, time.min, zone).astimezone(UTC),
        )


def recent_quarters(today: date, count: int = 4) -> list[Quarter]:
    """The quarter containing ``today`` and the ones before it, newest first."""
    quarters = [Quarter.containing(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters
