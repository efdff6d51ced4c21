"""Releasing an assignment (``Xin vắng``) and finding who stands in.

A release cancels the delegate's assignment (so it counts nowhere and its reminders
stop) and records why. For a rota the next candidates get an offer (an outbox row of
its own kind); the first ``Nhận thay`` wins through one conditional UPDATE; when nobody
can or will, or the event is no rota, the council's secretaries are asked to choose.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import insert_ignoring_duplicates, insert_new
from bot.domain.availability import (
    ABSENCE_RELEASES,
    RELEASABLE_KINDS,
    AwayReason,
    OfferStatus,
    escalation_due,
    next_offers,
)
from bot.domain.office import OFFICE_ROLE
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
    release_contexts,
)
from bot.services.availability.offers import close_stale_offers, offer_key
from bot.services.outbox.common import epoch
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
RELEASES_TABLE = Release.metadata.tables["assignment_releases"]


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


@dataclass(frozen=True)
class ReleaseRequest:
    """One assignment to give up, checked by the caller (its own, upcoming, releasable)."""

    assignment_id: int
    occurrence_id: int
    delegate_id: int
    reason: AwayReason
    note: str
    absence_id: int | None = None


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
    request = ReleaseRequest(
        assignment_id, occurrence.id, assignment.delegate_id, reason, note, absence_id
    )
    (release,) = await release_many(session=session, requests=[request], now=now, policy=policy)
    return Released(release)


async def release_many(
    *,
    session: AsyncSession,
    requests: Sequence[ReleaseRequest],
    now: datetime,
    policy: SubstitutePolicy,
) -> list[Release]:
    """Releases these assignments together (a constant number of statements): each is
    cancelled, its reminders stopped, and stand-ins sought."""
    if not requests:
        return []
    values = [
        {
            "assignment_id": r.assignment_id,
            "occurrence_id": r.occurrence_id,
            "delegate_id": r.delegate_id,
            "reason": r.reason.value,
            "note": r.note,
            "absence_id": r.absence_id,
            "released_at": now,
            "assigned_by": "",
            "escalations": 0,
        }
        for r in requests
    ]
    # Core, not the unit of work: the ORM inserts such rows one statement each.
    new = list(
        (
            await session.exec(insert(RELEASES_TABLE).returning(RELEASES_TABLE.c.id), params=values)
        ).scalars()
    )
    ids = [r.assignment_id for r in requests]
    await session.exec(
        update(Assignment).where(col(Assignment.id).in_(ids)).values(cancelled_at=now)
    )
    await _stop_rows(session, ids, now)
    releases = (await session.exec(select(Release).where(col(Release.id).in_(new)))).all()
    await plan_substitutes(session=session, policy=policy, now=now, release_ids=new)
    return list(releases)


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
    rows were queued. Run by the planner, and at once after a release or a refusal.
    A constant number of statements however many releases are open."""
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
        if not release_ids:
            return 0
        query = query.where(col(Release.id).in_(list(release_ids)))
    else:  # the planner's run: offers of duties begun or cancelled since are closed
        queued += await close_stale_offers(session=session, now=now)
    ids = [i for i in (await session.exec(query)).all() if i is not None]
    contexts = await release_contexts(session=session, release_ids=ids)
    if not contexts:
        return queued
    statuses = await _offer_statuses(session, list(contexts))
    rota = [c for c in contexts.values() if c.rota]
    ordered = await ordered_candidates(session=session, contexts=rota, zone=policy.zone)
    wanted: list[tuple[int, int]] = []
    escalating: list[ReleaseContext] = []
    for release_id, context in contexts.items():
        people = ordered.get(release_id, [])
        for delegate_id in next_offers(people, statuses[release_id], policy.fanout):
            wanted.append((release_id, delegate_id))
            statuses[release_id][delegate_id] = OfferStatus.pending
        if _escalation_due(context, statuses[release_id], people, policy, now):
            escalating.append(context)
    rows = [
        _offer_row(offer_id, delegate_id, contexts[release_id], now=now)
        for offer_id, release_id, delegate_id in await _insert_offers(session, wanted, now=now)
    ]
    rows += await _escalation_rows(session, escalating, now=now)
    queued += await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )
    return queued


def _escalation_due(
    context: ReleaseContext,
    statuses: Mapping[int, OfferStatus],
    ordered: Sequence[int],
    policy: SubstitutePolicy,
    now: datetime,
) -> bool:
    if context.release.escalated_at is not None:
        return False
    return escalation_due(
        starts_at=context.occurrence.starts_at,
        now=now,
        escalate_before=policy.escalate_before,
        rota=context.rota,
        candidates_left=len([d for d in ordered if d not in statuses]),
        pending=sum(1 for s in statuses.values() if s is OfferStatus.pending),
    )


