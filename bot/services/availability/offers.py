"""Offers that close without their candidate's answer: another delegate took the place,
or the duty began or was cancelled first.

An offer not sent yet is simply not sent. One already in the candidate's chat is edited
through the outbox (kind ``offer_closed``): durable, retried, rendered in the
candidate's language when it goes out. Each offer closes once and gets at most one edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.domain.availability import OfferStatus
from bot.models import Occurrence, OutboxMessage, Release, SubstituteOffer
from bot.services.outbox.payloads import OfferClosedPayload, OutboxKind
from bot.services.outbox.rows import LEASE, OUTBOX_TABLE, OutboxStatus, outbox_row

CLOSED = (OfferStatus.lost, OfferStatus.withdrawn)
"""The statuses an offer's edit shows (``offer_closed`` renders nothing for the others)."""


def offer_key(offer_id: int) -> str:
    """The dedupe key of an offer's outbox row."""
    return f"o{offer_id}"


async def close_offers(
    *,
    session: AsyncSession,
    offers: Sequence[SubstituteOffer],
    status: OfferStatus,
    now: datetime,
) -> int:
    """Closes these pending offers as ``lost`` or ``withdrawn`` (in the caller's
    transaction); how many sent offers will be edited. A constant number of statements."""
    assert status in CLOSED
    offers = [o for o in offers if o.status == OfferStatus.pending.value and o.id is not None]
    if not offers:
        return 0
    for offer in offers:
        offer.status, offer.answered_at = status.value, now
        session.add(offer)
    by_key = {offer_key(o.id): o for o in offers if o.id is not None}
    rows = (
        await session.exec(
            select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status).where(
                col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
                col(OutboxMessage.dedupe_key).in_(sorted(by_key)),
            )
        )
    ).all()
    unsent = [row_id for row_id, _key, state in rows if state == OutboxStatus.pending.value]
    if unsent:
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(unsent),
                col(OutboxMessage.status) == OutboxStatus.pending.value,
            )
            .values(status=OutboxStatus.cancelled.value, last_error=status.value, updated_at=now)
        )
    edits = [
        _edit_row(by_key[key], now=now, in_flight=state == OutboxStatus.sending.value)
        for _row_id, key, state in rows
        if state in (OutboxStatus.sent.value, OutboxStatus.sending.value)
    ]
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, edits, unique=["kind", "dedupe_key"]
    )


def _edit_row(offer: SubstituteOffer, *, now: datetime, in_flight: bool) -> dict[str, Any]:
    assert offer.id is not None
    # An offer still being sent gets its message id when the send is recorded: the edit
    # waits out the sender's lease (rendered without a message id, it says nothing).
    return outbox_row(
        OfferClosedPayload(offer=offer.id),
        f"x{offer.id}",
        now=now,
        due_at=now + LEASE if in_flight else now,
        delegate_id=offer.delegate_id,
    )


async def close_stale_offers(*, session: AsyncSession, now: datetime) -> int:
    """Pending offers of duties that began or were cancelled are withdrawn (the planner's
    run); how many sent ones will be edited."""
    stale = (
        await session.exec(
            select(SubstituteOffer)
            .join(Release, col(Release.id) == col(SubstituteOffer.release_id))
            .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
            .where(
                col(SubstituteOffer.status) == OfferStatus.pending.value,
                or_(col(Occurrence.starts_at) <= now, col(Occurrence.cancelled_at).is_not(None)),
            )
        )
    ).all()
    return await close_offers(
        session=session, offers=list(stale), status=OfferStatus.withdrawn, now=now
    )
