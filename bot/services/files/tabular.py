"""Spreadsheet-like input files (CSV or XLSX) read into a plain table of strings.

Shared by every ``… import FILE`` command: the caller names its columns and the
header spellings it accepts, and gets back rows keyed by those canonical names, each
with the row number a person sees in a spreadsheet (header = row 1). Anything wrong
with the file as a whole is returned as a :class:`Problem`, never raised.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from bot.domain.tables import (
    Problem,
    TableRow,
    fold_label,
    format_problem,
    format_problem_line,
    normalize_label,
    shorten,
)
from bot.i18n import N_
from bot.services.files.workbook_guard import (
    MAX_FILE_BYTES,
    check_workbook,
    file_too_large,
    not_a_workbook,
)

__all__ = [
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Problem",
    "Table",
    "TableRow",
    "fold_label",
    "format_problem",
    "format_problem_line",
    "normalize_label",
    "read_table",
]

CSV_EXTENSIONS = frozenset({".csv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
OLD_EXCEL_EXTENSIONS = frozenset({".xls"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE2 compound file: Excel 97–2003 (.xls), or an .xlsx encrypted with a password."""
OLD_EXCEL = N_(
    "The file is in the old Excel format (.xls, Excel 97–2003), or protected by a password, "
    "and cannot be read. Open it in Excel, choose Save As… → «Excel Workbook (*.xlsx)» "
    "(without a password) and send it again."
)
OLD_FONT = N_(
    "The file is typed in an old Vietnamese font (TCVN3/.VnTime or VNI), e.g. row {row}: "
    '"{sample}". Convert it to Unicode (Unikey → Công cụ chuyển mã, from TCVN3 or VNI to '
    "Unicode) and send it again."
)
# Characters that Vietnamese in Unicode never uses but text typed in the old 8-bit fonts
# is full of, once read as Latin-1: TCVN3 (.VnTime: "NguyÔn V¨n A") and VNI ("Nguyeãn
# Vaên A", "ñaïi bieåu"). Three cells holding them are not one foreign name's accents.
_OLD_FONT_CHARS = frozenset("¸µ¶·¹¨©ª®¬¼½¾ÆÇ×ØÞß¦§¤¥¢¡ñÑöÖïÏëËäÄåÅüÜÿ")
_OLD_FONT_PATTERN = re.compile(
    "[" + re.escape("".join(sorted(_OLD_FONT_CHARS))) + "]"
    # VNI puts a tone after its vowel ("xaõ", "Myõ"): no Vietnamese word does that.
    "|[aeiouyAEIOUY][õûøùïÕÛØÙÏ]"
)
_OLD_FONT_THRESHOLD = 3
_DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 10
"""The header is looked for among this many first non-empty rows."""

