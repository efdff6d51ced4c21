"""Releasing an assignment (``Xin vắng``) and finding who stands in.

A release cancels the delegate's assignment (so it counts nowhere and its reminders
stop) and records why. For a rota the next candidates get an offer (an outbox row of
its own kind); the first ``Nhận thay`` wins through one conditional UPDATE; when nobody
can or will, or the event is no rota, the council's secretaries are asked to choose.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import insert_ignoring_duplicates, insert_or_nothing
from bot.domain.availability import (
    ABSENCE_RELEASES,
    RELEASABLE_KINDS,
    AwayReason,
    OfferStatus,
    escalation_due,
    next_offers,
)
from bot.domain.roster import Role
from bot.models import (
    Assignment,
    Delegate,
    Event,
    Occurrence,
    OutboxMessage,
    Release,
    SubstituteOffer,
)
from bot.services.availability.candidates import (
    ReleaseContext,
    ordered_candidates,
    release_context,
)
from bot.services.availability.offers import close_stale_offers
from bot.services.outbox.payloads import (
    OutboxKind,
    SubstituteEscalationPayload,
    SubstituteNewsPayload,
    SubstituteOfferPayload,
)
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxStatus, outbox_row

STOPPED_KINDS = (
    OutboxKind.reminder.value,
    OutboxKind.change.value,
    OutboxKind.addition.value,
    OutboxKind.report_prompt.value,
)
"""What a released assignment would still have been sent: none of it goes."""

OFFERS_TABLE = SubstituteOffer.metadata.tables["substitute_offers"]


@dataclass(frozen=True)
class SubstitutePolicy:
    fanout: int
    escalate_before: timedelta
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> SubstitutePolicy:
        return cls(
            fanout=settings.SUBSTITUTE_FANOUT,
            escalate_before=settings.SUBSTITUTE_ESCALATE_BEFORE,
            zone=settings.zone,
        )


class ReleaseRefusal(StrEnum):
    not_found = "not_found"
    not_yours = "not_yours"
    started = "started"
    not_releasable = "not_releasable"
    already = "already"


@dataclass(frozen=True)
class Released:
    release: Release


async def release_assignment(
    *,
    session: AsyncSession,
    assignment_id: int,
    delegate_ids: Collection[int] | None,
    reason: AwayReason,
    note: str,
    now: datetime,
    policy: SubstitutePolicy,
    absence_id: int | None = None,
) -> Released | ReleaseRefusal:
    """Gives up one upcoming assignment of the caller (``delegate_ids``; ``None``: the
    office); in the caller's transaction, offers planned at once."""
    row = (
        await session.exec(
            select(Assignment, Occurrence, Event)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(col(Assignment.id) == assignment_id)
        )
    ).first()
    if row is None:
        return ReleaseRefusal.not_found
    assignment, occurrence, event = row
    if delegate_ids is not None and assignment.delegate_id not in delegate_ids:
        return ReleaseRefusal.not_yours
    if occurrence.starts_at <= now or occurrence.cancelled_at is not None:
        return ReleaseRefusal.started
    kinds = ABSENCE_RELEASES if absence_id is not None else RELEASABLE_KINDS
    if event.kind not in kinds:
        return ReleaseRefusal.not_releasable
    if assignment.cancelled_at is not None:
        return ReleaseRefusal.already
    assert occurrence.id is not None
    release = Release(
        assignment_id=assignment_id,
        occurrence_id=occurrence.id,
        delegate_id=assignment.delegate_id,
        reason=reason.value,
        note=note,
        absence_id=absence_id,
        released_at=now,
    )
    session.add(release)
    assignment.cancelled_at = now
    session.add(assignment)
    await _stop_rows(session, [assignment_id], now)
    await session.flush()
    assert release.id is not None
    await plan_substitutes(session=session, policy=policy, now=now, release_ids=[release.id])
    return Released(release)


async def _stop_rows(session: AsyncSession, assignment_ids: Sequence[int], now: datetime) -> None:
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.assignment_id).in_(list(assignment_ids)),
            col(OutboxMessage.status) == OutboxStatus.pending.value,
            col(OutboxMessage.kind).in_(STOPPED_KINDS),
        )
        .values(status=OutboxStatus.cancelled.value, last_error="released", updated_at=now)
    )


