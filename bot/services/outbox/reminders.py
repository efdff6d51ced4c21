"""Planning the outbox: reminders, change and cancellation notices, daily digests.

Idempotent: every row has a dedupe key, inserts ignore duplicates, so the planner can
run as often as it likes, from any process (the bot, a worker, or an import command).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, true
from sqlalchemy import select as sql_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import insert_ignoring_duplicates
from bot.domain.durations import QuietHours
from bot.domain.reminders import digest_due, plan_reminders
from bot.models import Assignment, Delegate, Event, Occurrence, OutboxMessage
from bot.services.availability.absences import apply_absences
from bot.services.availability.releases import SubstitutePolicy, plan_substitutes
from bot.services.outbox.common import aware, of_delegates, reminder_key
from bot.services.outbox.notices import cancellation_rows, change_rows, notice_due
from bot.services.outbox.payloads import (
    AdditionPayload,
    DigestPayload,
    ReminderPayload,
)
from bot.services.outbox.reminder_sql import fractional_starts, insert_reminders, sql_clock
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus, outbox_row
from bot.services.outbox.stale import cancel_dropped, cancel_moved
from bot.services.reports.prompts import ReportPolicy, report_prompt_rows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderPolicy:
    offsets: Mapping[str, tuple[timedelta, ...]]
    quiet: QuietHours | None
    zone: ZoneInfo
    reports: ReportPolicy | None = None
    """When set, report prompts are planned with the reminders."""
    availability: SubstitutePolicy | None = None
    """When set, absence periods and stand-in offers are planned first."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            offsets=settings.REMINDER_OFFSETS,
            quiet=settings.QUIET_HOURS,
            zone=settings.zone,
            reports=ReportPolicy.from_settings(settings),
            availability=SubstitutePolicy.from_settings(settings),
        )

    @property
    def plan_ahead(self) -> timedelta:
        """How far ahead assignments are planned: the longest lead time, plus a margin."""
        longest = max((lead for leads in self.offsets.values() for lead in leads), default=None)
        return (longest or timedelta()) + timedelta(days=2)


@dataclass
class PlanCounts:
    created: int = 0
    cancelled: int = 0

    @property
    def any(self) -> bool:
        return bool(self.created or self.cancelled)


@dataclass(frozen=True)
class _Upcoming:
    assignment_id: int
    delegate_id: int
    starts_at: datetime
    kind: str
    created_at: datetime


async def plan_outbox(
    *,
    session: AsyncSession,
    policy: ReminderPolicy,
    now: datetime,
    delegate_ids: Collection[int] | None = None,
) -> PlanCounts:
    """Brings the outbox in line with the schedule for the coming days, in the caller's
    transaction (the caller commits).

    An import plans before its commit, so the schedule and its reminders are written
    together; the 5-minute planner commits at once, before it drains. With
    ``delegate_ids``, only what those delegates are owed is planned (a delegate who just
    linked, or can be reached again, in the same transaction as that change): the rows
    the planner would have added for them, and no clean-up of other rows.
    """
    counts = PlanCounts()
    if delegate_ids is None and policy.availability is not None:
        # Before the reminders: an assignment inside an absence (planned since by the
        # horizon job or an import) is released before anything is planned for it.
        await apply_absences(session=session, now=now, policy=policy.availability)
        counts.created += await plan_substitutes(
            session=session, policy=policy.availability, now=now
        )
    # Reads first: on SQLite the first write takes the database's write lock, which the
    # dispatcher and the handlers then wait for until the caller's transaction ends.
    until = now + policy.plan_ahead
    only = delegate_ids
    clock = sql_clock(
        zone=policy.zone, quiet=policy.quiet, offsets=policy.offsets, now=now, until=until
    )
    ahead, upcoming = await _ahead_and_soon(
        session, policy=policy, now=now, until=until, only=only, in_sql=clock is not None
    )
    rows = await _reminder_rows(session, ahead, policy=policy, now=now, until=until)
    rows += await change_rows(session, policy=policy, now=now, only=only)
    rows += await cancellation_rows(session, policy=policy, now=now, only=only)
    rows += _digest_rows(upcoming, policy=policy, now=now)
    rows += await _addition_rows(session, upcoming, policy=policy, now=now)
    if policy.reports is not None:
        rows += await report_prompt_rows(
            session, policy=policy.reports, now=now, until=until, only=only
        )
    if only is None:
        counts.cancelled += await cancel_dropped(session, now=now)
        counts.cancelled += await cancel_moved(session, now=now)
    counts.created += await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )
    if clock is not None:
        counts.created += await insert_reminders(
            session, offsets=policy.offsets, clock=clock, now=now, until=until, only=only
        )
    return counts


