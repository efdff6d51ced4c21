"""The reminders the database plans (``reminder_sql``) are the Python rule's, row for row.

A varied fixture: every kind, starts all round the clock (around the quiet hours' edges,
at midnight, a few minutes after ``now``), leads landing on the same moment once moved
out of the quiet window, leads already passed (catch-up notices), assignments with rows
already planned, one start that is not a whole second (the Python rule's even on the SQL
path), unlinked and inactive delegates, cancelled assignments. Each scenario plans with
the SQL path, then (those rows deleted) with the Python rule alone, on SQLite and on
PostgreSQL, and the rows must be equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import SessionFactory, create_session_factory
from bot.domain.durations import QuietHours, parse_quiet_hours
from bot.models import Assignment, Council, Delegate, Event, Occurrence, OutboxMessage
from bot.services.outbox import reminders
from bot.services.outbox.common import reminder_key
from bot.services.outbox.reminder_sql import sql_clock
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import OutboxKind
from tests.factories import add_delegate

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 10:00 local
KINDS = ("reception", "voter_meeting", "session", "deadline", "supervision", "other")
CLOCK_TIMES = (
    time(0, 0), time(5, 30), time(6, 59), time(7, 0), time(7, 10), time(8, 0), time(9, 0),
    time(10, 30), time(13, 30), time(14, 0), time(20, 59), time(21, 0), time(21, 30),
    time(23, 0),
)  # fmt: skip
OFFSETS = {
    "reception": (timedelta(days=3), timedelta(days=1), timedelta(hours=2)),
    "voter_meeting": (timedelta(days=7), timedelta(days=1), timedelta(hours=2)),
    "session": (timedelta(days=7), timedelta(days=1)),
    # 3h and 2h before a 07:10 start both fall in the quiet hours: one 07:00 reminder.
    "deadline": (timedelta(hours=3), timedelta(hours=2), timedelta(minutes=30)),
    "supervision": (timedelta(days=3), timedelta(days=1), timedelta(minutes=90)),
    "other": (timedelta(days=1),),
}


async def _seed(sessions: SessionFactory) -> None:
    """Five delegates (two not reachable), an event per kind, occurrences from 20 minutes
    to 12 days ahead at the clock times above, every delegate on every occurrence."""
    for n in range(5):
        await add_delegate(sessions, f"ML-{n:03d}", telegram_user_id=1000 + n if n != 3 else None)
    async with sessions() as session, session.begin():
        council = (await session.exec(select(Council))).one()
        people = (await session.exec(select(Delegate).order_by(col(Delegate.id)))).all()
        people[4].active = False
        session.add(people[4])
        occurrences: list[Occurrence] = []
        for k, kind in enumerate(KINDS):
            event = Event(
                council_id=council.id or 0, key=kind, kind=kind, title=kind, starts_at=T0,
                shift="none", created_at=T0, updated_at=T0,
            )  # fmt: skip
            session.add(event)
            await session.flush()
            for i, starts in enumerate(_starts(k)):
                day = starts.astimezone(ZONE).date()
                occurrence = Occurrence(
                    event_id=event.id or 0, original_date=day + timedelta(days=100 * i),
                    sequence=i, starts_at=starts, location="",
                )  # fmt: skip
                occurrences.append(occurrence)
                session.add(occurrence)
        # Not a whole second: the Python rule plans it on either path.
        occurrences[5].starts_at += timedelta(microseconds=250_000)
        await session.flush()
        for j, occurrence in enumerate(occurrences):
            for person in people:
                cancelled = T0 if (j + (person.id or 0)) % 11 == 0 else None
                session.add(
                    Assignment(
                        occurrence_id=occurrence.id or 0,
                        delegate_id=person.id or 0,
                        created_at=T0,
                        cancelled_at=cancelled,
                    )
                )
        await session.flush()
        # Some assignments were planned before: no catch-up notice for them.
        planned = (await session.exec(select(Assignment).where(col(Assignment.id) % 4 == 0))).all()
        for assignment in planned:
            occurrence = await session.get(Occurrence, assignment.occurrence_id)
            assert occurrence is not None
            session.add(
                OutboxMessage(
                    kind=OutboxKind.reminder.value,
                    dedupe_key=reminder_key(assignment.id or 0, "old", occurrence.starts_at),
                    delegate_id=assignment.delegate_id,
                    assignment_id=assignment.id,
                    due_at=T0 - timedelta(days=1),
                    expires_at=occurrence.starts_at,
                    status="sent",
                    payload="{}",
                    created_at=T0,
                    updated_at=T0,
                )
            )


def _starts(k: int) -> list[datetime]:
    """Starts of the ``k``-th kind's occurrences: round the clock, and just after each
    scenario's ``now`` (a catch-up notice and a reminder within the hour of it, or not)."""
    starts = []
    for i, at in enumerate(CLOCK_TIMES):
        day = date(2026, 12, 1) + timedelta(days=(i * 5 + k) % 12)
        moment = datetime.combine(day, at, ZONE).astimezone(UTC)
        starts.append(moment if moment > T0 else T0 + timedelta(minutes=20 + 7 * i))
    for _, now in SCENARIOS:
        starts += [now + timedelta(minutes=m + k) for m in (30, 120, 165, 180, 210, 300)]
    return starts


