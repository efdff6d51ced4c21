"""Answers to stand-in offers, and the office's direct choice.

The place is taken by one conditional UPDATE (``… WHERE taken_by IS NULL``): on
PostgreSQL a second UPDATE racing it waits for the first to commit, re-reads the row
and matches nothing, so two presses in the same millisecond on two processes give one
stand-in. On SQLite the database's write lock orders them the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.domain.availability import OfferStatus
from bot.models import Assignment, Delegate, Release, SubstituteOffer
from bot.services.availability.candidates import (
    ReleaseContext,
    ordered_candidates,
    release_context,
)
from bot.services.availability.offers import close_offers
from bot.services.availability.releases import (
    SubstitutePolicy,
    council_office,
    news_rows,
    plan_substitutes,
)
from bot.services.outbox.rows import OUTBOX_TABLE


class TakeOutcome(StrEnum):
    won = "won"
    taken = "taken"  # somebody else was first
    late = "late"  # the occurrence has begun, or was cancelled
    declined = "declined"
    answered = "answered"  # this offer was answered already
    not_yours = "not_yours"
    not_found = "not_found"


@dataclass
class TakeResult:
    outcome: TakeOutcome
    context: ReleaseContext | None = None
    taker: Delegate | None = None


async def _offer(
    session: AsyncSession, offer_id: int, delegate_ids: Collection[int]
) -> tuple[SubstituteOffer, ReleaseContext] | TakeOutcome:
    offer = await session.get(SubstituteOffer, offer_id)
    if offer is None:
        return TakeOutcome.not_found
    if offer.delegate_id not in delegate_ids:
        return TakeOutcome.not_yours
    context = await release_context(session=session, release_id=offer.release_id)
    if context is None:
        return TakeOutcome.not_found
    return offer, context


async def take_place(
    *, session: AsyncSession, offer_id: int, delegate_ids: Collection[int], now: datetime
) -> TakeResult:
    """``Nhận thay``: the first press wins the place; in the caller's transaction."""
    found = await _offer(session, offer_id, delegate_ids)
    if isinstance(found, TakeOutcome):
        return TakeResult(found)
    offer, context = found
    if _late(context, now):
        await close_offers(session=session, offers=[offer], status=OfferStatus.withdrawn, now=now)
        return TakeResult(TakeOutcome.late, context)
    if offer.status == OfferStatus.declined.value or context.release.taken_by == offer.delegate_id:
        return TakeResult(TakeOutcome.answered, context)
    won = await _claim(session, context.release, offer.delegate_id, now=now, assigned_by="")
    if not won:
        await session.refresh(context.release)
        if context.release.taken_by == offer.delegate_id:
            # A double tap that reached two processes: the other press won; this offer,
            # read before that press committed, must not be closed as lost over it.
            return TakeResult(TakeOutcome.answered, context)
        taker = await _delegate(session, context.release.taken_by)
        await close_offers(session=session, offers=[offer], status=OfferStatus.lost, now=now)
        return TakeResult(TakeOutcome.taken, context, taker)
    offer.status, offer.answered_at = OfferStatus.taken.value, now
    session.add(offer)
    taker = await _delegate(session, offer.delegate_id)
    await _close_other_offers(session, context, offer.delegate_id, now=now)
    await _tell(session, context, now=now)
    return TakeResult(TakeOutcome.won, context, taker)


def _late(context: ReleaseContext, now: datetime) -> bool:
    return context.occurrence.starts_at <= now or context.occurrence.cancelled_at is not None