# Limits that keep a hostile or broken file from freezing or exhausting the process (the
# XLSX zip's own limits are in bot.services.files.workbook_guard). A real roster or schedule
# is a few thousand rows of about a dozen columns.
MAX_ROWS = 20_000
"""Rows read, header and title block included; a file with more is refused."""
MAX_COLUMNS = 50
"""Columns read; cells to the right of these are ignored."""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...] = ()
    """Canonical names of the recognised columns, in file order."""
    rows: tuple[TableRow, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    """Header texts that matched no known column (their cells are not read)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """The file's own header text of each recognised column (canonical name → text), so
    that a problem names the column as the clerk wrote it (``cột «Mã đại biểu»``)."""


def read_table(
    path: Path,
    *,
    aliases: Mapping[str, Iterable[str]],
    required: Collection[str] = (),
) -> tuple[Table, list[Problem]]:
    """Read a ``.csv`` or ``.xlsx`` file into a :class:`Table`.

    ``aliases`` maps each canonical column name to the header spellings accepted for it
    (the canonical name itself is always accepted; matching ignores case, spacing and
    Vietnamese diacritics). ``required`` columns must be present. Rows whose recognised
    cells are all empty are skipped. On any problem the table is empty.
    """
    lookup = _compile_aliases(aliases)
    missing_canonical = set(required) - set(aliases)
    if missing_canonical:
        raise ValueError(f"required columns without aliases: {sorted(missing_canonical)}")

    extension = path.suffix.lower()
    if extension in OLD_EXCEL_EXTENSIONS or (
        extension in XLSX_EXTENSIONS and _starts_with(path, _OLE_MAGIC)
    ):
        return Table(), [Problem(None, None, OLD_EXCEL, {})]
    if extension not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
        return Table(), [
            Problem(
                None,
                None,
                N_('Unsupported file type "{extension}": use a .csv or .xlsx file'),
                {"extension": path.suffix or path.name},
            )
        ]
    try:
        if extension in CSV_EXTENSIONS:
            raw_rows = _read_csv(path)
        else:
            if (problem := check_workbook(path)) is not None:
                return Table(), [problem]
            raw_rows = _read_xlsx(path)
    except _FileProblem as error:
        return Table(), [error.problem]
    if (font := _old_font(raw_rows)) is not None:
        return Table(), [font]
    return _build_table(raw_rows, lookup, aliases, required)


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False  # reading it again says why


def _old_font(raw_rows: Iterable[tuple[int, list[str]]]) -> Problem | None:
    """A file typed in TCVN3 or VNI: the first row that shows it, or ``None``."""
    seen, first = 0, None
    for number, cells in raw_rows:
        if all(cell.isascii() for cell in cells):
            continue  # most cells of most files: no character to look at one by one
        for cell in cells:
            if cell.isascii() or _OLD_FONT_PATTERN.search(cell) is None:
                continue
            first = first or (number, cell)
            seen += 1
        if seen >= _OLD_FONT_THRESHOLD and first is not None:
            params = {"row": str(first[0]), "sample": shorten(first[1], 40)}
            return Problem(first[0], None, OLD_FONT, params)
    return None


class _FileProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _cannot_read(error: OSError) -> _FileProblem:
    reason = error.strerror or str(error)
    return _FileProblem(Problem(None, None, N_("Cannot read the file: {error}"), {"error": reason}))


def _too_many_rows() -> _FileProblem:
    return _FileProblem(
        Problem(
            MAX_ROWS + 1,
            None,
            N_("Too many rows: a file may have at most {limit} rows; split it into several files"),
            {"limit": str(MAX_ROWS)},
        )
    )


def _not_a_workbook(error: BaseException) -> _FileProblem:
    return _FileProblem(not_a_workbook(error))


def _compile_aliases(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, spellings in aliases.items():
        for spelling in (canonical, *spellings):
            key = fold_label(spelling)
            if lookup.setdefault(key, canonical) != canonical:
                raise ValueError(f"header {spelling!r} is an alias of two columns")
    return lookup


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _cannot_read(error) from error
    if len(data) > MAX_FILE_BYTES:
        raise _FileProblem(file_too_large(path.stat().st_size))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Excel saves a CSV typed in TCVN3 or VNI as 8-bit bytes: say so, not "not UTF-8".
        legacy = data.decode("cp1252", errors="replace").splitlines()[:MAX_ROWS]
        cells = ((n, re.split(r"[,;\t]", line)) for n, line in enumerate(legacy, start=1))
        if (font := _old_font(cells)) is not None:
            raise _FileProblem(font) from error
        line = data.count(b"\n", 0, error.start) + 1
        message = N_('The file is not UTF-8 text (bad byte on line {line}); save it as "CSV UTF-8"')
        raise _FileProblem(Problem(None, None, message, {"line": str(line)})) from error
    if (nul := text.find("\x00")) >= 0:
        line = text.count("\n", 0, nul) + 1
        raise _FileProblem(Problem(line, None, _CSV_NUL, {}))
    # Strict: a quotation mark never closed is an error, not the rest of the file read
    # into one cell (rows silently missing).
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True
    )
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise _too_many_rows()
            rows.append((number, [_clean_text(cell) for cell in record[:MAX_COLUMNS]]))
    except csv.Error as error:
        raise _FileProblem(Problem(number + 1, None, _csv_reason(error), {})) from error
    return rows


_CSV_NUL = N_("The file holds a NUL character: it is not a text file; save it as CSV UTF-8 or XLSX")
# Python's csv module explains in English; the office reads what it means for the file.
_CSV_REASONS = (
    ("field larger", N_("A cell is longer than the limit of a CSV cell")),
    ("end of data", N_("A quotation mark opens a cell and is never closed")),
)


def _csv_reason(error: csv.Error) -> str:
    for words, message in _CSV_REASONS:
        if words in str(error):
            return message
    return N_("The file cannot be read as CSV here; save it again as CSV UTF-8 or as XLSX")


def _sniff_delimiter(text: str) -> str:
    """The delimiter used most in the first non-empty line, outside quotes; ``,`` on a tie.

    Excel's ``sep=;`` first line names it outright.
    """
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if len(first_line) == 5 and first_line.lower().startswith("sep="):
        return first_line[4]
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


# --- XLSX --------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    # The file is opened here, not by openpyxl: a workbook it fails to load is still closed.
    try:
        with path.open("rb") as handle:
            return _read_workbook(handle)
    except OSError as error:
        raise _cannot_read(error) from error


def _read_workbook(handle: BinaryIO) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Excel features openpyxl does not model (data validation, styles…) only warn.
            warnings.simplefilter("ignore")
            workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:
        raise _not_a_workbook(error) from error
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        # Some generators write a wrong <dimension>; without this, rows past it are lost.
        sheet.reset_dimensions()
        return _sheet_rows(sheet)
    except _FileProblem:
        raise
    except Exception as error:
        raise _not_a_workbook(error) from error
    finally:
        workbook.close()


def _sheet_rows(sheet: Any) -> list[tuple[int, list[str]]]:
    """The first :data:`MAX_ROWS` rows, :data:`MAX_COLUMNS` cells each.

    openpyxl fills the gap before a far row (``<row r="1000000">``) with empty rows one at
    a time, and stops at ``max_row``: so reaching row ``MAX_ROWS + 1`` means the sheet
    goes on past the limit.
    """
    rows: list[tuple[int, list[str]]] = []
    values: tuple[object, ...]
    for number, values in enumerate(
        sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        if number > MAX_ROWS:
            raise _too_many_rows()
        if any(value is not None for value in values):
            rows.append((number, [_cell_text(value) for value in values]))
    return rows


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Phone numbers and codes typed as numbers come back as 912345678.0.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, timedelta):
        return str(value)
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


# --- header and rows ---------------------------------------------------------------------


def _build_table(
    raw_rows: Sequence[tuple[int, list[str]]],
    lookup: Mapping[str, str],
    aliases: Mapping[str, Iterable[str]],
    required: Collection[str],
) -> tuple[Table, list[Problem]]:
    candidates = [row for row in raw_rows if any(row[1])][:HEADER_SEARCH_ROWS]
    if not candidates:
        return Table(), [Problem(None, None, N_("The file is empty"), {})]

    def known(row: tuple[int, list[str]]) -> int:
        return sum(1 for text in row[1] if text and fold_label(text) in lookup)

    # Official spreadsheets often open with a title block; the header is the row that
    # names the most known columns (the first non-empty row when none does).
    header_number, header_cells = max(candidates, key=known)
    if known((header_number, header_cells)) == 0:
        header_number, header_cells = candidates[0]

    positions, ignored, problems = _header(header_number, header_cells, lookup)
    for canonical in required:
        if canonical not in positions:
            accepted = ", ".join(dict.fromkeys((canonical, *aliases[canonical])))
            # Named as a Vietnamese header would name it («Mã đại biểu»), when there is one.
            shown = next((a for a in aliases[canonical] if not a.isascii()), canonical)
            problems.append(
                Problem(
                    header_number,
                    canonical,
                    N_("Required column {column} is missing (accepted headers: {accepted})"),
                    {"column": f"«{shown[:1].upper()}{shown[1:]}»", "accepted": accepted},
                )
            )
    if problems:
        return Table(), problems

    rows = tuple(_data_rows(raw_rows, header_number, positions))
    if not rows:
        return Table(), [Problem(None, None, N_("The file has a header row but no data rows"), {})]
    columns = tuple(sorted(positions, key=positions.__getitem__))
    headers = {name: shorten(header_cells[index], 40) for name, index in positions.items()}
    return Table(columns=columns, rows=rows, ignored_columns=tuple(ignored), headers=headers), []


def _header(
    number: int, cells: Sequence[str], lookup: Mapping[str, str]
) -> tuple[dict[str, int], list[str], list[Problem]]:
    """Where each known column is, the header texts not recognised, and repeated columns."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for index, text in enumerate(cells):
        if not text:
            continue
        canonical = lookup.get(fold_label(text))
        if canonical is None:
            ignored.append(shorten(text))
        elif canonical in positions:
            problems.append(
                Problem(
                    number,
                    canonical,
                    N_('Column {column} appears more than once ("{first}" and "{second}")'),
                    {
                        "column": canonical,
                        "first": shorten(cells[positions[canonical]]),
                        "second": shorten(text),
                    },
                )
            )
        else:
            positions[canonical] = index
    return positions, ignored, problems


def _data_rows(
    raw_rows: Iterable[tuple[int, list[str]]], header_number: int, positions: Mapping[str, int]
) -> Iterator[TableRow]:
    for number, cells in raw_rows:
        if number <= header_number:
            continue
        values = {
            canonical: cells[index] if index < len(cells) else ""
            for canonical, index in positions.items()
        }
        if any(values.values()):
            yield TableRow(number=number, values=values)
