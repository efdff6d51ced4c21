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

import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import TypeVar

import holidays

from bot.domain.recurrence import normalize_rrule, parse_rule, validate_rrule
from bot.domain.tables import InvalidValue, Problem, check_day, match_day
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


def parse_exception_date(text: str) -> date:
    """``2026-01-10`` or ``10/01/2026`` (also ``10-01-2026``, ``10.01.2026``), day first."""
    day = match_day(text)
    if day is None:
        raise InvalidValue(
            N_('"{value}" is not a date: write YYYY-MM-DD or DD/MM/YYYY'), value=text.strip()
        )
    return day


def parse_exception_kind(text: str) -> ExceptionKind:
    """``off``/``nghỉ`` or ``workday``/``làm bù``/``làm việc``, with or without accents."""
    kind = _KINDS.get(_fold(text))
    if kind is None:
        raise InvalidValue(
            N_('"{value}" is not a kind of day: write off (nghỉ) or workday (làm bù)'),
            value=text.strip(),
        )
    return kind


def _exception_cells(
    number: int, cells: Mapping[str, str], problems: list[Problem]
) -> tuple[date | None, ExceptionKind | None, str | None]:
    """One row's day, kind and note, each ``None`` when wrong (its problem recorded)."""
    day: date | None = None
    kind: ExceptionKind | None = None
    date_text = cells.get("date", "").strip()
    kind_text = cells.get("kind", "").strip()
    note = " ".join(cells.get("note", "").split())
    if not date_text:
        problems.append(Problem(number, "date", N_("A value is required")))
    else:
        try:
            day = check_day(parse_exception_date(date_text), date_text)
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
        return day, kind, None
    return day, kind, note


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
        day, kind, note = _exception_cells(number, cells, problems)
        if day is None or kind is None or note is None:
            continue
        earlier = seen.get(day)
        if earlier is not None:
            earlier_row, earlier_kind = earlier
            if earlier_kind is not kind:
                # The day and the kind as the clerk reads them (02/01/2027, "ngày nghỉ").
                message = (
                    N_("{day} is already listed as a day off on row {first_row}")
                    if earlier_kind.value == "off"
                    else N_("{day} is already listed as a make-up working day on row {first_row}")
                )
                problems.append(
                    Problem(
                        number,
                        "kind",
                        message,
                        {"day": f"{day:%d/%m/%Y}", "first_row": str(earlier_row)},
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


def _local_starts(
    rrule: str | None, until: date | None, local_start: datetime, zone: tzinfo, window_end: datetime
) -> Iterator[datetime]:
    """The naive local starts of a rule, up to its UNTIL, ``until``, and just past the window.

    However rarely the rule matches, the walk through the calendar ends there.
    """
    if rrule is None:
        return iter((local_start,))
    rule = parse_rule(rrule)
    limit = window_end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    if rule.until is not None:
        limit = min(limit, rule.until.local_limit(zone))
    if until is not None:
        limit = min(limit, datetime.combine(until, time.max))
    return rule.starts(local_start, limit)


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

    starts = _local_starts(rrule, until, start.replace(tzinfo=None), zone, window_end)
    occurrences: list[Occurrence] = []
    taken: set[date] = set()
    for index, local in enumerate(starts):
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
