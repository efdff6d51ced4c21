"""The cells of a schedule file, one at a time: kinds, times, repeats, who attends.

Pure: a cell's text in, its value out, or :class:`~bot.domain.tables.InvalidValue` with a
message that names values as the clerk wrote them (``10/12/2026 7h30``, ``tiếp công
dân``), never the file format's English codes. :mod:`bot.domain.schedule` reads rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.calendar import Shift
from bot.domain.dates import format_date
from bot.domain.recurrence import RECURRENCE_MAX_LENGTH, normalize_rrule
from bot.domain.recurrence_phrases import phrase_to_rrule
from bot.domain.roster import CODE_MAX_LENGTH, TEXT_MAX_LENGTH
from bot.domain.tables import InvalidValue, fold_label, match_day
from bot.i18n import N_


class ReceptionCategory(StrEnum):
    """Whose citizen reception it is (the quarterly text counts the two apart)."""

    periodic = "periodic"
    """The council's own periodic reception (e.g. the 10th and 20th at its office)."""
    delegate = "delegate"
    """Delegates receiving citizens by assignment (the default)."""


class EventKind(StrEnum):
    reception = "reception"
    voter_meeting = "voter_meeting"
    session = "session"
    deadline = "deadline"
    supervision = "supervision"
    other = "other"


TITLE_MAX_LENGTH = 255
LOCATION_MAX_LENGTH = 255
KEY_MAX_LENGTH = 512
"""``events.key``: ``ref:`` and the ref, or the kind and the folded title."""
REF_MAX_LENGTH = KEY_MAX_LENGTH - len("ref:")
PER_OCCURRENCE_MAX = 1000
_KIND_WORDS: dict[str, EventKind] = {
    fold_label(word): kind
    for kind, words in {
        EventKind.reception: ("reception", "tiếp công dân", "tcd", "tiếp dân"),
        EventKind.voter_meeting: (
            "voter_meeting",
            "voter meeting",
            "tiếp xúc cử tri",
            "txct",
            "hội nghị tiếp xúc cử tri",
        ),
        EventKind.session: ("session", "kỳ họp", "họp"),
        EventKind.deadline: ("deadline", "hạn", "thời hạn", "hạn chót", "hạn nộp", "hạn gửi"),
        EventKind.supervision: ("supervision", "giám sát"),
        EventKind.other: ("other", "khác", "tập huấn"),
    }.items()
    for word in words
}
KIND_WORDS: dict[str, str] = {
    EventKind.reception: "tiếp công dân",
    EventKind.voter_meeting: "tiếp xúc cử tri",
    EventKind.session: "kỳ họp",
    EventKind.deadline: "hạn nộp",
    EventKind.supervision: "giám sát",
    EventKind.other: "khác",
}
"""Each kind as the office writes it in a file: how a problem quotes a kind (never
``reception``), whatever the language of the message around it."""
_KINDS_ACCEPTED = ", ".join(KIND_WORDS.values())
_CATEGORY_WORDS: dict[str, ReceptionCategory] = {
    fold_label(word): category
    for category, words in {
        ReceptionCategory.periodic: ("periodic", "định kỳ", "tiếp công dân định kỳ"),
        ReceptionCategory.delegate: ("delegate", "đại biểu", "theo phân công"),
    }.items()
    for word in words
}
_SHIFT_WORDS: dict[str, Shift] = {
    fold_label(word): shift
    for shift, words in {
        Shift.next_working_day: ("next_working_day", "ngày làm việc tiếp theo", "dời"),
        Shift.none: ("none", "không", "không dời"),
    }.items()
    for word in words
}
# ``unit:`` or, as a Vietnamese sheet writes it (and /thongbao reads it), ``đơn vị:``.
_UNIT_PREFIX = re.compile(r"^\s*(?:unit|đơn\s*vị|don\s*vi)\s*:\s*", re.IGNORECASE)
_CODE_SEPARATORS = re.compile(r"[;,\n]+")


@dataclass(frozen=True)
class DelegateSelection:
    """Who a row is for: listed codes (pool order), a whole council, or one unit."""

    codes: tuple[str, ...] = ()
    everyone: bool = False
    unit: str | None = None


def parse_kind(text: str) -> EventKind:
    kind = _KIND_WORDS.get(fold_label(text))
    if kind is None:
        raise InvalidValue(
            N_('"{value}" is not a kind of duty: write one of {accepted}'),
            value=text.strip(),
            accepted=_KINDS_ACCEPTED,
        )
    return kind


def parse_category(text: str) -> ReceptionCategory:
    category = _CATEGORY_WORDS.get(fold_label(text))
    if category is None:
        raise InvalidValue(
            N_('"{value}" is not a kind of reception: write "định kỳ" or "đại biểu"'),
            value=text.strip(),
        )
    return category


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
    if len(parts) == 1 and (day := match_day(parts[0], value)) is not None:
        # A date without its time: the example repeats the clerk's own date.
        raise InvalidValue(
            N_('"{value}" has no time: write e.g. {day} 7h30 (or {day} 07:30)'),
            value=value,
            day=format_date(day),
        )
    raise InvalidValue(
        N_('"{value}" is not a date and time: write e.g. 10/12/2026 7h30 (or 10/12/2026 07:30)'),
        value=value,
    )


def parse_date(text: str) -> date:
    value = text.strip()
    if "T" in value or " " in value:  # a date cell from a spreadsheet may carry 00:00
        value = value.replace("T", " ").split(" ")[0]
    day = match_day(value, text.strip())
    if day is None:
        raise InvalidValue(N_('"{value}" is not a date: write e.g. 31/12/2026'), value=text.strip())
    return day


def parse_shift(text: str) -> Shift:
    shift = _SHIFT_WORDS.get(fold_label(text))
    if shift is None:
        raise InvalidValue(
            N_('"{value}" is not a shift: write "dời" (to the next working day) or "không dời"'),
            value=text.strip(),
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
    """The office's words (``ngày 10 và 20 hằng tháng``) or an RRULE, as a normalised RRULE."""
    _check_length(text.strip(), RECURRENCE_MAX_LENGTH)
    try:
        return normalize_rrule(phrase_to_rrule(text) or text)
    except ValueError:
        # The parser's reason is English and technical; the clerk needs the forms that work.
        raise InvalidValue(BAD_REPEAT, value=text.strip()) from None


BAD_REPEAT = N_(
    '"{value}" is not a repeat this bot can read. Write it as the office says it, e.g. '
    '"ngày 10 và 20 hằng tháng", "thứ Hai hằng tuần", "thứ Sáu cuối cùng hằng tháng", '
    "or as an RRULE such as FREQ=MONTHLY;BYMONTHDAY=10,20"
)


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