async def _ahead_and_soon(
    session: AsyncSession,
    *,
    policy: ReminderPolicy,
    now: datetime,
    until: datetime,
    only: Collection[int] | None,
    in_sql: bool,
) -> tuple[list[_Upcoming], list[_Upcoming]]:
    """The assignments whose reminders Python plans (all of them, or with ``in_sql`` only
    those the database leaves to it), and those of today and tomorrow, for digests and
    "new duty" notices."""
    today = now.astimezone(policy.zone).date()
    soon = min(until, datetime.combine(today + timedelta(days=2), time.min, policy.zone))
    if not in_sql:
        ahead = await _upcoming(session, now=now, until=until, only=only)
        return ahead, [item for item in ahead if item.starts_at <= soon]
    # The database plans the reminders (`insert_reminders`), except for starts that are
    # not a whole second, left to the Python rule.
    dialect = (await session.connection()).dialect.name
    ahead = await _upcoming(
        session, now=now, until=until, only=only, where=fractional_starts(dialect)
    )
    return ahead, await _upcoming(session, now=now, until=soon, only=only)


async def plan_for_delegates(
    *, session: AsyncSession, policy: ReminderPolicy, now: datetime, delegate_ids: Collection[int]
) -> int:
    """What these delegates are owed now that the bot can reach them (they just linked, or
    wrote again after blocking it): report prompts still in time, reminders and digests of
    duties ahead. In the caller's transaction, after its writes, inside a savepoint: a
    failed planning leaves the caller's change written (the 5-minute planner catches up).
    Returns how many rows were planned.
    """
    if not delegate_ids:
        return 0
    try:
        async with session.begin_nested():
            counts = await plan_outbox(
                session=session, policy=policy, now=now, delegate_ids=delegate_ids
            )
    except Exception:
        logger.exception("planning for newly reachable delegates failed; it will retry")
        return 0
    return counts.created


async def _upcoming(
    session: AsyncSession,
    *,
    now: datetime,
    until: datetime,
    only: Collection[int] | None,
    where: ColumnElement[bool] | None = None,
) -> list[_Upcoming]:
    """Active assignments of linked, reachable delegates starting in ``(now, until]``."""
    connection = await session.connection()
    result = await connection.execute(
        sql_select(
            col(Assignment.id),
            col(Assignment.delegate_id),
            col(Occurrence.starts_at),
            col(Event.kind),
            col(Assignment.created_at),
        )
        .select_from(Assignment)
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
        .where(
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
            col(Occurrence.starts_at) > now,
            col(Occurrence.starts_at) <= until,
            col(Delegate.telegram_user_id).is_not(None),
            col(Delegate.active).is_(True),
            col(Delegate.reachable).is_(True),
            of_delegates(only),
            true() if where is None else where,
        )
    )
    upcoming = []
    for row in result.mappings():
        upcoming.append(
            _Upcoming(
                assignment_id=row["id"],
                delegate_id=row["delegate_id"],
                starts_at=aware(row["starts_at"]),
                kind=row["kind"],
                created_at=aware(row["created_at"]),
            )
        )
    return upcoming


