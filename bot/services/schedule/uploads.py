"""Schedule files sent to the bot: kept in the database until the secretary decides."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.callbacks import MAX_ID
from bot.models import PendingUpload
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.schedule.imports import ScheduleImportResult, import_schedule
from bot.services.schedule.upload_states import UPLOAD_MAX_AGE as UPLOAD_MAX_AGE
from bot.services.schedule.upload_states import UploadStatus as UploadStatus
from bot.services.schedule.upload_states import councils_text, supersede_uploads

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ID = MAX_ID
"""``pending_uploads.id`` is an INTEGER: a larger id (from a forged button) is no upload."""


async def stage_upload(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    filename: str,
    content: bytes,
    now: datetime,
    council_ids: Iterable[int],
) -> int:
    """Keeps the checked file until the secretary decides; older pending files of the same
    councils are superseded (a file is its councils' whole schedule: confirming an older
    one would undo the newer)."""
    councils = frozenset(council_ids)
    await supersede_uploads(
        session=session, council_ids=councils, now=now, telegram_user_id=telegram_user_id
    )
    upload = PendingUpload(
        telegram_user_id=telegram_user_id,
        filename=filename,
        content=content,
        created_at=now,
        council_ids=councils_text(councils),
    )
    session.add(upload)
    await session.flush()
    assert upload.id is not None
    return upload.id


async def is_superseded(*, session: AsyncSession, upload_id: int, telegram_user_id: int) -> bool:
    """Whether this user's upload was superseded by a newer file of its councils."""
    if not 0 < upload_id <= MAX_UPLOAD_ID:
        return False
    status = await session.exec(
        select(PendingUpload.status).where(
            col(PendingUpload.id) == upload_id,
            col(PendingUpload.telegram_user_id) == telegram_user_id,
        )
    )
    return status.first() == UploadStatus.superseded.value


async def decide_upload(
    *,
    session: AsyncSession,
    upload_id: int,
    telegram_user_id: int,
    decision: UploadStatus,
    now: datetime,
) -> PendingUpload | None:
    """Moves a pending upload of this user to ``decision``, once; ``None`` if it cannot be.

    The conditional update makes a double press (or two devices) decide only once.
    """
    if not 0 < upload_id <= MAX_UPLOAD_ID:
        return None  # PostgreSQL would refuse the number itself
    decided = await session.exec(
        update(PendingUpload)
        .where(
            col(PendingUpload.id) == upload_id,
            col(PendingUpload.telegram_user_id) == telegram_user_id,
            col(PendingUpload.status) == UploadStatus.pending.value,
            col(PendingUpload.created_at) > now - UPLOAD_MAX_AGE,
        )
        .values(status=decision.value, decided_at=now)
    )
    if decided.rowcount != 1:
        return None
    return await session.get(PendingUpload, upload_id)


async def reopen_upload(*, session: AsyncSession, upload_id: int) -> None:
    """Back to pending after a confirmed import failed unexpectedly: Confirm can be retried."""
    await session.exec(
        update(PendingUpload)
        .where(col(PendingUpload.id) == upload_id)
        .values(status=UploadStatus.pending.value, decided_at=None)
    )


async def import_uploaded_schedule(
    *,
    session: AsyncSession,
    filename: str,
    content: bytes,
    now: datetime,
    zone: tzinfo,
    dry_run: bool,
    actor: str,
    allowed_council_ids: frozenset[int] | None,
    policy: ReminderPolicy | None = None,
    merge: bool = False,
) -> ScheduleImportResult:
    """Runs the file through the same import as the CLI (from a private temporary copy).

    Reading and checking the file happen in a worker thread (see
    :func:`~bot.services.schedule.imports.import_schedule`): a slow file never blocks the bot.
    Like that import, it commits the caller's ``session`` when the file changes something
    and rolls it back otherwise: the caller commits its own writes first.
    """
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="delegate-bot-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        await asyncio.to_thread(path.write_bytes, content)
        return await import_schedule(
            session=session,
            path=path,
            now=now,
            zone=zone,
            dry_run=dry_run,
            actor=actor,
            allowed_council_ids=allowed_council_ids,
            policy=policy,
            merge=merge,
        )
