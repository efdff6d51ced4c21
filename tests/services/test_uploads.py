"""A staged upload is decided once, by its owner, while it is fresh."""

from __future__ import annotations

from datetime import timedelta

from bot.db import SessionFactory
from bot.services.schedule.uploads import UPLOAD_MAX_AGE, UploadStatus, decide_upload, stage_upload
from tests.factories import NOW, in_session


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
