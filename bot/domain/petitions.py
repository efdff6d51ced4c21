"""The register of petitions (đơn thư) and voters' opinions (ý kiến cử tri): pure rules.

What a type is called, when an answer falls due (``PETITION_ANSWER_DAYS``), and how a
row of the register file (DESIGN.md "Petitions register") is read and checked. Councils
and delegate codes are checked against the database by ``bot/services/petitions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.csv_text import unprotect_cell
from bot.domain.schedule import parse_date
from bot.domain.tables import InvalidValue, Problem, TableRow, check_cell, fold_label
from bot.i18n import N_


class PetitionSource(StrEnum):
    reception = "reception"
    voter_meeting = "voter_meeting"


class PetitionType(StrEnum):
    complaint = "complaint"
    denunciation = "denunciation"
    proposal = "proposal"
    feedback = "feedback"
    opinion = "opinion"


class PetitionAction(StrEnum):
    forwarded = "forwarded"
    guided = "guided"
    returned = "returned"
    filed = "filed"


PETITION_TYPES = (
    PetitionType.complaint,
    PetitionType.denunciation,
    PetitionType.proposal,
    PetitionType.feedback,
)
"""The types of a petition (đơn); a voters' opinion is ``opinion``. Either comes from
either source (a petition handed in at a voter meeting, an opinion voiced at a reception)."""

DEFAULT_ANSWER_DAYS: Mapping[str, int] = {
    "complaint": 30,
    "denunciation": 30,
    "proposal": 15,
    "feedback": 15,
    "opinion": 30,
}

TYPE_LABELS_VI: Mapping[PetitionType, str] = {
    PetitionType.complaint: "khiếu nại",
    PetitionType.denunciation: "tố cáo",
    PetitionType.proposal: "kiến nghị",
    PetitionType.feedback: "phản ánh",
    PetitionType.opinion: "ý kiến cử tri",
}
ACTION_LABELS_VI: Mapping[PetitionAction, str] = {
    PetitionAction.forwarded: "chuyển",
    PetitionAction.guided: "hướng dẫn",
    PetitionAction.returned: "trả lại",
    PetitionAction.filed: "lưu",
}
SOURCE_LABELS_VI: Mapping[PetitionSource, str] = {
    PetitionSource.reception: "tiếp công dân",
    PetitionSource.voter_meeting: "tiếp xúc cử tri",
}

REF_MAX = 64
SUMMARY_MAX = 500
CITIZEN_MAX = 255
AGENCY_MAX = 255
ANSWER_MAX = 4000
DUE_SOON_DAYS = 3
"""Forwarded items due within this many days are listed to the office."""

COLUMNS = (
    "ref",
    "council",
    "source",
    "received_on",
    "delegate",
    "type",
    "summary",
    "citizen",
    "action",
    "agency",
    "forwarded_on",
    "due_on",
    "answered_on",
    "answer",
)
REQUIRED = ("ref", "council", "source", "received_on", "type")

ALIASES: Mapping[str, tuple[str, ...]] = {
    "ref": ("số", "số vào sổ", "số đơn", "số thứ tự"),
    "council": ("hội đồng", "mã hội đồng", "hđnd", "mã hđnd"),
    "source": ("nguồn", "nguồn tiếp nhận"),
    "received_on": ("ngày tiếp nhận", "ngày nhận"),
    "delegate": ("đại biểu", "mã đại biểu", "đại biểu tiếp nhận"),
    "type": ("loại", "loại đơn", "phân loại"),
    "summary": ("nội dung", "tóm tắt", "nội dung tóm tắt"),
    "citizen": ("công dân", "người gửi", "họ tên, địa chỉ"),
    "action": ("xử lý", "hình thức xử lý", "kết quả xử lý"),
    "agency": ("cơ quan", "cơ quan giải quyết", "chuyển đến", "nơi chuyển"),
    "forwarded_on": ("ngày chuyển",),
    "due_on": ("hạn trả lời", "hạn giải quyết"),
    "answered_on": ("ngày trả lời",),
    "answer": ("trả lời", "nội dung trả lời", "kết quả trả lời"),
}


def _words(table: Mapping[str, StrEnum]) -> dict[str, StrEnum]:
    return {fold_label(word): value for word, value in table.items()}


_SOURCE_WORDS = _words(
    {
        "reception": PetitionSource.reception,
        "tiếp công dân": PetitionSource.reception,
        "voter_meeting": PetitionSource.voter_meeting,
        "tiếp xúc cử tri": PetitionSource.voter_meeting,
        "cử tri": PetitionSource.voter_meeting,
    }
)
_TYPE_WORDS = _words(
    {
        **{t.value: t for t in PetitionType},
        **{label: t for t, label in TYPE_LABELS_VI.items()},
        "ý kiến": PetitionType.opinion,
        "đơn khiếu nại": PetitionType.complaint,
        "đơn tố cáo": PetitionType.denunciation,
        "đơn kiến nghị": PetitionType.proposal,
        "đơn phản ánh": PetitionType.feedback,
        "ý kiến, kiến nghị cử tri": PetitionType.opinion,
    }
)
_ACTION_WORDS = _words(
    {
        **{a.value: a for a in PetitionAction},
        **{label: a for a, label in ACTION_LABELS_VI.items()},
        "đã chuyển": PetitionAction.forwarded,
        "chuyển đơn": PetitionAction.forwarded,
        "trả lại đơn": PetitionAction.returned,
        "lưu đơn": PetitionAction.filed,
    }
)


def due_on(kind: PetitionType, forwarded_on: date, answer_days: Mapping[str, int]) -> date:
    """When the agency's answer falls due: ``answer_days[type]`` days after forwarding."""
    days = answer_days.get(kind.value, DEFAULT_ANSWER_DAYS[kind.value])
    return forwarded_on + timedelta(days=days)


