"""Pending outbox rows the schedule no longer calls for, cancelled by the planner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy import select as sql_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Assignment, Occurrence, OutboxMessage
from bot.services.outbox.rows import OutboxKind, OutboxStatus


async def cancel_dropped(session: AsyncSession, *, now: datetime) -> int:
    """Pending rows about assignments that were cancelled (or whose occurrence was)."""
    dropped = (
        sql_select(col(Assignment.id))
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .where(
            or_(
                col(Assignment.cancelled_at).is_not(None), col(Occurrence.cancelled_at).is_not(None)
            )
        )
        .scalar_subquery()
    )
    result = await session.exec(
        update(OutboxMessage)
        .where(
            and_(
                col(OutboxMessage.status) == OutboxStatus.pending.value,
                col(OutboxMessage.kind).in_([OutboxKind.reminder.value, OutboxKind.change.value]),
                col(OutboxMessage.assignment_id).in_(dropped),
            )
        )
        .values(
            status=OutboxStatus.cancelled.value, last_error="assignment cancelled", updated_at=now
        )
    )
    return max(result.rowcount, 0)


async def cancel_moved(session: AsyncSession, *, now: datetime) -> int:
    """Pending reminders planned for a start time the assignment no longer has."""
    moved = (
        sql_select(col(Assignment.id))
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .where(
            col(Assignment.id) == col(OutboxMessage.assignment_id),
            col(Occurrence.starts_at) != col(OutboxMessage.expires_at),
        )
        .exists()
    )
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.pending.value,
            col(OutboxMessage.kind) == OutboxKind.reminder.value,
            moved,
        )
        .values(status=OutboxStatus.cancelled.value, last_error="schedule changed", updated_at=now)
    )
    return max(result.rowcount, 0)
