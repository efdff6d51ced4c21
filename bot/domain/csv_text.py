"""Every CSV the product writes goes through here: cells a spreadsheet would run as a
formula are quoted.

Names, titles and places come from secretariat files and delegates' own words; opened in
Excel or LibreOffice, a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return, which some spreadsheets skip before reading the formula) is run as a
formula (``=HYPERLINK(…)``, DDE). A leading ``'`` makes it text; ``unprotect_cell``
takes it off again where a file is read back (``reports import``). Plain numbers
(``-3``, ``+84912345678``) are left as they are: they are not formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def protect_cell(value: str) -> str:
    """A leading quote keeps a spreadsheet from running the cell as a formula."""
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def unprotect_cell(value: str) -> str:
    """The cell as it was before :func:`protect_cell`."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _cell(value: object) -> object:
    return protect_cell(value) if isinstance(value, str) else value


def csv_text(rows: Iterable[Sequence[object]], *, line_end: str = "\r\n") -> str:
    """The rows (a header is a row like any other) as CSV text, every cell protected."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows(
        [_cell(value) for value in row] for row in rows
    )
    return buffer.getvalue()


def csv_dict_text(
    columns: Sequence[str], rows: Iterable[Mapping[str, object]], *, line_end: str = "\r\n"
) -> str:
    """The header, then each row's values in ``columns`` order, every cell protected."""
    return csv_text(
        [list(columns), *([row.get(name, "") for name in columns] for row in rows)],
        line_end=line_end,
    )