class Urgency(StrEnum):
    overdue = "overdue"
    due_soon = "due_soon"


def urgency(due: date | None, answered: date | None, today: date) -> Urgency | None:
    """Whether an awaited answer is late, or due within :data:`DUE_SOON_DAYS` days."""
    if due is None or answered is not None:
        return None
    if due < today:
        return Urgency.overdue
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return Urgency.due_soon
    return None


def answered_on_time(due: date | None, answered: date | None) -> bool | None:
    """``None`` while unanswered (or never forwarded)."""
    if due is None or answered is None:
        return None
    return answered <= due


# --- cells ------------------------------------------------------------------------------------


def _lookup(text: str, words: Mapping[str, StrEnum], message: str) -> StrEnum:
    found = words.get(fold_label(text))
    if found is None:
        raise InvalidValue(message, value=text.strip())
    return found


def parse_source(text: str) -> PetitionSource:
    found = _lookup(
        text,
        _SOURCE_WORDS,
        N_('"{value}" is not a source: use tiếp công dân (reception) or tiếp xúc cử tri'),
    )
    return PetitionSource(found)


def parse_type(text: str) -> PetitionType:
    found = _lookup(
        text,
        _TYPE_WORDS,
        N_('"{value}" is not a type: use khiếu nại, tố cáo, kiến nghị, phản ánh or ý kiến cử tri'),
    )
    return PetitionType(found)


def parse_action(text: str) -> PetitionAction | None:
    if not text.strip():
        return None
    found = _lookup(
        text,
        _ACTION_WORDS,
        N_('"{value}" is not an action: use chuyển, hướng dẫn, trả lại or lưu'),
    )
    return PetitionAction(found)


def _text(limit: int, *, required: bool = False) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = unprotect_cell(text.strip())
        if required and not value:
            raise InvalidValue(N_("A value is required"))
        if len(value) > limit:
            raise InvalidValue(
                N_('"{value}" is longer than {limit} characters'), value=value, limit=str(limit)
            )
        return value

    return parse


def _optional_date(text: str) -> date | None:
    return parse_date(text) if text.strip() else None


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionRow:
    """One item of the register as the file (or the bot) gives it."""

    number: int
    ref: str
    council: str
    source: PetitionSource
    received_on: date
    delegate: str
    type: PetitionType
    summary: str
    citizen: str
    action: PetitionAction | None
    agency: str
    forwarded_on: date | None
    due_on: date | None
    answered_on: date | None
    answer: str


def _cell(
    row: TableRow, column: str, limit: int, problems: list[Problem], *, required: bool = False
) -> str:
    return check_cell(row, column, _text(limit, required=required), problems) or ""


