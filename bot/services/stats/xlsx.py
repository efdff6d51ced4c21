"""Statistics as an Excel workbook the council office can paste from.

Written with XlsxWriter rather than openpyxl: it writes *native* Excel charts that stay
editable and live-linked to the cells (the secretariat restyles and pastes them into the
quarterly report), number formats, merged two-row headers, frozen panes and print setup,
and it streams a write-only workbook without holding a cell model in memory. (openpyxl,
used to *read* files here, can draw charts too, but its chart API is thinner and it keeps
every cell as an object.)

Sheets: "Biểu tổng hợp" (:mod:`bot.services.stats.review_sheet`, the office's printed
table), by unit and kind (the CSV's rows, each figure beside the previous quarter's), by
delegate, the reports still missing, the chart (held / not held / not reported per
unit, the reported kinds) with its data, and "So sánh" (``comparison_sheet``: the text's
comparison with the quarter before and the same quarter a year before).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from bot.domain.stats import REASONS, TOTAL, Counts, Statistics
from bot.services.petitions.stats import register_sheet
from bot.services.stats.comparison_sheet import comparison_sheet
from bot.services.stats.output import (
    VI_HELD,
    VI_NOT_HELD,
    VI_UNREPORTED,
    figure_value,
    kind_label,
    scope_title,
    unit_label,
    vi_quarter,
)
from bot.services.stats.review_sheet import review_sheet

SHEET_UNITS = "Theo đơn vị"
SHEET_DELEGATES = "Theo đại biểu"
SHEET_MISSING = "Chưa báo cáo"
SHEET_CHART = "Biểu đồ"

RATE = "rate"
REASON_WORDS = {
    "postponed": "Hoãn lịch",
    "clash": "Trùng lịch công tác",
    "personal": "Lý do cá nhân",
    "other": "Lý do khác",
}
# (figure, Vietnamese header) in the order of the unit-and-kind sheet.
UNIT_FIGURES: tuple[tuple[str, str], ...] = (
    ("assigned", "Lượt phân công"),
    ("held", "Đã thực hiện (lượt)"),
    ("sessions", "Số buổi, cuộc đã thực hiện"),
    ("not_held", "Không thực hiện"),
    *((f"not_held_{reason}", f"Không thực hiện: {REASON_WORDS[reason]}") for reason in REASONS),
    ("unreported", "Chưa báo cáo"),
    ("upcoming", "Chưa diễn ra"),
    ("citizens", "Lượt công dân"),
    ("petitions", "Đơn thư tiếp nhận"),
    ("forwarded", "Đơn thư đã chuyển"),
    ("voters", "Lượt cử tri"),
    ("opinions", "Ý kiến, kiến nghị"),
    (RATE, "Tỷ lệ thực hiện"),
)
DELEGATE_FIGURES = tuple(item for item in UNIT_FIGURES if item[0] != "sessions")
MISSING_HEADERS = ("Thời gian", "Hoạt động", "Nội dung", "Đơn vị", "Mã đại biểu", "Họ và tên")
CHART_COLORS = ("#2E7D32", "#EF6C00", "#C62828")


@dataclass
class _Formats:
    header: Any
    subheader: Any
    text: Any
    number: Any
    rate: Any
    bold_text: Any
    bold_number: Any
    bold_rate: Any
    when: Any

    @classmethod
    def of(cls, book: Any) -> _Formats:
        base = {"font_name": "Arial", "font_size": 10, "valign": "vcenter"}
        head = {**base, "bold": True, "text_wrap": True, "align": "center", "border": 1}

        def fmt(**extra: Any) -> Any:
            return book.add_format({**base, **extra})

        return cls(
            header=book.add_format({**head, "bg_color": "#D9E1F2"}),
            subheader=book.add_format({**head, "bg_color": "#EDF1F9", "bold": False}),
            text=fmt(),
            number=fmt(num_format="#,##0"),
            rate=fmt(num_format="0.0%"),
            bold_text=fmt(bold=True, top=1),
            bold_number=fmt(bold=True, top=1, num_format="#,##0"),
            bold_rate=fmt(bold=True, top=1, num_format="0.0%"),
            when=fmt(num_format="dd/mm/yyyy hh:mm", align="left"),
        )


def xlsx_bytes(stats: Statistics) -> bytes:
    """The whole workbook, in memory."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = f"Thống kê {vi_quarter(stats.quarter)} — {scope_title(stats)}"
    book.set_properties({"title": title, "subject": "Thống kê hoạt động của đại biểu HĐND"})
    formats = _Formats.of(book)
    review_sheet(book, stats)
    _units_sheet(book, formats, stats, title)
    register_sheet(book, formats.header, formats.text, formats.number, stats)
    _delegates_sheet(book, formats, stats, title)
    _missing_sheet(book, formats, stats, title)
    _chart_sheet(book, formats, stats, title)
    comparison_sheet(book, stats)
    book.close()
    return buffer.getvalue()