async def plan_substitutes(
    *,
    session: AsyncSession,
    policy: SubstitutePolicy,
    now: datetime,
    release_ids: Sequence[int] | None = None,
) -> int:
    """Offers and escalations every open release now calls for (idempotent); how many
    rows were queued. Run by the planner, and at once after a release or a refusal."""
    query = (
        select(Release.id)
        .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
        .where(
            col(Release.taken_by).is_(None),
            col(Occurrence.starts_at) > now,
            col(Occurrence.cancelled_at).is_(None),
        )
    )
    queued = 0
    if release_ids is not None:
        query = query.where(col(Release.id).in_(list(release_ids)))
    else:  # the planner's run: offers of duties begun or cancelled since are closed
        queued += await close_stale_offers(session=session, now=now)
    for release_id in (await session.exec(query)).all():
        assert release_id is not None
        context = await release_context(session, release_id)
        if context is not None:
            queued += await _plan_one(session, context, policy=policy, now=now)
    return queued


async def _plan_one(
    session: AsyncSession, context: ReleaseContext, *, policy: SubstitutePolicy, now: datetime
) -> int:
    release = context.release
    assert release.id is not None
    offered = await _offers(session, release.id)
    statuses = {o.delegate_id: OfferStatus(o.status) for o in offered}
    ordered = await ordered_candidates(session, context, zone=policy.zone) if context.rota else []
    rows: list[dict[str, Any]] = []
    for delegate_id in next_offers(ordered, statuses, policy.fanout):
        # The planner's tick and a delegate's «Không nhận» may offer at the same moment:
        # the unique (release, delegate) index settles it, and only the winner queues.
        offer_id = await insert_or_nothing(
            session,
            OFFERS_TABLE,
            {
                "release_id": release.id,
                "delegate_id": delegate_id,
                "status": OfferStatus.pending.value,
                "offered_at": now,
            },
            unique=["release_id", "delegate_id"],
        )
        statuses[delegate_id] = OfferStatus.pending
        if offer_id is None:
            continue
        rows.append(
            outbox_row(
                SubstituteOfferPayload(offer=offer_id),
                f"o{offer_id}",
                now=now,
                due_at=now,
                delegate_id=delegate_id,
                expires_at=context.occurrence.starts_at,
            )
        )
    pending = sum(1 for s in statuses.values() if s is OfferStatus.pending)
    if release.escalated_at is None and escalation_due(
        starts_at=context.occurrence.starts_at,
        now=now,
        escalate_before=policy.escalate_before,
        rota=context.rota,
        candidates_left=len([d for d in ordered if d not in statuses]),
        pending=pending,
    ):
        rows += await _escalation_rows(session, context, now=now)
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )


async def _offers(session: AsyncSession, release_id: int) -> list[SubstituteOffer]:
    return list(
        (
            await session.exec(
                select(SubstituteOffer).where(col(SubstituteOffer.release_id) == release_id)
            )
        ).all()
    )


async def secretaries(session: AsyncSession, council_id: int) -> list[Delegate]:
    """The council's linked, active office accounts."""
    return list(
        (
            await session.exec(
                select(Delegate).where(
                    col(Delegate.council_id) == council_id,
                    col(Delegate.role) == Role.secretary.value,
                    col(Delegate.active).is_(True),
                    col(Delegate.telegram_user_id).is_not(None),
                )
            )
        ).all()
    )


async def _escalation_rows(
    session: AsyncSession, context: ReleaseContext, *, now: datetime
) -> list[dict[str, Any]]:
    release = context.release
    assert release.id is not None
    release.escalations += 1
    release.escalated_at = now
    session.add(release)
    return [
        outbox_row(
            SubstituteEscalationPayload(release=release.id),
            f"e{release.id}:{release.escalations}:{secretary.id}",
            now=now,
            due_at=now,
            delegate_id=secretary.id,
            expires_at=context.occurrence.starts_at,
        )
        for secretary in await secretaries(session, context.event.council_id)
    ]


def news_rows(
    context: ReleaseContext, recipients: Sequence[int], news: str, *, now: datetime
) -> list[dict[str, Any]]:
    release = context.release
    assert release.id is not None
    return [
        outbox_row(
            SubstituteNewsPayload(release=release.id, news=news),
            f"n{release.id}:{news}:{release.taken_by or 0}:{delegate_id}:{int(now.timestamp())}",
            now=now,
            due_at=now,
            delegate_id=delegate_id,
            expires_at=context.occurrence.starts_at,
        )
        for delegate_id in recipients
    ]


async def set_release_note(
    *, session: AsyncSession, release_id: int, delegate_ids: Collection[int], note: str
) -> bool:
    """The text of ``Lý do khác``, written after the release; only by its delegate."""
    release = await session.get(Release, release_id)
    if release is None or release.delegate_id not in delegate_ids:
        return False
    release.note = note.strip()[:MAX_NOTE]
    session.add(release)
    return True


MAX_NOTE = 500
