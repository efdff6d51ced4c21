"""Dispatcher outcomes with a scripted notifier: retries, uncertainty, leases, limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db import SessionFactory
from bot.models import OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import (
    MAX_ATTEMPTS,
    Delivered,
    Outgoing,
    RateLimited,
    Rejected,
    SendResult,
    TransientFailure,
    Uncertain,
    claim_due,
    take_over_leases,
)
from bot.services.schedule.imports import import_schedule
from jobs.dispatcher import Dispatcher
from jobs.registry import REGISTRY
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
POLICY = ReminderPolicy(offsets={"other": (timedelta(days=1),)}, quiet=None, zone=ZONE)


class ScriptedNotifier:
    """Answers each send with the next scripted result, then with success."""

    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.sent: list[tuple[int, str]] = []

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        self.sent.append((chat_id, message.text))
        if self.results:
            return self.results.pop(0)
        return Delivered(len(self.sent))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def one_due_row(session_factory: SessionFactory, tmp_path: Path) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    path = tmp_path / "s.csv"
    path.write_text(
        "kind,title,starts_at,ends_at,location,council,delegates\n"
        "other,Họp tổ,2026-12-01 15:00,2026-12-01 17:00,Hội trường,HDND-ML,ML-001\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_schedule(
            session=session, path=path, now=NOW, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    await in_session(session_factory, plan_outbox, policy=POLICY, now=NOW)


async def row(session_factory: SessionFactory) -> OutboxMessage:
    async with session_factory() as session:
        return (await session.exec(select(OutboxMessage))).one()


def make(session_factory: SessionFactory, notifier: ScriptedNotifier, clock: Clock) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory, notifier=notifier, zone=ZONE, clock=clock, owner="me",
        registry=REGISTRY,
    )  # fmt: skip


async def test_uncertain_send_is_retried_and_flagged(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(Uncertain("timed out"))
    dispatcher = make(session_factory, notifier, clock)
    stats = await dispatcher.drain()
    assert stats.uncertain == 1
    first = await row(session_factory)
    assert first.status == "pending"
    assert first.outcome_uncertain is True
    clock.now += timedelta(minutes=1)
    await dispatcher.drain()
    sent = await row(session_factory)
    assert sent.status == "sent"
    assert sent.outcome_uncertain is True  # counted as a possible duplicate
    assert len(notifier.sent) == 2


async def test_gives_up_after_five_attempts(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(*[TransientFailure("502")] * MAX_ATTEMPTS)
    dispatcher = make(session_factory, notifier, clock)
    for _ in range(MAX_ATTEMPTS):
        await dispatcher.drain()
        clock.now += timedelta(hours=1)
    failed = await row(session_factory)
    assert failed.status == "failed"
    assert failed.attempts == MAX_ATTEMPTS
    await dispatcher.drain()
    assert len(notifier.sent) == MAX_ATTEMPTS


async def test_rate_limit_waits_and_is_not_an_attempt(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(RateLimited(0.01))
    dispatcher = make(session_factory, notifier, clock)
    await dispatcher.drain()
    waiting = await row(session_factory)
    assert waiting.status == "pending"
    assert waiting.attempts == 0
    clock.now += timedelta(seconds=1)
    await dispatcher.drain()
    assert (await row(session_factory)).status == "sent"


async def test_rejected_message_fails_without_retry(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    clock = Clock()
    notifier = ScriptedNotifier(Rejected("can't parse entities"))
    await make(session_factory, notifier, clock).drain()
    clock.now += timedelta(hours=1)
    await make(session_factory, notifier, clock).drain()
    failed = await row(session_factory)
    assert failed.status == "failed"
    assert len(notifier.sent) == 1


async def test_expired_lease_is_reclaimed_as_uncertain(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    claimed = await in_session(session_factory, claim_due, now=NOW, owner="dead", limit=10)
    assert len(claimed) == 1
    # another process sees nothing while the lease holds
    assert await in_session(session_factory, claim_due, now=NOW, owner="me", limit=10) == []
    later = NOW + timedelta(minutes=3)
    (again,) = await in_session(session_factory, claim_due, now=later, owner="me", limit=10)
    assert again.outcome_uncertain is True
    assert again.lease_owner == "me"
    assert again.attempts == 2


async def test_a_new_sender_takes_over_leases_at_once(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    await in_session(session_factory, claim_due, now=NOW, owner="dead", limit=10)
    taken = await in_session(session_factory, take_over_leases, owner="me", now=NOW)
    assert taken == 1
    clock = Clock()
    notifier = ScriptedNotifier()
    await make(session_factory, notifier, clock).drain()
    sent = await row(session_factory)
    assert sent.status == "sent"
    assert sent.outcome_uncertain is True


async def test_secretariat_hears_of_failures_once_a_day(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    from bot.services.outbox.rows import Blocked
    from bot.services.outbox.summary import plan_summaries

    await add_delegate(
        session_factory, "ML-900", role="secretary", telegram_user_id=9001, full_name="Thư ký"
    )
    await add_delegate(session_factory, "NT-900", role="secretary", telegram_user_id=9002,
                       council="HDND-NT")  # fmt: skip
    clock = Clock()
    notifier = ScriptedNotifier(Blocked("bot was blocked by the user"))
    await make(session_factory, notifier, clock).drain()
    clock.now += timedelta(hours=20)
    for _ in range(2):  # planned twice, queued once
        async with session_factory() as session, session.begin():
            await plan_summaries(
                session=session, now=clock.now, admin_ids=frozenset({777}), day_key="2026-12-01"
            )
    await make(session_factory, notifier, clock).drain()
    recipients = [chat for chat, _text in notifier.sent[1:]]
    assert sorted(recipients) == [777, 9001]  # the other council's secretary hears nothing
    text = notifier.sent[-1][1]
    assert "ML-001" in text
    assert "1 tin không gửi được" in text


class ExplodingNotifier:
    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        raise RuntimeError("a bug nobody foresaw")


async def test_an_unexpected_error_is_recorded_not_left_leased(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    clock = Clock()
    dispatcher = Dispatcher(
        session_factory=session_factory,
        notifier=ExplodingNotifier(),
        zone=ZONE,
        clock=clock,
        owner="me",
        registry=REGISTRY,
    )
    for _ in range(MAX_ATTEMPTS):
        await dispatcher.drain()
        waiting = await row(session_factory)
        assert waiting.status in {"pending", "failed"}
        assert waiting.lease_owner is None
        clock.now += timedelta(hours=1)
    assert (await row(session_factory)).status == "failed"


async def test_a_row_whose_sender_always_dies_is_given_up(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        claimed = await in_session(session_factory, claim_due, now=moment, owner="x", limit=5)
        assert len(claimed) == 1
        moment += timedelta(minutes=5)  # the lease expires: the process died
    assert await in_session(session_factory, claim_due, now=moment, owner="x", limit=5) == []
    given_up = await row(session_factory)
    assert given_up.status == "failed"
    assert given_up.outcome_uncertain is True


class RefusingChat(ScriptedNotifier):
    """429 (a minute) for one chat, every time; the others are delivered."""

    def __init__(self, refused: int) -> None:
        super().__init__()
        self.refused = refused

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        self.sent.append((chat_id, message.text))
        if chat_id == self.refused:
            return RateLimited(60.0)
        return Delivered(len(self.sent))


async def test_a_429_for_one_chat_does_not_hold_the_others(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    codes = {"ML-001": 1001, "ML-002": 1002, "ML-003": 1003}
    for code, user_id in codes.items():
        await add_delegate(session_factory, code, telegram_user_id=user_id)
    path = tmp_path / "s.csv"
    path.write_text(
        "kind,title,starts_at,ends_at,location,council,delegates\n"
        "other,Họp tổ,2026-12-01 15:00,2026-12-01 17:00,Hội trường,HDND-ML,"
        "ML-001;ML-002;ML-003\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        await import_schedule(session=session, path=path, now=NOW, zone=ZONE, dry_run=False)
    await in_session(session_factory, plan_outbox, policy=POLICY, now=NOW)
    notifier = RefusingChat(1001)
    # a minute's pause of chat 1001 must not hold this drain (nor the other chats)
    stats = await asyncio.wait_for(make(session_factory, notifier, Clock()).drain(), 5.0)
    assert (stats.sent, stats.rate_limited) == (2, 1)
    async with session_factory() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert sorted(r.status for r in rows) == ["pending", "sent", "sent"]
