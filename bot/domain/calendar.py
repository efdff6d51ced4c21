"""Working days, the holiday shift, recurrence expansion and the round-robin rota.

Pure: no database, no Telegram, no clock. Every date and time is an argument.

* :class:`WorkingCalendar` — Vietnamese public holidays from the ``holidays`` package
  (Tết and the observed and substituted days off it knows, and the Saturdays it knows
  to be make-up working days) plus the secretariat's own :class:`CalendarException`\\ s,
  which win over the package.
* :func:`parse_calendar_exceptions` — the secretariat's ``date,kind,note`` rows.
* :class:`Shift` and :func:`shift_date` — a duty that falls on a day off moves to the
  next working day (or stays, with ``Shift.none``).
* :func:`expand_occurrences` — one schedule row (start, end, RFC 5545 RRULE, until,
  shift) into the :class:`Occurrence`\\ s inside a window, wall-clock time kept.
* :func:`assign_round_robin` and :func:`rota_slot` — N delegates per occurrence,
  taken cyclically from a pool, stable when the window moves.
"""

from __future__ import annotations

import calendar as _gregorian
import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import TypeVar

import holidays
from dateutil.rrule import rrulestr

from bot.domain.tables import InvalidValue, Problem
from bot.i18n import N_

__all__ = [
    "CALENDAR_EXCEPTION_ALIASES",
    "CALENDAR_EXCEPTION_REQUIRED",
    "CalendarException",
    "ExceptionKind",
    "Occurrence",
    "Shift",
    "WorkingCalendar",
    "assign_round_robin",
    "expand_occurrences",
    "normalize_rrule",
    "parse_calendar_exceptions",
    "parse_exception_date",
    "parse_exception_kind",
    "rota_slot",
    "shift_date",
    "validate_rrule",
]

COUNTRY = "VN"
HOLIDAY_LANGUAGES: Mapping[str, str] = MappingProxyType({"vi": "vi", "en": "en_US"})
"""Our locale → the ``holidays`` package's language code for holiday names."""

NOTE_MAX_LENGTH = 255


# --- working calendar ----------------------------------------------------------------------


class ExceptionKind(StrEnum):
    """What the secretariat declares about one day."""

    off = "off"
    """An extra day off (ngày nghỉ), even on a weekday."""
    workday = "workday"
    """A working day (ngày làm bù / làm việc), even on a weekend or a package holiday."""


@dataclass(frozen=True, order=True)
class CalendarException:
    """One secretariat-managed day: an extra day off or a make-up working day."""

    day: date
    kind: ExceptionKind
    note: str = ""


@dataclass(frozen=True)
class _HolidayYear:
    days_off: frozenset[date]
    weekend_workdays: frozenset[date]


@cache
def _holiday_year(year: int) -> _HolidayYear:
    """The package's days off of ``year`` and its make-up working weekend days in ``year``.

    A substituted day off may be declared in the neighbouring year's list (a Saturday
    late in December worked for a day off on 2 January), so three years are consulted
    for the working weekend days.
    """
    days_off = holidays.country_holidays(COUNTRY, years=year)
    workdays: set[date] = set()
    for neighbour in (year - 1, year, year + 1):
        table = holidays.country_holidays(COUNTRY, years=neighbour)
        workdays.update(day for day in table.weekend_workdays if day.year == year)
    return _HolidayYear(frozenset(days_off), frozenset(workdays))


@cache
def _holiday_names(year: int, language: str) -> Mapping[date, str]:
    table = holidays.country_holidays(COUNTRY, years=year, language=language)
    return MappingProxyType({day: str(name) for day, name in table.items()})


