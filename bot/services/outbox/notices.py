"""Change and cancellation notices: what the planner tells a delegate at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.domain.reminders import apply_quiet_hours
from bot.models import Assignment, Delegate, Occurrence, OutboxMessage, Release
from bot.services.outbox.common import aware, epoch, of_delegates
from bot.services.outbox.payloads import CancellationPayload, ChangePayload
from bot.services.outbox.rows import OutboxKind, OutboxStatus, outbox_row

if TYPE_CHECKING:
    from bot.services.outbox.reminders import ReminderPolicy

CHANGE_NOTICE_WINDOW = timedelta(days=1)
"""Changes older than this when first seen by a planner are not announced any more."""


def notice_due(
    happened_at: datetime, starts_at: datetime, *, policy: ReminderPolicy, now: datetime
) -> datetime:
    """At once, unless that is inside quiet hours (a 22:00 upload waits for the morning)."""
    due = max(happened_at, now - timedelta(minutes=1))
    adjusted = apply_quiet_hours(due, starts_at=starts_at, quiet=policy.quiet, zone=policy.zone)
    return adjusted if adjusted >= due else due


async def change_rows(
    session: AsyncSession, *, policy: ReminderPolicy, now: datetime, only: Collection[int] | None
) -> list[dict[str, Any]]:
    """One "schedule changed" notice per recent change of a future assignment, at once.

    Not limited to the planning window: a reception moved three months ahead is news now.
    Two steps, each bounded by the future (not the history, which only grows): the
    future occurrences' recently changed assignments, then which of their delegates the
    bot can reach. One join of the four tables let PostgreSQL without statistics pair
    every future occurrence with every delegate (4.5 s at 2,000 delegates and two years
    of history).
    """
    connection = await session.connection()
    result = await connection.execute(
        sql_select(
            col(Assignment.id),
            col(Assignment.delegate_id),
            col(Assignment.changed_at),
            col(Occurrence.starts_at),
        )
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.occurrence_id) == col(Occurrence.id))
        .where(
            col(Assignment.changed_at) > now - CHANGE_NOTICE_WINDOW,
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
            col(Occurrence.starts_at) > now,
            of_delegates(only),
        )
    )
    found = result.all()
    reachable = await _reachable(session, {row[1] for row in found})
    rows = []
    for assignment_id, delegate_id, changed, starts in found:
        if delegate_id not in reachable:
            continue
        if changed is None:  # not possible: filtered on it
            continue
        changed_at, starts_at = aware(changed), aware(starts)
        rows.append(
            outbox_row(
                ChangePayload(),
                f"a{assignment_id}:{epoch(changed_at)}",
                now=now,
                due_at=notice_due(changed_at, starts_at, policy=policy, now=now),
                delegate_id=delegate_id,
                assignment_id=assignment_id,
                expires_at=starts_at,
            )
        )
    return rows


async def _reachable(session: AsyncSession, delegate_ids: Collection[int]) -> set[int]:
    """Of these delegates, those linked, active and reachable."""
    reachable: set[int] = set()
    for batch in chunks(sorted(delegate_ids)):
        found = await session.exec(
            select(Delegate.id).where(
                col(Delegate.id).in_(batch),
                col(Delegate.telegram_user_id).is_not(None),
                col(Delegate.active).is_(True),
                col(Delegate.reachable).is_(True),
            )
        )
        reachable.update(i for i in found if i is not None)
    return reachable


async def cancellation_rows(
    session: AsyncSession, *, policy: ReminderPolicy, now: datetime, only: Collection[int] | None
) -> list[dict[str, Any]]:
    """A notice for each future assignment cancelled after the delegate was told of it.

    The future's cancelled assignments first, then which of them were told (a sent
    reminder or change) and which were released: driven by every sent row instead, the
    query grew with the history.
    """
    connection = await session.connection()
    result = await connection.execute(
        sql_select(
            col(Assignment.id),
            col(Assignment.delegate_id),
            col(Occurrence.starts_at),
            col(Assignment.cancelled_at),
            col(Occurrence.cancelled_at),
        )
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.occurrence_id) == col(Occurrence.id))
        .where(
            or_(
                col(Assignment.cancelled_at).is_not(None), col(Occurrence.cancelled_at).is_not(None)
            ),
            col(Occurrence.starts_at) > now,
            of_delegates(only),
        )
    )
    found = result.all()
    told, released = await _told_and_released(session, [r[0] for r in found if r[0] is not None])
    rows = []
    for assignment_id, delegate_id, starts_at, assignment_cancelled, occurrence_cancelled in found:
        # A released assignment is the delegate's own doing: no "cancelled" notice.
        if assignment_id not in told or assignment_id in released:
            continue
        cancelled_at = aware(assignment_cancelled or occurrence_cancelled or now)
        rows.append(
            outbox_row(
                CancellationPayload(),
                f"a{assignment_id}:{epoch(cancelled_at)}",
                now=now,
                due_at=notice_due(cancelled_at, aware(starts_at), policy=policy, now=now),
                delegate_id=delegate_id,
                assignment_id=assignment_id,
                expires_at=aware(starts_at),
            )
        )
    return rows


async def _told_and_released(
    session: AsyncSession, assignment_ids: list[int]
) -> tuple[set[int], set[int]]:
    """Of these assignments: those with a sent reminder or change, and those released."""
    told: set[int] = set()
    released: set[int] = set()
    for batch in chunks(assignment_ids):
        sent = await session.exec(
            select(OutboxMessage.assignment_id).where(
                col(OutboxMessage.assignment_id).in_(batch),
                col(OutboxMessage.kind).in_([OutboxKind.reminder.value, OutboxKind.change.value]),
                col(OutboxMessage.status) == OutboxStatus.sent.value,
            )
        )
        told.update(i for i in sent if i is not None)
        gone = await session.exec(
            select(Release.assignment_id).where(col(Release.assignment_id).in_(batch))
        )
        released.update(gone)
    return told, released
