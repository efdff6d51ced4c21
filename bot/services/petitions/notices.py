"""Telling the delegate who received an item that its answer has come."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.models.petitions import Petition
from bot.services.outbox.payloads import PetitionAnswerPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row


async def queue_answer_notice(*, session: AsyncSession, petition: Petition, now: datetime) -> int:
    """One message to the receiving delegate per recorded answer (version): idempotent."""
    if petition.delegate_id is None or petition.id is None or petition.answered_on is None:
        return 0
    payload = PetitionAnswerPayload(petition=petition.id, version=petition.version)
    row = outbox_row(
        payload,
        f"petition:{petition.id}:v{petition.version}",
        now=now,
        due_at=now,
        delegate_id=petition.delegate_id,
    )
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, [row], unique=["kind", "dedupe_key"]
    )


async def petitions_by_id(*, session: AsyncSession, ids: Collection[int]) -> dict[int, Petition]:
    """The items whose answer notices go out, by id (read when sending: the outbox row
    carries only the id, never the personal data)."""
    found = await session.exec(select(Petition).where(col(Petition.id).in_(ids)))
    return {petition.id: petition for petition in found.all() if petition.id is not None}
