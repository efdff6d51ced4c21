"""Planning the outbox from the schedule: idempotent, follows changes, skips the unlinked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.config import Settings
from bot.db import SessionFactory, create_session_factory
from bot.models import OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from bot.services.schedule.imports import import_schedule
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 10:00 local
HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
RECEPTION = "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,"


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> ReminderPolicy:
    for name in ("REMINDER_OFFSETS", "QUIET_HOURS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    return ReminderPolicy.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


async def schedule(
    sessions: SessionFactory, tmp_path: Path, *rows: str, now: datetime = NOW
) -> None:
    path = tmp_path / "s.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    async with sessions() as session:
        result = await import_schedule(
            session=session, path=path, now=now, zone=ZONE, dry_run=False
        )
    assert result.problems == []


async def outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.due_at)))).all()
        )


def local(row: OutboxMessage) -> str:
    return f"{row.due_at.astimezone(ZONE):%Y-%m-%d %H:%M}"


async def test_reminders_follow_offsets_and_quiet_hours(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await add_delegate(session_factory, "ML-002")  # not linked: nothing planned
    await schedule(session_factory, tmp_path, RECEPTION.replace("ML-001", "ML-001;ML-002"))
    counts = await in_session(session_factory, plan_outbox, policy=policy, now=NOW)
    rows = await outbox(session_factory)
    assert counts.created == 3
    assert [(r.kind, local(r)) for r in rows] == [
        ("reminder", "2026-12-07 07:30"),  # 3 days before
        ("reminder", "2026-12-09 07:30"),  # 1 day before
        ("reminder", "2026-12-10 07:00"),  # 2 hours before is 05:30, in quiet hours
    ]
    assert all(r.delegate_id == 1 and r.status == "pending" for r in rows)
    again = await in_session(session_factory, plan_outbox, policy=policy, now=NOW)
    assert not again.any
    assert len(await outbox(session_factory)) == 3


async def test_digest_is_planned_for_the_day(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await schedule(session_factory, tmp_path, RECEPTION.replace("07:30", "09:00"))
    evening_before = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # 19:00 local on the 9th
    await in_session(session_factory, plan_outbox, policy=policy, now=evening_before)
    digests = [r for r in await outbox(session_factory) if r.kind == OutboxKind.digest.value]
    assert [local(r) for r in digests] == ["2026-12-10 07:00"]


async def test_changed_time_replans_and_notifies_once(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await schedule(session_factory, tmp_path, RECEPTION)
    await in_session(session_factory, plan_outbox, policy=policy, now=NOW)
    later = NOW + timedelta(hours=1)
    moved = RECEPTION.replace("12-10 07:30", "12-09 13:30").replace("12-10 11:00", "12-09 16:00")
    await schedule(session_factory, tmp_path, moved, now=later)
    await in_session(session_factory, plan_outbox, policy=policy, now=later)
    rows = await outbox(session_factory)
    cancelled = [r for r in rows if r.status == OutboxStatus.cancelled.value]
    pending = [r for r in rows if r.status == OutboxStatus.pending.value]
    assert len(cancelled) == 3
    assert sorted((r.kind, local(r)) for r in pending) == [
        ("change", "2026-12-01 11:00"),
        ("reminder", "2026-12-06 13:30"),
        ("reminder", "2026-12-08 13:30"),
        ("reminder", "2026-12-09 11:30"),
        ("report_prompt", "2026-12-09 16:30"),  # 30 minutes after the new end
        ("report_prompt", "2026-12-10 16:00"),  # the follow-up a day after it
    ]
    await in_session(session_factory, plan_outbox, policy=policy, now=later)
    assert len(await outbox(session_factory)) == len(rows)  # still one change notice


async def test_cancelled_event_cancels_rows_and_tells_a_delegate_who_knew(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await schedule(session_factory, tmp_path, RECEPTION)
    await in_session(session_factory, plan_outbox, policy=policy, now=NOW)
    async with session_factory() as session, session.begin():
        first = (
            await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.due_at)))
        ).first()
        assert first is not None
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == first.id)
            .values(status=OutboxStatus.sent.value)
        )
    later = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    other = "session,Kỳ họp,2026-12-20 08:00,2026-12-20 11:00,Hội trường,HDND-ML,ML-001,,,,"
    await schedule(session_factory, tmp_path, other, now=later)  # the reception is gone
    await in_session(session_factory, plan_outbox, policy=policy, now=later)
    rows = await outbox(session_factory)
    reception_rows = [r for r in rows if r.kind == "reminder" and r.assignment_id == 1]
    assert sorted(r.status for r in reception_rows) == ["cancelled", "cancelled", "sent"]
    notices = [r for r in rows if r.kind == OutboxKind.cancellation.value]
    assert len(notices) == 1
    assert notices[0].due_at <= later


async def test_late_assignment_gets_one_catch_up_notice(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await schedule(session_factory, tmp_path, RECEPTION)
    two_days_before = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    await in_session(session_factory, plan_outbox, policy=policy, now=two_days_before)
    rows = await outbox(session_factory)
    assert [(r.payload, local(r)) for r in rows if r.kind == "reminder"] == [
        ('{"lead": "catchup"}', "2026-12-08 10:00"),
        ('{"lead": "1d"}', "2026-12-09 07:30"),
        ('{"lead": "2h"}', "2026-12-10 07:00"),
    ]
    await in_session(
        session_factory, plan_outbox, policy=policy, now=two_days_before + timedelta(hours=5)
    )
    assert len(await outbox(session_factory)) == len(rows)


async def test_unreachable_delegates_are_not_planned(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    delegate = await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    async with session_factory() as session, session.begin():
        stored = await session.get(type(delegate), 1)
        assert stored is not None
        stored.reachable = False
    await schedule(session_factory, tmp_path, RECEPTION)
    await in_session(session_factory, plan_outbox, policy=policy, now=NOW)
    assert await outbox(session_factory) == []


async def test_change_notice_waits_for_the_end_of_quiet_hours(
    session_factory: SessionFactory, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await schedule(session_factory, tmp_path, RECEPTION)
    late_evening = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 22:30 local
    moved = RECEPTION.replace("07:30", "08:00")
    await schedule(session_factory, tmp_path, moved, now=late_evening)
    await in_session(session_factory, plan_outbox, policy=policy, now=late_evening)
    (notice,) = [r for r in await outbox(session_factory) if r.kind == OutboxKind.change.value]
    assert local(notice) == "2026-12-02 07:00"


async def test_planning_counts_rows_on_postgresql(
    pg_engine: AsyncEngine, policy: ReminderPolicy, tmp_path: Path
) -> None:
    sessions = create_session_factory(pg_engine)
    await add_delegate(sessions, "ML-001", telegram_user_id=1001)
    await schedule(sessions, tmp_path, RECEPTION)
    first = await in_session(sessions, plan_outbox, policy=policy, now=NOW)
    again = await in_session(sessions, plan_outbox, policy=policy, now=NOW)
    assert (first.created, again.created) == (3, 0)
    assert len(await outbox(sessions)) == 3
