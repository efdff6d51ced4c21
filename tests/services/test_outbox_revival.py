"""A person who unblocks the bot gets back what failed because they could not be
reached: decided by the stored failure class and each kind's revive policy, never by
the wording of an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import OutboxFailure
from bot.services.outbox.reachability import mark_reachable
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from tests.factories import add_delegate, in_session

NOW = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)


def failed_row(
    session: AsyncSession,
    key: str,
    kind: OutboxKind,
    failure: OutboxFailure,
    *,
    error: str,
    delegate_id: int,
    expires_at: datetime | None = None,
    failed_at: datetime | None = None,
) -> None:
    failed_at = failed_at or NOW - timedelta(hours=1)
    session.add(
        OutboxMessage(
            kind=kind.value,
            dedupe_key=key,
            delegate_id=delegate_id,
            due_at=failed_at,
            expires_at=expires_at,
            status=OutboxStatus.failed.value,
            last_error=error,
            failure_reason=failure.value,
            payload="{}",
            created_at=failed_at,
            updated_at=failed_at,
        )
    )


async def test_unblocking_revives_by_failure_class_and_kind(
    session_factory: SessionFactory,
) -> None:
    delegate = await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    assert delegate.id is not None
    ahead, past = NOW + timedelta(days=1), NOW - timedelta(minutes=5)
    async with session_factory() as session, session.begin():
        found = await session.get(Delegate, delegate.id)
        assert found is not None
        found.reachable = False
        rows = [
            # (key, kind, class, error text, expires, failed at) → revived?
            ("reworded", OutboxKind.reminder, OutboxFailure.blocked,
             "Forbidden: bot was blocked by the user", ahead, None),
            ("not-a-block", OutboxKind.reminder, OutboxFailure.rejected,
             "blocked: nothing to do with it", ahead, None),
            ("event-passed", OutboxKind.reminder, OutboxFailure.blocked, "blocked: x", past, None),
            ("prompt", OutboxKind.report_prompt, OutboxFailure.unreachable, "unreachable",
             None, NOW - timedelta(days=1)),
            ("old-copy", OutboxKind.broadcast, OutboxFailure.blocked, "blocked: x",
             None, NOW - timedelta(days=5)),
            ("summary", OutboxKind.summary, OutboxFailure.blocked, "blocked: x", ahead, None),
            ("undated-summary", OutboxKind.summary, OutboxFailure.blocked, "blocked: x",
             None, None),
        ]  # fmt: skip
        for key, kind, failure, error, expires, failed_at in rows:
            failed_row(session, key, kind, failure, error=error, delegate_id=delegate.id,
                       expires_at=expires, failed_at=failed_at)  # fmt: skip

    revived = await in_session(session_factory, mark_reachable, telegram_user_id=1001, now=NOW)

    async with session_factory() as session:
        statuses = dict(
            (await session.exec(
                select(OutboxMessage.dedupe_key, OutboxMessage.status)
                .order_by(col(OutboxMessage.id))
            )).all()
        )  # fmt: skip
    assert statuses == {
        "reworded": "pending",
        "not-a-block": "failed",
        "event-passed": "failed",
        "prompt": "pending",  # undated, failed yesterday: still worth answering
        "old-copy": "failed",  # undated, failed five days ago
        "summary": "pending",
        "undated-summary": "failed",  # a dated kind without a date does not come back
    }
    assert revived == 3