def _value(counts: Counts, sessions: int, name: str) -> float | int | None:
    if name == RATE:
        return counts.completion_rate
    return figure_value(counts, sessions, name)


def _page_setup(sheet: Any, title: str, header_rows: int) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_rows - 1)
    sheet.set_header(f"&C&B{title.replace('&', '&&')}")
    sheet.set_footer("&CTrang &P/&N")


def _paired_headers(
    sheet: Any,
    formats: _Formats,
    stats: Statistics,
    first_column: int,
    figures: Sequence[tuple[str, str]],
) -> None:
    """Row 0: each figure's name over two columns; row 1: this quarter, the one before."""
    now, before = vi_quarter(stats.quarter), vi_quarter(stats.quarter.previous())
    for index, (_name, header) in enumerate(figures):
        column = first_column + 2 * index
        sheet.merge_range(0, column, 0, column + 1, header, formats.header)
        sheet.write(1, column, now, formats.subheader)
        sheet.write(1, column + 1, before, formats.subheader)
        sheet.set_column(column, column + 1, 11)
    sheet.set_row(0, 42)


def _key_headers(sheet: Any, formats: _Formats, headers: Sequence[str]) -> None:
    for column, header in enumerate(headers):
        sheet.merge_range(0, column, 1, column, header, formats.header)


def _width(values: Sequence[str], minimum: int = 8, maximum: int = 40) -> int:
    return max(minimum, min(maximum, max((len(v) for v in values), default=0) + 2))


def _write_pairs(
    sheet: Any,
    row: int,
    first_column: int,
    figures: Sequence[tuple[str, str]],
    current: tuple[Counts, int],
    previous: tuple[Counts, int],
    formats: tuple[Any, Any],
) -> None:
    number, rate = formats
    for index, (name, _header) in enumerate(figures):
        cell = rate if name == RATE else number
        for offset, (counts, sessions) in enumerate((current, previous)):
            value = _value(counts, sessions, name)
            column = first_column + 2 * index + offset
            if value is None:
                sheet.write_blank(row, column, None, cell)
            else:
                sheet.write_number(row, column, value, cell)


def _units_sheet(book: Any, formats: _Formats, stats: Statistics, title: str) -> None:
    sheet = book.add_worksheet(SHEET_UNITS)
    # Several councils: the council first, so that same-named units stay apart.
    names = {c.code: c.name for c in stats.councils} if len(stats.councils) > 1 else None
    keys = ("HĐND", "Đơn vị", "Hoạt động") if names else ("Đơn vị", "Hoạt động")
    first = len(keys)
    _key_headers(sheet, formats, keys)
    _paired_headers(sheet, formats, stats, first, UNIT_FIGURES)
    units = [unit_label(line.unit) for line in stats.lines]
    if names:
        sheet.set_column(0, 0, _width(list(names.values()), 12))
    sheet.set_column(first - 2, first - 2, _width(units, 12))
    sheet.set_column(first - 1, first - 1, 16)
    for offset, line in enumerate(stats.lines):
        row = 2 + offset
        bold = line.unit == TOTAL
        text = formats.bold_text if bold else formats.text
        if names:
            sheet.write_string(row, 0, names.get(line.council, line.council), text)
        sheet.write_string(row, first - 2, unit_label(line.unit), text)
        sheet.write_string(row, first - 1, kind_label(line.kind), text)
        _write_pairs(
            sheet,
            row,
            first,
            UNIT_FIGURES,
            (line.counts, line.sessions),
            (line.previous, line.previous_sessions),
            (formats.bold_number, formats.bold_rate) if bold else (formats.number, formats.rate),
        )
    sheet.freeze_panes(2, first)
    _page_setup(sheet, title, 2)


