"""Rows of a reports file (collected on paper or by phone): reading and checking each cell.

Columns: ``delegate, date, kind, held, citizens, petitions, note`` and optionally
``forwarded, voters, opinions, reason``. An export carries ``title, unit, reported_at,
source`` after them; those are read back as known columns and ignored, so an export
imports again cleanly. Matching a row to an assignment needs the database and is done
by ``bot/services/reports/files.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from bot.domain.csv_text import protect_cell as protect_cell
from bot.domain.csv_text import unprotect_cell
from bot.domain.reports import MAX_FIGURE, MAX_NOTE, Figures, NotHeldReason
from bot.domain.schedule import parse_clock, parse_date, parse_kind
from bot.domain.schedule_cells import KIND_WORDS
from bot.domain.tables import InvalidValue, Problem, TableRow, check_cell, fold_label
from bot.i18n import N_

IMPORT_COLUMNS = ("delegate", "date", "kind", "held", "citizens", "petitions", "note")
OPTIONAL_COLUMNS = ("forwarded", "voters", "opinions", "reason")
EXPORT_EXTRA = ("title", "unit", "reported_at", "source", "start")
"""``title`` and ``start`` tell two duties of one kind on one day apart when imported."""
EXPORT_COLUMNS = IMPORT_COLUMNS + OPTIONAL_COLUMNS + EXPORT_EXTRA
REQUIRED = ("delegate", "date", "kind", "held")
FIGURE_COLUMNS = ("citizens", "petitions", "forwarded", "voters", "opinions")
KIND_FIGURES: Mapping[str, tuple[str, ...]] = {
    "reception": ("citizens", "petitions", "forwarded"),
    "voter_meeting": ("voters", "opinions"),
}
"""The figure columns of each kind; any other kind (a supervision) has none."""
PRIMARY_FIGURES: Mapping[str, tuple[str, str]] = {
    "reception": ("citizens", "petitions"),
    "voter_meeting": ("voters", "opinions"),
}
"""Given together or not at all: half a set would replace a carrier's whole set."""
_REPORTED_AT_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d",
    "%d/%m/%Y",
)

ALIASES: Mapping[str, tuple[str, ...]] = {
    "delegate": ("mã đại biểu", "đại biểu", "mã"),
    "name": ("họ và tên", "họ tên", "full_name"),  # the export's name column, read and ignored
    "date": ("ngày",),
    "kind": ("loại", "hoạt động", "loại hoạt động"),
    "held": ("đã thực hiện", "thực hiện", "có thực hiện"),
    "citizens": ("công dân", "lượt công dân", "số lượt công dân"),
    "petitions": ("đơn thư", "đơn", "số đơn thư"),
    "note": ("ghi chú",),
    "forwarded": ("đã chuyển", "chuyển", "số đơn đã chuyển"),
    "voters": ("cử tri", "số cử tri"),
    "opinions": ("ý kiến", "ý kiến kiến nghị", "số ý kiến"),
    "reason": ("lý do", "lí do"),
    "title": ("nội dung", "tên hoạt động"),
    "unit": ("đơn vị",),
    "reported_at": ("thời điểm báo cáo", "báo cáo lúc"),
    "source": ("nguồn",),
    "start": ("giờ bắt đầu", "bắt đầu", "giờ"),
}

_YES = frozenset({"yes", "y", "co", "x", "1", "true", "da thuc hien", "da", "co thuc hien"})
_NO = frozenset({"no", "n", "khong", "0", "false", "khong thuc hien", "khong thuc hien duoc"})
# An office sheet writes «chưa» for "not reported yet", not for "did not take place".
_NOT_YET = frozenset({"chua", "chua thuc hien", "chua bao cao", "chua co bao cao"})
_REASONS: Mapping[str, NotHeldReason] = {
    "postponed": NotHeldReason.postponed,
    "hoan": NotHeldReason.postponed,
    "hoan lich": NotHeldReason.postponed,
    "clash": NotHeldReason.clash,
    "trung lich": NotHeldReason.clash,
    "trung lich cong tac": NotHeldReason.clash,
    "personal": NotHeldReason.personal,
    "om": NotHeldReason.personal,
    "viec rieng": NotHeldReason.personal,
    "om/viec rieng": NotHeldReason.personal,
    "om dau": NotHeldReason.personal,
    "om dau, viec rieng": NotHeldReason.personal,
    "om dau viec rieng": NotHeldReason.personal,
    "om hoac viec rieng": NotHeldReason.personal,
    "ly do ca nhan": NotHeldReason.personal,  # as the statistics word it
    "ca nhan": NotHeldReason.personal,
    "other": NotHeldReason.other,
    "khac": NotHeldReason.other,
    "ly do khac": NotHeldReason.other,
}


