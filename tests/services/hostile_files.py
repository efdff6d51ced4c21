"""Builders for hostile XLSX files: tiny zips that expand into huge sheets or strings.

Written by hand (``zipfile``) rather than with openpyxl, because openpyxl would never
write such files: a sheet whose only row is numbered one million, a shared-strings part
that inflates a thousandfold, an XML entity bomb.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_CLOSE = "</sheetData></worksheet>"
_SST_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)

SCHEDULE_HEADER = ("kind", "title", "starts_at", "council", "delegates")


def _inline(column: str, row: int, text: str) -> str:
    return f'<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row(row: int = 1, headers: tuple[str, ...] = SCHEDULE_HEADER) -> str:
    cells = "".join(_inline(chr(ord("A") + i), row, text) for i, text in enumerate(headers))
    return f'<row r="{row}">{cells}</row>'


def workbook_bytes(sheet_rows: str, shared_strings: str | None = None) -> bytes:
    """A minimal valid ``.xlsx``: one sheet with ``sheet_rows`` (``<row>`` elements)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_OPEN + sheet_rows + _SHEET_CLOSE)
        archive.writestr(
            "xl/sharedStrings.xml", shared_strings or (_SST_OPEN + "<si><t>x</t></si></sst>")
        )
    return buffer.getvalue()


def far_row_bomb(row_number: int) -> bytes:
    """A header, then one data row numbered ``row_number`` (every row between is implied)."""
    row = f'<row r="{row_number}">{_inline("A", row_number, "x")}</row>'
    return workbook_bytes(header_row() + row)


def wide_row_bomb(rows: int = 5_000) -> bytes:
    """A header, then ``rows`` rows whose only cell is in the last column Excel has (XFD).

    Each row is read as 16,384 cells unless the reader stops at a column limit.
    """
    body = "".join(f'<row r="{n}">{_inline("XFD", n, "x")}</row>' for n in range(2, rows + 2))
    return workbook_bytes(header_row() + body)


def shared_strings_bomb(inflated_bytes: int) -> bytes:
    """One shared string of ``inflated_bytes`` characters, squeezed to about 0.1 % of that."""
    strings = _SST_OPEN + "<si><t>" + "a" * inflated_bytes + "</t></si></sst>"
    sheet = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return workbook_bytes(sheet, strings)


def many_shared_strings(count: int) -> bytes:
    """``count`` distinct small shared strings: parsing them is slow even when ratios are sane."""
    items = "".join(f"<si><t>s{n}</t></si>" for n in range(count))
    sheet = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return workbook_bytes(sheet, _SST_OPEN + items + "</sst>")


def many_cells(rows: int, columns: int = 20) -> bytes:
    """A header, then ``rows`` rows of ``columns`` numbers: each cell is cheap, all are many."""
    letters = [chr(ord("A") + i) for i in range(columns)]
    body = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{x}{n}"><v>{n}</v></c>' for x in letters) + "</row>"
        for n in range(2, rows + 2)
    )
    return workbook_bytes(header_row() + body)


def styles_bomb(formats: int) -> bytes:
    """A valid sheet and a styles part of ``formats`` number formats (openpyxl reads it whole)."""
    items = "".join(
        f'<numFmt numFmtId="{164 + n}" formatCode="0.{n:07d}"/>' for n in range(formats)
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{formats}">{items}</numFmts></styleSheet>'
    )
    buffer = io.BytesIO(workbook_bytes(header_row()))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


def entity_bomb() -> bytes:
    """The "billion laughs": nested XML entities in the shared strings."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<!DOCTYPE sst [{''.join(entities)}]>"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&lol9;</t></si></sst>"
    )
    sheet = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return workbook_bytes(sheet, strings)


def many_members(count: int) -> bytes:
    """A valid workbook padded with ``count`` extra empty zip members."""
    buffer = io.BytesIO(workbook_bytes(header_row()))
    with zipfile.ZipFile(buffer, "a") as archive:
        for number in range(count):
            archive.writestr(f"xl/media/pad{number}.bin", b"")
    return buffer.getvalue()


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
