"""Repeat rules (RFC 5545 RRULE) as schedule files write them: checked, normalised, walked.

Pure: no database, no clock. A duty happens at most once a day, so a rule here is
``FREQ`` of ``DAILY`` or slower with at most one ``BYHOUR``/``BYMINUTE``/``BYSECOND``.

dateutil expands the rule, but it looks for the next date period by period and checks
``UNTIL`` and ``COUNT`` only when a date matches: a rule that never matches walks to the
year 9999 without a word (seconds per rule). So:

* :func:`parse_rule` refuses the combinations that can never match and are easy to
  spot (a ``BYYEARDAY`` outside ``BYMONTH``, a ``BYSETPOS`` past the dates a period has,
  a fifth-and-more weekday of a month…), and
* :meth:`Rule.starts` walks the calendar only up to the limit it is given, however
  the rule is written: a rule whose dates are all rarer than that simply has none.
"""

from __future__ import annotations

import calendar as _gregorian
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any

from dateutil import rrule as _du

from bot.domain.dates import format_ical
from bot.domain.tables import shorten

__all__ = [
    "FIRST_DATE_WITHIN",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "RECURRENCE_MAX_LENGTH",
    "Rule",
    "RuleError",
    "first_date",
    "normalize_rrule",
    "parse_rule",
    "validate_rrule",
]

RECURRENCE_MAX_LENGTH = 512
"""Longest rule stored (``events.recurrence``)."""
MAX_INTERVAL = 1000
MAX_COUNT = 10_000
FIRST_DATE_WITHIN = timedelta(days=731)
"""A rule's first date must come within two years of its start (or before its end)."""

_FREQUENCIES: Mapping[str, int] = MappingProxyType(
    {"YEARLY": _du.YEARLY, "MONTHLY": _du.MONTHLY, "WEEKLY": _du.WEEKLY, "DAILY": _du.DAILY}
)
_TOO_FREQUENT = ("HOURLY", "MINUTELY", "SECONDLY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NUMBER_RANGES: Mapping[str, tuple[int, int, bool]] = MappingProxyType(
    {
        # name: (lowest, highest, negative values allowed)
        "BYMONTH": (1, 12, False),
        "BYMONTHDAY": (1, 31, True),
        "BYYEARDAY": (1, 366, True),
        "BYWEEKNO": (1, 53, True),
        "BYSETPOS": (1, 366, True),
        "BYHOUR": (0, 23, False),
        "BYMINUTE": (0, 59, False),
        "BYSECOND": (0, 59, False),
    }
)
_ONE_A_DAY = ("BYHOUR", "BYMINUTE", "BYSECOND")
_KNOWN_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST", *_NUMBER_RANGES})
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d{1,4}", re.ASCII)
_UNTIL = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(Z)?)?", re.ASCII)
_PROBE_START = datetime.combine(date(2000, 1, 1), time())
_PROBE_SPAN = timedelta(days=62)
_YEARS = (2000, 2001)  # a leap year and a common one
_DAYS_IN_MONTH = MappingProxyType(
    {month: _gregorian.monthrange(2000, month)[1] for month in range(1, 13)}  # 2000: leap
)


