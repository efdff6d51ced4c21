"""Rows of an input file and what can be wrong with them: shared by every import."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TypeVar

from bot.i18n import N_, Gettext

_SPACES = re.compile(r"[\s_]+")

QUOTE_LIMIT = 80
"""Characters of a cell's content quoted in a problem; longer ones end with "…"."""
PARAM_LIMIT = 3 * QUOTE_LIMIT
"""No field of a problem is ever shown longer than this (a last guard against floods)."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input file, in a form that can be translated later.

    ``row`` is the spreadsheet row number (header = 1) and ``column`` the canonical
    column name, when they mean something. ``message`` is an English message id
    (marked with ``N_``) with ``{named}`` fields filled from ``params``.
    """

    row: int | None
    column: str | None
    message: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TableRow:
    """One data row: its spreadsheet row number and its recognised cells.

    ``values`` holds a stripped string for every recognised column present in the
    file (``""`` for an empty cell); columns absent from the file are absent here.
    """

    number: int
    values: Mapping[str, str]


def normalize_label(text: str) -> str:
    """Header comparison form: NFC, lower case, ``_`` as a space, spaces collapsed."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    return _SPACES.sub(" ", text).strip().lower()


@lru_cache(maxsize=65_536)
def fold_label(text: str) -> str:
    """:func:`normalize_label` without Vietnamese diacritics: ``"Mã Đại biểu"`` → ``"ma dai bieu"``.

    People often type headers and keywords without accents; folding lets both spellings match.
    """
    decomposed = unicodedata.normalize("NFD", normalize_label(text).replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters ending with "…" when longer.

    For quoting what a file contains: a cell may hold megabytes, a message must not.
    """
    if len(text) > 4 * limit:
        text = text[: 4 * limit]  # the split below need not see a huge cell
    single = " ".join(text.split()) if any(c.isspace() and c != " " for c in text) else text
    if len(single) <= limit:
        return single
    return single[: limit - 1].rstrip() + "…"


def format_problem(problem: Problem, _: Gettext) -> str:
    """The problem's text in the language of ``_``.

    A translation with a broken ``{field}`` falls back to the English text rather than
    failing. Every field is cut to :data:`PARAM_LIMIT` characters.
    """
    params = {name: shorten(str(value), PARAM_LIMIT) for name, value in problem.params.items()}
    try:
        return _(problem.message).format(**params)
    except (KeyError, IndexError, ValueError):
        return problem.message.format(**params)


def format_problem_line(problem: Problem, _: Gettext) -> str:
    """``row 5, column phone: <text>``; the prefix stays English (the CLI output contract)."""
    where = []
    if problem.row is not None:
        where.append(f"row {problem.row}")
    if problem.column is not None:
        where.append(f"column {problem.column}")
    text = format_problem(problem, _)
    return f"{', '.join(where)}: {text}" if where else text


class InvalidValue(ValueError):
    """A cell that breaks a rule: an English message id (``N_``) and its fields.

    Fields quote the cell, so each is cut to :data:`QUOTE_LIMIT` characters.
    """

    def __init__(self, message: str, **params: str) -> None:
        params = {name: shorten(value) for name, value in params.items()}
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""Dates read from files lie in these years: the holiday calendar covers them, and no
time zone or horizon arithmetic can overflow ``datetime`` near its ends."""


def check_day(day: date, text: str) -> date:
    """``day`` when it lies within :data:`FIRST_DAY`..:data:`LAST_DAY`, else InvalidValue."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidValue(
            N_('"{value}" is outside the years {first} to {last}'),
            value=text.strip(),
            first=str(FIRST_DAY.year),
            last=str(LAST_DAY.year),
        )
    return day


_DAY = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}))$")


def match_day(text: str, cell: str | None = None) -> date | None:
    """``2026-12-10`` or ``10/12/2026`` (also ``-`` or ``.`` between, day first).

    ``None`` when ``text`` is not written as a date; InvalidValue, quoting ``cell``, when
    it is but names no day (``31/11/2026``) or lies outside the years a file may name.
    """
    match = _DAY.match(text.strip())
    if match is None:
        return None
    year, month, day = match.group(1, 2, 3) if match.group(1) else (match[6], match[5], match[4])
    quoted = cell if cell is not None else text
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidValue(N_('"{value}" is not a date of the calendar'), value=quoted) from None
    return check_day(parsed, quoted)


_T = TypeVar("_T")


def check_cell(
    row: TableRow, column: str, parse: Callable[[str], _T], problems: list[Problem]
) -> _T | None:
    """``parse`` the row's cell, or record why it failed and return ``None``."""
    try:
        return parse(row.values.get(column, ""))
    except InvalidValue as invalid:
        problems.append(Problem(row.number, column, invalid.message, dict(invalid.params)))
        return None
