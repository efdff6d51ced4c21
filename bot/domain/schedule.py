"""The schedule file: its columns and the rules for each row.

Pure: table rows in, :class:`ScheduleEntry` values and problems out. Delegate codes,
councils and units are checked against the database by :mod:`bot.services.schedule.imports`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from bot.domain.calendar import Shift
from bot.domain.dates import format_as_written, format_date
from bot.domain.recurrence import first_date, parse_rule
from bot.domain.roster import parse_code
from bot.domain.schedule_cells import (
    KEY_MAX_LENGTH,
    LOCATION_MAX_LENGTH,
    REF_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ReceptionCategory,
    _check_length,
    parse_category,
    parse_delegates,
    parse_per_occurrence,
    parse_recurrence,
    parse_shift,
)
from bot.domain.schedule_cells import (
    PER_OCCURRENCE_MAX as PER_OCCURRENCE_MAX,
)
from bot.domain.schedule_cells import (
    DelegateSelection as DelegateSelection,
)
from bot.domain.schedule_cells import (
    EventKind as EventKind,
)
from bot.domain.schedule_cells import (
    parse_clock as parse_clock,
)
from bot.domain.schedule_cells import (
    parse_date as parse_date,
)
from bot.domain.schedule_cells import (
    parse_kind as parse_kind,
)
from bot.domain.schedule_cells import (
    parse_local_datetime as parse_local_datetime,
)
from bot.domain.tables import (
    InvalidValue,
    Problem,
    TableRow,
    check_cell,
    fold_label,
)
from bot.i18n import N_, Gettext

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
    "category": ("phân loại", "hình thức", "hình thức tiếp", "loại tiếp công dân"),
}
"""Canonical schedule column → header spellings accepted besides the canonical name."""

SCHEDULE_REQUIRED = ("kind", "title", "starts_at", "council", "delegates")
_V = TypeVar("_V")


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
    category: ReceptionCategory | None = None
    """Receptions only: ``periodic`` or ``delegate`` (the default); ``None`` otherwise."""


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
    category: ReceptionCategory | None


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
        category=optional("category", parse_category),
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
                {"ends": _shown(ends), "starts": _shown(starts)},
            )
        )
    if until is not None and not _optional(row, "recurrence"):
        found.append(Problem(row.number, "until", N_("until is only used with a recurrence")))
    if until is not None and starts is not None and until < starts.date():
        found.append(Problem(row.number, "until", N_("until is before the start date")))
    elif cells.recurrence is not None and starts is not None and not _has_problem(found, "until"):
        _check_first_date(row.number, cells.recurrence, starts, until, found)


def _shown(moment: datetime) -> str:
    """A time as the clerk writes it in the file: ``10/12/2026 7h30``."""
    return format_as_written(moment)


def _check_category(row: TableRow, cells: _Cells, found: list[Problem]) -> None:
    if cells.category is not None and cells.kind not in (None, EventKind.reception):
        found.append(
            Problem(row.number, "category", N_("Only a citizen reception has this column filled"))
        )


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
            {"start": format_date(starts), "end": format_date(span_end)},
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
        _check_category(row, cells, found)
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
                category=(cells.category or ReceptionCategory.delegate)
                if cells.kind is EventKind.reception
                else None,
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
