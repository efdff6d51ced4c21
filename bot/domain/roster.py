"""The delegate roster file: its columns and the rules for each row.

Pure: rows in, :class:`RosterEntry` values and problems out. The file reading lives
in :mod:`bot.services.files.tabular`, the database upsert in :mod:`bot.services.delegates.roster`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.tables import InvalidValue, Problem, TableRow, check_cell, fold_label
from bot.i18n import N_


class Level(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"


class Role(StrEnum):
    delegate = "delegate"
    secretary = "secretary"


CODE_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 255

ROSTER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "code": ("mã", "mã đại biểu", "mã đb", "mã số", "delegate code"),
    "full_name": ("full name", "name", "họ và tên", "họ tên", "họ và tên đại biểu", "tên đại biểu"),
    "council": ("council code", "hội đồng", "mã hội đồng", "hđnd", "mã hđnd"),
    "level": ("cấp", "cấp hđnd", "cấp đại biểu"),
    "unit": ("đơn vị", "đơn vị hành chính"),
    "constituency": ("đơn vị bầu cử", "khu vực bầu cử", "đvbc"),
    "phone": ("phone number", "telephone", "số điện thoại", "điện thoại", "sđt", "số đt"),
    "role": ("vai trò", "quyền"),
    "council_name": ("tên hđnd", "tên hội đồng", "council name"),
    "parent_council": ("hđnd cấp trên", "mã hđnd cấp trên", "parent council", "parent"),
    "title": ("chức vụ", "chức danh"),
    "group": ("tổ đại biểu", "tổ"),
    "committee": ("ban", "ban hđnd"),
}
"""Canonical roster column → header spellings accepted besides the canonical name."""

ROSTER_REQUIRED = ("code", "full_name", "council", "level")

_CODE = re.compile(r"[A-Za-z0-9._-]+")
_PHONE_SEPARATORS = re.compile(r"[\s.()\-]+")

_LEVELS: dict[str, Level] = {
    fold_label(word): level
    for level, words in {
        Level.province: (
            "province",
            "tỉnh",
            "thành phố",
            "tp",
            "thành phố trực thuộc trung ương",
        ),
        # Districts and towns ended on 1 July 2025: read for the history only, never offered.
        Level.district: ("district", "huyện", "quận", "thị xã"),
        Level.commune: ("commune", "xã", "phường", "đặc khu", "thị trấn"),
    }.items()
    for word in words
}
_LEVEL_PREFIX = fold_label("cấp") + " "
LEVELS_ACCEPTED = "tỉnh (thành phố), xã (phường, đặc khu)"
"""The levels offered since 1 July 2025 (huyện is read, never offered): the wording of every
message that names the accepted levels (a roster's level column, a notice's ``cấp:``)."""

_ROLES: dict[str, Role] = {
    fold_label(word): role
    for role, words in {
        Role.delegate: ("delegate", "đại biểu"),
        # "thư ký" is the session's minute-taker in a council, not the office: still read
        # (older files), no longer offered.
        Role.secretary: (
            "secretary",
            "văn phòng",
            "cán bộ văn phòng",
            "chuyên viên",
            "quản trị",
            "thư ký",
        ),
    }.items()
    for word in words
}
_ROLES_ACCEPTED = "đại biểu, văn phòng"


@dataclass(frozen=True)
class RosterEntry:
    """One valid roster row.

    ``unit``, ``constituency``, ``phone`` and ``role`` are ``None`` when the file has no
    such column: an update then keeps the stored value, a new delegate gets the default
    (``""``, or ``Role.delegate``). An empty cell in a present column is ``""`` (for
    ``role``: ``Role.delegate``).
    """

    row: int
    code: str
    full_name: str
    council: str
    level: Level
    unit: str | None = None
    constituency: str | None = None
    phone: str | None = None
    role: Role | None = None
    council_name: str | None = None
    parent_council: str | None = None
    title: str | None = None
    group: str | None = None
    committee: str | None = None


def parse_code(text: str) -> str:
    """A delegate or council code: letters A-Z, digits, ``-``, ``_``, ``.``; at most 64."""
    value = text.strip()
    if not value:
        raise InvalidValue(N_("A value is required"))
    if len(value) > CODE_MAX_LENGTH:
        raise InvalidValue(
            N_("Too long: {length} characters (at most {limit})"),
            length=str(len(value)),
            limit=str(CODE_MAX_LENGTH),
        )
    if not _CODE.fullmatch(value):
        raise InvalidValue(
            N_('"{value}" is not a valid code: use only letters A-Z, digits, "-", "_" and "."'),
            value=value,
        )
    return value


def parse_text(text: str, *, required: bool = False) -> str:
    """A name or label: inner runs of spaces collapsed; at most 255 characters."""
    value = " ".join(text.split())
    if required and not value:
        raise InvalidValue(N_("A value is required"))
    if len(value) > TEXT_MAX_LENGTH:
        raise InvalidValue(
            N_("Too long: {length} characters (at most {limit})"),
            length=str(len(value)),
            limit=str(TEXT_MAX_LENGTH),
        )
    return value


def parse_level(text: str) -> Level:
    """``province|district|commune`` or ``tỉnh|huyện|xã``, optionally after ``cấp``; any case."""
    key = fold_label(text)
    if not key:
        raise InvalidValue(N_("A value is required"))
    key = key.removeprefix(_LEVEL_PREFIX)
    level = _LEVELS.get(key)
    if level is None:
        raise InvalidValue(
            N_('"{value}" is not a valid level: use one of {accepted}'),
            value=text.strip(),
            accepted=LEVELS_ACCEPTED,
        )
    return level


def parse_role(text: str) -> Role:
    """``delegate|secretary`` or ``đại biểu|thư ký``, any case; empty means delegate."""
    key = fold_label(text)
    if not key:
        return Role.delegate
    role = _ROLES.get(key)
    if role is None:
        raise InvalidValue(
            N_('"{value}" is not a valid role: use one of {accepted}'),
            value=text.strip(),
            accepted=_ROLES_ACCEPTED,
        )
    return role


def normalize_phone(text: str) -> str:
    """A Vietnamese phone number in national form ``0xxxxxxxxx``; ``""`` stays ``""``.

    Spaces, dots, dashes and parentheses are ignored. Accepted: ``0`` + 9 or 10 digits,
    ``+84``/``0084``/``84`` + 9 or 10 digits, and 9 or 10 digits without the leading
    ``0`` (what a spreadsheet keeps of ``0912345678`` typed as a number).
    """
    raw = text.strip()
    digits = _PHONE_SEPARATORS.sub("", raw)
    if not digits:
        return ""
    for prefix in ("+84", "0084"):
        if digits.startswith(prefix):
            # "+84 (0) 912 345 678" is a common way to write it, too.
            national = digits.removeprefix(prefix).removeprefix("0")
            break
    else:
        if digits.startswith("0"):
            national = digits[1:]
        elif digits.startswith("84") and len(digits) in (11, 12):
            national = digits[2:]
        else:
            national = digits
    if not (
        national.isascii()
        and national.isdigit()
        and 9 <= len(national) <= 10
        and not national.startswith("0")
    ):
        raise InvalidValue(
            N_('"{value}" is not a valid phone number: use 0 or +84 followed by 9 or 10 digits'),
            value=raw,
        )
    return "0" + national


def validate_roster(rows: Iterable[TableRow]) -> tuple[list[RosterEntry], list[Problem]]:
    """Every valid row as an entry and every problem of every row.

    A code seen on an earlier row makes the later row a problem (naming the first row).
    """
    entries: list[RosterEntry] = []
    problems: list[Problem] = []
    first_row_of_code: dict[str, int] = {}
    for row in rows:
        row_problems: list[Problem] = []
        present = row.values.keys()
        code = check_cell(row, "code", parse_code, row_problems)
        full_name = check_cell(row, "full_name", _required_text, row_problems)
        council = check_cell(row, "council", parse_code, row_problems)
        level = check_cell(row, "level", parse_level, row_problems)
        unit = check_cell(row, "unit", parse_text, row_problems) if "unit" in present else None
        constituency = (
            check_cell(row, "constituency", parse_text, row_problems)
            if "constituency" in present
            else None
        )
        phone = (
            check_cell(row, "phone", normalize_phone, row_problems) if "phone" in present else None
        )
        role = check_cell(row, "role", parse_role, row_problems) if "role" in present else None
        optional = _optional_cells(row, row_problems)

        if code is not None:
            first = first_row_of_code.setdefault(code, row.number)
            if first != row.number:
                row_problems.append(
                    Problem(
                        row.number,
                        "code",
                        N_("Code {code} is already used on row {first_row}"),
                        {"code": code, "first_row": str(first)},
                    )
                )
        if row_problems or code is None or full_name is None or council is None or level is None:
            problems.extend(row_problems)
            continue
        entries.append(
            RosterEntry(
                row=row.number,
                code=code,
                full_name=full_name,
                council=council,
                level=level,
                unit=unit,
                constituency=constituency,
                phone=phone,
                role=role,
                **optional,
            )
        )
    problems.extend(_council_disagreements(entries))
    return entries, problems


_OPTIONAL_TEXT = ("council_name", "title", "group", "committee")


def _optional_cells(row: TableRow, problems: list[Problem]) -> dict[str, str | None]:
    """The optional columns present in the file (``None`` for an absent one)."""
    present = row.values.keys()
    values: dict[str, str | None] = {
        name: check_cell(row, name, parse_text, problems) if name in present else None
        for name in _OPTIONAL_TEXT
    }
    parent = row.values.get("parent_council", "")
    values["parent_council"] = (
        check_cell(row, "parent_council", parse_code, problems) if parent.strip() else None
    )
    return values


def _council_disagreements(entries: Iterable[RosterEntry]) -> list[Problem]:
    """Rows of one council that give it another name or parent than its first row."""
    first: dict[str, RosterEntry] = {}
    problems: list[Problem] = []
    for entry in entries:
        seen = first.setdefault(entry.council, entry)
        if seen is entry:
            continue
        for column, mine, theirs in (
            ("council_name", entry.council_name, seen.council_name),
            ("parent_council", entry.parent_council, seen.parent_council),
        ):
            if mine and theirs and mine != theirs:
                problems.append(
                    Problem(
                        entry.row,
                        column,
                        N_('"{value}" differs from row {first_row} ("{first}") for council {code}'),
                        {
                            "value": str(mine),
                            "first_row": str(seen.row),
                            "first": str(theirs),
                            "code": entry.council,
                        },
                    )
                )
    return problems


def _required_text(text: str) -> str:
    return parse_text(text, required=True)
