"""The schedule file: its columns and the rules for each row.

Pure: table rows in, :class:`ScheduleEntry` values and problems out. Delegate codes,
councils and units are checked against the database by :mod:`bot.services.schedule.imports`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import TypeVar

from bot.domain.calendar import Shift
from bot.domain.recurrence import RECURRENCE_MAX_LENGTH, first_date, normalize_rrule, parse_rule
from bot.domain.roster import CODE_MAX_LENGTH, TEXT_MAX_LENGTH, parse_code
from bot.domain.tables import (
    InvalidValue,
    Problem,
    TableRow,
    check_cell,
    fold_label,
    match_day,
)
from bot.i18n import N_, Gettext


class EventKind(StrEnum):
    reception = "reception"
    voter_meeting = "voter_meeting"
    session = "session"
    deadline = "deadline"
    supervision = "supervision"
    other = "other"


SCHEDULE_ALIASES: Mapping[str, tuple[str, ...]] = {
    "ref": ("id", "mã lịch", "mã sự kiện"),
    "kind": ("type", "loại", "loại việc", "loại sự kiện"),
    "title": ("tiêu đề", "nội dung", "tên", "tên sự kiện"),
    "starts_at": ("start", "bắt đầu", "thời gian bắt đầu", "từ"),
    "ends_at": ("end", "kết thúc", "thời gian kết thúc", "đến"),
    "location": ("địa điểm", "nơi", "place"),
    "council": ("hội đồng", "mã hội đồng", "hđnd", "mã hđnd"),
    "delegates": ("đại biểu", "người thực hiện", "mã đại biểu"),
    "recurrence": ("rrule", "lặp lại", "lặp"),
    "until": ("đến ngày", "lặp đến"),
    "shift": ("dời lịch", "dời ngày", "khi trùng ngày nghỉ"),
    "per_occurrence": ("số người mỗi buổi", "số đại biểu mỗi buổi", "mỗi buổi"),
}
"""Canonical schedule column → header spellings accepted besides the canonical name."""

SCHEDULE_REQUIRED = ("kind", "title", "starts_at", "council", "delegates")

TITLE_MAX_LENGTH = 255
LOCATION_MAX_LENGTH = 255
KEY_MAX_LENGTH = 512
"""``events.key``: ``ref:`` and the ref, or the kind and the folded title."""
REF_MAX_LENGTH = KEY_MAX_LENGTH - len("ref:")
PER_OCCURRENCE_MAX = 1000
_KIND_WORDS: dict[str, EventKind] = {
    fold_label(word): kind
    for kind, words in {
        EventKind.reception: ("reception", "tiếp công dân", "tcd"),
        EventKind.voter_meeting: ("voter_meeting", "voter meeting", "tiếp xúc cử tri", "txct"),
        EventKind.session: ("session", "kỳ họp", "họp"),
        EventKind.deadline: ("deadline", "hạn", "thời hạn", "hạn chót"),
        EventKind.supervision: ("supervision", "giám sát"),
        EventKind.other: ("other", "khác", "tập huấn"),
    }.items()
    for word in words
}
_KINDS_ACCEPTED = ", ".join(kind.value for kind in EventKind)
_SHIFT_WORDS: dict[str, Shift] = {
    fold_label(word): shift
    for shift, words in {
        Shift.next_working_day: ("next_working_day", "ngày làm việc tiếp theo", "dời"),
        Shift.none: ("none", "không", "không dời"),
    }.items()
    for word in words
}
_UNIT_PREFIX = re.compile(r"^\s*unit\s*:\s*", re.IGNORECASE)
_CODE_SEPARATORS = re.compile(r"[;,\n]+")
_V = TypeVar("_V")


@dataclass(frozen=True)
class DelegateSelection:
    """Who a row is for: listed codes (pool order), a whole council, or one unit."""

    codes: tuple[str, ...] = ()
    everyone: bool = False
    unit: str | None = None


@dataclass(frozen=True)
class ScheduleEntry:
    """One valid schedule row. Times are local wall-clock (naive), in the council's zone."""

    row: int
    key: str
    kind: EventKind
    title: str
    starts_local: datetime
    ends_local: datetime | None
    location: str
    council: str
    delegates: DelegateSelection
    recurrence: str | None
    until: date | None
    shift: Shift
    per_occurrence: int | None


