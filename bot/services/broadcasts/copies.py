"""What sending a broadcast's copies and nudges needs to know, for a batch of them.

A copy is ``copyMessage`` of the secretary's original with a ``Đã nhận`` button carrying
the recipient row's id; a correction's copy replies to the delegate's copy of the
broadcast it corrects, a nudge to the copy of its own broadcast.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import ColumnElement, and_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.broadcasts import SENT_FROM_KEPT, KeptNotice, NoticeKind
from bot.models import Broadcast, BroadcastNotice, BroadcastRecipient, Council, OutboxMessage
from bot.services.outbox.rows import OutboxStatus

Key = tuple[int, int]
"""(broadcast id, delegate id)"""


def sent_copy() -> ColumnElement[bool]:
    """Joins a recipient to the outbox row of their copy, once it has been sent."""
    return and_(
        col(OutboxMessage.id) == col(BroadcastRecipient.outbox_id),
        col(OutboxMessage.status) == OutboxStatus.sent.value,
    )


@dataclass(frozen=True)
class Copies:
    sources: dict[int, tuple[int, int]]
    """broadcast → (chat id, message id) of the secretary's original"""
    recipients: dict[Key, int]
    """→ the recipient row, whose id the ``Đã nhận`` button carries"""
    acknowledged: dict[Key, bool]
    copies: dict[Key, int]
    """→ the message id of the delegate's copy (for nudges: of this broadcast; for
    corrections: of the broadcast corrected)"""
    sent_at: dict[int, datetime]
    """broadcast → when it was confirmed, in local time"""
    councils: dict[int, Council]
    """broadcast → its council (whose office the nudge names)"""
    albums: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """broadcast → the ids of its album's other parts (none for a single message)"""
    kept: dict[int, KeptNotice] = field(default_factory=dict)
    """broadcast → its notice as it arrived, sent instead when the original is gone"""
    gone: frozenset[int] = frozenset()
    """Broadcasts whose original is known deleted (a copy was already sent from the kept
    notice): their copies are sent from it at once, not tried as copies first."""


async def broadcast_copies(
    *, session: AsyncSession, keys: Collection[Key], zone: tzinfo, nudge: bool
) -> Copies:
    """The broadcasts and recipients of these copies (``nudge``: of these nudges)."""
    broadcasts = {
        b.id: b
        for b in (
            await session.exec(
                select(Broadcast).where(col(Broadcast.id).in_({b for b, _d in keys}))
            )
        ).all()
        if b.id is not None
    }
    recipients = (
        await session.exec(
            select(BroadcastRecipient).where(
                tuple_(
                    col(BroadcastRecipient.broadcast_id), col(BroadcastRecipient.delegate_id)
                ).in_(list(keys))
            )
        )
    ).all()
    # The copy replied to: this broadcast's (a nudge) or the corrected one's.
    wanted: dict[Key, Key] = {}
    for broadcast_id, delegate_id in keys:
        broadcast = broadcasts.get(broadcast_id)
        if nudge:
            wanted[(broadcast_id, delegate_id)] = (broadcast_id, delegate_id)
        elif broadcast is not None and broadcast.corrects_id is not None:
            wanted[(broadcast_id, delegate_id)] = (broadcast.corrects_id, delegate_id)
    copies = await _copy_message_ids(session, set(wanted.values()))
    kept, gone = await _kept_notices(session, set(broadcasts))

    councils = await _councils_of(session, broadcasts.values())
    return Copies(
        sources={
            b.id: (b.source_chat_id, b.source_message_id)
            for b in broadcasts.values()
            if b.id is not None and b.source_chat_id is not None and b.source_message_id is not None
        },
        recipients={(r.broadcast_id, r.delegate_id): r.id for r in recipients if r.id is not None},
        acknowledged={
            (r.broadcast_id, r.delegate_id): r.acknowledged_at is not None for r in recipients
        },
        copies={key: copies[source] for key, source in wanted.items() if source in copies},
        sent_at={
            b.id: (b.confirmed_at or b.created_at).astimezone(zone)
            for b in broadcasts.values()
            if b.id is not None
        },
        kept=kept,
        gone=gone,
        albums={
            b.id: tuple(int(part) for part in b.album_message_ids.split())
            for b in broadcasts.values()
            if b.id is not None and b.album_message_ids
        },
        councils=councils,
    )


async def _councils_of(
    session: AsyncSession, broadcasts: Collection[Broadcast]
) -> dict[int, Council]:
    """broadcast → its council (a nudge names the council's office)."""
    ids = {b.council_id for b in broadcasts}
    councils = {
        c.id: c
        for c in (await session.exec(select(Council).where(col(Council.id).in_(ids))))
        if c.id is not None
    }
    return {
        b.id: councils[b.council_id]
        for b in broadcasts
        if b.id is not None and b.council_id in councils
    }


async def _kept_notices(
    session: AsyncSession, broadcast_ids: set[int]
) -> tuple[dict[int, KeptNotice], frozenset[int]]:
    """The notices kept of these broadcasts, and which of them lost their original."""
    if not broadcast_ids:
        return {}, frozenset()
    notices = (
        await session.exec(
            select(BroadcastNotice).where(col(BroadcastNotice.broadcast_id).in_(broadcast_ids))
        )
    ).all()
    gone = (
        await session.exec(
            select(BroadcastRecipient.broadcast_id)
            .join(OutboxMessage, sent_copy())
            .where(
                col(BroadcastRecipient.broadcast_id).in_(broadcast_ids),
                col(OutboxMessage.last_error) == SENT_FROM_KEPT,
            )
            .distinct()
        )
    ).all()
    kept = {
        n.broadcast_id: KeptNotice(NoticeKind(n.kind), n.text, n.entities, n.file_id)
        for n in notices
    }
    return kept, frozenset(gone)


async def _copy_message_ids(session: AsyncSession, keys: set[Key]) -> dict[Key, int]:
    if not keys:
        return {}
    found = (
        await session.exec(
            select(
                BroadcastRecipient.broadcast_id,
                BroadcastRecipient.delegate_id,
                OutboxMessage.telegram_message_id,
            )
            .join(OutboxMessage, sent_copy())
            .where(
                tuple_(
                    col(BroadcastRecipient.broadcast_id), col(BroadcastRecipient.delegate_id)
                ).in_(keys)
            )
        )
    ).all()
    return {(b, d): int(m) for b, d, m in found if m is not None}