async def _offer_statuses(
    session: AsyncSession, release_ids: Sequence[int]
) -> dict[int, dict[int, OfferStatus]]:
    """Per release, each offered delegate's offer status."""
    offers = await session.exec(
        select(SubstituteOffer).where(col(SubstituteOffer.release_id).in_(list(release_ids)))
    )
    found: dict[int, dict[int, OfferStatus]] = {release_id: {} for release_id in release_ids}
    for offer in offers.all():
        found[offer.release_id][offer.delegate_id] = OfferStatus(offer.status)
    return found


async def _insert_offers(
    session: AsyncSession, wanted: Sequence[tuple[int, int]], *, now: datetime
) -> list[tuple[int, int, int]]:
    """The (release, delegate) offers, in one statement; (offer id, release, delegate) of
    each one this call wrote. The planner's tick and a delegate's «Không nhận» may offer at
    the same moment: the unique (release, delegate) index settles it, and only the
    transaction that wrote an offer queues its message."""
    values = [
        {
            "release_id": release_id,
            "delegate_id": delegate_id,
            "status": OfferStatus.pending.value,
            "offered_at": now,
        }
        for release_id, delegate_id in wanted
    ]
    written = await insert_new(
        session,
        OFFERS_TABLE,
        values,
        unique=["release_id", "delegate_id"],
        returning=("id", "release_id", "delegate_id"),
    )
    return [(offer_id, release_id, delegate_id) for offer_id, release_id, delegate_id in written]


def _offer_row(
    offer_id: int, delegate_id: int, context: ReleaseContext, *, now: datetime
) -> dict[str, Any]:
    return outbox_row(
        SubstituteOfferPayload(offer=offer_id),
        offer_key(offer_id),
        now=now,
        due_at=now,
        delegate_id=delegate_id,
        expires_at=context.occurrence.starts_at,
    )


async def secretaries(
    *, session: AsyncSession, council_ids: Collection[int]
) -> dict[int, list[Delegate]]:
    """The councils' linked, active office accounts (secretaries), by council: the one
    query for them (the escalations, the news of a stand-in, the daily summary)."""
    found = await session.exec(
        select(Delegate)
        .where(
            col(Delegate.council_id).in_(sorted(council_ids)),
            col(Delegate.role) == OFFICE_ROLE,
            col(Delegate.active).is_(True),
            col(Delegate.telegram_user_id).is_not(None),
        )
        .order_by(col(Delegate.id))
    )
    by_council: dict[int, list[Delegate]] = {council_id: [] for council_id in council_ids}
    for secretary in found.all():
        by_council[secretary.council_id].append(secretary)
    return by_council


async def council_office(*, session: AsyncSession, council_id: int) -> list[int]:
    """The ids of one council's office accounts (they are told who stands in)."""
    found = await secretaries(session=session, council_ids=[council_id])
    return [s.id for s in found[council_id] if s.id is not None]


async def _escalation_rows(
    session: AsyncSession, contexts: Sequence[ReleaseContext], *, now: datetime
) -> list[dict[str, Any]]:
    """The office is asked (again) for these releases: each counted once more."""
    if not contexts:
        return []
    ids = [c.release.id for c in contexts if c.release.id is not None]
    # An ORM-enabled UPDATE: the releases held in this session are updated too.
    await session.exec(
        update(Release)
        .where(col(Release.id).in_(ids))
        .values(escalations=col(Release.escalations) + 1, escalated_at=now)
    )
    offices = await secretaries(session=session, council_ids={c.event.council_id for c in contexts})
    return [
        outbox_row(
            SubstituteEscalationPayload(release=context.release.id),
            f"e{context.release.id}:{context.release.escalations}:{secretary.id}",
            now=now,
            due_at=now,
            delegate_id=secretary.id,
            expires_at=context.occurrence.starts_at,
        )
        for context in contexts
        if context.release.id is not None
        for secretary in offices[context.event.council_id]
    ]


def news_rows(
    context: ReleaseContext, recipients: Sequence[int], news: str, *, now: datetime
) -> list[dict[str, Any]]:
    release = context.release
    assert release.id is not None
    return [
        outbox_row(
            SubstituteNewsPayload(release=release.id, news=news),
            f"n{release.id}:{news}:{release.taken_by or 0}:{delegate_id}:{epoch(now)}",
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
