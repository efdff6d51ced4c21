"""``delegates invite --format xlsx``: the invite sheet a clerk prints or copies from.

One row per delegate: name, unit, phone, a ready-to-paste message for Zalo or SMS with the
link in it, the link, and a QR code of the link (scanned with the phone's camera on a
training day). Laid out for A4 landscape: header repeated on every page, one QR per row.
Each link links an account: the caller writes the file owner-only.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from bot.services.delegates.invites import IssuedInvite, invite_link

HEADERS: tuple[tuple[str, int], ...] = (
    ("STT", 5),
    ("Mã đại biểu", 13),
    ("Họ và tên", 22),
    ("Đơn vị", 18),
    ("Số điện thoại", 13),
    ("Tin nhắn mời (dán vào Zalo hoặc SMS)", 46),
    ("Đường liên kết", 30),
    ("Mã QR (quét bằng camera điện thoại)", 22),
)
QR_COLUMN = len(HEADERS) - 1
QR_SCALE = 3
ROW_HEIGHT = 120  # points: room for the QR code of a 60-character link at QR_SCALE
SHEET = "Mời liên kết"


def qr_png(link: str) -> bytes:
    """The link as a QR code (PNG), error correction M, with its quiet zone."""
    import segno

    buffer = io.BytesIO()
    segno.make_qr(link, error="m").save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()


def invite_workbook(
    invites: Sequence[IssuedInvite],
    username: str,
    *,
    title: str,
    message: Callable[[IssuedInvite, str], str],
) -> bytes:
    """The sheet; ``message(invite, link)`` is the text to paste, in the clerk's language."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    heading = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    cell = workbook.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    phone = workbook.add_format({"border": 1, "valign": "vcenter", "num_format": "@"})
    sheet.write_string(0, 0, title, heading)
    for column, (text, width) in enumerate(HEADERS):
        sheet.write_string(2, column, text, header)
        sheet.set_column(column, column, width)
    for index, invite in enumerate(invites):
        row = 3 + index
        link = invite_link(username, invite.token)
        sheet.set_row(row, ROW_HEIGHT)
        sheet.write_number(row, 0, index + 1, cell)
        sheet.write_string(row, 1, invite.code, cell)
        sheet.write_string(row, 2, invite.full_name, cell)
        sheet.write_string(row, 3, invite.unit, cell)
        sheet.write_string(row, 4, invite.phone or "", phone)  # text: keeps the leading 0
        sheet.write_string(row, 5, message(invite, link), cell)
        sheet.write_string(row, 6, link, cell)
        sheet.write_blank(row, QR_COLUMN, None, cell)
        sheet.insert_image(
            row,
            QR_COLUMN,
            f"qr-{invite.code}.png",
            {"image_data": io.BytesIO(qr_png(link)), "x_offset": 6, "y_offset": 6},
        )
    sheet.freeze_panes(3, 3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.fit_to_pages(1, 0)  # every column on the page's width, as many pages as needed
    sheet.repeat_rows(2)
    sheet.set_footer("&CTrang &P/&N")
    workbook.close()
    return buffer.getvalue()