@dataclass(frozen=True)
class ReportRow:
    number: int
    delegate_code: str
    day: date
    kind: str
    held: bool
    figures: Figures | None
    """``None``: no figure given (a co-attendee's row, or a report without figures)."""
    reason: str | None
    note: str
    title: str = ""
    start: time | None = None
    reported_at: datetime | None = None
    """Local (naive) time of the report an export row was taken from; ``None`` on paper
    entries. A stored report changed after it is newer than the row."""


def parse_held(text: str) -> bool:
    folded = fold_label(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    if folded in _NOT_YET:
        raise InvalidValue(
            N_(
                '"{value}" may mean not reported yet: write không if it did not take place, '
                "or leave the row out until it is reported"
            ),
            value=text.strip(),
        )
    raise InvalidValue(N_('"{value}" is not yes or no (có or không)'), value=text.strip())


def parse_reason(text: str) -> str | None:
    if not text.strip():
        return None
    reason = _REASONS.get(fold_label(text))
    if reason is None:
        raise InvalidValue(
            N_('"{value}" is not a reason: use postponed, clash, personal or other'),
            value=text.strip(),
        )
    return reason.value


def parse_figure(text: str) -> int | None:
    value = text.strip().removesuffix(".0")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) > MAX_FIGURE:
        raise InvalidValue(
            N_('"{value}" is not a whole number from 0 to 10,000'), value=text.strip()
        )
    return int(value)


def parse_start(text: str) -> time | None:
    if not text.strip():
        return None
    clock = parse_clock(text)
    if clock is None:
        raise InvalidValue(N_('"{value}" is not a time such as 7h30 or 07:30'), value=text.strip())
    return clock


def parse_reported_at(text: str) -> datetime | None:
    value = text.strip()
    if not value:
        return None
    for pattern in _REPORTED_AT_FORMATS:
        try:
            # Local wall-clock time: the importer attaches the council zone.
            return datetime.strptime(value, pattern)  # noqa: DTZ007
        except ValueError:
            continue
    raise InvalidValue(N_('"{value}" is not a date and time such as 2026-12-20 09:30'), value=value)


def parse_code(text: str) -> str:
    code = text.strip()
    if not code:
        raise InvalidValue(N_("A value is required"))
    if len(code) > 64:
        raise InvalidValue(
            N_('"{value}" is longer than {limit} characters'), value=code, limit="64"
        )
    return code


def _figures(
    row: TableRow, kind: str | None, held: bool | None, problems: list[Problem]
) -> Figures | None:
    values = {name: check_cell(row, name, _parse_figure, problems) for name in FIGURE_COLUMNS}
    note = unprotect_cell(row.values.get("note", "").strip())[:MAX_NOTE]
    if all(value is None for value in values.values()):
        return None
    if held is False:
        return Figures(**values, note=note)  # refused as a whole: "did not take place"
    if kind is None:
        return None  # the kind's own problem is reported; its figures cannot be checked
    before = len(problems)
    _check_kind_figures(row.number, kind, values, problems)
    if len(problems) > before:
        return None
    forwarded, petitions = values["forwarded"], values["petitions"]
    if forwarded is not None and petitions is not None and forwarded > petitions:
        problems.append(
            Problem(
                row.number,
                "forwarded",
                N_("{forwarded} forwarded is more than the {petitions} petitions received"),
                {"forwarded": str(forwarded), "petitions": str(petitions)},
            )
        )
    if values["citizens"] is not None or values["petitions"] is not None:
        values["forwarded"] = forwarded or 0
    return Figures(**values, note=note)