def _policy(quiet: QuietHours | None) -> ReminderPolicy:
    return ReminderPolicy(offsets=OFFSETS, quiet=quiet, zone=ZONE)


def _shape(row: OutboxMessage) -> tuple[Any, ...]:
    return (
        row.kind, row.dedupe_key, row.delegate_id, row.assignment_id, row.due_at,
        row.expires_at, row.status, row.attempts, row.outcome_uncertain, row.late,
        row.payload, row.priority, row.created_at, row.updated_at, row.chat_id,
    )  # fmt: skip


async def _plan_once(
    sessions: SessionFactory, policy: ReminderPolicy, now: datetime
) -> tuple[int, set[tuple[Any, ...]]]:
    """One planning; the rows it made (then deleted again) and what it said it made."""
    async with sessions() as session, session.begin():
        before = set((await session.exec(select(OutboxMessage.id))).all())
        counts = await plan_outbox(session=session, policy=policy, now=now)
    async with sessions() as session, session.begin():
        made = [
            row for row in (await session.exec(select(OutboxMessage))).all() if row.id not in before
        ]
        await session.exec(  # type: ignore[call-overload]
            delete(OutboxMessage).where(col(OutboxMessage.id).in_([r.id for r in made]))
        )
    return counts.created, {_shape(row) for row in made}


SCENARIOS = [
    ("21:00-07:00", T0),  # 10:00 local
    ("21:00-07:00", datetime(2026, 12, 1, 15, 30, tzinfo=UTC)),  # 22:30: in the quiet hours
    ("21:00-07:00", datetime(2026, 12, 1, 23, 59, 30, 123456, tzinfo=UTC)),  # 06:59:30.123456
    ("12:00-13:45", datetime(2026, 12, 1, 5, 15, tzinfo=UTC)),  # 12:15, not wrapping midnight
    ("off", datetime(2026, 12, 2, 1, 0, 0, 500, tzinfo=UTC)),
]


async def _same_rows(sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    await _seed(sessions)
    for quiet_text, now in SCENARIOS:
        policy = _policy(parse_quiet_hours(quiet_text))
        until = now + policy.plan_ahead
        assert (
            sql_clock(zone=ZONE, quiet=policy.quiet, offsets=OFFSETS, now=now, until=until)
            is not None
        )
        sql_count, by_sql = await _plan_once(sessions, policy, now)
        with monkeypatch.context() as patched:
            patched.setattr(reminders, "sql_clock", lambda **_: None)
            python_count, by_python = await _plan_once(sessions, policy, now)
        reminder_rows = {r for r in by_python if r[0] == OutboxKind.reminder.value}
        catch_ups = {r for r in reminder_rows if ":catchup:" in r[1]}
        assert len(reminder_rows) > 100, (quiet_text, now)
        assert catch_ups, (quiet_text, now)
        assert by_sql == by_python, (quiet_text, now, by_sql ^ by_python)
        assert sql_count == python_count == len(by_python)


async def test_sql_reminders_equal_the_python_rule_on_sqlite(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _same_rows(session_factory, monkeypatch)


async def test_sql_reminders_equal_the_python_rule_on_postgresql(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _same_rows(create_session_factory(pg_engine), monkeypatch)


def test_a_zone_with_daylight_saving_in_the_window_is_left_to_python() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    october = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)  # clocks go back on 25 October
    quiet = parse_quiet_hours("21:00-07:00")
    window = {"zone": berlin, "quiet": quiet, "offsets": OFFSETS}
    assert sql_clock(**window, now=october, until=october + timedelta(days=9)) is None
    assert sql_clock(**window, now=october, until=october + timedelta(days=2)) is not None
    odd = {"other": (timedelta(seconds=90),)}
    assert sql_clock(zone=ZONE, quiet=quiet, offsets=odd, now=T0, until=T0) is None