def _consistency(
    row: TableRow,
    source: PetitionSource | None,
    kind: PetitionType | None,
    action: PetitionAction | None,
    agency: str,
    days: dict[str, date | None],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(column: str, message: str, **params: str) -> None:
        problems.append(Problem(row.number, column, message, params))

    # Any source with any type: voters hand in petitions at a voter meeting too, and a
    # type, not the source, decides whether an item counts as a petition or an opinion.
    forwarded = action is PetitionAction.forwarded
    if forwarded and not agency:
        add("agency", N_("The agency is required when the item is forwarded (chuyển)"))
    if forwarded and days["forwarded_on"] is None and "forwarded_on" not in _bad(problems):
        add("forwarded_on", N_("The forwarding date is required when the item is forwarded"))
    if not forwarded:
        for column in ("forwarded_on", "due_on", "answered_on"):
            if days[column] is not None:
                add(column, N_("Only a forwarded item (chuyển) has this date"))
    received, sent, answered = days["received_on"], days["forwarded_on"], days["answered_on"]
    if received and sent and sent < received:
        add("forwarded_on", N_("The item cannot be forwarded before it was received"))
    if sent and answered and answered < sent:
        add("answered_on", N_("The answer cannot come before the item was forwarded"))
    return problems


def _bad(problems: Sequence[Problem]) -> set[str]:
    return {p.column for p in problems if p.column}


def read_petition_row(
    row: TableRow, answer_days: Mapping[str, int]
) -> tuple[PetitionRow | None, list[Problem]]:
    """One row checked cell by cell; every problem of the row, not just the first."""
    problems: list[Problem] = []
    ref = _cell(row, "ref", REF_MAX, problems, required=True)
    council = _cell(row, "council", REF_MAX, problems, required=True)
    source = check_cell(row, "source", parse_source, problems)
    kind = check_cell(row, "type", parse_type, problems)
    action = check_cell(row, "action", parse_action, problems)
    days = {
        column: check_cell(row, column, _optional_date, problems)
        for column in ("received_on", "forwarded_on", "due_on", "answered_on")
    }
    if days["received_on"] is None and "received_on" not in _bad(problems):
        problems.append(Problem(row.number, "received_on", N_("A value is required")))
    texts = {
        "delegate": _cell(row, "delegate", REF_MAX, problems),
        "summary": _cell(row, "summary", SUMMARY_MAX, problems),
        "citizen": _cell(row, "citizen", CITIZEN_MAX, problems),
        "agency": _cell(row, "agency", AGENCY_MAX, problems),
        "answer": _cell(row, "answer", ANSWER_MAX, problems),
    }
    if texts["answer"] and days["answered_on"] is None and "answered_on" not in _bad(problems):
        problems.append(
            Problem(row.number, "answered_on", N_("An answer needs the date it was given"))
        )
    problems += _consistency(row, source, kind, action, texts["agency"], days)
    received = days["received_on"]
    if problems or source is None or kind is None or received is None:
        return None, problems
    sent = days["forwarded_on"]
    due = days["due_on"] or (due_on(kind, sent, answer_days) if sent is not None else None)
    return (
        PetitionRow(
            number=row.number,
            ref=ref,
            council=council,
            source=source,
            received_on=received,
            delegate=texts["delegate"],
            type=kind,
            summary=texts["summary"],
            citizen=texts["citizen"],
            action=action,
            agency=texts["agency"],
            forwarded_on=sent,
            due_on=due,
            answered_on=days["answered_on"],
            answer=texts["answer"],
        ),
        [],
    )


def read_petition_rows(
    rows: Sequence[TableRow], answer_days: Mapping[str, int]
) -> tuple[list[PetitionRow], list[Problem]]:
    """Every row; a register number given twice for one council is a problem."""
    entries: list[PetitionRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        entry, found = read_petition_row(row, answer_days)
        problems.extend(found)
        if entry is None:
            continue
        key = (fold_label(entry.council), entry.ref.strip().lower())
        if (first := seen.get(key)) is not None:
            problems.append(
                Problem(
                    row.number,
                    "ref",
                    N_("Register number {ref} is already in row {other}"),
                    {"ref": entry.ref, "other": str(first)},
                )
            )
            continue
        seen[key] = row.number
        entries.append(entry)
    return entries, problems


def row_cells(entry: PetitionRow) -> dict[str, str]:
    """The row as the export writes it (English values and ISO dates: it imports again)."""

    def day(value: date | None) -> str:
        return value.isoformat() if value is not None else ""

    return {
        "ref": entry.ref,
        "council": entry.council,
        "source": entry.source.value,
        "received_on": day(entry.received_on),
        "delegate": entry.delegate,
        "type": entry.type.value,
        "summary": entry.summary,
        "citizen": entry.citizen,
        "action": entry.action.value if entry.action is not None else "",
        "agency": entry.agency,
        "forwarded_on": day(entry.forwarded_on),
        "due_on": day(entry.due_on),
        "answered_on": day(entry.answered_on),
        "answer": entry.answer,
    }


def next_ref(existing: Sequence[str], year: int) -> str:
    """The next register number ``N/YEAR`` after those of ``year`` already used."""
    highest = 0
    suffix = f"/{year}"
    for ref in existing:
        number = ref.strip().removesuffix(suffix)
        if ref.strip().endswith(suffix) and number.isdigit():
            highest = max(highest, int(number))
    return f"{highest + 1}{suffix}"
