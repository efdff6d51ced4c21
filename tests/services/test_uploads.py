"""A staged upload is decided once, by its owner, while it is fresh."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.db import SessionFactory
from bot.models import Council, PendingUpload
from bot.services.schedule.imports import import_schedule
from bot.services.schedule.uploads import (
    UPLOAD_MAX_AGE,
    UploadStatus,
    decide_upload,
    is_superseded,
    stage_upload,
)
from tests.factories import NOW, add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def test_upload_is_decided_once_by_its_owner(session_factory: SessionFactory) -> None:
    upload_id = await in_session(
        session_factory,
        stage_upload,
        telegram_user_id=1,
        filename="a.csv",
        content=b"x",
        now=NOW,
        council_ids=(),
    )

    async def decide(user: int, decision: UploadStatus, later: timedelta = timedelta()) -> bool:
        upload = await in_session(
            session_factory,
            decide_upload,
            upload_id=upload_id,
            telegram_user_id=user,
            decision=decision,
            now=NOW + later,
        )
        return upload is not None

    assert not await decide(2, UploadStatus.confirmed)  # someone else's file
    assert not await decide(1, UploadStatus.confirmed, UPLOAD_MAX_AGE)  # too old
    assert await decide(1, UploadStatus.confirmed)
    assert not await decide(1, UploadStatus.confirmed)  # a second press
    assert not await decide(1, UploadStatus.cancelled)


async def test_a_reopened_upload_can_be_confirmed_again(session_factory: SessionFactory) -> None:
    from bot.services.schedule.uploads import reopen_upload

    upload_id = await in_session(
        session_factory,
        stage_upload,
        telegram_user_id=1,
        filename="a.csv",
        content=b"x",
        now=NOW,
        council_ids=(),
    )
    first = await in_session(
        session_factory,
        decide_upload,
        upload_id=upload_id,
        telegram_user_id=1,
        decision=UploadStatus.confirmed,
        now=NOW,
    )
    assert first is not None
    await in_session(session_factory, reopen_upload, upload_id=upload_id)
    again = await in_session(
        session_factory,
        decide_upload,
        upload_id=upload_id,
        telegram_user_id=1,
        decision=UploadStatus.confirmed,
        now=NOW,
    )
    assert again is not None


async def test_a_committed_import_supersedes_its_councils_pending_uploads(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A file checked before a newer schedule of its council was imported (say by the CLI)
    would undo that schedule: it is superseded. A dry run or another council's import
    leaves it pending."""
    await add_delegate(session_factory, "ML-001")
    await add_delegate(session_factory, "NT-001", council="HDND-NT")
    async with session_factory() as session:
        councils = {c.code: c.id for c in (await session.exec(select(Council))).all()}
    upload_id = await in_session(
        session_factory,
        stage_upload,
        telegram_user_id=1,
        filename="lich-cu.csv",
        content=b"x",
        now=NOW,
        council_ids=(councils["HDND-ML"],),
    )
    path = tmp_path / "lich.csv"

    async def cli_import(council: str, *, dry_run: bool = False) -> None:
        path.write_text(
            "kind,title,starts_at,ends_at,location,council,delegates\n"
            f"session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,{council},all\n",
            encoding="utf-8",
        )
        async with session_factory() as session:
            result = await import_schedule(
                session=session, path=path, now=NOW, zone=ZONE, dry_run=dry_run
            )
        assert result.problems == []

    async def status() -> str:
        async with session_factory() as session:
            upload = await session.get(PendingUpload, upload_id)
            assert upload is not None
            return upload.status

    await cli_import("HDND-ML", dry_run=True)
    await cli_import("HDND-NT")
    assert await status() == UploadStatus.pending
    await cli_import("HDND-ML")
    assert await status() == UploadStatus.superseded
    confirmed = await in_session(
        session_factory,
        decide_upload,
        upload_id=upload_id,
        telegram_user_id=1,
        decision=UploadStatus.confirmed,
        now=NOW,
    )
    assert confirmed is None
    assert await in_session(session_factory, is_superseded, upload_id=upload_id, telegram_user_id=1)
