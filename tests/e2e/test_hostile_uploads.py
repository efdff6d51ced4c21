"""A secretary (or someone holding a secretary's phone) sends the worst files there are.

One bad file gets at most two messages back, whatever its size; a workbook bomb is
refused with the row it stops at; a file bigger than it said it was is refused after
download; a forged Confirm button with an id no INTEGER column can hold is just unknown.
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from bot.models import Event, PendingUpload
from bot.telegram.texts import MAX_MESSAGE_LENGTH
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.test_schedule import schedule_csv
from tests.factories import add_delegate
from tests.fakes.models import SentMessage, StoredFile
from tests.services import hostile_files


async def replies_before_help(harness: Harness, user_id: int) -> list[SentMessage]:
    """Updates are handled in order: once /help is answered, the upload's replies are all in."""
    user = harness.api.user(user_id)
    await user.send("/help")
    await harness.api.wait_until(
        lambda: bool(user.messages) and "/lienket" in (user.messages[-1].text or ""), timeout=60
    )
    return user.messages[:-1]


async def test_a_flood_of_long_bad_cells_gets_at_most_two_messages(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    huge = "x" * 40_000
    rows = [
        f"party{huge},Liên hoan {n},2026-12-15 08:00,2026-12-15 17:00,{huge},HDND-ML,ML-{huge},,,,"
        for n in range(35)
    ]
    await secretary.send_document("lich.csv", schedule_csv(*rows))
    replies = await replies_before_help(harness, ADMIN_ID)
    assert 1 <= len(replies) <= 2
    assert all(len(m.text or "") <= MAX_MESSAGE_LENGTH for m in replies)
    last = replies[-1].text or ""
    assert last.rstrip().split("\n")[-1].startswith("… và ")
    assert last.rstrip().endswith("lỗi khác")
    assert "dòng 2, cột «kind»" in (replies[0].text or "")
    assert "xxxxxxxx…" in (replies[0].text or "")  # the cell is quoted, cut short
    async with harness.session_factory() as session:
        assert (await session.exec(select(PendingUpload))).all() == []


async def test_a_workbook_bomb_is_refused_with_its_row(harness: Harness) -> None:
    secretary = harness.api.user(ADMIN_ID)
    started = time.perf_counter()
    await secretary.send_document("lich.xlsx", hostile_files.far_row_bomb(1_000_000_000))
    (reply,) = await secretary.wait_for_messages(1, timeout=10)
    assert time.perf_counter() - started < 3
    assert reply.text is not None
    assert "dòng 20001" in reply.text
    assert "20000" in reply.text
    assert reply.reply_markup is None


async def test_a_file_larger_than_declared_is_refused_after_download(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    monkeypatch.setattr(StoredFile, "size", property(lambda self: 1_000))
    secretary = harness.api.user(ADMIN_ID)
    filler = "\n".join(
        f"session,Kỳ họp {n},2026-12-15 08:00,2026-12-15 17:00,{'Hội trường ' * 4},HDND-ML,all,,,,"
        for n in range(60_000)
    )
    content = schedule_csv(filler)
    assert len(content) > 5 * 1024 * 1024
    await secretary.send_document("lich.csv", content)
    (reply,) = await secretary.wait_for_messages(1, timeout=30)
    assert reply.text is not None
    assert "quá lớn" in reply.text
    async with harness.session_factory() as session:
        assert (await session.exec(select(PendingUpload))).all() == []
        assert (await session.exec(select(Event))).all() == []


async def test_a_forged_confirm_with_a_huge_id_is_just_unknown(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document(
        "lich.csv",
        schedule_csv("session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,"),
    )
    (preview,) = await secretary.wait_for_messages(1)
    query = await secretary.press_data(preview, "upload:ok:999999999999999999")
    answer = await harness.api.wait_for_callback_answer(query)
    assert answer.get("show_alert") is True
    assert len(secretary.messages) == 1  # no "something went wrong"
    await secretary.press(preview, "✅ Xác nhận")  # the real button still works
    await harness.api.wait_until(lambda: "Đã lưu" in (secretary.messages[-1].text or ""))