def _check_kind_figures(
    number: int, kind: str, values: Mapping[str, int | None], problems: list[Problem]
) -> None:
    """Only the kind's figure columns, and both of its primary figures or neither."""
    allowed = KIND_FIGURES.get(kind, ())
    for name in FIGURE_COLUMNS:
        if values[name] is not None and name not in allowed:
            problems.append(
                Problem(
                    number,
                    name,
                    N_("A {kind} row has no {column} figure: leave it empty"),
                    # The office's words, not the codes ("tiếp công dân", "số cử tri").
                    {"kind": KIND_WORDS.get(kind, kind), "column": _figure_label(name)},
                )
            )
    primary = PRIMARY_FIGURES.get(kind)
    if primary is None or any(values[name] is not None and name not in allowed for name in values):
        return
    missing = [name for name in primary if values[name] is None]
    if missing:
        problems.append(
            Problem(
                number,
                missing[0],
                N_("Give both {first} and {second}, or no figures at all"),
                {"first": _figure_label(primary[0]), "second": _figure_label(primary[1])},
            )
        )


def _figure_label(name: str) -> str:
    """A figure column as the export's header says it (``voters`` → ``số cử tri``)."""
    return ALIASES[name][-1] if name in ALIASES else name


# A quarter's file repeats the same few dates, kinds, yes/no and figures thousands of
# times: each distinct cell is parsed once (pure functions, immutable results; a
# refused value raises again, exceptions are not cached).
_parse_date = lru_cache(maxsize=4096)(parse_date)
_parse_kind = lru_cache(maxsize=256)(parse_kind)
_parse_held = lru_cache(maxsize=256)(parse_held)
_parse_reason = lru_cache(maxsize=256)(parse_reason)
_parse_start = lru_cache(maxsize=4096)(parse_start)
_parse_figure = lru_cache(maxsize=4096)(parse_figure)
_parse_reported_at = lru_cache(maxsize=4096)(parse_reported_at)


def read_report_row(row: TableRow) -> tuple[ReportRow | None, list[Problem]]:
    """One row checked cell by cell; every problem of the row, not just the first."""
    problems: list[Problem] = []
    code = check_cell(row, "delegate", parse_code, problems)
    day = check_cell(row, "date", _parse_date, problems)
    kind = check_cell(row, "kind", _parse_kind, problems)
    held = check_cell(row, "held", _parse_held, problems)
    reason = check_cell(row, "reason", _parse_reason, problems)
    start = check_cell(row, "start", _parse_start, problems)
    reported_at = check_cell(row, "reported_at", _parse_reported_at, problems)
    figures = _figures(row, kind.value if kind is not None else None, held, problems)
    if held is False and figures is not None:
        problems.append(
            Problem(row.number, "held", N_("A duty that did not take place has no figures"))
        )
    if held is True and reason is not None:
        problems.append(
            Problem(row.number, "reason", N_("A reason is only given when held is no (không)"))
        )
    if problems or code is None or day is None or kind is None or held is None:
        return None, problems
    note = unprotect_cell(row.values.get("note", "").strip())[:MAX_NOTE]
    if held and figures is None and note:
        figures = Figures(note=note) if kind.value == "supervision" else None
    return (
        ReportRow(
            number=row.number,
            delegate_code=code,
            day=day,
            kind=kind.value,
            held=held,
            figures=figures,
            reason=(reason or NotHeldReason.other.value) if not held else None,
            note=note,
            title=unprotect_cell(row.values.get("title", "").strip()),
            start=start,
            reported_at=reported_at,
        ),
        [],
    )


def read_report_rows(rows: Sequence[TableRow]) -> tuple[list[ReportRow], list[Problem]]:
    entries: list[ReportRow] = []
    problems: list[Problem] = []
    for row in rows:
        entry, found = read_report_row(row)
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
    return entries, problems
