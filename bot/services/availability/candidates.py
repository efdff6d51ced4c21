"""Who may stand in for a release: the event's other pool delegates, as the rules see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import (
    Candidate,
    OfferStatus,
    is_rota,
    order_candidates,
    overlaps,
)
from bot.domain.quarters import Quarter
from bot.models import Absence, Assignment, Delegate, Event, Occurrence, Release, SubstituteOffer
from bot.services.schedule.views import AssignmentView, assignments_by_id

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReleaseContext:
    """A release with its occurrence and event, loaded together."""

    release: Release
    occurrence: Occurrence
    event: Event

    @property
    def pool(self) -> list[str]:
        return [code for code in self.event.pool.split(";") if code]

    @property
    def rota(self) -> bool:
        return is_rota(self.event.per_occurrence, len(self.pool))


async def release_context(session: AsyncSession, release_id: int) -> ReleaseContext | None:
    row = (
        await session.exec(
            select(Release, Occurrence, Event)
            .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(col(Release.id) == release_id)
        )
    ).first()
    return ReleaseContext(*row) if row is not None else None


async def ordered_candidates(
    session: AsyncSession, context: ReleaseContext, *, zone: tzinfo
) -> list[int]:
    """The eligible stand-ins' delegate ids, in the order they are asked."""
    return order_candidates(await candidates(session, context, zone=zone))


async def candidates(
    session: AsyncSession, context: ReleaseContext, *, zone: tzinfo
) -> list[Candidate]:
    """Every other pool delegate of the event, with what decides whether they are asked."""
    pool = context.pool
    occurrence = context.occurrence
    found = (
        await session.exec(
            select(Delegate).where(col(Delegate.code).in_(pool), col(Delegate.active).is_(True))
        )
    ).all()
    # Whoever gave up a place at this occurrence is not asked to take one back.
    gave_up = set(
        (
            await session.exec(
                select(Release.delegate_id).where(
                    col(Release.occurrence_id) == context.release.occurrence_id
                )
            )
        ).all()
    )
    by_code = {d.code: d for d in found if d.id not in gave_up}
    ids = [d.id for d in by_code.values() if d.id is not None]
    if not ids:
        return []
    day = occurrence.starts_at.astimezone(zone).date()
    away = set(
        (
            await session.exec(
                select(Absence.delegate_id).where(
                    col(Absence.delegate_id).in_(ids),
                    col(Absence.withdrawn_at).is_(None),
                    col(Absence.starts_on) <= day,
                    col(Absence.ends_on) >= day,
                )
            )
        ).all()
    )
    busy = await _busy(session, ids, occurrence)
    loads = await _quarter_loads(session, ids, Quarter.containing(day), zone)
    return [
        Candidate(
            delegate_id=delegate.id,
            pool_index=index,
            linked=delegate.telegram_user_id is not None,
            reachable=delegate.reachable,
            away=delegate.id in away,
            busy=delegate.id in busy,
            quarter_load=loads.get(delegate.id, 0),
        )
        for index, code in enumerate(pool)
        if (delegate := by_code.get(code)) is not None and delegate.id is not None
    ]


async def _busy(session: AsyncSession, ids: Sequence[int], occurrence: Occurrence) -> set[int]:
    """Delegates with an active assignment overlapping ``occurrence`` (this one included)."""
    start = occurrence.starts_at
    rows = (
        await session.exec(
            select(Assignment.delegate_id, Occurrence.starts_at, Occurrence.ends_at)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .where(
                col(Assignment.delegate_id).in_(list(ids)),
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                # Duties last hours, not days: a window of a day each side is enough.
                col(Occurrence.starts_at) < (occurrence.ends_at or start) + _DAY,
                col(Occurrence.starts_at) > start - _DAY,
            )
        )
    ).all()
    return {
        delegate_id
        for delegate_id, starts_at, ends_at in rows
        if overlaps(starts_at, ends_at, start, occurrence.ends_at)
    }


async def _quarter_loads(
    session: AsyncSession, ids: Sequence[int], quarter: Quarter, zone: tzinfo
) -> dict[int, int]:
    start, end = quarter.bounds(zone)
    rows = (
        await session.exec(
            select(Assignment.delegate_id, func.count())
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .where(
                col(Assignment.delegate_id).in_(list(ids)),
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                col(Occurrence.starts_at) >= start,
                col(Occurrence.starts_at) < end,
            )
            .group_by(col(Assignment.delegate_id))
        )
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class ReleaseView:
    """What the messages about one release say."""

    release: Release
    view: AssignmentView
    """The released assignment (the absent delegate's), in the council's local time."""
    absent_name: str
    taker_name: str | None
    offers: dict[int, str]
    """Offer statuses by delegate id."""
    candidates: tuple[tuple[int, str, str], ...] = ()
    """For the office: (delegate id, code, name) of who may still be chosen."""


async def release_views(
    *, session: AsyncSession, release_ids: Sequence[int], zone: tzinfo, with_candidates: bool
) -> dict[int, ReleaseView]:
    found: dict[int, ReleaseView] = {}
    for release_id in release_ids:
        context = await release_context(session, release_id)
        if context is None:
            continue
        release = context.release
        views = await assignments_by_id(session=session, ids=[release.assignment_id], zone=zone)
        view = views.get(release.assignment_id)
        absent = await session.get(Delegate, release.delegate_id)
        if view is None or absent is None:
            continue
        taker = await session.get(Delegate, release.taken_by) if release.taken_by else None
        offers = (
            await session.exec(
                select(SubstituteOffer).where(col(SubstituteOffer.release_id) == release_id)
            )
        ).all()
        statuses = {o.delegate_id: o.status for o in offers}
        chosen: tuple[tuple[int, str, str], ...] = ()
        if with_candidates:
            ordered = await ordered_candidates(session, context, zone=zone)
            ordered = [d for d in ordered if statuses.get(d) != OfferStatus.declined.value]
            people = {
                d.id: d
                for d in (
                    await session.exec(select(Delegate).where(col(Delegate.id).in_(ordered)))
                ).all()
            }
            chosen = tuple((d, people[d].code, people[d].full_name) for d in ordered[:MAX_CHOICES])
        found[release_id] = ReleaseView(
            release=release,
            view=view,
            absent_name=absent.full_name,
            taker_name=taker.full_name if taker is not None else None,
            offers=statuses,
            candidates=chosen,
        )
    return found


MAX_CHOICES = 8
"""Buttons offered to the office at most (one per candidate, fewest duties first)."""


async def open_releases(
    *,
    session: AsyncSession,
    zone: tzinfo,
    starts_from: datetime | None,
    starts_before: datetime | None,
    delegate_ids: Sequence[int] | None = None,
) -> list[AssignmentView]:
    """Released assignments nobody has taken yet (the office sees them as "xin vắng")."""
    query = (
        select(Release.assignment_id)
        .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
        .where(col(Release.taken_by).is_(None), col(Occurrence.cancelled_at).is_(None))
    )
    if starts_from is not None:
        query = query.where(col(Occurrence.starts_at) >= starts_from)
    if starts_before is not None:
        query = query.where(col(Occurrence.starts_at) < starts_before)
    if delegate_ids is not None:
        query = query.where(col(Release.delegate_id).in_(list(delegate_ids)))
    ids = list((await session.exec(query)).all())
    views = await assignments_by_id(session=session, ids=ids, zone=zone)
    return sorted(views.values(), key=lambda v: (v.starts_at, v.delegate_code))
