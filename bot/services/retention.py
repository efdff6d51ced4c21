"""What is deleted once it has served: old schedule uploads and delivered outbox rows.

A schedule upload holds the whole file (up to 5 MB) only until it is confirmed,
cancelled, superseded or expired (24 h); 30 days later nothing asks for it. A delivered
outbox row is kept 400 days (a year's questions about "did I get the reminder?" and
the yearly statistics), then goes. Reports and their versions are records and are never
deleted here, and neither is a broadcast copy's row: its broadcast's report (a record
too) reads the delivery from it (``broadcast_recipients.outbox_id``), nor a chat's last
sent ``menu_reset`` row: it is the outbox's memory of the menus the chat was given
(``bot/services/menus/``), and without it the chat would be planned its menus again.

Each call deletes at most one batch, through a subquery (no list of ids is sent back
and forth): the caller commits between batches, so no transaction grows with the
backlog and a first run after years of history does not hold locks for minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import BroadcastRecipient, OutboxMessage, PendingUpload
from bot.services.outbox.rows import OutboxKind, OutboxStatus

UPLOADS_KEPT = timedelta(days=30)
DELIVERED_KEPT = timedelta(days=400)
BATCH = 5_000


async def purge_uploads(
    *, session: AsyncSession, now: datetime, kept: timedelta = UPLOADS_KEPT, batch: int = BATCH
) -> int:
    """Deletes up to ``batch`` uploads decided (or, still pending, sent) before ``now - kept``.

    A pending upload that old expired long ago (``UPLOAD_MAX_AGE``): no button applies it.
    """
    decided = func.coalesce(col(PendingUpload.decided_at), col(PendingUpload.created_at))
    old = select(col(PendingUpload.id)).where(decided < now - kept).limit(batch)
    result = await session.exec(delete(PendingUpload).where(col(PendingUpload.id).in_(old)))
    return max(result.rowcount, 0)


async def purge_delivered(
    *, session: AsyncSession, now: datetime, kept: timedelta = DELIVERED_KEPT, batch: int = BATCH
) -> int:
    """Deletes up to ``batch`` outbox rows delivered before ``now - kept``, except the
    copies of broadcasts (their broadcast's report reads them) and each chat's last sent
    menu row (what its menus are)."""
    copy = exists().where(col(BroadcastRecipient.outbox_id) == col(OutboxMessage.id))
    menus = (
        select(func.max(col(OutboxMessage.id)))
        .where(
            col(OutboxMessage.kind) == OutboxKind.menu_reset.value,
            col(OutboxMessage.status) == OutboxStatus.sent.value,
        )
        .group_by(col(OutboxMessage.chat_id))
    )
    old = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.status) == OutboxStatus.sent.value,
            col(OutboxMessage.sent_at) < now - kept,
            ~copy,
            col(OutboxMessage.id).not_in(menus),
        )
        .limit(batch)
    )
    result = await session.exec(delete(OutboxMessage).where(col(OutboxMessage.id).in_(old)))
    return max(result.rowcount, 0)