@dataclass(frozen=True, init=False)
class WorkingCalendar:
    """Which days the council's offices work.

    A day is a working day when it is Monday to Friday and not a public holiday, or a
    weekend day that the ``holidays`` package lists as a make-up working day (the
    Saturday swapped for a bridge day off). A secretariat :class:`CalendarException`
    for the day overrides all of that. Holiday data is loaded lazily, one year at a
    time, for whatever year is asked about (the package covers roughly 1950-2100;
    outside that only weekends are days off).
    """

    exceptions: tuple[CalendarException, ...]
    _by_day: Mapping[date, CalendarException] = field(repr=False, compare=False, hash=False)

    def __init__(self, exceptions: Iterable[CalendarException] = ()) -> None:
        by_day: dict[date, CalendarException] = {}
        for exception in exceptions:
            known = by_day.setdefault(exception.day, exception)
            if known.kind is not exception.kind:
                raise ValueError(
                    f"{exception.day.isoformat()} is declared both {known.kind.value!r} "
                    f"and {exception.kind.value!r}"
                )
        object.__setattr__(self, "exceptions", tuple(sorted(by_day.values())))
        object.__setattr__(self, "_by_day", MappingProxyType(by_day))

    def exception_for(self, day: date) -> CalendarException | None:
        """The secretariat's declaration for ``day``, if any."""
        return self._by_day.get(day)

    def is_public_holiday(self, day: date) -> bool:
        """Whether the ``holidays`` package lists ``day`` as a day off (ignoring exceptions)."""
        return day in _holiday_year(day.year).days_off

    def is_working_day(self, day: date) -> bool:
        exception = self._by_day.get(day)
        if exception is not None:
            return exception.kind is ExceptionKind.workday
        year = _holiday_year(day.year)
        if day in year.days_off:
            return False
        if day.weekday() >= 5:
            return day in year.weekend_workdays
        return True

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def holiday_name(self, day: date, language: str = "vi") -> str | None:
        """Why ``day`` is a day off other than being a weekend, for messages.

        The note of a secretariat day off (or ``None`` if it has no note), or the public
        holiday's name in ``language`` (``vi`` or ``en``); ``None`` on a working day and
        on an ordinary weekend.
        """
        exception = self._by_day.get(day)
        if exception is not None:
            if exception.kind is ExceptionKind.off:
                return exception.note or None
            return None
        if not self.is_public_holiday(day):
            return None
        code = HOLIDAY_LANGUAGES.get(language, HOLIDAY_LANGUAGES["vi"])
        return _holiday_names(day.year, code).get(day)


# --- the secretariat's exception file ---------------------------------------------------


CALENDAR_EXCEPTION_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "date": ("day", "ngày"),
        "kind": ("type", "loại", "loại ngày"),
        "note": ("ghi chú", "lý do", "nội dung"),
    }
)
"""Canonical column → other header spellings accepted (for a file reader)."""

CALENDAR_EXCEPTION_REQUIRED = ("date", "kind")