def _delegates_sheet(book: Any, formats: _Formats, stats: Statistics, title: str) -> None:
    sheet = book.add_worksheet(SHEET_DELEGATES)
    _key_headers(sheet, formats, ("Mã đại biểu", "Họ và tên", "Đơn vị"))
    _paired_headers(sheet, formats, stats, 3, DELEGATE_FIGURES)
    sheet.set_column(0, 0, _width([d.code for d in stats.delegates], 12))
    sheet.set_column(1, 1, _width([d.name for d in stats.delegates], 18))
    units = ["; ".join(map(unit_label, d.units)) for d in stats.delegates]
    sheet.set_column(2, 2, _width(units, 12, 50))
    for offset, delegate in enumerate(stats.delegates):
        row = 2 + offset
        sheet.write_string(row, 0, delegate.code, formats.text)
        sheet.write_string(row, 1, delegate.name, formats.text)
        sheet.write_string(row, 2, units[offset], formats.text)
        _write_pairs(
            sheet,
            row,
            3,
            DELEGATE_FIGURES,
            (delegate.counts, 0),
            (delegate.previous, 0),
            (formats.number, formats.rate),
        )
    sheet.freeze_panes(2, 3)
    _page_setup(sheet, title, 2)


def _missing_sheet(book: Any, formats: _Formats, stats: Statistics, title: str) -> None:
    sheet = book.add_worksheet(SHEET_MISSING)
    for column, header in enumerate(MISSING_HEADERS):
        sheet.write_string(0, column, header, formats.header)
    rows = stats.missing
    widths = [17, 16, _width([m.title for m in rows], 20, 60)]
    widths += [_width([unit_label(m.unit) for m in rows], 12), 13]
    widths += [_width([m.delegate_name for m in rows], 18)]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for offset, missing in enumerate(rows):
        row = 1 + offset
        sheet.write_datetime(row, 0, missing.starts_at.replace(tzinfo=None), formats.when)
        sheet.write_string(row, 1, kind_label(missing.kind), formats.text)
        sheet.write_string(row, 2, missing.title, formats.text)
        sheet.write_string(row, 3, unit_label(missing.unit), formats.text)
        sheet.write_string(row, 4, missing.delegate_code, formats.text)
        sheet.write_string(row, 5, missing.delegate_name, formats.text)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(MISSING_HEADERS) - 1)
    sheet.freeze_panes(1, 0)
    _page_setup(sheet, title, 1)


def _chart_sheet(book: Any, formats: _Formats, stats: Statistics, title: str) -> None:
    """The chart's data (reported kinds per unit) and the native stacked bar chart."""
    sheet = book.add_worksheet(SHEET_CHART)
    headers = ("Đơn vị", VI_HELD, VI_NOT_HELD, VI_UNREPORTED)
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, formats.header)
    units = stats.units
    sheet.set_column(0, 0, _width([unit_label(u.unit) for u in units], 12))
    sheet.set_column(1, 3, 14)
    for offset, line in enumerate(units):
        sheet.write_string(1 + offset, 0, unit_label(line.unit), formats.text)
        for column, value in enumerate(
            (line.counts.held, line.counts.not_held, line.counts.unreported), start=1
        ):
            sheet.write_number(1 + offset, column, value, formats.number)
    sheet.freeze_panes(1, 0)
    _page_setup(sheet, title, 1)
    if not units:
        return
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    last = len(units)
    for column, color in enumerate(CHART_COLORS, start=1):
        chart.add_series(
            {
                "name": [SHEET_CHART, 0, column],
                "categories": [SHEET_CHART, 1, 0, last, 0],
                "values": [SHEET_CHART, 1, column, last, column],
                "fill": {"color": color},
                "gap": 60,
            }
        )
    chart.set_title(
        {"name": f"{title}: tiếp công dân, tiếp xúc cử tri, giám sát", "name_font": {"size": 12}}
    )
    chart.set_x_axis({"name": "Lượt đại biểu", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 900, "height": max(360, 60 + 26 * last)})
    sheet.insert_chart(1, len(headers) + 1, chart)
