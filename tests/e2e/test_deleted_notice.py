"""A notice the secretary deletes after «Xác nhận» still reaches every recipient, sent
from what was kept when it arrived, and the report says so (issue 18, item 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import select

from bot.models import BroadcastNotice, OutboxMessage
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import Harness
from tests.e2e.test_broadcasts import (  # noqa: F401  (council is a fixture)
    LINKED,
    NOTICE,
    SECRETARY,
    compose,
    confirm,
    council,
    next_message,
    progress_tick,
)

RECIPIENTS = list(LINKED.values())  # "all": the delegates, not the office
KEPT_LINE = "Thông báo gốc đã bị xóa: 5 bản được gửi từ nội dung đã lưu"


def one_at_a_time(harness: Harness) -> Dispatcher:
    """Claims two rows at a time: the first claim learns the original is gone."""
    return Dispatcher(
        session_factory=harness.session_factory,
        notifier=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
        zone=harness.settings.zone,
        clock=harness.clock,
        owner="test",
        registry=registry_for(harness.settings.SECRETARIAT_NAME),
        batch_size=2,
    )


@pytest.mark.usefixtures("council")
async def test_a_deleted_text_notice_is_sent_from_its_kept_text(harness: Harness) -> None:
    preview, notice = await compose(harness, "/thongbao all")
    await confirm(harness, preview)
    harness.api.user(SECRETARY).delete(notice)

    stats = await one_at_a_time(harness).drain()

    assert stats.messages == 5
    assert stats.failed == 0
    for user_id in RECIPIENTS:
        (sent,) = [m for m in harness.api.sent_to(user_id) if m.text == NOTICE]
        assert sent.method == "sendMessage"
        assert sent.entities == [{"type": "bold", "offset": 0, "length": 3}]  # as written
        assert sent.find_button("Đã nhận") is not None
    # Only the first claim tried copies; the rest went from the kept text at once.
    refused = harness.api.calls_to("copyMessage")
    assert len(refused) == 2
    assert all(call.status == 400 for call in refused)
    async with harness.session_factory() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert {row.status for row in rows} == {"sent"}

    await progress_tick(harness)
    assert KEPT_LINE in (preview.text or ""), preview.text
    secretary = harness.api.user(SECRETARY)
    report = await next_message(secretary, secretary.press(preview, "📊 Kết quả gửi, nhận"))
    assert KEPT_LINE in (report.text or ""), report.text

    # Đã nhận on a copy sent from the kept text works as on any copy.
    delegate = harness.api.user(LINKED["ML-001"])
    (sent,) = [m for m in harness.api.sent_to(delegate.user_id) if m.text == NOTICE]
    await harness.api.wait_for_callback_answer(await delegate.press(sent, "Đã nhận"))
    await harness.api.wait_until(lambda: sent.edits == 1)
    assert harness.api.internal_errors == []


@pytest.mark.usefixtures("council")
async def test_a_deleted_document_notice_is_sent_with_its_file_and_caption(
    harness: Harness,
) -> None:
    secretary = harness.api.user(SECRETARY)
    reply = await next_message(secretary, secretary.send("/thongbao all"))
    assert "không xóa tin nhắn" in (reply.text or "")
    preview = await next_message(
        secretary, secretary.send_document("giaymoi.pdf", b"%PDF-1.4", caption="Giấy mời họp")
    )
    notice = harness.api.message(SECRETARY, preview.reply_to_message_id or 0)
    assert notice is not None
    assert notice.document is not None
    await confirm(harness, preview)
    secretary.delete(notice)
    harness.clock.advance(timedelta(seconds=1))

    stats = await one_at_a_time(harness).drain()

    assert stats.messages == 5
    assert stats.failed == 0
    for user_id in RECIPIENTS:
        (sent,) = [m for m in harness.api.sent_to(user_id) if m.method == "sendDocument"]
        assert sent.document is not None
        assert (sent.document.data, sent.caption) == (b"%PDF-1.4", "Giấy mời họp")
        assert sent.find_button("Đã nhận") is not None


@pytest.mark.usefixtures("council")
async def test_without_a_kept_notice_the_report_names_the_deleted_original(
    harness: Harness,
) -> None:
    """A broadcast confirmed before notices were kept: its copies fail, and the report
    gives the cause instead of "other errors"."""
    preview, notice = await compose(harness, "/thongbao all")
    async with harness.session_factory() as session, session.begin():
        await session.exec(delete(BroadcastNotice))  # type: ignore[call-overload]
    await confirm(harness, preview)
    harness.api.user(SECRETARY).delete(notice)
    stats = await one_at_a_time(harness).drain()
    assert stats.failed == 5
    await progress_tick(harness)
    assert "5 do thông báo gốc đã bị xóa" in (preview.text or ""), preview.text