def _fold(text: str) -> str:
    """Lower case, spaces collapsed, Vietnamese diacritics removed: ``"Làm bù"`` → ``"lam bu"``."""
    lowered = " ".join(unicodedata.normalize("NFC", text).replace("_", " ").split()).lower()
    decomposed = unicodedata.normalize("NFD", lowered.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_KINDS: Mapping[str, ExceptionKind] = MappingProxyType(
    {
        _fold(word): kind
        for kind, words in {
            ExceptionKind.off: ("off", "day off", "holiday", "nghỉ", "ngày nghỉ", "nghỉ bù"),
            ExceptionKind.workday: (
                "workday",
                "working day",
                "work",
                "làm bù",
                "ngày làm bù",
                "làm việc",
                "ngày làm việc",
                "đi làm",
            ),
        }.items()
        for word in words
    }
)

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_exception_date(text: str) -> date:
    """``2026-01-10`` or ``10/01/2026`` (also ``10-01-2026``, ``10.01.2026``), day first."""
    value = text.strip()
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise InvalidValue(
            N_('"{value}" is not a date: write YYYY-MM-DD or DD/MM/YYYY'), value=value
        )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidValue(N_('"{value}" is not a date of the calendar'), value=value) from None


def parse_exception_kind(text: str) -> ExceptionKind:
    """``off``/``nghỉ`` or ``workday``/``làm bù``/``làm việc``, with or without accents."""
    kind = _KINDS.get(_fold(text))
    if kind is None:
        raise InvalidValue(
            N_('"{value}" is not a kind of day: write off (nghỉ) or workday (làm bù)'),
            value=text.strip(),
        )
    return kind


def parse_calendar_exceptions(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> tuple[list[CalendarException], list[Problem]]:
    """Rows of ``date,kind,note`` (row number, cells by canonical column) → exceptions.

    Returns the exceptions of the valid rows and one problem per bad cell. A day listed
    again with the same kind is kept once (the first note wins); listed again with the
    other kind, the later row is a problem.
    """
    exceptions: list[CalendarException] = []
    problems: list[Problem] = []
    seen: dict[date, tuple[int, ExceptionKind]] = {}
    for number, cells in rows:
        day: date | None = None
        kind: ExceptionKind | None = None
        date_text = cells.get("date", "").strip()
        kind_text = cells.get("kind", "").strip()
        note = " ".join(cells.get("note", "").split())
        if not date_text:
            problems.append(Problem(number, "date", N_("A value is required")))
        else:
            try:
                day = parse_exception_date(date_text)
            except InvalidValue as error:
                problems.append(Problem(number, "date", error.message, dict(error.params)))
        if not kind_text:
            problems.append(
                Problem(number, "kind", N_("A kind is required: off (nghỉ) or workday (làm bù)"))
            )
        else:
            try:
                kind = parse_exception_kind(kind_text)
            except InvalidValue as error:
                problems.append(Problem(number, "kind", error.message, dict(error.params)))
        if len(note) > NOTE_MAX_LENGTH:
            problems.append(
                Problem(
                    number,
                    "note",
                    N_("Too long: {length} characters (at most {limit})"),
                    {"length": str(len(note)), "limit": str(NOTE_MAX_LENGTH)},
                )
            )
            continue
        if day is None or kind is None:
            continue
        earlier = seen.get(day)
        if earlier is not None:
            earlier_row, earlier_kind = earlier
            if earlier_kind is not kind:
                problems.append(
                    Problem(
                        number,
                        "kind",
                        N_("{day} is already declared {kind} on row {first_row}"),
                        {
                            "day": day.isoformat(),
                            "kind": earlier_kind.value,
                            "first_row": str(earlier_row),
                        },
                    )
                )
            continue
        seen[day] = (number, kind)
        exceptions.append(CalendarException(day, kind, note))
    return exceptions, problems


# --- the holiday shift ----------------------------------------------------------------------


class Shift(StrEnum):
    """What happens to a duty that falls on a day off."""

    next_working_day = "next_working_day"
    none = "none"


def shift_date(day: date, policy: Shift, calendar: WorkingCalendar) -> date:
    """The date the duty actually happens on; never earlier than ``day``."""
    if policy is Shift.next_working_day:
        return calendar.next_working_day(day)
    return day


# --- recurrence rules ----------------------------------------------------------------------

_FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
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
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INTEGER = re.compile(r"[+-]?\d+")
_UNTIL = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(Z)?)?")
_PROBE_START = datetime.combine(date(2000, 1, 1), time())
_DAYS_IN_MONTH = MappingProxyType(
    {month: _gregorian.monthrange(2000, month)[1] for month in range(1, 13)}  # 2000: leap
)


@dataclass(frozen=True)
class _Until:
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
        if self.at is None:
            return self.day.strftime("%Y%m%d")
        return f"{self.day:%Y%m%d}T{self.at:%H%M%S}{'Z' if self.utc else ''}"


@dataclass(frozen=True)
class _Rule:
    parts: tuple[tuple[str, str], ...]
    """Every part but UNTIL, upper case, in the order written."""
    until: _Until | None

    @property
    def text(self) -> str:
        parts = list(self.parts)
        if self.until is not None:
            parts.append(("UNTIL", self.until.text()))
        return ";".join(f"{name}={value}" for name, value in parts)

    def starts(self, dtstart: datetime) -> Iterator[datetime]:
        """Naive local start times from a naive local ``dtstart``, UNTIL not applied."""
        text = ";".join(f"{name}={value}" for name, value in self.parts)
        iterator: Iterator[datetime] = iter(rrulestr(text, dtstart=dtstart))
        return iterator


def _rule_error(text: str, reason: str) -> ValueError:
    return ValueError(f"{text.strip()!r} is not a valid recurrence rule: {reason}")


def _check_numbers(name: str, value: str) -> list[int]:
    lowest, highest, negative = _NUMBER_RANGES[name]
    numbers: list[int] = []
    for item in value.split(","):
        if not _INTEGER.fullmatch(item):
            raise ValueError(f"{name} needs whole numbers, not {item!r}")
        number = int(item)
        if not (lowest <= number <= highest or (negative and -highest <= number <= -lowest)):
            span = f"{-highest}..{-lowest} or " if negative else ""
            raise ValueError(f"{name} values must be {span}{lowest}..{highest}, not {number}")
        numbers.append(number)
    return numbers


def _check_positive(name: str, value: str) -> None:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")


def _parse_until(value: str) -> _Until:
    match = _UNTIL.fullmatch(value)
    if match is None:
        raise ValueError(f"UNTIL must look like 20261231 or 20261231T170000, not {value!r}")
    year, month, day, hour, minute, second, zulu = match.groups()
    try:
        until_day = date(int(year), int(month), int(day))
        at = None if hour is None else time(int(hour), int(minute), int(second))
    except ValueError:
        raise ValueError(f"UNTIL {value!r} is not a real date and time") from None
    return _Until(until_day, at, zulu is not None)


def _check_month_days(by_month: list[int], by_month_day: list[int]) -> None:
    longest = max(_DAYS_IN_MONTH[month] for month in by_month)
    if all(abs(day) > longest for day in by_month_day):
        raise ValueError("no day of BYMONTHDAY exists in the months of BYMONTH")


def _parse_rule(text: str) -> _Rule:
    body = text.strip()
    if "\n" in body or "\r" in body:
        raise _rule_error(text, "write a single RRULE line (no DTSTART, RDATE or EXDATE)")
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    body = body.strip().strip(";").upper()
    if not body:
        raise _rule_error(text, "it is empty")
    parts: dict[str, str] = {}
    until: _Until | None = None
    numbers: dict[str, list[int]] = {}
    try:
        for item in body.split(";"):
            name, separator, value = (piece.strip() for piece in item.partition("="))
            if not separator or not name or not value:
                raise ValueError(f"{item.strip()!r} is not NAME=VALUE")
            if name not in _KNOWN_PARTS:
                raise ValueError(f"unknown part {name}")
            if name in parts or (name == "UNTIL" and until is not None):
                raise ValueError(f"{name} is given twice")
            if name == "FREQ":
                if value in _TOO_FREQUENT:
                    raise ValueError("a duty recurs at most once a day (FREQ=DAILY or slower)")
                if value not in _FREQUENCIES:
                    raise ValueError(f"FREQ must be one of {', '.join(_FREQUENCIES)}")
            elif name in {"INTERVAL", "COUNT"}:
                _check_positive(name, value)
            elif name == "UNTIL":
                until = _parse_until(value)
                continue
            elif name == "WKST":
                if value not in _WEEKDAYS:
                    raise ValueError(f"WKST must be one of {', '.join(_WEEKDAYS)}")
            elif name == "BYDAY":
                for day in value.split(","):
                    if not _BYDAY.fullmatch(day):
                        raise ValueError(f"BYDAY needs days such as MO, TU or 1MO, not {day!r}")
            else:
                numbers[name] = _check_numbers(name, value)
                if name in _ONE_A_DAY and len(numbers[name]) > 1:
                    raise ValueError(f"{name} takes one value: a duty happens at most once a day")
            parts[name] = value
        if "FREQ" not in parts:
            raise ValueError("FREQ is required, e.g. FREQ=MONTHLY;BYMONTHDAY=10,20")
        if "COUNT" in parts and until is not None:
            raise ValueError("give COUNT or UNTIL, not both")
        if "BYMONTH" in numbers and "BYMONTHDAY" in numbers:
            _check_month_days(numbers["BYMONTH"], numbers["BYMONTHDAY"])
    except ValueError as error:
        raise _rule_error(text, str(error)) from None
    ordered = ("FREQ", *(name for name in parts if name != "FREQ"))
    rule = _Rule(tuple((name, parts[name]) for name in ordered), until)
    try:
        next(iter(rule.starts(_PROBE_START)), None)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise _rule_error(text, str(error) or type(error).__name__) from None
    return rule


def normalize_rrule(text: str) -> str:
    """The rule in canonical form (upper case, no ``RRULE:`` prefix, FREQ first).

    Raises ``ValueError`` with an English explanation when the rule is not usable: not
    RFC 5545, more often than daily, several times a day, or never matching a day.
    """
    return _parse_rule(text).text


def validate_rrule(text: str) -> str | None:
    """``None`` for a usable rule, otherwise the reason it is not (English)."""
    try:
        _parse_rule(text)
    except ValueError as error:
        return str(error)
    return None


# --- occurrences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One happening of a scheduled duty, after the holiday shift.

    ``original_date`` is the date the rule produced: a stable key even when the
    calendar (and so the shift) changes. ``index`` is its position, from 0, among all
    the dates the rule produces from its start (occurrences dropped by a collision
    keep their number, so later indexes do not move): the rota position.
    """

    original_date: date
    starts_at: datetime
    ends_at: datetime | None
    shifted: bool
    index: int = 0


def _zone(value: datetime, name: str) -> tzinfo:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (in the council's time zone)")
    return value.tzinfo


def expand_occurrences(
    *,
    start: datetime,
    end: datetime | None,
    rrule: str | None,
    until: date | None,
    shift: Shift,
    calendar: WorkingCalendar,
    window_start: datetime,
    window_end: datetime,
) -> list[Occurrence]:
    """The occurrences of one schedule row whose (shifted) start is in the window.

    ``start``/``end`` are the first session, aware, in the council's zone: the rule is
    expanded on that zone's wall clock and a shifted occurrence keeps its time of day
    and its duration (``end - start``; ``end`` ``None`` gives ``ends_at`` ``None``).
    ``rrule`` is an RFC 5545 RRULE (``None``: a single occurrence at ``start``); as in
    python-dateutil, ``start`` only counts when it matches the rule. ``until`` is an
    inclusive last date for the rule's dates (before shifting), combined with any
    UNTIL inside the rule (a date-only UNTIL is inclusive too); it does not limit a
    single occurrence. When two dates shift onto the same day only the earliest is
    kept. The window is ``window_start <= starts_at < window_end``. Raises
    ``ValueError`` for an invalid rule or naive datetimes.
    """
    zone = _zone(start, "start")
    _zone(window_start, "window_start")
    _zone(window_end, "window_end")
    duration: timedelta | None = None
    if end is not None:
        _zone(end, "end")
        duration = end - start
        if duration < timedelta(0):
            raise ValueError("end must not be before start")

    local_start = start.replace(tzinfo=None)
    limit: datetime | None = None
    starts: Iterator[datetime]
    if rrule is None:
        starts = iter((local_start,))
    else:
        rule = _parse_rule(rrule)
        starts = rule.starts(local_start)
        if rule.until is not None:
            limit = rule.until.local_limit(zone)
        if until is not None:
            until_limit = datetime.combine(until, time.max)
            limit = until_limit if limit is None else min(limit, until_limit)

    occurrences: list[Occurrence] = []
    taken: set[date] = set()
    for index, local in enumerate(starts):
        if limit is not None and local > limit:
            break
        if local.replace(tzinfo=zone) >= window_end:
            break  # a shift only moves later, so nothing further can be in the window
        day = shift_date(local.date(), shift, calendar)
        if day in taken:
            continue
        taken.add(day)
        starts_at = datetime.combine(day, local.time(), tzinfo=zone)
        if not window_start <= starts_at < window_end:
            continue
        occurrences.append(
            Occurrence(
                original_date=local.date(),
                starts_at=starts_at,
                ends_at=None if duration is None else starts_at + duration,
                shifted=day != local.date(),
                index=index,
            )
        )
    return occurrences


# --- round-robin rota -------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


def _check_pool(pool: Sequence[str], per_occurrence: int | None) -> None:
    if per_occurrence is not None and per_occurrence < 1:
        raise ValueError(f"per_occurrence must be at least 1, not {per_occurrence}")
    seen: set[str] = set()
    for member in pool:
        if member in seen:
            raise ValueError(f"{member!r} appears twice in the pool")
        seen.add(member)


def _slot(pool: Sequence[str], index: int, per_occurrence: int | None) -> tuple[str, ...]:
    size = len(pool)
    if per_occurrence is None or per_occurrence >= size:
        return tuple(pool)
    first = (index * per_occurrence) % size
    return tuple(pool[(first + offset) % size] for offset in range(per_occurrence))


def rota_slot(pool: Sequence[str], index: int, per_occurrence: int | None) -> tuple[str, ...]:
    """Who attends the occurrence number ``index`` (from 0, :attr:`Occurrence.index`).

    ``per_occurrence`` ``None`` (or at least the pool size): the whole pool, in pool
    order. Otherwise ``per_occurrence`` members taken cyclically in pool order from
    position ``(index * per_occurrence) % len(pool)``. An empty pool gives ``()``.
    """
    if index < 0:
        raise ValueError(f"index must not be negative, not {index}")
    _check_pool(pool, per_occurrence)
    return _slot(pool, index, per_occurrence)


def assign_round_robin(
    pool: Sequence[str], occurrence_keys: Sequence[K], per_occurrence: int | None
) -> dict[K, tuple[str, ...]]:
    """Members for each occurrence; the k-th key (from 0) gets :func:`rota_slot` ``k``.

    Pass the keys of *all* occurrences since the rule's start in chronological order
    (or use :func:`rota_slot` with :attr:`Occurrence.index`) so that a given occurrence
    always gets the same delegates whatever window is being planned.
    """
    _check_pool(pool, per_occurrence)
    assignment: dict[K, tuple[str, ...]] = {}
    for position, key in enumerate(occurrence_keys):
        if key in assignment:
            raise ValueError(f"occurrence key {key!r} appears twice")
        assignment[key] = _slot(pool, position, per_occurrence)
    return assignment
