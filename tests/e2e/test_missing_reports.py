"""/chuabaocao through the real bot: the overdue list, and «Nhắc báo cáo» sending the
prompt again to each delegate on it (once a day per duty; a delegate the bot cannot
reach is counted for the office to call)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.domain.buttons import NudgeMissingButton
from bot.domain.callbacks import encode
from bot.models import OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy
from tests.e2e.conftest import Harness
from tests.e2e.steps import linked_delegate, run_until, schedule
from tests.factories import add_delegate
from tests.fakes import FakeUser

# Tuesday 1 December, 07:30-09:00 local: ML-001 (linked) and ML-002 (never linked).
RECEPTION = (
    "reception,Tiếp công dân định kỳ,2026-12-01 07:30,2026-12-01 09:00,Trụ sở xã,HDND-ML,"
    "ML-001;ML-002,,,,"
)
BUTTON = "🔔 Nhắc đại biểu báo cáo"


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


def prompts_to(user: FakeUser) -> int:
    return sum("có thực hiện buổi tiếp công dân này" in (m.text or "") for m in user.messages)


async def office_nudges(harness: Harness) -> list[OutboxMessage]:
    async with harness.session_factory() as session:
        rows = await session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).contains(":office:"))
        )
        return list(rows.all())


async def test_the_office_reminds_everyone_on_the_overdue_list(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    delegate = await linked_delegate(harness)
    await add_delegate(harness.session_factory, "ML-002", full_name="Lê Văn Bảo")
    await add_delegate(harness.session_factory, "VP-001", role="secretary", telegram_user_id=2001)
    office = harness.api.user(2001)
    office.started = True
    await schedule(harness, tmp_path, RECEPTION)
    # Four days on: the prompt and its follow-up went unanswered, the report is overdue.
    await run_until(harness, policy, harness.clock.now + timedelta(days=4))
    harness.clock.now += timedelta(days=4)
    before = prompts_to(delegate)
    assert before == 2

    (listing,) = await office.send_and_wait("/chuabaocao")
    assert "ML-001" in (listing.text or "")
    assert "ML-002" in (listing.text or "")
    query = await office.press(listing, BUTTON)
    answer = await harness.api.wait_for_callback_answer(query)
    assert "Đã nhắc 1 đại biểu (1 lượt chưa báo cáo)." in answer["text"]
    assert "1 lượt của đại biểu chưa liên kết hoặc đã chặn bot" in answer["text"]
    await run_until(harness, policy, harness.clock.now)
    assert prompts_to(delegate) == before + 1
    (row,) = await office_nudges(harness)
    assert row.status == "sent"

    # Pressed again the same day: nothing more is sent.
    query = await office.press(listing, BUTTON)
    answer = await harness.api.wait_for_callback_answer(query)
    assert "đều đã được nhắc (mỗi ngày một lần)" in answer["text"]
    await run_until(harness, policy, harness.clock.now)
    assert prompts_to(delegate) == before + 1
    assert len(await office_nudges(harness)) == 1


async def test_a_delegate_cannot_nudge(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    delegate = await linked_delegate(harness)
    await add_delegate(harness.session_factory, "ML-002")
    await schedule(harness, tmp_path, RECEPTION)
    await run_until(harness, policy, harness.clock.now + timedelta(days=4))
    harness.clock.now += timedelta(days=4)
    (own,) = await delegate.send_and_wait("/lich")
    query = await delegate.press_data(own.message_id, encode(NudgeMissingButton()))
    answer = await harness.api.wait_for_callback_answer(query)
    assert "chỉ dành cho Văn phòng" in answer["text"]
    assert await office_nudges(harness) == []


async def test_another_council_s_office_nudges_nobody_here(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    delegate = await linked_delegate(harness)
    await add_delegate(
        harness.session_factory, "TT-VP", council="HDND-TT", role="secretary", telegram_user_id=3001
    )
    stranger = harness.api.user(3001)
    stranger.started = True
    await schedule(harness, tmp_path, RECEPTION.replace("ML-001;ML-002", "ML-001"))
    await run_until(harness, policy, harness.clock.now + timedelta(days=4))
    harness.clock.now += timedelta(days=4)
    (listing,) = await stranger.send_and_wait("/chuabaocao")
    assert "ML-001" not in (listing.text or "")
    query = await stranger.press_data(listing.message_id, encode(NudgeMissingButton()))
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không có báo cáo nào quá hạn" in answer["text"]
    assert await office_nudges(harness) == []
    assert prompts_to(delegate) == 2


async def test_pressed_late_at_night_and_again_before_seven_it_goes_out_once(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """Quiet hours (21:00-07:00) hold both presses' prompts for 07:00: one prompt."""
    await linked_delegate(harness)
    await add_delegate(harness.session_factory, "VP-001", role="secretary", telegram_user_id=2001)
    office = harness.api.user(2001)
    office.started = True
    await schedule(harness, tmp_path, RECEPTION.replace("ML-001;ML-002", "ML-001"))
    await run_until(harness, policy, harness.clock.now + timedelta(days=4))
    harness.clock.now = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # Saturday 23:00 local
    (listing,) = await office.send_and_wait("/chuabaocao")
    answer = await harness.api.wait_for_callback_answer(await office.press(listing, BUTTON))
    deferred = "Tin nhắc sẽ đến lúc 7h00 ngày 06/12/2026 (ban đêm bot không nhắn tin)."
    assert deferred in answer["text"]
    harness.clock.now = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # Sunday 06:30 local
    answer = await harness.api.wait_for_callback_answer(await office.press(listing, BUTTON))
    assert "đều đã được nhắc (mỗi ngày một lần)" in answer["text"]
    (row,) = await office_nudges(harness)
    assert row.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
