"""Schedule files waiting for the secretary's decision, and what makes them stale.

A file is its councils' whole schedule: once a newer schedule of one of its councils is
written (a newer file sent to the bot, a CLI import, a confirmed upload), applying the
older one would undo the newer. Such pending files are *superseded*; their buttons then
say so and write nothing. Kept apart from ``uploads`` so the import itself can mark them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import PendingUpload

UPLOAD_MAX_AGE = timedelta(hours=24)


class UploadStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    cancelled = "cancelled"
    superseded = "superseded"
    """A newer schedule of one of its councils was sent or written while it was pending."""


def councils_text(council_ids: Iterable[int]) -> str:
    """``pending_uploads.council_ids``: the ids between spaces (`` 3 7 ``)."""
    return " " + " ".join(str(i) for i in sorted(set(council_ids))) + " "


def _councils(text: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in (text or "").split())


async def supersede_uploads(
    *,
    session: AsyncSession,
    council_ids: Iterable[int],
    now: datetime,
    telegram_user_id: int | None = None,
) -> int:
    """Marks the live pending uploads sharing a council with ``council_ids`` as superseded;
    how many. An upload staged before their councils were kept counts if it is
    ``telegram_user_id``'s own (none for an import: its councils are not known)."""
    councils = frozenset(council_ids)
    live = await session.exec(
        select(PendingUpload.id, PendingUpload.telegram_user_id, PendingUpload.council_ids).where(
            col(PendingUpload.status) == UploadStatus.pending.value,
            col(PendingUpload.created_at) > now - UPLOAD_MAX_AGE,
        )
    )
    older = [
        upload_id
        for upload_id, user_id, text in live.all()
        if (councils & _councils(text) if text is not None else user_id == telegram_user_id)
    ]
    if older:  # a few uploads of the last day: a short list
        await session.exec(
            update(PendingUpload)
            # Still pending: one confirmed meanwhile (another process) keeps its decision.
            .where(
                col(PendingUpload.id).in_(older),
                col(PendingUpload.status) == UploadStatus.pending.value,
            )
            .values(status=UploadStatus.superseded.value, decided_at=now)
        )
    return len(older)