async def _claim(
    session: AsyncSession, release: Release, delegate_id: int, *, now: datetime, assigned_by: str
) -> bool:
    """The conditional UPDATE that gives the place to one delegate, and their assignment."""
    result = await session.exec(
        update(Release)
        .where(col(Release.id) == release.id, col(Release.taken_by).is_(None))
        .values(taken_by=delegate_id, taken_at=now, assigned_by=assigned_by)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(release)
    assignment = (
        await session.exec(
            select(Assignment).where(
                col(Assignment.occurrence_id) == release.occurrence_id,
                col(Assignment.delegate_id) == delegate_id,
            )
        )
    ).first()
    stand_in = await _delegate(session, delegate_id)
    if assignment is None:
        assignment = Assignment(
            occurrence_id=release.occurrence_id,
            delegate_id=delegate_id,
            created_at=now,
            unit=stand_in.unit if stand_in is not None else None,
        )
    else:
        assignment.cancelled_at = None
        assignment.created_at = now
        assignment.unit = stand_in.unit if stand_in is not None else assignment.unit
    session.add(assignment)
    await session.flush()
    release.stand_in_assignment_id = assignment.id
    session.add(release)
    return True


async def _delegate(session: AsyncSession, delegate_id: int | None) -> Delegate | None:
    return await session.get(Delegate, delegate_id) if delegate_id is not None else None


async def _close_other_offers(
    session: AsyncSession, context: ReleaseContext, taker_id: int, *, now: datetime
) -> None:
    """The other open offers lose: unsent ones are not sent, sent ones are edited."""
    others = (
        await session.exec(
            select(SubstituteOffer).where(
                col(SubstituteOffer.release_id) == context.release.id,
                col(SubstituteOffer.delegate_id) != taker_id,
                col(SubstituteOffer.status) == OfferStatus.pending.value,
            )
        )
    ).all()
    await close_offers(session=session, offers=list(others), status=OfferStatus.lost, now=now)


async def _tell(session: AsyncSession, context: ReleaseContext, *, now: datetime) -> None:
    """The absent delegate and the council's secretaries learn who stands in."""
    recipients = [context.release.delegate_id]
    recipients += await council_office(session=session, council_id=context.event.council_id)
    await insert_ignoring_duplicates(
        session,
        OUTBOX_TABLE,
        news_rows(context, recipients, "found", now=now),
        unique=["kind", "dedupe_key"],
    )


async def decline_offer(
    *,
    session: AsyncSession,
    offer_id: int,
    delegate_ids: Collection[int],
    now: datetime,
    policy: SubstitutePolicy,
) -> TakeResult:
    """``Không nhận``: room for the next candidate. Also undoes an office choice the
    delegate refuses (the office is told and asked again)."""
    found = await _offer(session, offer_id, delegate_ids)
    if isinstance(found, TakeOutcome):
        return TakeResult(found)
    offer, context = found
    release = context.release
    if _late(context, now):
        await close_offers(session=session, offers=[offer], status=OfferStatus.withdrawn, now=now)
        return TakeResult(TakeOutcome.late, context)
    if offer.status == OfferStatus.taken.value and release.taken_by == offer.delegate_id:
        if not release.assigned_by:
            return TakeResult(TakeOutcome.answered, context)
        await _undo_choice(session, context, now=now)
    elif offer.status != OfferStatus.pending.value:
        return TakeResult(TakeOutcome.answered, context)
    offer.status, offer.answered_at = OfferStatus.declined.value, now
    session.add(offer)
    await session.flush()
    assert release.id is not None
    await plan_substitutes(session=session, policy=policy, now=now, release_ids=[release.id])
    return TakeResult(TakeOutcome.declined, context)


async def _undo_choice(session: AsyncSession, context: ReleaseContext, *, now: datetime) -> None:
    release = context.release
    if release.stand_in_assignment_id is not None:
        assignment = await session.get(Assignment, release.stand_in_assignment_id)
        if assignment is not None:
            assignment.cancelled_at = now
            session.add(assignment)
    recipients = await council_office(session=session, council_id=context.event.council_id)
    await insert_ignoring_duplicates(
        session,
        OUTBOX_TABLE,
        news_rows(context, recipients, "declined", now=now),
        unique=["kind", "dedupe_key"],
    )
    release.taken_by = release.taken_at = release.stand_in_assignment_id = None
    release.assigned_by = ""
    release.escalated_at = None  # the office is asked again
    session.add(release)


class AssignOutcome(StrEnum):
    assigned = "assigned"
    taken = "taken"
    late = "late"
    not_found = "not_found"
    not_allowed = "not_allowed"
    not_candidate = "not_candidate"


async def assign_stand_in(
    *,
    session: AsyncSession,
    release_id: int,
    delegate_id: int,
    managed: frozenset[int] | None,
    actor: str,
    now: datetime,
    zone: tzinfo,
) -> tuple[AssignOutcome, ReleaseContext | None, Delegate | None]:
    """The office's button: ``delegate_id`` stands in; they are told and may decline."""
    context = await release_context(session=session, release_id=release_id)
    if context is None:
        return AssignOutcome.not_found, None, None
    if managed is not None and context.event.council_id not in managed:
        return AssignOutcome.not_allowed, context, None
    if context.occurrence.starts_at <= now or context.occurrence.cancelled_at is not None:
        return AssignOutcome.late, context, None
    eligible = (await ordered_candidates(session=session, contexts=[context], zone=zone)).get(
        release_id, []
    )
    if delegate_id not in eligible:  # away, busy, unreachable, not of the list…
        return AssignOutcome.not_candidate, context, None
    if not await _claim(session, context.release, delegate_id, now=now, assigned_by=actor):
        await session.refresh(context.release)
        return AssignOutcome.taken, context, await _delegate(session, context.release.taken_by)
    offer = (
        await session.exec(
            select(SubstituteOffer).where(
                col(SubstituteOffer.release_id) == release_id,
                col(SubstituteOffer.delegate_id) == delegate_id,
            )
        )
    ).first() or SubstituteOffer(
        release_id=release_id, delegate_id=delegate_id, status="", offered_at=now
    )
    offer.status, offer.answered_at = OfferStatus.taken.value, now
    session.add(offer)
    await _close_other_offers(session, context, delegate_id, now=now)
    await insert_ignoring_duplicates(
        session,
        OUTBOX_TABLE,
        news_rows(context, [delegate_id], "assigned", now=now)
        + news_rows(context, [context.release.delegate_id], "found", now=now),
        unique=["kind", "dedupe_key"],
    )
    return AssignOutcome.assigned, context, await _delegate(session, delegate_id)
