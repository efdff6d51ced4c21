"""Who may stand in for a release: the event's other pool delegates, as the rules see them.

Everything here works on many releases at once in a fixed number of statements (the
planner's tick and the dispatcher's batch see every open release together).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import (
    Candidate,
    OfferStatus,
    covers,
    is_rota,
    order_candidates,
    overlaps,
)
from bot.domain.quarters import Quarter
from bot.models import (
    Absence,
    Assignment,
    Council,
    Delegate,
    Event,
    Occurrence,
    Release,
    SubstituteOffer,
)
from bot.services.schedule.views import AssignmentView, assignments_by_id

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReleaseContext:
    """A release with its occurrence, event and council, loaded together."""

    release: Release
    occurrence: Occurrence
    event: Event
    council: Council

    @property
    def pool(self) -> list[str]:
        return [code for code in self.event.pool.split(";") if code]

    @property
    def rota(self) -> bool:
        return is_rota(self.event.per_occurrence, len(self.pool))


async def release_contexts(
    *, session: AsyncSession, release_ids: Sequence[int]
) -> dict[int, ReleaseContext]:
    """These releases with their occurrence, event and council, by release id."""
    if not release_ids:
        return {}
    rows = (
        await session.exec(
            select(Release, Occurrence, Event, Council)
            .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .join(Council, col(Council.id) == col(Event.council_id))
            .where(col(Release.id).in_(sorted(set(release_ids))))
        )
    ).all()
    return {row[0].id: ReleaseContext(*row) for row in rows if row[0].id is not None}


async def release_context(*, session: AsyncSession, release_id: int) -> ReleaseContext | None:
    return (await release_contexts(session=session, release_ids=[release_id])).get(release_id)


async def ordered_candidates(
    *, session: AsyncSession, contexts: Sequence[ReleaseContext], zone: tzinfo
) -> dict[int, list[int]]:
    """Per release id, the eligible stand-ins' delegate ids in the order they are asked."""
    found = await candidates(session=session, contexts=contexts, zone=zone)
    return {release_id: order_candidates(people) for release_id, people in found.items()}


def _local_day(context: ReleaseContext, zone: tzinfo) -> date:
    return context.occurrence.starts_at.astimezone(zone).date()


async def candidates(
    *, session: AsyncSession, contexts: Sequence[ReleaseContext], zone: tzinfo
) -> dict[int, list[Candidate]]:
    """Per release id, every other pool delegate of its event with what decides whether
    they are asked. Five statements for any number of releases."""
    contexts = [c for c in contexts if c.release.id is not None]
    if not contexts:
        return {}
    codes = sorted({code for context in contexts for code in context.pool})
    people = (
        await session.exec(
            select(Delegate).where(col(Delegate.code).in_(codes), col(Delegate.active).is_(True))
        )
    ).all()
    by_code = {d.code: d for d in people if d.id is not None}
    ids = sorted(d.id for d in by_code.values() if d.id is not None)
    if not ids:
        return {c.release.id: [] for c in contexts if c.release.id is not None}
    gave_up = await _gave_up(session, {c.release.occurrence_id for c in contexts})
    days = {c.release.id: _local_day(c, zone) for c in contexts if c.release.id is not None}
    away = await _absences(session, ids, min(days.values()), max(days.values()))
    schedules = await _schedules(session, ids, [c.occurrence for c in contexts])
    loads = await _quarter_loads(session, ids, {Quarter.containing(d) for d in days.values()}, zone)
    found: dict[int, list[Candidate]] = {}
    for context in contexts:
        release_id = context.release.id
        assert release_id is not None
        day, occurrence = days[release_id], context.occurrence
        quarter = Quarter.containing(day)
        found[release_id] = [
            Candidate(
                delegate_id=delegate.id,
                pool_index=index,
                linked=delegate.telegram_user_id is not None,
                reachable=delegate.reachable,
                away=any(covers(start, end, day) for start, end in away.get(delegate.id, ())),
                busy=any(
                    overlaps(start, end, occurrence.starts_at, occurrence.ends_at)
                    for start, end in schedules.get(delegate.id, ())
                ),
                quarter_load=loads.get((delegate.id, quarter), 0),
            )
            for index, code in enumerate(context.pool)
            if (delegate := by_code.get(code)) is not None
            and delegate.id is not None
            # Whoever gave up a place at this occurrence is not asked to take one back.
            and (context.release.occurrence_id, delegate.id) not in gave_up
        ]
    return found


