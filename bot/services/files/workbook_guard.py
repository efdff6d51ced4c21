"""Checks on an XLSX zip before openpyxl opens it: no zip bombs, no million-cell sheets.

An XLSX file is a zip of XML parts. A few hundred bytes can declare a part of gigabytes,
and openpyxl inflates and parses whatever it is given. :func:`check_workbook` looks at
the zip's directory (declared sizes, compression ratios, number of parts) and then
counts the cells and shared strings in the XML without parsing it, so that what
openpyxl is finally asked to read is bounded. openpyxl itself parses through
``defusedxml`` (installed with the bot): no entity expansion, no external entities.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from bot.domain.tables import Problem, shorten
from bot.i18n import N_

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file read at all (CSV text, or the XLSX zip itself)."""
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
"""Total size an XLSX declares for its parts (:mod:`zipfile` enforces it on reading)."""
MAX_COMPRESSION_RATIO = 100
"""How much better than this one part may compress (real workbooks: about 5 to 20)…"""
RATIO_CHECK_BYTES = 1024 * 1024
"""…checked for parts that unpack to more than this (a small part may compress well)."""
MAX_ZIP_MEMBERS = 1_000
"""Parts in an XLSX zip (Excel writes a dozen or so; pictures add one each)."""
MAX_PART_BYTES = 10 * 1024 * 1024
"""Largest part other than a sheet or the shared strings: openpyxl reads those (styles,
theme, workbook…) whole into memory, where a sheet is read as a stream."""
MAX_CELLS = 300_000
"""Cells plus shared strings in all the sheets: 20,000 rows of 15 columns."""

_MEGABYTE = 1024 * 1024
_CHUNK = _MEGABYTE
# A cell (<c …>) or a shared string (<si>), with or without a namespace prefix.
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?(?:c|si)[\s/>]")
_TAIL = 40  # longest element start matched above, so none is lost between two chunks


def file_too_large(size: int) -> Problem:
    return Problem(
        None,
        None,
        N_("The file is too large: {size} MB (at most {limit} MB)"),
        {"size": str(-(-size // _MEGABYTE)), "limit": str(MAX_FILE_BYTES // _MEGABYTE)},
    )


NOT_A_WORKBOOK = N_(
    "The file cannot be opened as an Excel workbook (.xlsx): it is damaged or in another "
    "format. Open it in Excel, choose Save As… → «Excel Workbook (*.xlsx)» and send it again."
)


def not_a_workbook(error: BaseException) -> Problem:
    # The library's own reason ("File is not a zip file") is English and means nothing to a
    # clerk; it stays in the parameters for the log, and the text says what to do.
    reason = shorten(str(error) or type(error).__name__)
    return Problem(None, None, NOT_A_WORKBOOK, {"error": reason})


def check_workbook(path: Path) -> Problem | None:
    """Why openpyxl should not open ``path``, or ``None`` when it may.

    Never raises: an unreadable or broken file is a problem too.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return file_too_large(size)
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            problem = _check_directory(members)
            if problem is None:
                problem = _check_cells(archive, members)
            return problem
    except OSError as error:
        reason = error.strerror or str(error)
        return Problem(None, None, N_("Cannot read the file: {error}"), {"error": reason})
    except Exception as error:  # BadZipFile, a bad checksum, an encrypted part…
        return not_a_workbook(error)


def _check_directory(members: list[zipfile.ZipInfo]) -> Problem | None:
    """The zip's own declarations: number of parts, unpacked size, compression ratio."""
    if len(members) > MAX_ZIP_MEMBERS:
        return Problem(
            None,
            None,
            N_(
                "The workbook has too many parts ({count}, at most {limit}); "
                "open it in Excel and save it again, or send it as CSV"
            ),
            {"count": str(len(members)), "limit": str(MAX_ZIP_MEMBERS)},
        )
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        return Problem(
            None,
            None,
            N_(
                "The workbook unpacks to more than {limit} MB; "
                "open it in Excel and save it again, or send it as CSV"
            ),
            {"limit": str(MAX_UNPACKED_BYTES // _MEGABYTE)},
        )
    for member in members:
        if member.file_size > MAX_PART_BYTES and not _streamed(member.filename):
            return Problem(
                None,
                None,
                N_(
                    "The workbook part {member} is larger than {limit} MB; "
                    "open it in Excel and save it again, or send it as CSV"
                ),
                {"member": shorten(member.filename), "limit": str(MAX_PART_BYTES // _MEGABYTE)},
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
            return Problem(
                None,
                None,
                N_(
                    "The workbook part {member} is compressed more than {ratio} to 1, "
                    "which a real spreadsheet never is; "
                    "open it in Excel and save it again, or send it as CSV"
                ),
                {"member": shorten(member.filename), "ratio": str(MAX_COMPRESSION_RATIO)},
            )
    return None


def _streamed(name: str) -> bool:
    """Whether openpyxl reads this part as a stream: the sheets and the shared strings."""
    folder, _slash, file = name.lower().rpartition("/")
    return (folder == "xl/worksheets" and file.endswith(".xml")) or name == "xl/sharedStrings.xml"


def _check_cells(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> Problem | None:
    """Count cells and shared strings in every XML part: openpyxl spends its time on them."""
    count = 0
    for member in members:
        if member.is_dir() or not member.filename.lower().endswith(".xml"):
            continue
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(_CHUNK):
                data = tail + chunk
                count += sum(1 for match in _ELEMENT.finditer(data) if match.end() > len(tail))
                tail = data[-_TAIL:]
                if count > MAX_CELLS:
                    return Problem(
                        None,
                        None,
                        N_("The workbook has more than {limit} cells; split it into several files"),
                        {"limit": f"{MAX_CELLS:,}".replace(",", ".")},
                    )
    return None
