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

from bot.domain.webapp import AssignmentState, assignment_state
from bot.models import Report
from bot.services.reports.records import LOOKBACK, PendingItem, ended_assignments
from bot.services.schedule.views import AssignmentView, list_assignments, local_bounds

OWN_PAST = timedelta(days=62)
OWN_AHEAD = timedelta(days=120)
"""The delegate's own calendar: about two months back (reports) and four ahead."""


@dataclass(frozen=True)
class CalendarEntry:
    view: AssignmentView
    state: AssignmentState


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


async def _entries(
    session: AsyncSession, views: Sequence[AssignmentView], now: datetime
) -> list[CalendarEntry]:
    held = await _held(session, [v.assignment_id for v in views])
    return [
        CalendarEntry(
            view=view,
            state=assignment_state(
                kind=view.kind,
                ended_at=view.ends_at or view.starts_at,
                now=now,
                held=held.get(view.assignment_id),
            ),
        )
        for view in views
    ]


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
    return await _entries(session, views, now)


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
    return await _entries(session, views, now)


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
