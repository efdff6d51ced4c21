"""Offers that close without their candidate's answer: another delegate took the place,
or the duty began or was cancelled first.

An offer not sent yet is simply not sent. One already in the candidate's chat is edited
through the outbox (kind ``offer_closed``): durable, retried, rendered in the
candidate's language when it goes out. Each offer closes once and gets at most one edit.

An offer being sent when it closes gets its edit once its send is recorded as sent (its
message id known): the dispatcher plans it as it records the send (the kind's
``after_sent``), and the planner's run plans any such edit still missing
(``plan_late_edits``), however late the sender writes its outcome. An edit planned
before that would find no message id and be cancelled, leaving the buttons live. A send
whose outcome stayed unknown and that is not retried (the offer closed meanwhile) has no
known message to edit: a press on it edits it there and then (``edited_by_outbox``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.domain.availability import OfferStatus
from bot.models import Occurrence, OutboxMessage, Release, SubstituteOffer
from bot.services.outbox.payloads import OfferClosedPayload, OutboxKind
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxStatus, outbox_row

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
    # One still being sent is edited by the planner once its send is recorded.
    edits = [
        _edit_row(by_key[key].id, by_key[key].delegate_id, now=now)
        for _row_id, key, state in rows
        if state == OutboxStatus.sent.value
    ]
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, edits, unique=["kind", "dedupe_key"]
    )


def _edit_row(offer_id: int | None, delegate_id: int, *, now: datetime) -> dict[str, Any]:
    assert offer_id is not None
    return outbox_row(
        OfferClosedPayload(offer=offer_id),
        edit_key(offer_id),
        now=now,
        due_at=now,
        delegate_id=delegate_id,
    )


def edit_key(offer_id: int) -> str:
    """The dedupe key of an offer's edit row."""
    return f"x{offer_id}"


async def edited_by_outbox(*, session: AsyncSession, offer_id: int, message_id: int) -> bool:
    """Whether this message of the offer is the one the outbox knows, and so edits once
    the offer closes; a copy whose send was never recorded is not."""
    recorded = (
        await session.exec(
            select(OutboxMessage.telegram_message_id).where(
                col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
                col(OutboxMessage.dedupe_key) == offer_key(offer_id),
                col(OutboxMessage.status) == OutboxStatus.sent.value,
            )
        )
    ).first()
    return recorded == message_id


LATE_EDITS = timedelta(days=3)
"""How far back the planner looks for closed offers whose send was recorded late."""


async def plan_late_edits(
    *, session: AsyncSession, now: datetime, offer_ids: Collection[int] | None = None
) -> int:
    """Edits for closed offers whose message was recorded as sent after they closed; how
    many. Three statements, over the offers closed lately (``offer_ids`` only, when given:
    the offers whose send the dispatcher has just recorded)."""
    recent = col(SubstituteOffer.answered_at) >= now - LATE_EDITS
    statuses = [s.value for s in CLOSED]
    if offer_ids is None:
        query = select(SubstituteOffer.id, SubstituteOffer.delegate_id, SubstituteOffer.status)
        query = query.where(col(SubstituteOffer.status).in_(statuses), recent)
    else:
        # Locked by id alone, so a take committing at this moment is seen: either it closed
        # the offer first (this waits for it and reads "lost"), or it waits for this commit
        # and then reads the send as recorded (``close_offers`` plans the edit itself). A
        # status condition here would skip a row whose old version did not match it,
        # without waiting for the take (PostgreSQL rechecks only rows that matched).
        query = (
            select(SubstituteOffer.id, SubstituteOffer.delegate_id, SubstituteOffer.status)
            .where(col(SubstituteOffer.id).in_(list(offer_ids)))
            .with_for_update()
        )
    closed = {
        offer_id: delegate_id
        for offer_id, delegate_id, status in (await session.exec(query)).all()
        if offer_id is not None and status in statuses
    }
    if not closed:
        return 0
    sent = set(
        (
            await session.exec(
                select(OutboxMessage.dedupe_key).where(
                    col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
                    col(OutboxMessage.dedupe_key).in_([offer_key(i) for i in closed]),
                    col(OutboxMessage.status) == OutboxStatus.sent.value,
                )
            )
        ).all()
    )
    planned = set(
        (
            await session.exec(
                select(OutboxMessage.dedupe_key).where(
                    col(OutboxMessage.kind) == OutboxKind.offer_closed.value,
                    col(OutboxMessage.dedupe_key).in_([edit_key(i) for i in closed]),
                )
            )
        ).all()
    )
    edits = [
        _edit_row(offer_id, delegate_id, now=now)
        for offer_id, delegate_id in closed.items()
        if offer_key(offer_id) in sent and edit_key(offer_id) not in planned
    ]
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, edits, unique=["kind", "dedupe_key"]
    )


async def close_stale_offers(*, session: AsyncSession, now: datetime) -> int:
    """Pending offers of duties that began or were cancelled are withdrawn, and offers
    whose send was recorded after they closed get their edit (the planner's run); how
    many edits were planned."""
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
    closed = await close_offers(
        session=session, offers=list(stale), status=OfferStatus.withdrawn, now=now
    )
    return closed + await plan_late_edits(session=session, now=now)


# --- read when an offer's messages go out (jobs/availability_kinds.py) -----------------------


async def offers_by_id(
    *, session: AsyncSession, ids: Collection[int]
) -> dict[int, SubstituteOffer]:
    """These offers, by id (an id not found is left out)."""
    found = await session.exec(select(SubstituteOffer).where(col(SubstituteOffer.id).in_(ids)))
    return {offer.id: offer for offer in found.all() if offer.id is not None}


async def offers_by_candidate(
    *, session: AsyncSession, release_ids: Collection[int]
) -> dict[tuple[int, int], int]:
    """The offer ids of these releases, by (release id, candidate's delegate id)."""
    found = await session.exec(
        select(SubstituteOffer).where(col(SubstituteOffer.release_id).in_(release_ids))
    )
    return {(o.release_id, o.delegate_id): o.id for o in found.all() if o.id is not None}


async def sent_offer_messages(*, session: AsyncSession, offer_ids: Sequence[int]) -> dict[int, int]:
    """The message id of each offer's message in its candidate's chat, by offer id: only
    offers whose send is recorded as sent (an edit needs the message)."""
    keys = {offer_key(i): i for i in offer_ids}
    sent = await session.exec(
        select(OutboxMessage.dedupe_key, OutboxMessage.telegram_message_id).where(
            col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
            col(OutboxMessage.dedupe_key).in_(list(keys)),
            col(OutboxMessage.status) == OutboxStatus.sent.value,
        )
    )
    return {keys[key]: message for key, message in sent.all() if message is not None}
