"""Reminders delivered through the real bot to the fake Bot API server, on a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import OutboxStatus
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, dispatcher, linked_delegate, run_until, schedule
from tests.factories import add_delegate, in_session


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


async def statuses(harness: Harness) -> list[str]:
    async with harness.session_factory() as session:
        return [
            r.status
            for r in (
                await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.due_at)))
            ).all()
        ]


async def test_reminders_arrive_once_each_in_order_with_their_text(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân định kỳ,2026-12-10 07:30,2026-12-10 11:00,"
        "Trụ sở HĐND-UBND xã Mỹ Lộc,HDND-ML,ML-001,,,,",
    )
    await run_until(harness, policy, datetime(2026, 12, 11, tzinfo=UTC))
    texts = [m.text or "" for m in user.messages]
    # 3 days, 1 day, the day's digest with the 2 h reminder, then the report prompt
    assert len(texts) == 4
    assert "có thực hiện" in texts[3]
    # the time first, as councils write it; the day before reads "ngày mai", not "còn 1 ngày"
    assert "🗓 7h30–11h00 Thứ Năm, 10/12/2026 (còn 3 ngày)" in texts[0]
    assert "🗓 7h30–11h00 Thứ Năm, 10/12/2026 (ngày mai)" in texts[1]
    assert "còn 1 ngày" not in texts[1]
    assert "Lịch hôm nay" in texts[2]
    assert "• 7h30–11h00 Tiếp công dân định kỳ" in texts[2]
    assert "Trụ sở HĐND-UBND xã Mỹ Lộc" in texts[0]
    assert "Tiếp công dân định kỳ" in texts[0]
    assert "🏛" not in texts[0]  # one council: no need to name it
    # the 2 h reminder, moved out of quiet hours to 07:00, is not repeated under the digest
    assert "Nhắc lịch" not in texts[2]
    assert texts[2].count("Tiếp công dân định kỳ") == 1
    assert all(m.find_button("agenda:show") for m in user.messages[:3])
    sent_at = [m.date for m in user.messages]
    assert sent_at == sorted(sent_at)
    # the follow-up prompt a day later is still pending
    assert await statuses(harness) == ["sent"] * 5 + ["pending"]
    # once each: planning and draining again sends nothing more
    await run_until(harness, policy, datetime(2026, 12, 11, tzinfo=UTC))
    assert len(user.messages) == 4


async def test_reminders_due_together_are_merged(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "supervision,Giám sát trường,2026-12-08 14:00,2026-12-08 16:00,Trường,HDND-ML,ML-001,,,,",
        "supervision,Giám sát trạm y tế,2026-12-08 14:00,2026-12-08 17:00,Trạm,HDND-ML,ML-001,,,,",
    )
    harness.clock.now = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)  # 3 days before, to the minute
    await run_until(harness, policy, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    (message,) = harness.api.user(1001).messages
    assert message.text is not None
    assert "2 hoạt động sắp tới" in message.text
    assert "Giám sát trường" in message.text
    assert "Giám sát trạm y tế" in message.text


async def test_blocked_user_fails_once_and_is_marked_unreachable(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,",
    )
    user.block()
    await run_until(harness, policy, datetime(2026, 12, 11, tzinfo=UTC))
    calls = [c for c in harness.api.calls_to("sendMessage") if c.params.get("chat_id") == 1001]
    assert len(calls) == 1  # no retry storm
    assert sorted(await statuses(harness)) == ["failed"] * 5  # reminders and report prompts
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate))).one()
    assert delegate.reachable is False
    # writing to the bot again makes them reachable
    await user.send_and_wait("/help")
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate))).one()
    assert delegate.reachable is True


async def test_a_429_storm_loses_nothing(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    harness.clock.now = START
    codes = [f"ML-{n:03d}" for n in range(1, 11)]
    for number, code in enumerate(codes, start=1):
        await add_delegate(harness.session_factory, code, telegram_user_id=2000 + number)
        harness.api.user(2000 + number).started = True
    await schedule(
        harness,
        tmp_path,
        "other,Tập huấn,2026-12-01 15:00,2026-12-01 17:00,Hội trường,HDND-ML,all,,,,",
    )
    harness.api.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, count=12
    )
    await run_until(harness, policy, datetime(2026, 12, 2, tzinfo=UTC))
    for number in range(1, 11):
        assert len(harness.api.user(2000 + number).messages) == 1
    assert set(await statuses(harness)) == {"sent"}


async def test_event_already_begun_is_missed_and_late_ones_say_so(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,",
    )
    await in_session(harness.session_factory, plan_outbox, policy=policy, now=START)
    # the bot was down from before the 3-day reminder until after the 1-day one
    harness.clock.now = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # 17:00 local on the 9th
    await dispatcher(harness).drain()
    (late,) = user.messages
    assert late.text is not None
    assert "Gửi muộn" in late.text
    assert late.text.count("Tiếp công dân") == 1  # the 3-day and 1-day reminders, as one
    # 17:00 on the 9th for 07:30 on the 10th: tomorrow by the calendar, not "14 hours"
    assert "(ngày mai)" in late.text
    # down again until the reception began: its last reminder is missed, not sent
    harness.clock.now = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    await dispatcher(harness).drain()
    assert len(user.messages) == 1
    assert sorted(await statuses(harness)) == ["missed", "sent", "sent"]


async def test_network_errors_retry_with_backoff(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "other,Họp tổ,2026-12-01 15:00,2026-12-01 17:00,Hội trường,HDND-ML,ML-001,,,,",
    )
    await in_session(harness.session_factory, plan_outbox, policy=policy, now=START)
    harness.api.fail_next("sendMessage", 502, "Bad Gateway", count=2)
    worker = dispatcher(harness)
    await worker.drain()
    async with harness.session_factory() as session:
        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert row.status == OutboxStatus.pending.value
    assert row.attempts == 1
    assert row.due_at == START + timedelta(seconds=15)
    await run_until(harness, policy, datetime(2026, 12, 1, 4, tzinfo=UTC))
    assert len(harness.api.user(1001).messages) == 1
    async with harness.session_factory() as session:
        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert row.status == OutboxStatus.sent.value
    assert row.attempts == 3


async def test_my_schedule_button_shows_the_agenda(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "other,Họp tổ đại biểu,2026-12-01 15:00,2026-12-01 17:00,Hội trường,HDND-ML,ML-001,,,,",
    )
    await run_until(harness, policy, datetime(2026, 12, 1, 4, tzinfo=UTC))
    (reminder,) = user.messages
    query = await user.press(reminder, "agenda:show")
    await harness.api.wait_for_callback_answer(query)
    agenda = (await user.wait_for_messages(2))[-1]
    assert "Lịch của đồng chí trong 30 ngày tới" in (agenda.text or "")
    assert "Họp tổ đại biểu" in (agenda.text or "")


async def test_reminders_missed_while_blocked_are_sent_late_once_reachable_again(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,",
    )
    user.block()
    await run_until(harness, policy, datetime(2026, 12, 9, 0, tzinfo=UTC))
    # the 403 of the first reminder fails every other row of the delegate at once
    assert await statuses(harness) == ["failed"] * 5
    assert user.messages == []
    harness.clock.now = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # after the 1 d reminder
    await user.send_and_wait("/help")  # writing again: reachable, the failed rows come back
    await dispatcher(harness).drain()
    texts = [m.text or "" for m in user.messages[1:]]
    (late,) = texts  # the two overdue reminders of one reception make one late message
    assert "Gửi muộn" in late
    assert late.count("Tiếp công dân") == 1
    # the rest (the 2 h reminder, the digest, the report prompts) come at their own time
    await run_until(harness, policy, datetime(2026, 12, 10, 12, tzinfo=UTC))
    assert "Lịch hôm nay" in (user.messages[2].text or "")
    # once the event has passed, no reminder comes back; the report prompt that failed
    # meanwhile does (it is still worth answering)
    harness.clock.now = datetime(2026, 12, 11, tzinfo=UTC)
    user.block()
    await run_until(harness, policy, datetime(2026, 12, 12, tzinfo=UTC))
    before = len(user.messages)
    await user.send_and_wait("/help")
    await dispatcher(harness).drain()
    after = [m.text or "" for m in user.messages[before + 1 :]]
    assert len(after) == 1
    assert "có thực hiện" in after[0]


async def test_a_duty_of_today_added_after_the_digest_is_announced(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    morning = "other,Họp giao ban,2026-12-01 14:00,2026-12-01 15:00,Phòng họp,HDND-ML,ML-001,,,,"
    harness.clock.now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 06:00 local
    await schedule(harness, tmp_path, morning)
    await run_until(harness, policy, datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    assert "Lịch hôm nay" in (user.last_message.text or "")
    harness.clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00: a new duty at 16:00
    await schedule(
        harness,
        tmp_path,
        morning,
        "supervision,Giám sát trường học,2026-12-01 16:00,2026-12-01 17:00,Trường THCS,"
        "HDND-ML,ML-001,,,,",
    )
    before = len(user.messages)
    await run_until(harness, policy, harness.clock.now)
    (new,) = [m.text or "" for m in user.messages[before:]]
    assert "Lịch bổ sung trong hôm nay" in new
    assert "Giám sát trường học" in new
    assert "Họp giao ban" not in new


async def test_a_cancellation_says_where_with_a_cross(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    row = "reception,Tiếp công dân,2026-12-03 07:30,2026-12-03 11:00,Trụ sở xã,HDND-ML,ML-001,,,,"
    other = "other,Tập huấn,2026-12-20 08:00,2026-12-20 11:00,Hội trường,HDND-ML,ML-001,,,,"
    await schedule(harness, tmp_path, row, other)
    await run_until(harness, policy, START + timedelta(hours=1))  # the 3-day reminder is sent
    await schedule(harness, tmp_path, other)  # the reception is dropped from the file
    await run_until(harness, policy, harness.clock.now)
    text = user.last_message.text or ""
    assert text.startswith("❌")
    assert "Trụ sở xã" in text


async def test_an_account_linked_to_two_delegates_gets_both_reminders_naming_the_council(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    # One person: a commune delegate (ML-001) and a delegate of another council (NT-001)
    user = await linked_delegate(harness, full_name="Trần Văn An")
    await linked_delegate(harness, "NT-001", council="HDND-NT", full_name="Trần Văn An")
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,",
        "session,Kỳ họp thứ ba,2026-12-10 14:00,2026-12-10 17:00,Hội trường,HDND-NT,NT-001,,,,",
    )
    await run_until(harness, policy, datetime(2026, 12, 10, 1, 0, tzinfo=UTC))  # 08:00 local
    texts = [m.text or "" for m in user.messages]
    reminders = [t for t in texts if t.startswith("🔔")]
    reception = [t for t in reminders if "Tiếp công dân" in t]
    session = [t for t in reminders if "Kỳ họp thứ ba" in t]
    assert len(reception) == 2  # 3 days and 1 day before
    assert len(session) == 2  # announced when planned, and 1 day before
    assert all("🏛 HĐND HDND-ML" in t and "HDND-NT" not in t for t in reception)
    assert all("🏛 HĐND HDND-NT" in t and "HDND-ML" not in t for t in session)
    # the morning digest of each record names its council too
    digests = "\n".join(t for t in texts if "Lịch hôm nay" in t)
    assert "• 7h30–11h00 Tiếp công dân — Trụ sở xã · 🏛 HĐND HDND-ML" in digests
    assert "• 14h00–17h00 Kỳ họp thứ ba — Hội trường · 🏛 HĐND HDND-NT" in digests
    # and /lich says which council each duty belongs to
    (agenda,) = await user.send_and_wait("/lich")
    assert "• 14h00–17h00 Kỳ họp thứ ba — Hội trường · 🏛 HĐND HDND-NT" in (agenda.text or "")
