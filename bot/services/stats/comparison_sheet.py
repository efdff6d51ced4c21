"""The workbook's sheet "So sánh": the text's comparison, as figures to paste.

For each paragraph of the text (a council, or a level's councils together) the office's
figures of "Biểu tổng hợp" (periodic reception turns, reception occasions, citizens,
petitions, voter meetings, supervisions, sessions, the completion rate) for the quarter,
the quarter before and the same quarter a year before, in three columns.
"""

from __future__ import annotations

from typing import Any

from bot.domain.stats import Period, Statistics
from bot.domain.stats_text import who_counted
from bot.services.stats.output import scope_title, vi_quarter
from bot.services.stats.review_sheet import FIGURES, sheet_formats

SHEET_COMPARISON = "So sánh"
TITLE = "SO SÁNH VỚI QUÝ TRƯỚC VÀ CÙNG KỲ NĂM TRƯỚC"
HEADER_ROW = 3
RATE_HEADER = FIGURES[-1][0]


def comparison_rows(stats: Statistics) -> list[tuple[str, str, tuple[float | int | None, ...]]]:
    """(paragraph, figure, (this quarter, the quarter before, a year before)) in sheet order."""
    rows = []
    for summary in stats.summaries:
        periods: tuple[Period, ...] = (summary.current, summary.previous, summary.year_ago)
        for header, value_of in FIGURES:
            rows.append((who_counted(summary, "vi"), header, tuple(value_of(p) for p in periods)))
    return rows


def comparison_sheet(book: Any, stats: Statistics) -> None:
    """Adds "So sánh" to ``book`` (an XlsxWriter workbook)."""
    sheet = book.add_worksheet(SHEET_COMPARISON)
    f = sheet_formats(book)
    quarters = (stats.quarter, stats.quarter.previous(), stats.quarter.year_before())
    headers = ["HĐND", "Nội dung", *(vi_quarter(q) for q in quarters)]
    last = len(headers) - 1
    sheet.merge_range(0, 0, 0, last, TITLE, f["title"])
    sheet.merge_range(
        1, 0, 1, last, f"{vi_quarter(stats.quarter)} — {scope_title(stats)}", f["subtitle"]
    )
    for column, header in enumerate(headers):
        sheet.write_string(HEADER_ROW, column, header, f["header"])
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, last, 14)
    for offset, (paragraph, header, values) in enumerate(comparison_rows(stats)):
        row = HEADER_ROW + 1 + offset
        sheet.write_string(row, 0, paragraph, f["text"])
        sheet.write_string(row, 1, header, f["text"])
        cell = f["rate"] if header == RATE_HEADER else f["number"]
        for column, value in enumerate(values, start=2):
            if value is None:
                sheet.write_blank(row, column, None, cell)
            else:
                sheet.write_number(row, column, value, cell)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW)
    sheet.freeze_panes(HEADER_ROW + 1, 2)
    sheet.set_footer("&CTrang &P/&N")
