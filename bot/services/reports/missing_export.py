"""The missing-reports list as a workbook, for lists too long for one message."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from bot.services.reports.records import PendingItem

HEADERS = ("Đơn vị", "Mã đại biểu", "Họ và tên", "Hoạt động", "Nội dung", "Ngày", "Địa điểm")
WIDTHS = (24, 14, 28, 20, 40, 12, 32)
KIND_NAMES = {
    "reception": "Tiếp công dân",
    "voter_meeting": "Tiếp xúc cử tri",
    "supervision": "Giám sát",
}


def missing_workbook(items: Sequence[PendingItem]) -> bytes:
    """One sheet, one row per assignment, header frozen; Vietnamese like the office's own."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Chưa báo cáo")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for column, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write(0, column, header, bold)
        sheet.set_column(column, column, width)
    for number, item in enumerate(items, start=1):
        # write_string: a title typed as "=…" must stay text, never become a formula.
        sheet.write_string(number, 0, item.unit)
        sheet.write_string(number, 1, item.delegate_code)
        sheet.write_string(number, 2, item.delegate_name)
        sheet.write_string(number, 3, KIND_NAMES.get(item.kind, item.kind))
        sheet.write_string(number, 4, item.title)
        sheet.write_datetime(number, 5, item.starts_at.replace(tzinfo=None), day)
        sheet.write_string(number, 6, item.location)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(items), 1), len(HEADERS) - 1)
    workbook.close()
    return buffer.getvalue()
