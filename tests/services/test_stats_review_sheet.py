"""The workbook's first sheet, "Biểu tổng hợp", on the hand-computed Mê Linh quarter of
tests/domain/test_stats_text.py: one row per unit, each level's totals equal to the
text's, the signing block, and the A4 landscape print setup. Printed to PDF with
LibreOffice where it is installed (Debian's ``libreoffice-calc``)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain.stats_text import summary_text
from bot.services.stats.xlsx import xlsx_bytes
from tests.domain.test_stats_text import COMMUNES, DISTRICT, _stats

HEADERS = [
    "STT",
    "HĐND",
    "Đơn vị",
    "Tiếp công dân định kỳ (lượt)",
    "Tiếp công dân theo phân công (buổi)",
    "Lượt công dân",
    "Đơn thư tiếp nhận",
    "Đơn thư đã chuyển",
    "Tiếp xúc cử tri (hội nghị)",
    "Lượt cử tri",
    "Ý kiến, kiến nghị",
    "Giám sát (cuộc)",
    "Kỳ họp",
    "Tỷ lệ thực hiện",
]


def _workbook() -> bytes:
    return xlsx_bytes(_stats(DISTRICT, *COMMUNES))


def test_the_summary_sheet_comes_first_with_the_texts_totals() -> None:
    book = load_workbook(io.BytesIO(_workbook()))
    assert book.sheetnames[0] == "Biểu tổng hợp"
    sheet = book["Biểu tổng hợp"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "BIỂU TỔNG HỢP KẾT QUẢ HOẠT ĐỘNG CỦA ĐẠI BIỂU HĐND"
    assert rows[1][0] == "Quý I/2022 — 3 HĐND"
    assert rows[3] == HEADERS
    assert rows[4][:3] == ["(1)", "(2)", "(3)"]
    # Units, numbered; the district's total row; the communes', each under its level.
    assert rows[5][:13] == [
        1,
        "HĐND huyện Mê Linh",
        "Huyện Mê Linh",
        81,
        54,
        120,
        4,
        4,
        0,
        0,
        0,
        0,
        1,
    ]
    assert rows[6][0] == "Cộng: HĐND huyện Mê Linh"
    # The text's figures: 81 turns, 54 occasions, 04 petitions, one session; 170/175.
    assert rows[6][3:13] == [81, 54, 120, 4, 4, 0, 0, 0, 0, 1]
    assert rows[6][13] == pytest.approx(170 / 175)
    assert [r[:3] for r in rows[7:9]] == [
        [2, "HĐND xã Tiền Phong", "Xã Tiền Phong"],
        [3, "HĐND xã Văn Yên", "Xã Văn Yên"],
    ]
    assert rows[9][0] == "Cộng: HĐND các xã, phường (02 xã, phường)"
    assert rows[9][3:13] == [0, 445, 0, 0, 0, 48, 1550, 157, 24, 0]
    text = summary_text(_stats(DISTRICT, *COMMUNES), "vi")
    assert "445 buổi" in text
    assert "48 hội nghị" in text
    assert "24 cuộc giám sát" in text
    values = [cell for row in rows[10:] for cell in row if cell]
    assert "NGƯỜI LẬP BIỂU" in values
    assert "TM. THƯỜNG TRỰC HĐND" in values


def test_the_summary_sheet_prints_on_a4_landscape() -> None:
    sheet = load_workbook(io.BytesIO(_workbook()))["Biểu tổng hợp"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$4:$5"
    assert sheet.print_area is not None
    assert "$A$1:$N$" in str(sheet.print_area)
    assert "&P" in sheet.oddFooter.center.text


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (libreoffice-calc) is not installed",
)
def test_libreoffice_prints_it_to_pdf(tmp_path: Path) -> None:
    """Headless conversion, as a clerk's "print to PDF": the summary sheet comes out as
    landscape pages of legible size (not a strip)."""
    source = tmp_path / "thong-ke.xlsx"
    source.write_bytes(_workbook())
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office is not None
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "thong-ke.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # A4 landscape: the first page's MediaBox is about 842 × 595 points (LibreOffice 7.4
    # writes 841.889… × 595.303…).
    boxes = re.findall(rb"MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)", pdf)
    assert boxes
    width, height = (float(value) for value in boxes[0])
    assert (round(width), round(height)) == (842, 595)
    # Five sheets: a page or two each, not one strip per column pair.
    assert len(boxes) <= 10