async def _reminder_rows(
    session: AsyncSession,
    upcoming: list[_Upcoming],
    *,
    policy: ReminderPolicy,
    now: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """Reminder rows the schedule calls for that do not exist yet (the Python rule)."""
    if not upcoming:
        return []
    # Reminder rows carry their assignment's start in `expires_at`, so one range over the
    # outbox finds them: no join and no long IN list, which PostgreSQL without table
    # statistics turns into a nested loop over every pair of rows.
    connection = await session.connection()
    result = await connection.execute(
        sql_select(col(OutboxMessage.assignment_id), col(OutboxMessage.dedupe_key)).where(
            col(OutboxMessage.kind) == OutboxKind.reminder.value,
            col(OutboxMessage.expires_at) > now,
            col(OutboxMessage.expires_at) <= until,
        )
    )
    existing: dict[int, set[str]] = defaultdict(set)
    for row in result.mappings():
        existing[row["assignment_id"]].add(row["dedupe_key"])
    rows: list[dict[str, Any]] = []
    for item in upcoming:
        known_keys = existing.get(item.assignment_id, set())
        plans = plan_reminders(
            starts_at=item.starts_at,
            leads=policy.offsets.get(item.kind, ()),
            quiet=policy.quiet,
            zone=policy.zone,
            now=now,
            first_planning=not known_keys,
        )
        wanted = {reminder_key(item.assignment_id, p.label, item.starts_at): p for p in plans}
        for key, plan in wanted.items():
            if key not in known_keys:
                rows.append(
                    outbox_row(
                        ReminderPayload(lead=plan.label),
                        key,
                        now=now,
                        due_at=plan.due_at,
                        delegate_id=item.delegate_id,
                        assignment_id=item.assignment_id,
                        expires_at=item.starts_at,
                    )
                )
    return rows


async def _addition_rows(
    session: AsyncSession, upcoming: list[_Upcoming], *, policy: ReminderPolicy, now: datetime
) -> list[dict[str, Any]]:
    """ "New duty" for an assignment of today added after the delegate's digest went out:
    otherwise they would hear nothing of it until its last reminder, if any."""
    today = now.astimezone(policy.zone).date()
    todays = [u for u in upcoming if u.starts_at.astimezone(policy.zone).date() == today]
    if not todays:
        return []
    midnight = datetime.combine(today, time.min, policy.zone).astimezone(UTC)
    connection = await session.connection()
    result = await connection.execute(
        sql_select(col(OutboxMessage.delegate_id), col(OutboxMessage.sent_at)).where(
            col(OutboxMessage.kind) == OutboxKind.digest.value,
            col(OutboxMessage.status) == OutboxStatus.sent.value,
            col(OutboxMessage.sent_at) >= midnight,
            col(OutboxMessage.delegate_id).in_({u.delegate_id for u in todays}),
        )
    )
    digest_sent = {row[0]: aware(row[1]) for row in result if row[1] is not None}
    rows = []
    for item in todays:
        sent = digest_sent.get(item.delegate_id)
        if sent is None or item.created_at <= sent:
            continue
        rows.append(
            outbox_row(
                AdditionPayload(),
                f"a{item.assignment_id}:new",
                now=now,
                due_at=notice_due(item.created_at, item.starts_at, policy=policy, now=now),
                delegate_id=item.delegate_id,
                assignment_id=item.assignment_id,
                expires_at=item.starts_at,
            )
        )
    return rows


def _digest_rows(
    upcoming: list[_Upcoming], *, policy: ReminderPolicy, now: datetime
) -> list[dict[str, Any]]:
    """Today's and tomorrow's digest for every delegate with assignments that day."""
    today = now.astimezone(policy.zone).date()
    first_start: dict[tuple[int, Any], datetime] = {}
    for item in upcoming:
        day = item.starts_at.astimezone(policy.zone).date()
        if (day - today).days not in (0, 1):
            continue
        key = (item.delegate_id, day)
        first_start[key] = min(first_start.get(key, item.starts_at), item.starts_at)
    rows = []
    for (delegate_id, day), starts_at in first_start.items():
        due = digest_due(
            datetime.combine(day, time(12), policy.zone), quiet=policy.quiet, zone=policy.zone
        )
        if due < now or due >= starts_at:
            continue
        rows.append(
            outbox_row(
                DigestPayload(day=day),
                f"d{delegate_id}:{day.isoformat()}",
                now=now,
                due_at=due,
                delegate_id=delegate_id,
                expires_at=starts_at,
            )
        )
    return rows
