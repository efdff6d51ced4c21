"""Acknowledgement of a broadcast's copies, and the one nudge at its deadline.

A delegate's ``Đã nhận`` records the time once; at the deadline every delegate who has
the copy but has not acknowledged it gets one reminder (quiet hours respected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks, insert_ignoring_duplicates
from bot.domain.durations import QuietHours
from bot.domain.reminders import apply_quiet_hours
from bot.models import Broadcast, BroadcastRecipient, Delegate, OutboxMessage
from bot.services.broadcasts.copies import sent_copy
from bot.services.broadcasts.drafts import BroadcastStatus
from bot.services.outbox.payloads import BroadcastNudgePayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row

NUDGE_WINDOW = timedelta(days=7)
"""Deadlines older than this are not looked at again (their nudges went out long ago)."""
_FAR = timedelta(days=3650)


class AckOutcome(StrEnum):
    recorded = "recorded"
    already = "already"
    not_yours = "not_yours"


@dataclass(frozen=True)
class Ack:
    outcome: AckOutcome
    at: datetime | None = None
    council_id: int | None = field(default=None, compare=False)
    """The council the notice came from (whose office thanks the delegate)."""


async def acknowledge(
    *, session: AsyncSession, recipient_id: int, telegram_user_id: int, now: datetime
) -> Ack:
    """``Đã nhận``: the first press records the time; later presses change nothing.

    In the caller's transaction: the caller commits before it answers the press.
    """
    found = (
        await session.exec(
            select(BroadcastRecipient, Delegate, Broadcast.council_id)
            .join(Delegate, col(Delegate.id) == col(BroadcastRecipient.delegate_id))
            .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
            .where(col(BroadcastRecipient.id) == recipient_id)
        )
    ).first()
    if found is None or found[1].telegram_user_id != telegram_user_id:
        return Ack(AckOutcome.not_yours)
    recipient, council_id = found[0], found[2]
    if recipient.acknowledged_at is not None:
        return Ack(AckOutcome.already, recipient.acknowledged_at, council_id)
    result = await session.exec(
        update(BroadcastRecipient)
        .where(
            col(BroadcastRecipient.id) == recipient_id,
            col(BroadcastRecipient.acknowledged_at).is_(None),
        )
        .values(acknowledged_at=now)
    )
    if result.rowcount != 1:  # a simultaneous press won
        await session.refresh(recipient)
        return Ack(AckOutcome.already, recipient.acknowledged_at, council_id)
    return Ack(AckOutcome.recorded, now, council_id)


async def plan_due_nudges(
    *,
    session: AsyncSession,
    now: datetime,
    quiet: QuietHours | None = None,
    zone: tzinfo = UTC,
) -> int:
    """At a broadcast's deadline, one nudge to each delegate who has its copy but has not
    acknowledged it. Copies delivered after the deadline get theirs when they arrive.

    In the caller's transaction (the caller commits): the nudges and the ``nudged_at``
    marks that keep them from being planned twice are written together.
    """
    owed = await _owed_nudges(session, now=now)
    if not owed:
        return 0
    rows = [
        outbox_row(
            BroadcastNudgePayload(broadcast=broadcast_id),
            f"{broadcast_id}:{delegate_id}",
            now=now,
            # A reminder like any other: a deadline at 22:30 nudges in the morning.
            due_at=apply_quiet_hours(now, starts_at=now + _FAR, quiet=quiet, zone=zone),
            delegate_id=delegate_id,
        )
        for _id, broadcast_id, delegate_id in owed
    ]
    created = await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )
    # In chunks: a deadline can fall due for more recipients than a statement may bind.
    for ids in chunks(row[0] for row in owed):
        await session.exec(
            update(BroadcastRecipient)
            .where(col(BroadcastRecipient.id).in_(ids))
            .values(nudged_at=now)
        )
    return created


async def _owed_nudges(
    session: AsyncSession, *, now: datetime
) -> list[tuple[int | None, int, int]]:
    """(recipient id, broadcast id, delegate id) of each copy delivered and neither
    acknowledged nor nudged, of broadcasts whose deadline has just passed."""
    due = select(Broadcast.id).where(
        col(Broadcast.ack_deadline) <= now,
        col(Broadcast.ack_deadline) > now - NUDGE_WINDOW,
        col(Broadcast.status).in_((BroadcastStatus.sending.value, BroadcastStatus.done.value)),
    )
    owed = await session.exec(
        select(
            BroadcastRecipient.id,
            BroadcastRecipient.broadcast_id,
            BroadcastRecipient.delegate_id,
        )
        .join(OutboxMessage, sent_copy())
        .where(
            col(BroadcastRecipient.broadcast_id).in_(due.scalar_subquery()),
            col(BroadcastRecipient.acknowledged_at).is_(None),
            col(BroadcastRecipient.nudged_at).is_(None),
        )
    )
    return list(owed.all())
