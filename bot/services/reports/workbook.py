"""``reports export --format xlsx``: the quarter's reports as an office hands them on.

Vietnamese headers and values (``Mã đại biểu``, ``tiếp công dân``, ``có``, ``ốm/việc
riêng``), the delegate's name, real Excel dates, a title above the header. Every header is
one ``reports import`` recognises and every value one it reads, so the workbook imports
again unchanged (the importer finds the header below the title). The CSV keeps the
contract's English columns (``bot.services.reports.files.export_csv``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.report_rows import protect_cell
from bot.domain.schedule_cells import KIND_WORDS

COLUMNS: tuple[tuple[str, str, int], ...] = (
    # (row key, header, width)
    ("delegate", "Mã đại biểu", 14),
    ("name", "Họ và tên", 24),
    ("unit", "Đơn vị", 22),
    ("date", "Ngày", 12),
    ("start", "Giờ bắt đầu", 10),
    ("kind", "Loại", 16),
    ("title", "Nội dung", 34),
    ("held", "Đã thực hiện", 11),
    ("citizens", "Số lượt công dân", 12),
    ("petitions", "Số đơn thư", 10),
    ("forwarded", "Số đơn đã chuyển", 12),
    ("voters", "Số cử tri", 10),
    ("opinions", "Số ý kiến", 10),
    ("reason", "Lý do", 18),
    ("note", "Ghi chú", 34),
    ("reported_at", "Thời điểm báo cáo", 17),
    ("source", "Nguồn", 12),
)
FIGURES = frozenset({"citizens", "petitions", "forwarded", "voters", "opinions"})
REASON_WORDS = {
    "postponed": "hoãn lịch",
    "clash": "trùng lịch công tác",
    "personal": "ốm đau, việc riêng",
    "other": "khác",
}
SOURCE_WORDS = {"bot": "Telegram", "import": "nhập từ tệp"}
SHEET = "Báo cáo"
HEADER_ROW = 2
"""Zero-based: the title, a blank row, then the header (found by the importer)."""


def _value(key: str, row: dict[str, str]) -> str:
    value = row.get(key, "")
    if key == "kind":
        return KIND_WORDS.get(value, value)
    if key == "held":
        return "có" if value == "yes" else "không"
    if key == "reason":
        return REASON_WORDS.get(value, value)
    if key == "source":
        return SOURCE_WORDS.get(value, value)
    if key == "start" and value:
        hour, minute = value.split(":")
        return f"{int(hour)}h{minute}"
    return value


def export_workbook(rows: Sequence[dict[str, str]], *, title: str) -> bytes:
    """The rows of :func:`bot.services.reports.files.export_rows` as a Vietnamese workbook."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    heading = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    day = workbook.add_format({"num_format": "dd/mm/yyyy", "border": 1})
    moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm", "border": 1})
    cell = workbook.add_format({"border": 1, "valign": "top"})
    wrapped = workbook.add_format({"border": 1, "valign": "top", "text_wrap": True})
    sheet.write_string(0, 0, title, heading)
    for column, (_key, text, width) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, column, text, header)
        sheet.set_column(column, column, width)
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        for column, (key, _text, _width) in enumerate(COLUMNS):
            value = _value(key, row)
            if key == "date" and value:
                sheet.write_datetime(number, column, date.fromisoformat(value), day)
            elif key == "reported_at" and value:
                # Local wall-clock time, as export_rows wrote it: Excel has no time zones.
                stamp = datetime.fromisoformat(value)
                sheet.write_datetime(number, column, stamp, moment)
            elif key in FIGURES and value:
                sheet.write_number(number, column, int(value), cell)
            else:
                fmt = wrapped if key in ("title", "note") else cell
                sheet.write_string(number, column, protect_cell(value), fmt)
    sheet.freeze_panes(HEADER_ROW + 1, 2)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(rows), 1), len(COLUMNS) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    workbook.close()
    return buffer.getvalue()
