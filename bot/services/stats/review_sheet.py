"""The workbook's first sheet, "Biểu tổng hợp": the quarter as the office files it.

A title, then one row per unit (STT, the council when several are covered, the unit)
with the text's figures: periodic reception turns, delegates' reception occasions,
citizens, petitions received and forwarded, voter meetings, voters, opinions,
supervisions, sessions, the completion rate. Under each level's units a bold row
carries that level's totals, the very numbers of the text's paragraph (an occasion
shared by two units counts once there). Last, the signing block.

Set up for A4 landscape: fit to the page width, the header rows repeated on every page,
page numbers in the footer, the print area on the table and the signing block. Twelve
narrow figure columns stay legible where the 34 paired columns of "Theo đơn vị" shrank to
a strip (issue 17).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.stats import Period, Statistics, completion_rate, sort_key
from bot.domain.stats_text import who_counted
from bot.services.stats.output import scope_title, unit_label, vi_quarter

SHEET_REVIEW = "Biểu tổng hợp"
TITLE = "BIỂU TỔNG HỢP KẾT QUẢ HOẠT ĐỘNG CỦA ĐẠI BIỂU HĐND"

# (header, value of a Period) in column order.
FIGURES: tuple[tuple[str, Callable[[Period], float | int | None]], ...] = (
    ("Tiếp công dân định kỳ (lượt)", lambda p: p.periodic_turns),
    ("Tiếp công dân theo phân công (buổi)", lambda p: p.delegate_reception_sessions),
    ("Lượt công dân", lambda p: p.of("reception").citizens),
    ("Đơn thư tiếp nhận", lambda p: p.of("reception").petitions),
    ("Đơn thư đã chuyển", lambda p: p.of("reception").forwarded),
    ("Tiếp xúc cử tri (hội nghị)", lambda p: p.sessions.get("voter_meeting", 0)),
    ("Lượt cử tri", lambda p: p.of("voter_meeting").voters),
    ("Ý kiến, kiến nghị", lambda p: p.of("voter_meeting").opinions),
    ("Giám sát (cuộc)", lambda p: p.sessions.get("supervision", 0)),
    ("Kỳ họp", lambda p: p.ended.get("session", 0)),
    ("Tỷ lệ thực hiện", lambda p: completion_rate(p.everything())),
)
HEADER_ROW = 3  # the column names; the row under it numbers the columns (1), (2)…


def review_sheet(book: Any, stats: Statistics) -> None:
    """Adds "Biểu tổng hợp" to ``book`` (an XlsxWriter workbook)."""
    sheet = book.add_worksheet(SHEET_REVIEW)
    f = sheet_formats(book)
    several = len(stats.councils) > 1
    names = {c.id: c.name for c in stats.councils}
    keys = ["STT", *(["HĐND"] if several else []), "Đơn vị"]
    last = len(keys) + len(FIGURES) - 1
    sheet.merge_range(0, 0, 0, last, TITLE, f["title"])
    sheet.merge_range(
        1, 0, 1, last, f"{vi_quarter(stats.quarter)} — {scope_title(stats)}", f["subtitle"]
    )
    for column, header in enumerate([*keys, *(h for h, _v in FIGURES)]):
        sheet.write_string(HEADER_ROW, column, header, f["header"])
        sheet.write_string(HEADER_ROW + 1, column, f"({column + 1})", f["number_header"])
    sheet.set_row(HEADER_ROW, 48)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, len(keys) - 1, 24)
    sheet.set_column(len(keys), last, 10.5)
    row = HEADER_ROW + 2
    number = 0
    for summary in stats.summaries:
        members = set(summary.council_ids)
        units = sorted(
            (key for key in stats.unit_periods if key[0] in members),
            key=lambda k: (sort_key(names.get(k[0], "")), sort_key(k[1])),
        )
        for council_id, unit in units:
            number += 1
            sheet.write_number(row, 0, number, f["center"])
            if several:
                sheet.write_string(row, 1, names.get(council_id, ""), f["text"])
            sheet.write_string(row, len(keys) - 1, unit_label(unit), f["text"])
            _figures(sheet, row, len(keys), stats.unit_periods[council_id, unit], f, bold=False)
            row += 1
        sheet.merge_range(
            row, 0, row, len(keys) - 1, f"Cộng: {who_counted(summary, 'vi')}", f["bold_text"]
        )
        _figures(sheet, row, len(keys), summary.current, f, bold=True)
        row += 1
    end = _signing_block(sheet, row + 1, last, f)
    _print_setup(sheet, last, end)


def _figures(
    sheet: Any, row: int, first: int, period: Period, f: dict[str, Any], *, bold: bool
) -> None:
    for offset, (_header, value_of) in enumerate(FIGURES):
        value = value_of(period)
        is_rate = offset == len(FIGURES) - 1
        cell = f[("bold_" if bold else "") + ("rate" if is_rate else "number")]
        if value is None:
            sheet.write_blank(row, first + offset, None, cell)
        else:
            sheet.write_number(row, first + offset, value, cell)


def _signing_block(sheet: Any, row: int, last: int, f: dict[str, Any]) -> int:
    """The place and date line, who drew the table up and who signs for the Standing
    Committee, each over half the width; returns the last row used."""
    middle = last // 2
    sheet.merge_range(row, middle + 1, row, last, "…………, ngày … tháng … năm 20…", f["italic"])
    sheet.merge_range(row + 1, 0, row + 1, middle, "NGƯỜI LẬP BIỂU", f["sign"])
    sheet.merge_range(row + 1, middle + 1, row + 1, last, "TM. THƯỜNG TRỰC HĐND", f["sign"])
    sheet.merge_range(row + 2, 0, row + 2, middle, "(Ký, ghi rõ họ tên)", f["italic"])
    sheet.merge_range(
        row + 2, middle + 1, row + 2, last, "(Ký, ghi rõ họ tên, đóng dấu)", f["italic"]
    )
    return row + 6  # room for the signatures


def _print_setup(sheet: Any, last: int, end: int) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.fit_to_pages(1, 0)  # the page width, as many pages down as needed
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW + 1)
    sheet.print_area(0, 0, end, last)
    sheet.set_footer("&CTrang &P/&N")
    sheet.freeze_panes(HEADER_ROW + 2, 0)


def sheet_formats(book: Any) -> dict[str, Any]:
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
    cell = {**base, "border": 1}

    def fmt(**extra: Any) -> Any:
        return book.add_format({**cell, **extra})

    return {
        "title": book.add_format({**base, "bold": True, "font_size": 13, "align": "center"}),
        "subtitle": book.add_format({**base, "italic": True, "align": "center"}),
        "header": fmt(bold=True, text_wrap=True, align="center", bg_color="#D9E1F2"),
        "number_header": fmt(italic=True, align="center", font_size=9),
        "center": fmt(align="center"),
        "text": fmt(text_wrap=True),
        "number": fmt(num_format="#,##0"),
        "rate": fmt(num_format="0.0%"),
        "bold_text": fmt(bold=True),
        "bold_number": fmt(bold=True, num_format="#,##0"),
        "bold_rate": fmt(bold=True, num_format="0.0%"),
        "italic": book.add_format({**base, "italic": True, "align": "center"}),
        "sign": book.add_format({**base, "bold": True, "align": "center"}),
    }