async def _gave_up(session: AsyncSession, occurrence_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(occurrence, delegate) of every release at these occurrences."""
    rows = await session.exec(
        select(Release.occurrence_id, Release.delegate_id).where(
            col(Release.occurrence_id).in_(sorted(occurrence_ids))
        )
    )
    return set(rows.all())


async def _absences(
    session: AsyncSession, ids: Sequence[int], first: date, last: date
) -> dict[int, list[tuple[date, date]]]:
    """Each delegate's absence periods that touch ``first``..``last``."""
    rows = await session.exec(
        select(Absence.delegate_id, col(Absence.starts_on), col(Absence.ends_on)).where(
            col(Absence.delegate_id).in_(list(ids)),
            col(Absence.withdrawn_at).is_(None),
            col(Absence.starts_on) <= last,
            col(Absence.ends_on) >= first,
        )
    )
    found: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for delegate_id, starts_on, ends_on in rows.all():
        found[delegate_id].append((starts_on, ends_on))
    return found


def _windows(occurrences: Iterable[Occurrence]) -> list[tuple[datetime, datetime]]:
    """A day each side of each occurrence (duties last hours, not days), overlapping
    windows merged, so that the statement stays short for many releases of one week."""
    spans = sorted((o.starts_at - _DAY, (o.ends_at or o.starts_at) + _DAY) for o in occurrences)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


async def _schedules(
    session: AsyncSession, ids: Sequence[int], occurrences: Iterable[Occurrence]
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """Each delegate's active assignments near these occurrences: (start, end)."""
    windows = _windows(occurrences)
    rows = await session.exec(
        select(Assignment.delegate_id, Occurrence.starts_at, Occurrence.ends_at)
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .where(
            col(Assignment.delegate_id).in_(list(ids)),
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
            or_(
                *(
                    and_(col(Occurrence.starts_at) > start, col(Occurrence.starts_at) < end)
                    for start, end in windows
                )
            ),
        )
    )
    found: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for delegate_id, starts_at, ends_at in rows.all():
        found[delegate_id].append((starts_at, ends_at))
    return found


async def _quarter_loads(
    session: AsyncSession, ids: Sequence[int], quarters: Iterable[Quarter], zone: tzinfo
) -> dict[tuple[int, Quarter], int]:
    """Active assignments per (delegate, quarter), for these quarters: one statement."""
    ordered = sorted(quarters)
    bounds = [quarter.bounds(zone) for quarter in ordered]
    starts = col(Occurrence.starts_at)
    which = case(
        *((and_(starts >= start, starts < end), index) for index, (start, end) in enumerate(bounds))
    )
    # Grouped outside a subquery: PostgreSQL does not see two renderings of an expression
    # with parameters (``$3`` in SELECT, ``$9`` in GROUP BY) as the same expression.
    inner = (
        sql_select(col(Assignment.delegate_id).label("delegate_id"), which.label("quarter"))
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .where(
            col(Assignment.delegate_id).in_(list(ids)),
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
            or_(*(and_(starts >= start, starts < end) for start, end in bounds)),
        )
        .subquery()
    )
    connection = await session.connection()
    rows = await connection.execute(
        sql_select(inner.c.delegate_id, inner.c.quarter, func.count()).group_by(
            inner.c.delegate_id, inner.c.quarter
        )
    )
    return {(row[0], ordered[row[1]]): row[2] for row in rows}


@dataclass(frozen=True)
class ReleaseView:
    """What the messages about one release say."""

    release: Release
    view: AssignmentView
    """The released assignment (the absent delegate's), in the council's local time."""
    council: Council
    """The event's council: its office is named in the messages."""
    absent_name: str
    taker_name: str | None
    offers: dict[int, str]
    """Offer statuses by delegate id."""
    candidates: tuple[tuple[int, str, str], ...] = ()
    """For the office: (delegate id, code, name) of who may still be chosen."""


async def release_views(
    *, session: AsyncSession, release_ids: Sequence[int], zone: tzinfo, with_candidates: bool
) -> dict[int, ReleaseView]:
    """The releases as the messages tell them; a constant number of statements."""
    contexts = await release_contexts(session=session, release_ids=release_ids)
    if not contexts:
        return {}
    releases = [c.release for c in contexts.values()]
    views = await assignments_by_id(
        session=session, ids=[r.assignment_id for r in releases], zone=zone
    )
    offers = (
        await session.exec(
            select(SubstituteOffer).where(col(SubstituteOffer.release_id).in_(sorted(contexts)))
        )
    ).all()
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    for offer in offers:
        statuses[offer.release_id][offer.delegate_id] = offer.status
    ordered = (
        await ordered_candidates(session=session, contexts=list(contexts.values()), zone=zone)
        if with_candidates
        else {}
    )
    choices = {
        release_id: [
            d for d in people if statuses[release_id].get(d) != OfferStatus.declined.value
        ][:MAX_CHOICES]
        for release_id, people in ordered.items()
    }
    named = {r.delegate_id for r in releases} | {r.taken_by for r in releases if r.taken_by}
    people = await _people(session, named | {d for chosen in choices.values() for d in chosen})
    found: dict[int, ReleaseView] = {}
    for release_id, context in contexts.items():
        release = context.release
        view = views.get(release.assignment_id)
        absent = people.get(release.delegate_id)
        if view is None or absent is None:
            continue
        taker = people.get(release.taken_by) if release.taken_by else None
        found[release_id] = ReleaseView(
            release=release,
            view=view,
            council=context.council,
            absent_name=absent.full_name,
            taker_name=taker.full_name if taker is not None else None,
            offers=statuses[release_id],
            candidates=tuple(
                (d, people[d].code, people[d].full_name)
                for d in choices.get(release_id, ())
                if d in people
            ),
        )
    return found


async def _people(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, Delegate]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    found = await session.exec(select(Delegate).where(col(Delegate.id).in_(wanted)))
    return {d.id: d for d in found.all() if d.id is not None}


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
