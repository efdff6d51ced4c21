"""Builders for roster files: a realistic district roster written as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, fields
from pathlib import Path
from typing import Literal

from openpyxl import Workbook

from bot.services.demo import RosterRow  # the same row shape the demo writes

Headers = Literal["en", "vi"]

EN_HEADERS = ("code", "full_name", "council", "level", "unit", "constituency", "phone", "role")
VI_HEADERS = (
    "Mã đại biểu",
    "Họ và tên",
    "Mã hội đồng",
    "Cấp",
    "Đơn vị",
    "Đơn vị bầu cử",
    "Số điện thoại",
    "Vai trò",
)
_VI_LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "xã"}
_VI_ROLES = {"delegate": "Đại biểu", "secretary": "Thư ký"}

DISTRICT_COUNCIL = "ML-H"
COMMUNES = (
    "Thị trấn Mỹ Lộc",
    "Xã Mỹ Hà",
    "Xã Mỹ Thắng",
    "Xã Mỹ Tiến",
    "Xã Mỹ Thịnh",
    "Xã Mỹ Thuận",
    "Xã Mỹ Thành",
    "Xã Mỹ Hưng",
    "Xã Mỹ Phúc",
    "Xã Mỹ Trung",
    "Xã Mỹ Tân",
    "Xã Mỹ Hòa",
    "Xã Yên Đồng",
    "Xã Yên Lương",
    "Xã Đông Sơn",
    "Xã Quỳnh Lưu",
    "Xã Phước Điền",
    "Xã Hương Ngải",
)
_SURNAMES: tuple[str, ...] = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
)
_SURNAMES += ("Đỗ", "Hồ", "Ngô", "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Xuân")
_GIVEN: tuple[str, ...] = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Hương",
    "Lan",
)
_GIVEN += ("Long", "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thủy", "Trang")
_GIVEN += ("Tuấn", "Việt", "Yến", "Khánh", "Lộc", "Nhung", "Oanh", "Đạt", "Ước")


def vietnamese_name(index: int) -> str:
    surname = _SURNAMES[index % len(_SURNAMES)]
    middle = _MIDDLE[(index // len(_SURNAMES)) % len(_MIDDLE)]
    given = _GIVEN[(index * 7) % len(_GIVEN)]
    return f"{surname} {middle} {given}"


def commune_council(index: int) -> str:
    return f"ML-X{index + 1:02d}"


def district_roster(
    *, district_delegates: int = 35, commune_delegates: int = 491, communes: int = 18
) -> list[RosterRow]:
    """A district of 2022: district delegates, then commune delegates spread over communes.

    Phones are written the ways people write them (spaces, dots, +84); each is unique. The
    first district row is a secretary.
    """
    rows: list[RosterRow] = []
    for number in range(1, district_delegates + 1):
        unit = COMMUNES[(number - 1) % communes]
        rows.append(
            RosterRow(
                code=f"{DISTRICT_COUNCIL}-{number:03d}",
                full_name=vietnamese_name(number),
                council=DISTRICT_COUNCIL,
                level="district",
                unit=unit,
                constituency=f"Đơn vị bầu cử số {(number - 1) // 5 + 1}",
                phone=_phone(number),
                role="secretary" if number == 1 else "delegate",
            )
        )
    per_commune, extra = divmod(commune_delegates, communes)
    serial = district_delegates
    for commune in range(communes):
        for number in range(1, per_commune + (1 if commune < extra else 0) + 1):
            serial += 1
            rows.append(
                RosterRow(
                    code=f"{commune_council(commune)}-{number:03d}",
                    full_name=vietnamese_name(serial),
                    council=commune_council(commune),
                    level="commune",
                    unit=COMMUNES[commune],
                    constituency=f"Đơn vị bầu cử số {(number - 1) // 4 + 1}",
                    phone=_phone(serial),
                    role="secretary" if number == 1 and commune % 6 == 0 else "delegate",
                )
            )
    return rows


def national_phone(index: int) -> str:
    """The stored form of row ``index``'s phone."""
    return f"09{12_000_000 + index * 37:08d}"


def _phone(index: int) -> str:
    national = national_phone(index)
    match index % 4:
        case 0:
            return national
        case 1:
            return f"{national[:4]} {national[4:7]} {national[7:]}"
        case 2:
            return f"+84 {national[1:4]}.{national[4:7]}.{national[7:]}"
        case _:
            return f"({national[:4]}) {national[4:7]}-{national[7:]}"


def _cells(row: RosterRow, headers: Headers) -> list[str]:
    cells = list(astuple(row))
    if headers == "vi":
        cells[3] = _VI_LEVELS.get(row.level, row.level)
        cells[7] = _VI_ROLES.get(row.role, row.role)
    return cells


def header_names(headers: Headers) -> Sequence[str]:
    return EN_HEADERS if headers == "en" else VI_HEADERS


def write_csv(
    path: Path,
    rows: Iterable[RosterRow],
    *,
    headers: Headers = "en",
    bom: bool = False,
    delimiter: str = ",",
    line_end: str = "\n",
) -> Path:
    """The roster as CSV, the way Excel ("CSV UTF-8": BOM, ``;``, CRLF) or a script saves it."""
    return write_raw_csv(
        path,
        header_names(headers),
        [_cells(row, headers) for row in rows],
        bom=bom,
        delimiter=delimiter,
        line_end=line_end,
    )


def write_raw_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    bom: bool = False,
    delimiter: str = ",",
    line_end: str = "\n",
) -> Path:
    """Any header and cells, for files with deliberate mistakes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


def write_xlsx(
    path: Path,
    rows: Iterable[RosterRow],
    *,
    headers: Headers = "en",
    phones_as_numbers: bool = True,
    with_second_sheet: bool = False,
    title: str | None = None,
) -> Path:
    """The roster as an XLSX workbook. Phones are numbers by default (the leading 0 is lost,
    as when someone types them into Excel); ``title`` puts a title and a blank row above
    the header."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách đại biểu"
    if title is not None:
        # The title block of an official list: a merged title line, then a blank line.
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(EN_HEADERS))
        sheet.append([])
    sheet.append(list(header_names(headers)))
    for row in rows:
        cells: list[object] = list(_cells(row, headers))
        if phones_as_numbers and row.phone:
            digits = "".join(ch for ch in row.phone if ch.isdigit())
            cells[6] = (
                float(digits.removeprefix("84")) if row.phone.startswith("+") else int(digits)
            )
        sheet.append(cells)
    if with_second_sheet:
        notes = workbook.create_sheet("Ghi chú", 1)
        notes.append(["Only the first sheet is read"])
    workbook.save(path)
    return path


def roster_fields() -> tuple[str, ...]:
    return tuple(field.name for field in fields(RosterRow))
