"""Whether a delegate can be reached: a 403 stops their rows; writing to the bot again
brings back the rows still worth sending (each kind's revive policy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import PAYLOADS, REVIVABLE, OutboxFailure, Revive
from bot.services.outbox.rows import OutboxStatus


async def mark_unreachable(
    *, session: AsyncSession, delegate_id: int, now: datetime, reason: str
) -> None:
    """A 403: stop sending to this delegate until they write to the bot again."""
    delegate = await session.get(Delegate, delegate_id)
    if delegate is not None and delegate.reachable:
        delegate.reachable = False
        delegate.updated_at = now
        session.add(delegate)
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.delegate_id) == delegate_id,
            col(OutboxMessage.status) == OutboxStatus.pending.value,
        )
        .values(
            status=OutboxStatus.failed.value,
            last_error=reason,
            failure_reason=OutboxFailure.unreachable.value,
            updated_at=now,
        )
    )


REVIVE_WITHIN = timedelta(days=3)
"""Rows of kinds revived while recent (``Revive.recent``) come back this long after failing."""


def _worth_reviving(now: datetime) -> ColumnElement[bool]:
    """Each kind's revive policy (its payload model's ``revive``), as one condition."""
    kinds: dict[Revive, list[str]] = {policy: [] for policy in Revive}
    for kind, model in PAYLOADS.items():
        kinds[model.revive].append(kind.value)
    not_expired = or_(col(OutboxMessage.expires_at).is_(None), col(OutboxMessage.expires_at) > now)
    return or_(
        and_(
            col(OutboxMessage.kind).in_(kinds[Revive.until_expiry]),
            col(OutboxMessage.expires_at) > now,
        ),
        and_(
            col(OutboxMessage.kind).in_(kinds[Revive.recent]),
            not_expired,
            col(OutboxMessage.updated_at) > now - REVIVE_WITHIN,
        ),
    )


async def mark_reachable(*, session: AsyncSession, telegram_user_id: int, now: datetime) -> int:
    """The user wrote to the bot: they can be reached again. Returns how many rows that
    had failed because they could not be reached were queued again.

    Only rows that failed for that reason (their stored ``failure_reason``) and are still
    worth sending come back, as their kind's revive policy says: reminders whose event is
    still ahead, undated messages (report prompts, broadcast copies) that failed in the
    last days. They keep their due time, so they go out at once and say they are late.
    """
    changed = (
        await session.exec(
            update(Delegate)
            .where(
                col(Delegate.telegram_user_id) == telegram_user_id,
                col(Delegate.reachable).is_(False),
            )
            .values(reachable=True, updated_at=now)
            .returning(col(Delegate.id))
        )
    ).all()
    ids = [row[0] for row in changed]
    if not ids:
        return 0
    revived = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.delegate_id).in_(ids),
            col(OutboxMessage.status) == OutboxStatus.failed.value,
            col(OutboxMessage.failure_reason).in_(sorted(REVIVABLE)),
            _worth_reviving(now),
        )
        .values(status=OutboxStatus.pending.value, attempts=0, updated_at=now)
        .returning(col(OutboxMessage.id))
    )
    return len(revived.all())
