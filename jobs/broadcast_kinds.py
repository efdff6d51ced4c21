"""Outbox kinds of secretariat broadcasts: each delegate's copy, and the deadline nudge.

A copy is ``copyMessage`` of the secretary's original (formatting and files arrive as
written) with a ``Đã nhận`` button; a correction's copy replies to the delegate's copy
of the broadcast it corrects. A nudge replies to the copy, and says nothing at all
(the row is cancelled) when the delegate acknowledged in the meantime.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, tuple_
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.i18n import get_translator
from bot.messages.broadcast_texts import ack_button
from bot.models import Broadcast, BroadcastRecipient, OutboxMessage
from bot.services.outbox import Button, OutboxKind, OutboxStatus, Outgoing
from jobs.outbox_kinds import KindSpec, Recipient

Key = tuple[int, int]
"""(broadcast id, delegate id)"""


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
    sent_at: dict[int, str]
    """broadcast → when it was confirmed, in local time"""


def _key(row: OutboxMessage) -> Key:
    return int(json.loads(row.payload)["broadcast"]), row.delegate_id or 0


async def _load(
    sessions: SessionFactory, rows: Sequence[OutboxMessage], zone: ZoneInfo, *, nudge: bool
) -> Copies:
    keys = {_key(row) for row in rows}
    async with sessions() as session:
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
                    ).in_(keys)
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
        copies = await _copy_message_ids(sessions, set(wanted.values()))
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
            b.id: (b.confirmed_at or b.created_at).astimezone(zone).strftime("%H:%M %d/%m/%Y")
            for b in broadcasts.values()
            if b.id is not None
        },
    )


async def _copy_message_ids(sessions: SessionFactory, keys: set[Key]) -> dict[Key, int]:
    if not keys:
        return {}
    async with sessions() as session:
        found = (
            await session.exec(
                select(
                    BroadcastRecipient.broadcast_id,
                    BroadcastRecipient.delegate_id,
                    OutboxMessage.telegram_message_id,
                )
                .join(
                    OutboxMessage,
                    and_(
                        col(OutboxMessage.id) == col(BroadcastRecipient.outbox_id),
                        col(OutboxMessage.status) == OutboxStatus.sent.value,
                    ),
                )
                .where(
                    tuple_(
                        col(BroadcastRecipient.broadcast_id), col(BroadcastRecipient.delegate_id)
                    ).in_(keys)
                )
            )
        ).all()
    return {(b, d): int(m) for b, d, m in found if m is not None}


async def _load_copies(
    sessions: SessionFactory, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> Copies:
    return await _load(sessions, rows, zone, nudge=False)


async def _load_nudges(
    sessions: SessionFactory, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> Copies:
    return await _load(sessions, rows, zone, nudge=True)


def _ack_keyboard(recipient_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
    return ((ack_button(recipient_id, get_translator(language)),),)


def _render_copy(
    row: OutboxMessage, copies: Copies, recipient: Recipient, _now: datetime
) -> Outgoing | None:
    key = _key(row)
    source = copies.sources.get(key[0])
    recipient_id = copies.recipients.get(key)
    if source is None or recipient_id is None:
        return None
    return Outgoing(
        copy_of=source,
        keyboard=_ack_keyboard(recipient_id, recipient.language),
        reply_to=copies.copies.get(key),
    )


def _render_nudge(
    row: OutboxMessage, copies: Copies, recipient: Recipient, _now: datetime
) -> Outgoing | None:
    key = _key(row)
    recipient_id = copies.recipients.get(key)
    copy_id = copies.copies.get(key)
    if recipient_id is None or copy_id is None or copies.acknowledged.get(key, False):
        return None  # acknowledged meanwhile, or there is no copy to point at
    _ = get_translator(recipient.language)
    text = _(
        "The council office (Văn phòng HĐND) has not yet had your confirmation of the "
        "notice sent at {time}. Please read it and press «Received» under it."
    ).format(time=copies.sent_at.get(key[0], ""))
    return Outgoing(
        text=text, keyboard=_ack_keyboard(recipient_id, recipient.language), reply_to=copy_id
    )


BROADCAST_KINDS: tuple[KindSpec[Copies], ...] = (
    KindSpec(OutboxKind.broadcast, _load_copies, render=_render_copy),
    KindSpec(OutboxKind.broadcast_nudge, _load_nudges, render=_render_nudge),
)
