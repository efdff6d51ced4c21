"""Report targets in bulk: the assignments of a batch of report prompts, in three queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import Any

from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Assignment, Council, Delegate, Event, Occurrence, Report
from bot.services.reports.records import ReportTarget


async def report_target(
    *, session: AsyncSession, assignment_id: int, zone: tzinfo
) -> ReportTarget | None:
    """One assignment with its report and the occurrence's figures, for the report screens."""
    found = await report_targets(session=session, assignment_ids=[assignment_id], zone=zone)
    return found.get(assignment_id)


async def report_targets(
    *, session: AsyncSession, assignment_ids: Collection[int], zone: tzinfo
) -> dict[int, ReportTarget]:
    """Assignments with their reports and their occurrences' figures, by id.

    Three queries whatever the number: the assignments with their occurrence, event,
    delegate and council; the reports of their occurrences; the names of the delegates
    whose report carries an occurrence's figures.
    """
    if not assignment_ids:
        return {}
    # SQLAlchemy's select: SQLModel's is typed for at most four entities.
    query: Any = (
        sql_select(Assignment, Occurrence, Event, Delegate, Council)
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
        .outerjoin(Council, col(Council.id) == col(Event.council_id))
        .where(col(Assignment.id).in_(list(assignment_ids)))
    )
    rows = (await session.exec(query)).all()
    reports: dict[int, list[Report]] = {}
    for report in (
        await session.exec(
            select(Report)
            .where(col(Report.occurrence_id).in_({row[1].id for row in rows}))
            .order_by(col(Report.id))
        )
    ).all():
        reports.setdefault(report.occurrence_id, []).append(report)
    carriers = {
        report.delegate_id
        for found in reports.values()
        for report in found
        if report.carries_figures
    }
    names: dict[int, str] = {
        delegate_id: name
        for delegate_id, name in (
            await session.exec(
                select(Delegate.id, Delegate.full_name).where(col(Delegate.id).in_(carriers))
            )
        ).all()
        if delegate_id is not None
    }
    targets = [
        _target(*row, reports=reports.get(row[1].id or 0, []), names=names, zone=zone)
        for row in rows
    ]
    return {target.assignment_id: target for target in targets}


def _target(
    assignment: Assignment,
    occurrence: Occurrence,
    event: Event,
    delegate: Delegate,
    council: Council | None,
    *,
    reports: Sequence[Report],
    names: dict[int, str],
    zone: tzinfo,
) -> ReportTarget:
    assert assignment.id is not None
    assert occurrence.id is not None
    own = next((r for r in reports if r.assignment_id == assignment.id), None)
    carrier = next((r for r in reports if r.carries_figures), None)
    other = carrier if carrier is not None and carrier is not own else None
    return ReportTarget(
        assignment_id=assignment.id,
        occurrence_id=occurrence.id,
        delegate_id=delegate.id or 0,
        delegate_code=delegate.code,
        delegate_name=delegate.full_name,
        council_name=council.name if council is not None else "",
        unit=assignment.unit or delegate.unit,
        kind=event.kind,
        title=event.title,
        location=occurrence.location or event.location,
        starts_at=occurrence.starts_at.astimezone(zone),
        ends_at=(occurrence.ends_at or occurrence.starts_at).astimezone(zone),
        cancelled=assignment.cancelled_at is not None or occurrence.cancelled_at is not None,
        report=own,
        carrier=other,
        carrier_name=names.get(other.delegate_id, "") if other is not None else "",
    )
