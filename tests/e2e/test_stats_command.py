"""/thongke against the fake Bot API: buttons, the summary, the chart and the workbook.

Until ``bot/telegram/app.py`` registers the handlers, this module puts them at the front
of group 0 itself (ahead of the catch-all), which is where the registration will put them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col, select

from bot.models import Council, Delegate
from bot.services.stats.figures import council_by_code
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.factories import add_delegate
from tests.services.test_stats import EXPECTED_TEXT, _fixture

SECRETARY_ID = 7001
DELEGATE_ID = 7002


@pytest.fixture
async def council(harness: Harness, tmp_path: Path) -> Harness:
    """The fixture quarter (2026-Q1) of the service test; ML-002 is the office's account
    (a secretary), ML-001 a delegate of the Standing Committee (by title)."""
    await _fixture(harness.session_factory, tmp_path)
    async with harness.session_factory() as session, session.begin():
        for code, user_id in (("ML-002", SECRETARY_ID), ("ML-001", DELEGATE_ID)):
            await session.exec(
                update(Delegate).where(col(Delegate.code) == code).values(telegram_user_id=user_id)
            )
    return harness


async def test_a_delegate_is_politely_refused(council: Harness) -> None:
    (reply,) = await council.api.user(DELEGATE_ID).send_and_wait("/thongke")
    assert reply.text is not None
    assert "Thống kê theo quý do Văn phòng lập" in reply.text
    assert reply.reply_markup is None


async def test_secretary_chooses_a_quarter_and_gets_text_chart_and_workbook(
    council: Harness,
) -> None:
    user = council.api.user(SECRETARY_ID)
    (menu,) = await user.send_and_wait("/thongke")
    assert menu.text == "Thống kê của HĐND HDND-ML: chọn quý."
    labels = [button["text"] for button in menu.buttons]
    assert labels == ["Quý IV/2026 (đến nay)", "Quý III/2026", "Quý II/2026", "Quý I/2026"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in menu.buttons)
    before = len(user.messages)
    query = await user.press(menu, "Quý I/2026")
    assert "show_alert" not in await council.api.wait_for_callback_answer(query)
    summary, chart, workbook = (await user.wait_for_messages(before + 3))[before:]
    assert menu.text == "Đang tổng hợp số liệu Quý I/2026…"  # edited in place
    assert summary.text == EXPECTED_TEXT
    assert chart.photo is not None
    assert chart.photo.data.startswith(b"\x89PNG")
    assert workbook.document is not None
    assert workbook.document.filename == "thong-ke-2026-Q1-HDND-ML.xlsx"
    book = load_workbook(io.BytesIO(workbook.document.data), read_only=True)
    assert book.sheetnames[:2] == ["Biểu tổng hợp", "Theo đơn vị"]


async def test_quarter_and_council_can_be_typed(council: Harness) -> None:
    (summary, _chart, _workbook) = await council.api.user(SECRETARY_ID).send_and_wait(
        "/stats 2026-Q1", count=3
    )
    assert summary.text == EXPECTED_TEXT
    (refusal,) = await council.api.user(SECRETARY_ID).send_and_wait("/thongke HDND-X")
    assert refusal.text == "Không có HĐND mã HDND-X trong các HĐND đồng chí phụ trách."


async def test_admin_chooses_the_council_first(council: Harness) -> None:
    admin = council.api.user(ADMIN_ID)
    (menu,) = await admin.send_and_wait("/thongke")
    assert menu.text == "Chọn HĐND:"
    assert [b["text"] for b in menu.buttons] == ["Tất cả các HĐND", "HĐND HDND-ML", "HĐND HDND-X"]
    await admin.press(menu, "HĐND HDND-X")
    await council.api.wait_until(lambda: menu.text == "Thống kê của HĐND HDND-X: chọn quý.")
    before = len(admin.messages)
    await admin.press(menu, "Quý I/2026")
    summary = (await admin.wait_for_messages(before + 3))[before]
    assert summary.text is not None
    assert summary.text.startswith(
        "Trong quý I/2026, đại biểu HĐND HDND-X đã tiếp công dân 01 buổi theo phân công"
    )


async def test_a_forged_button_for_another_council_is_refused(council: Harness) -> None:
    async with council.session_factory() as session:
        other = await council_by_code(session=session, code="HDND-X")
    assert other is not None
    user = council.api.user(SECRETARY_ID)
    (menu,) = await user.send_and_wait("/thongke")
    before = len(user.messages)
    query = await user.press_data(menu, f"stats:q:{other.id}:2026-Q1")
    answer = await council.api.wait_for_callback_answer(query)
    assert answer.get("show_alert") is True
    assert len(user.messages) == before


async def test_a_province_office_adds_its_childrens_figures(council: Harness) -> None:
    """DESIGN: the province office "adds their figures into its own report": /thongke
    offers its own council and its children (one level), not a child's own children."""
    province_office = 7100
    await add_delegate(council.session_factory, "P-VP", council="HDND-P", level="province",
                       role="secretary", telegram_user_id=province_office)  # fmt: skip
    await add_delegate(council.session_factory, "G-001", council="HDND-G")
    async with council.session_factory() as session, session.begin():
        found = {c.code: c for c in (await session.exec(select(Council))).all()}
        for child, parent in (("HDND-ML", "HDND-P"), ("HDND-X", "HDND-P"), ("HDND-G", "HDND-X")):
            found[child].parent_id = found[parent].id
            session.add(found[child])
    office = council.api.user(province_office)
    (menu,) = await office.send_and_wait("/thongke")
    assert menu.text == "Chọn HĐND:"
    assert [b["text"] for b in menu.buttons] == [
        "Tất cả các HĐND",
        "HĐND HDND-ML",
        "HĐND HDND-P",
        "HĐND HDND-X",
    ]
    (summary, _chart, _workbook) = await office.send_and_wait("/thongke HDND-X 2026-Q1", count=3)
    assert (summary.text or "").startswith(
        "Trong quý I/2026, đại biểu HĐND HDND-X đã tiếp công dân 01 buổi theo phân công"
    )
    (refusal,) = await office.send_and_wait("/thongke HDND-G")
    assert refusal.text == "Không có HĐND mã HDND-G trong các HĐND đồng chí phụ trách."