class RuleError(ValueError):
    """A rule that is not usable: ``reason`` says why, in English."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{shorten(text.strip())!r} is not a valid recurrence rule: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Until:
    day: date
    at: time | None
    utc: bool

    def local_limit(self, zone: tzinfo) -> datetime:
        """The last naive local wall-clock time an occurrence may start at."""
        if self.at is None:
            return datetime.combine(self.day, time.max)
        if self.utc:
            instant = datetime.combine(self.day, self.at, tzinfo=UTC)
            return instant.astimezone(zone).replace(tzinfo=None)
        return datetime.combine(self.day, self.at)

    def text(self) -> str:
        return format_ical(self.day, self.at, utc=self.utc)


class _WalkLimitReached(Exception):
    pass


class _BoundedRRule(_du.rrule):  # type: ignore[misc]
    """dateutil's rrule that gives up after moving through ``steps`` months or years.

    dateutil (2.9) reads ``_byeaster`` once when a walk starts and once each time it
    moves on to another month or year (``_iterinfo.rebuild``), whatever the frequency:
    counting those reads bounds the walk even where no date matches and nothing is
    yielded. ``tests/domain/test_rrule_bounds.py`` fails if a dateutil release changes that.
    """

    def __init__(self, *args: Any, steps: int, **kwargs: Any) -> None:
        self._steps_allowed = steps
        self._steps_taken = 0
        super().__init__(*args, **kwargs)

    @property
    def _byeaster(self) -> Any:
        self._steps_taken += 1
        if self._steps_taken > self._steps_allowed:
            raise _WalkLimitReached
        return self.__dict__["_bounded_byeaster"]

    @_byeaster.setter
    def _byeaster(self, value: Any) -> None:
        self.__dict__["_bounded_byeaster"] = value

    def _iter(self) -> Iterator[datetime]:
        self._steps_taken = 0
        iterator: Iterator[datetime] = super()._iter()
        return iterator


def _months_between(first: datetime, last: datetime) -> int:
    return max(0, (last.year - first.year) * 12 + last.month - first.month)


@dataclass(frozen=True)
class Rule:
    parts: tuple[tuple[str, str], ...]
    """Every part but UNTIL, upper case, in the order written."""
    until: Until | None

    @property
    def text(self) -> str:
        parts = list(self.parts)
        if self.until is not None:
            parts.append(("UNTIL", self.until.text()))
        return ";".join(f"{name}={value}" for name, value in parts)

    def starts(self, dtstart: datetime, limit: datetime) -> Iterator[datetime]:
        """Naive local start times from a naive local ``dtstart`` up to ``limit`` inclusive.

        UNTIL is not applied (the caller knows the zone). The walk through the calendar
        stops soon after ``limit`` even when no date matches.
        """
        if limit < dtstart:
            return
        # dateutil moves a year at a time for YEARLY, else at least a month per step;
        # the first read, the first period and one for slack come on top.
        if dict(self.parts)["FREQ"] == "YEARLY":
            steps = limit.year - dtstart.year + 3
        else:
            steps = _months_between(dtstart, limit) + 3
        try:
            iterator = iter(_BoundedRRule(dtstart=dtstart, steps=steps, **self._arguments()))
            for start in iterator:
                if start > limit:
                    return
                yield start
        except _WalkLimitReached:
            return

    def _arguments(self) -> dict[str, Any]:
        parts = dict(self.parts)
        arguments: dict[str, Any] = {"freq": _FREQUENCIES[parts["FREQ"]]}
        if "INTERVAL" in parts:
            arguments["interval"] = int(parts["INTERVAL"])
        if "COUNT" in parts:
            arguments["count"] = int(parts["COUNT"])
        if "WKST" in parts:
            arguments["wkst"] = _WEEKDAYS.index(parts["WKST"])
        if "BYDAY" in parts:
            arguments["byweekday"] = [
                _du.weekdays[_WEEKDAYS.index(day)](n) if n else _du.weekdays[_WEEKDAYS.index(day)]
                for n, day in _days(parts["BYDAY"])
            ]
        for name in _NUMBER_RANGES:
            if name in parts:
                arguments[name.lower()] = [int(item) for item in parts[name].split(",")]
        return arguments


def _days(value: str) -> list[tuple[int, str]]:
    """``1MO,-1FR,TU`` → ``[(1, "MO"), (-1, "FR"), (0, "TU")]``."""
    days = []
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if match is None:
            raise ValueError(f"BYDAY needs days such as MO, TU or 1MO, not {shorten(item, 20)!r}")
        number, day = match.groups()
        if number is not None and int(number) == 0:
            raise ValueError(f"BYDAY numbers count from 1 (or -1 from the end), not {item!r}")
        days.append((int(number or 0), day))
    return days


def _check_numbers(name: str, value: str) -> list[int]:
    lowest, highest, negative = _NUMBER_RANGES[name]
    numbers: list[int] = []
    for item in value.split(","):
        if not _INTEGER.fullmatch(item):
            raise ValueError(f"{name} needs whole numbers, not {shorten(item, 20)!r}")
        number = int(item)
        if not (lowest <= number <= highest or (negative and -highest <= number <= -lowest)):
            span = f"{-highest}..{-lowest} or " if negative else ""
            raise ValueError(f"{name} values must be {span}{lowest}..{highest}, not {number}")
        numbers.append(number)
    return numbers


def _check_positive(name: str, value: str, highest: int) -> None:
    if not (value.isascii() and value.isdigit() and 1 <= int(value[:12]) <= highest):
        raise ValueError(
            f"{name} must be a whole number from 1 to {highest}, not {shorten(value, 20)!r}"
        )


def _parse_until(value: str) -> Until:
    match = _UNTIL.fullmatch(value)
    if match is None:
        raise ValueError(
            f"UNTIL must look like 20261231 or 20261231T170000, not {shorten(value, 20)!r}"
        )
    year, month, day, hour, minute, second, zulu = match.groups()
    try:
        until_day = date(int(year), int(month), int(day))
        at = None if hour is None else time(int(hour), int(minute), int(second))
    except ValueError:
        raise ValueError(f"UNTIL {value!r} is not a real date and time") from None
    return Until(until_day, at, zulu is not None)


# --- combinations that never match ------------------------------------------------------


def _year_day(year: int, number: int) -> date | None:
    length = 366 if _gregorian.isleap(year) else 365
    if number > length or -number > length:
        return None
    if number > 0:
        return date(year, 1, 1) + timedelta(days=number - 1)
    return date(year, 12, 31) + timedelta(days=number + 1)


def _month_day_matches(day: date, month_days: list[int]) -> bool:
    last = _gregorian.monthrange(day.year, day.month)[1]
    return day.day in month_days or day.day - last - 1 in month_days


def _check_year_days(numbers: Mapping[str, list[int]]) -> None:
    candidates = [
        day
        for year in _YEARS
        for number in numbers["BYYEARDAY"]
        if (day := _year_day(year, number)) is not None
    ]
    if "BYMONTH" in numbers:
        candidates = [day for day in candidates if day.month in numbers["BYMONTH"]]
    if "BYMONTHDAY" in numbers:
        candidates = [d for d in candidates if _month_day_matches(d, numbers["BYMONTHDAY"])]
    if not candidates:
        raise ValueError("no day of BYYEARDAY falls in BYMONTH and BYMONTHDAY")


def _check_week_months(numbers: Mapping[str, list[int]]) -> None:
    """Week n starts 3 days either side of day 7(n-1) of the year and lasts 7 days."""
    months: set[int] = set()
    for number in numbers["BYWEEKNO"]:
        weeks = [number] if number > 0 else [weeks + 1 + number for weeks in (52, 53)]
        for week in weeks:
            for offset in range(7 * (week - 1) - 4, 7 * (week - 1) + 11):
                for year in _YEARS:
                    months.add((date(year, 1, 1) + timedelta(days=offset)).month)
    if not months & set(numbers["BYMONTH"]):
        raise ValueError("no week of BYWEEKNO falls in the months of BYMONTH")


def _check_month_days(numbers: Mapping[str, list[int]]) -> None:
    longest = max(_DAYS_IN_MONTH[month] for month in numbers["BYMONTH"])
    if all(abs(day) > longest for day in numbers["BYMONTHDAY"]):
        raise ValueError("no day of BYMONTHDAY exists in the months of BYMONTH")


def _check_weekday_numbers(frequency: str, days: list[tuple[int, str]], by_month: bool) -> None:
    highest = 5 if frequency == "MONTHLY" or by_month else 53
    if frequency in {"MONTHLY", "YEARLY"}:
        for number, day in days:
            if abs(number) > highest:
                period = "month" if highest == 5 else "year"
                raise ValueError(
                    f"BYDAY {number}{day}: a {period} has at most {highest} of each day"
                )


def _set_size(frequency: str, numbers: Mapping[str, list[int]], days: list[tuple[int, str]]) -> int:
    """At most how many dates one period (day, week, month, year) of the rule holds."""
    by_day_parts = days or any(n in numbers for n in ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"))
    if frequency == "DAILY" or not by_day_parts:
        return len(numbers.get("BYMONTH", [1])) if frequency == "YEARLY" else 1
    if frequency == "WEEKLY":
        return len({day for _, day in days}) if days else 7
    months = 1 if frequency == "MONTHLY" else len(numbers.get("BYMONTH", range(12)))
    bounds = [31 * months]
    if "BYMONTHDAY" in numbers:
        bounds.append(len(set(numbers["BYMONTHDAY"])) * months)
    if "BYYEARDAY" in numbers:
        bounds.append(len(set(numbers["BYYEARDAY"])))
    if "BYWEEKNO" in numbers:
        bounds.append(7 * len(set(numbers["BYWEEKNO"])))
    if days:
        per_month = sum(1 if number else 5 for number, _ in days)
        if frequency == "MONTHLY" or "BYMONTH" in numbers:
            bounds.append(per_month * months)
        else:
            bounds.append(sum(1 if number else 53 for number, _ in days))
    return min(bounds)


def _check_combinations(parts: Mapping[str, str], numbers: Mapping[str, list[int]]) -> None:
    frequency = parts["FREQ"]
    days = _days(parts["BYDAY"]) if "BYDAY" in parts else []
    _check_weekday_numbers(frequency, days, "BYMONTH" in numbers)
    if "BYMONTH" in numbers and "BYMONTHDAY" in numbers:
        _check_month_days(numbers)
    if "BYYEARDAY" in numbers:
        _check_year_days(numbers)
    if "BYWEEKNO" in numbers and "BYMONTH" in numbers:
        _check_week_months(numbers)
    if "BYSETPOS" in numbers:
        size = _set_size(frequency, numbers, days)
        for position in numbers["BYSETPOS"]:
            if abs(position) > size:
                raise ValueError(
                    f"BYSETPOS {position}: each {frequency.lower()} period of this rule "
                    f"has at most {size} date(s)"
                )


# --- parsing ------------------------------------------------------------------------------


def _check_part(name: str, value: str, numbers: dict[str, list[int]]) -> None:
    if name == "FREQ":
        if value in _TOO_FREQUENT:
            raise ValueError("a duty recurs at most once a day (FREQ=DAILY or slower)")
        if value not in _FREQUENCIES:
            raise ValueError(f"FREQ must be one of {', '.join(_FREQUENCIES)}")
    elif name == "INTERVAL":
        _check_positive(name, value, MAX_INTERVAL)
    elif name == "COUNT":
        _check_positive(name, value, MAX_COUNT)
    elif name == "WKST":
        if value not in _WEEKDAYS:
            raise ValueError(f"WKST must be one of {', '.join(_WEEKDAYS)}")
    elif name == "BYDAY":
        _days(value)
    else:
        numbers[name] = _check_numbers(name, value)
        if name in _ONE_A_DAY and len(numbers[name]) > 1:
            raise ValueError(f"{name} takes one value: a duty happens at most once a day")


def _split(body: str) -> tuple[dict[str, str], Until | None, dict[str, list[int]]]:
    parts: dict[str, str] = {}
    until: Until | None = None
    numbers: dict[str, list[int]] = {}
    for item in body.split(";"):
        name, separator, value = (piece.strip() for piece in item.partition("="))
        if not separator or not name or not value:
            raise ValueError(f"{shorten(item.strip(), 20)!r} is not NAME=VALUE")
        if name not in _KNOWN_PARTS:
            raise ValueError(f"unknown part {shorten(name, 20)}")
        if name in parts or (name == "UNTIL" and until is not None):
            raise ValueError(f"{name} is given twice")
        if name == "UNTIL":
            until = _parse_until(value)
            continue
        _check_part(name, value, numbers)
        parts[name] = value
    if "FREQ" not in parts:
        raise ValueError("FREQ is required, e.g. FREQ=MONTHLY;BYMONTHDAY=10,20")
    if "COUNT" in parts and until is not None:
        raise ValueError("give COUNT or UNTIL, not both")
    return parts, until, numbers


def parse_rule(text: str) -> Rule:
    """The rule, checked; raises :class:`RuleError` (a ``ValueError``) saying why not."""
    body = text.strip()
    if len(body) > RECURRENCE_MAX_LENGTH:
        raise RuleError(text, f"it is longer than {RECURRENCE_MAX_LENGTH} characters")
    if "\n" in body or "\r" in body:
        raise RuleError(text, "write a single RRULE line (no DTSTART, RDATE or EXDATE)")
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    body = body.strip().strip(";").upper()
    if not body:
        raise RuleError(text, "it is empty")
    try:
        parts, until, numbers = _split(body)
        _check_combinations(parts, numbers)
    except ValueError as error:
        raise RuleError(text, str(error)) from None
    ordered = ("FREQ", *(name for name in parts if name != "FREQ"))
    rule = Rule(tuple((name, parts[name]) for name in ordered), until)
    try:  # whatever dateutil itself refuses, it refuses at once
        next(rule.starts(_PROBE_START, _PROBE_START + _PROBE_SPAN), None)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise RuleError(text, str(error) or type(error).__name__) from None
    return rule


def first_date(rule: Rule, start: datetime, until: date | None) -> tuple[datetime | None, datetime]:
    """The rule's first start from ``start`` (naive local), and the end of the span searched.

    The span ends at the rule's UNTIL, at ``until`` (inclusive), or :data:`FIRST_DATE_WITHIN`
    after ``start``, whichever comes first. A UTC UNTIL is read a day late, so that it
    never cuts the span short whatever the council's zone.
    """
    end = start + FIRST_DATE_WITHIN
    if rule.until is not None:
        limit = rule.until.local_limit(UTC)
        end = min(end, limit + timedelta(days=1) if rule.until.utc else limit)
    if until is not None:
        end = min(end, datetime.combine(until, time.max))
    return next(rule.starts(start, end), None), end


def normalize_rrule(text: str) -> str:
    """The rule in canonical form (upper case, no ``RRULE:`` prefix, FREQ first).

    Raises ``ValueError`` with an English explanation when the rule is not usable: not
    RFC 5545, more often than daily, several times a day, or a combination of parts
    that matches no day.
    """
    return parse_rule(text).text


def validate_rrule(text: str) -> str | None:
    """``None`` for a usable rule, otherwise the reason it is not (English)."""
    try:
        parse_rule(text)
    except ValueError as error:
        return str(error)
    return None
