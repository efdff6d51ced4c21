"""Assignments as messages and listings need them: one delegate at one occurrence.

A view carries what the texts say: what, when and where in the council's local time,
the council's name (a person on two councils is told which one), and for a moved
occurrence what it was before the move (and why, when it was the holiday shift).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Assignment, Council, Delegate, Event, Occurrence


@dataclass(frozen=True)
class Previous:
    """An occurrence's time and place before its last move, in the council's local time."""

    starts_at: datetime
    ends_at: datetime | None
    location: str
    shifted_from: date | None = None
    """The day off the holiday shift left, when the move was that shift."""
    shift_reason: str | None = None
    """That day's name ("" when it has none, such as a weekend)."""


@dataclass(frozen=True)
class AssignmentView:
    """One delegate at one occurrence, in the council's local time."""

    assignment_id: int
    occurrence_id: int
    event_id: int
    kind: str
    title: str
    location: str
    starts_at: datetime  # aware, local zone
    ends_at: datetime | None
    delegate_id: int
    delegate_code: str
    delegate_name: str
    changed_at: datetime | None
    council_name: str = ""
    several_councils: bool = False
    """The delegate's account is linked to active delegate records of several councils."""
    previous: Previous | None = None
    """Set when this assignment's last change was the occurrence's move."""


def local_bounds(
    day_from: date | None, day_to: date | None, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """UTC instants covering the local dates ``day_from``..``day_to`` inclusive."""
    start = datetime.combine(day_from, time.min, zone).astimezone(UTC) if day_from else None
    end = (
        datetime.combine(day_to + timedelta(days=1), time.min, zone).astimezone(UTC)
        if day_to
        else None
    )
    return start, end


def _previous(assignment: Assignment, occurrence: Occurrence, zone: tzinfo) -> Previous | None:
    """What the occurrence was before the move that changed this assignment, if it did."""
    if (
        occurrence.previous_starts_at is None
        or occurrence.changed_at is None
        or assignment.changed_at != occurrence.changed_at
    ):
        return None
    return Previous(
        starts_at=occurrence.previous_starts_at.astimezone(zone),
        ends_at=(
            occurrence.previous_ends_at.astimezone(zone) if occurrence.previous_ends_at else None
        ),
        location=occurrence.previous_location or "",
        shifted_from=occurrence.shifted_from,
        shift_reason=occurrence.shift_reason,
    )


def _views(
    rows: Iterable[tuple[Assignment, Occurrence, Event, Delegate, str, int]], zone: tzinfo
) -> list[AssignmentView]:
    views = []
    for assignment, occurrence, event, delegate, council_name, councils in rows:
        assert assignment.id is not None
        assert occurrence.id is not None
        assert event.id is not None
        views.append(
            AssignmentView(
                assignment_id=assignment.id,
                occurrence_id=occurrence.id,
                event_id=event.id,
                kind=event.kind,
                title=event.title,
                location=occurrence.location,
                starts_at=occurrence.starts_at.astimezone(zone),
                ends_at=occurrence.ends_at.astimezone(zone) if occurrence.ends_at else None,
                delegate_id=assignment.delegate_id,
                delegate_code=delegate.code,
                delegate_name=delegate.full_name,
                changed_at=assignment.changed_at,
                council_name=council_name,
                several_councils=(councils or 0) > 1,
                previous=_previous(assignment, occurrence, zone),
            )
        )
    return views


def _view_query() -> Any:
    # How many councils the delegate's Telegram account holds active records in.
    other = aliased(Delegate)
    councils = (
        select(func.count(func.distinct(col(other.council_id))))
        .where(
            col(other.telegram_user_id) == col(Delegate.telegram_user_id),
            col(other.active).is_(True),
        )
        .scalar_subquery()
    )
    return (
        sql_select(Assignment, Occurrence, Event, Delegate, col(Council.name), councils)
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
        .join(Council, col(Council.id) == col(Event.council_id))
    )


async def assignments_by_id(
    *, session: AsyncSession, ids: Sequence[int], zone: tzinfo
) -> dict[int, AssignmentView]:
    """The assignments with these ids, cancelled ones included (for cancellation notices)."""
    if not ids:
        return {}
    rows = (await session.exec(_view_query().where(col(Assignment.id).in_(list(ids))))).all()
    return {view.assignment_id: view for view in _views(rows, zone)}


async def list_assignments(
    *,
    session: AsyncSession,
    zone: tzinfo,
    delegate_ids: Sequence[int] | None = None,
    council_ids: Sequence[int] | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> list[AssignmentView]:
    """Active assignments, ordered by start then delegate code."""
    query = (
        _view_query()
        .where(col(Assignment.cancelled_at).is_(None), col(Occurrence.cancelled_at).is_(None))
        .order_by(col(Occurrence.starts_at), col(Delegate.code), col(Event.title))
    )
    if delegate_ids is not None:
        query = query.where(col(Assignment.delegate_id).in_(list(delegate_ids)))
    if council_ids is not None:
        query = query.where(col(Event.council_id).in_(list(council_ids)))
    if starts_from is not None:
        query = query.where(col(Occurrence.starts_at) >= starts_from)
    if starts_before is not None:
        query = query.where(col(Occurrence.starts_at) < starts_before)
    rows = (await session.exec(query)).all()
    return _views(rows, zone)
