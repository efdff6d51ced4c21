"""The Mini App's views, read with the services the bot's commands use (the same figures).

Each function takes the caller's session and the councils already checked by the web
layer; none decides who may see what.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select as sql_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import RELEASABLE_KINDS
from bot.domain.webapp import AssignmentState, assignment_state
from bot.models import Event, Occurrence, Report
from bot.models.availability import Release
from bot.services.reports.records import LOOKBACK, PendingItem, ended_assignments
from bot.services.schedule.views import (
    AssignmentView,
    assignments_by_id,
    list_assignments,
    local_bounds,
)

OWN_PAST = timedelta(days=62)
OWN_AHEAD = timedelta(days=120)
"""The delegate's own calendar: about two months back (reports) and four ahead."""


@dataclass(frozen=True)
class CalendarEntry:
    view: AssignmentView
    state: AssignmentState
    stand_in: bool = False
    """Taken in another delegate's place (``người thay``)."""
    releasable: bool = False
    """Upcoming, of a kind ``Xin vắng`` hands on, and not given up already."""


def month_bounds(month: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """UTC instants of the local month containing ``month``."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, end = local_bounds(first, last, zone)
    assert start is not None
    assert end is not None
    return start, end


async def _held(session: AsyncSession, assignment_ids: Sequence[int]) -> dict[int, bool]:
    """Each reported assignment's answer (held or not); in chunks, to stay under the
    drivers' parameter limits however full the month is."""
    found: dict[int, bool] = {}
    for start in range(0, len(assignment_ids), 1000):
        chunk = list(assignment_ids[start : start + 1000])
        rows = (
            await session.exec(
                sql_select(col(Report.assignment_id), col(Report.held)).where(  # type: ignore[call-overload]
                    col(Report.assignment_id).in_(chunk)
                )
            )
        ).all()
        found.update({int(a): bool(h) for a, h in rows})
    return found


async def _stand_ins(session: AsyncSession, assignment_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(assignment_ids), 1000):
        chunk = list(assignment_ids[start : start + 1000])
        query = sql_select(col(Release.stand_in_assignment_id)).where(
            col(Release.stand_in_assignment_id).in_(chunk)
        )
        found.update(int(a) for (a,) in (await session.exec(query)).all())  # type: ignore[call-overload]
    return found


async def _released(
    session: AsyncSession,
    zone: tzinfo,
    start: datetime,
    end: datetime,
    *,
    delegate_ids: Sequence[int] | None = None,
    council_ids: Collection[int] | None = None,
) -> list[AssignmentView]:
    """The duties given up (``Xin vắng``) in the window: their assignments are cancelled,
    so the active list does not hold them; a cancelled occurrence shows nothing."""
    query = (
        sql_select(col(Release.assignment_id))
        .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .where(
            col(Occurrence.cancelled_at).is_(None),
            col(Occurrence.starts_at) >= start,
            col(Occurrence.starts_at) < end,
        )
    )
    if delegate_ids is not None:
        query = query.where(col(Release.delegate_id).in_(list(delegate_ids)))
    if council_ids is not None:
        query = query.where(col(Event.council_id).in_(list(council_ids)))
    ids = [int(a) for (a,) in (await session.exec(query)).all()]  # type: ignore[call-overload]
    return list((await assignments_by_id(session=session, ids=ids, zone=zone)).values())


async def _entries(
    session: AsyncSession,
    views: Sequence[AssignmentView],
    released: Sequence[AssignmentView],
    now: datetime,
) -> list[CalendarEntry]:
    active = {v.assignment_id for v in views}
    gone = [v for v in released if v.assignment_id not in active]  # a withdrawn absence
    held = await _held(session, [v.assignment_id for v in views])
    stand_ins = await _stand_ins(session, [v.assignment_id for v in views])
    entries = []
    for view in [*views, *gone]:
        is_released = view.assignment_id not in active
        state = assignment_state(
            kind=view.kind,
            ended_at=view.ends_at or view.starts_at,
            now=now,
            held=held.get(view.assignment_id),
            released=is_released,
            stand_in=view.assignment_id in stand_ins,
        )
        releasable = not is_released and view.kind in RELEASABLE_KINDS and view.starts_at > now
        entries.append(CalendarEntry(view, state, view.assignment_id in stand_ins, releasable))
    entries.sort(key=lambda e: (e.view.starts_at, e.view.delegate_code, e.view.title))
    return entries


async def council_month(
    *,
    session: AsyncSession,
    council_ids: Collection[int],
    month: date,
    zone: tzinfo,
    now: datetime,
) -> list[CalendarEntry]:
    """Every assignment of these councils in the month, with its state."""
    start, end = month_bounds(month, zone)
    views = await list_assignments(
        session=session,
        zone=zone,
        council_ids=sorted(council_ids),
        starts_from=start,
        starts_before=end,
    )
    released = await _released(session, zone, start, end, council_ids=council_ids)
    return await _entries(session, views, released, now)


async def own_calendar(
    *, session: AsyncSession, delegate_ids: Sequence[int], zone: tzinfo, now: datetime
) -> list[CalendarEntry]:
    """A delegate's own assignments around today, with their report state."""
    if not delegate_ids:
        return []
    views = await list_assignments(
        session=session,
        zone=zone,
        delegate_ids=delegate_ids,
        starts_from=now - OWN_PAST,
        starts_before=now + OWN_AHEAD,
    )
    released = await _released(
        session, zone, now - OWN_PAST, now + OWN_AHEAD, delegate_ids=delegate_ids
    )
    return await _entries(session, views, released, now)


@dataclass(frozen=True)
class MissingEntry:
    item: PendingItem
    overdue: bool
    """Past ``REPORT_ESCALATE_AFTER``: on /chuabaocao's list and in the daily summary."""


async def missing_reports(
    *,
    session: AsyncSession,
    council_ids: Collection[int],
    now: datetime,
    zone: tzinfo,
    escalate_after: timedelta,
) -> list[MissingEntry]:
    """What /chuabaocao shows (the overdue list and those still within the time to
    report), in one list: the same query and the same window."""
    overdue_before = now - escalate_after
    items = await ended_assignments(
        session=session,
        now=now,
        zone=zone,
        council_ids=council_ids,
        since=overdue_before - LOOKBACK,
    )
    return [MissingEntry(item, item.ends_at <= overdue_before) for item in items]