@dataclass(frozen=True)
class RowAudience:
    """Who a row is for: checked against the roster even when other cells are wrong."""

    row: int
    council: str
    delegates: DelegateSelection


def row_audiences(rows: Iterable[TableRow]) -> list[RowAudience]:
    """The council and delegate selection of every row where both cells are readable."""
    audiences = []
    for row in rows:
        try:
            council = parse_code(row.values.get("council", ""))
            selection = parse_delegates(row.values.get("delegates", ""))
        except InvalidValue:
            continue  # validate_schedule reports these cells
        audiences.append(RowAudience(row.number, council, selection))
    return audiences


def parse_kind(text: str) -> EventKind:
    kind = _KIND_WORDS.get(fold_label(text))
    if kind is None:
        raise InvalidValue(
            N_('"{value}" is not a known kind: use one of {accepted}'),
            value=text.strip(),
            accepted=_KINDS_ACCEPTED,
        )
    return kind


_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2})(?::\d{2})?|[hH](\d{2})?)$")


def parse_clock(text: str) -> time | None:
    """``07:30``, ``7:30``, ``7h30``, ``7h`` (as offices write it); ``None`` if not a time."""
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_local_datetime(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` or ``DD/MM/YYYY HH:MM`` (also ``7h30``, ``7h``), local time."""
    value = " ".join(text.replace("T", " ").split())
    if not value:
        raise InvalidValue(N_("A value is required"))
    parts = value.split(" ")
    if len(parts) == 2:
        day = match_day(parts[0], value)
        clock = parse_clock(parts[1])
        if day is not None and clock is not None:
            return datetime.combine(day, clock)
    raise InvalidValue(N_('"{value}" is not a date and time such as 2026-12-10 08:00'), value=value)


def parse_date(text: str) -> date:
    value = text.strip()
    if "T" in value or " " in value:  # a date cell from a spreadsheet may carry 00:00
        value = value.replace("T", " ").split(" ")[0]
    day = match_day(value, text.strip())
    if day is None:
        raise InvalidValue(N_('"{value}" is not a date such as 2026-12-31'), value=text.strip())
    return day


def parse_shift(text: str) -> Shift:
    shift = _SHIFT_WORDS.get(fold_label(text))
    if shift is None:
        raise InvalidValue(
            N_('"{value}" is not a shift policy: use next_working_day or none'), value=text.strip()
        )
    return shift


def parse_per_occurrence(text: str) -> int:
    value = text.strip().removesuffix(".0")
    digits = value.lstrip("0")
    if not (value.isascii() and value.isdigit()) or not digits:
        raise InvalidValue(N_('"{value}" is not a whole number of at least 1'), value=text.strip())
    if len(digits) > len(str(PER_OCCURRENCE_MAX)) or int(digits) > PER_OCCURRENCE_MAX:
        raise InvalidValue(
            N_("At most {limit} delegates per occurrence, not {value}"),
            value=value,
            limit=str(PER_OCCURRENCE_MAX),
        )
    return int(digits)


def parse_recurrence(text: str) -> str:
    _check_length(text.strip(), RECURRENCE_MAX_LENGTH)
    try:
        return normalize_rrule(text)
    except ValueError as error:
        reason = getattr(error, "reason", str(error))
        raise InvalidValue(
            N_('"{value}" is not a valid RRULE ({reason})'), value=text.strip(), reason=reason
        ) from None


def _check_length(value: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidValue(
            N_("Too long: {length} characters (at most {limit})"),
            length=str(len(value)),
            limit=str(limit),
        )
    return value


def parse_delegates(text: str) -> DelegateSelection:
    value = " ".join(text.split())
    if not value:
        raise InvalidValue(N_("A value is required"))
    if fold_label(value) in {"all", "tat ca"}:
        return DelegateSelection(everyone=True)
    if _UNIT_PREFIX.match(value):
        unit = _UNIT_PREFIX.sub("", value).strip()
        if not unit:
            raise InvalidValue(N_("Name the unit after unit:, e.g. unit:Xã Mỹ Lộc"))
        return DelegateSelection(unit=_check_length(unit, TEXT_MAX_LENGTH))
    codes = tuple(code.strip() for code in _CODE_SEPARATORS.split(value) if code.strip())
    seen: set[str] = set()
    for code in codes:
        if len(code) > CODE_MAX_LENGTH:
            raise InvalidValue(
                N_('Code "{code}" is too long: {length} characters (at most {limit})'),
                code=code,
                length=str(len(code)),
                limit=str(CODE_MAX_LENGTH),
            )
        if code in seen:
            raise InvalidValue(N_("Delegate {code} is listed twice"), code=code)
        seen.add(code)
    return DelegateSelection(codes=codes)


def _title(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise InvalidValue(N_("A value is required"))
    return _check_length(value, TITLE_MAX_LENGTH)


def _location(text: str) -> str:
    return _check_length(" ".join(text.split()), LOCATION_MAX_LENGTH)


def _ref(text: str) -> str:
    return _check_length(text.strip(), REF_MAX_LENGTH)


def _optional(row: TableRow, column: str) -> bool:
    return bool(row.values.get(column, "").strip())


def event_key(council: str, kind: EventKind, title: str, ref: str | None) -> str:
    """Identity of a row across re-imports: its ``ref`` if given, else kind and title."""
    if ref:
        return f"ref:{ref.strip()}"
    return f"{kind.value}:{' '.join(title.split()).casefold()}"


@dataclass(frozen=True)
class _Cells:
    """A row's cells, each parsed or ``None`` when empty or wrong (its problem recorded)."""

    kind: EventKind | None
    title: str | None
    starts: datetime | None
    ends: datetime | None
    location: str | None
    council: str | None
    delegates: DelegateSelection | None
    recurrence: str | None
    until: date | None
    shift: Shift | None
    per_occurrence: int | None
    ref: str | None


def _read_cells(row: TableRow, found: list[Problem]) -> _Cells:
    def optional(column: str, parse: Callable[[str], _V]) -> _V | None:
        return check_cell(row, column, parse, found) if _optional(row, column) else None

    return _Cells(
        kind=check_cell(row, "kind", parse_kind, found),
        title=check_cell(row, "title", _title, found),
        starts=check_cell(row, "starts_at", parse_local_datetime, found),
        ends=optional("ends_at", parse_local_datetime),
        location=check_cell(row, "location", _location, found),
        council=check_cell(row, "council", parse_code, found),
        delegates=check_cell(row, "delegates", parse_delegates, found),
        recurrence=optional("recurrence", parse_recurrence),
        until=optional("until", parse_date),
        shift=optional("shift", parse_shift),
        per_occurrence=optional("per_occurrence", parse_per_occurrence),
        ref=optional("ref", _ref),
    )


def _check_times(row: TableRow, cells: _Cells, found: list[Problem]) -> None:
    """The cells that must agree: end after start, ``until`` with a rule and after the start."""
    kind, starts, ends, until = cells.kind, cells.starts, cells.ends, cells.until
    if kind is not None and kind is not EventKind.deadline and not _optional(row, "ends_at"):
        found.append(Problem(row.number, "ends_at", N_("An end time is required for this kind")))
    if starts is not None and ends is not None and ends <= starts:
        found.append(
            Problem(
                row.number,
                "ends_at",
                N_("The end ({ends}) is not after the start ({starts})"),
                {"ends": f"{ends:%Y-%m-%d %H:%M}", "starts": f"{starts:%Y-%m-%d %H:%M}"},
            )
        )
    if until is not None and not _optional(row, "recurrence"):
        found.append(Problem(row.number, "until", N_("until is only used with a recurrence")))
    if until is not None and starts is not None and until < starts.date():
        found.append(Problem(row.number, "until", N_("until is before the start date")))
    elif cells.recurrence is not None and starts is not None and not _has_problem(found, "until"):
        _check_first_date(row.number, cells.recurrence, starts, until, found)


def _has_problem(found: list[Problem], column: str) -> bool:
    return any(problem.column == column for problem in found)


def _check_first_date(
    number: int, recurrence: str, starts: datetime, until: date | None, found: list[Problem]
) -> None:
    """A rule that gives no date in its span (or within two years, unbounded) is a mistake."""
    first, span_end = first_date(parse_rule(recurrence), starts, until)
    if first is not None:
        return
    found.append(
        Problem(
            number,
            "recurrence",
            N_("The rule gives no date between {start} and {end}"),
            {"start": f"{starts:%Y-%m-%d}", "end": f"{span_end:%Y-%m-%d}"},
        )
    )


def _key(
    row: TableRow, cells: _Cells, first_row_of_key: dict[tuple[str, str], int], found: list[Problem]
) -> str | None:
    """The event's identity, checked for length and against the rows before it."""
    if cells.kind is None or cells.title is None or cells.council is None:
        return None
    if _optional(row, "ref") and cells.ref is None:
        return None  # the ref cell has its problem
    key = event_key(cells.council, cells.kind, cells.title, cells.ref)
    column = "ref" if cells.ref else "title"
    if len(key) > KEY_MAX_LENGTH:
        found.append(
            Problem(
                row.number,
                column,
                N_("Too long: {length} characters (at most {limit})"),
                {"length": str(len(key)), "limit": str(KEY_MAX_LENGTH)},
            )
        )
        return None
    first = first_row_of_key.setdefault((cells.council, key), row.number)
    if first != row.number:
        found.append(
            Problem(
                row.number,
                column,
                N_(
                    "Same event as row {first_row}; give each event its own title (or a ref column)"
                ),
                {"first_row": str(first)},
            )
        )
    return key


def validate_schedule(rows: Iterable[TableRow]) -> tuple[list[ScheduleEntry], list[Problem]]:
    """Every valid row and every problem of every row."""
    entries: list[ScheduleEntry] = []
    problems: list[Problem] = []
    first_row_of_key: dict[tuple[str, str], int] = {}
    for row in rows:
        found: list[Problem] = []
        cells = _read_cells(row, found)
        _check_times(row, cells, found)
        key = _key(row, cells, first_row_of_key, found)
        if (
            found
            or key is None
            or cells.kind is None
            or cells.title is None
            or cells.starts is None
            or cells.council is None
            or cells.delegates is None
        ):
            problems.extend(found)
            continue
        entries.append(
            ScheduleEntry(
                row=row.number,
                key=key,
                kind=cells.kind,
                title=cells.title,
                starts_local=cells.starts,
                ends_local=cells.ends,
                location=cells.location or "",
                council=cells.council,
                delegates=cells.delegates,
                recurrence=cells.recurrence,
                until=cells.until,
                shift=cells.shift
                or (Shift.next_working_day if cells.kind is EventKind.reception else Shift.none),
                per_occurrence=cells.per_occurrence,
            )
        )
    return entries, problems


KIND_LABELS: Mapping[str, str] = {
    EventKind.reception: N_("Citizen reception"),
    EventKind.voter_meeting: N_("Voter meeting"),
    EventKind.session: N_("Council session"),
    EventKind.deadline: N_("Deadline"),
    EventKind.supervision: N_("Supervision visit"),
    EventKind.other: N_("Other duty"),
}
"""Message ids naming each kind, as a council office says them (translate before showing)."""


def headline(kind: str, title: str, _: Gettext) -> str:
    """``"<kind label>: <title>"``, or the title alone when it already starts with the label.

    The comparison ignores case and Vietnamese diacritics, and needs a whole-word match:
    ``"Kỳ họp thứ 5"`` stays as it is, ``"Kỳ họp"`` is not a prefix of ``"Kỳ họpx"``.
    """
    message = KIND_LABELS.get(kind)
    if message is None:
        return title
    label = _(message)
    folded_title, folded_label = fold_label(title), fold_label(label)
    if folded_label and folded_title.startswith(folded_label):
        rest = folded_title[len(folded_label) :]
        if not rest or not rest[0].isalnum():
            return title
    return f"{label}: {title}"
