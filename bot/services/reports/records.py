"""Completion reports: saving them (with history), and finding what is still unreported.

A report belongs to one assignment (a delegate at an occurrence). Figures belong to the
occurrence: when several delegates share one, exactly one report carries them and the
others confirm attendance, so no sum counts one occurrence's citizens twice. The
latest report that gives figures carries them; a correction by a co-attendee moves
them. Every saved version is kept in ``report_versions``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import atomic
from bot.domain.report_carrier import FIGURE_FIELDS, Content, apply_report, desired
from bot.domain.reports import REPORTABLE_KINDS, Figures
from bot.models import (
    Assignment,
    Council,
    Delegate,
    Event,
    Occurrence,
    Report,
    ReportVersion,
)

CORRECTION_WINDOW = timedelta(days=7)
"""A delegate may correct their own report this long after the assignment ended."""
LOOKBACK = timedelta(days=92)
"""/baocao and the missing-reports list look back about one quarter."""


def correctable(ended_at: datetime, now: datetime) -> bool:
    """Whether a delegate may still change their report (the office may, any time, by file)."""
    return now <= ended_at + CORRECTION_WINDOW


class Source(StrEnum):
    bot = "bot"
    imported = "import"


@dataclass(frozen=True)
class ReportDraft:
    """What a delegate (or a row of a file) says about one assignment.

    ``figures`` None with ``held``: attendance only (a co-attendee, or figures kept).
    """

    held: bool
    reason: str | None = None
    figures: Figures | None = None
    note: str = ""


class SaveStatus(StrEnum):
    saved = "saved"
    unchanged = "unchanged"  # the same report again (a repeated button press)
    not_found = "not_found"  # no such assignment, or not this delegate's
    cancelled = "cancelled"
    not_started = "not_started"
    too_old = "too_old"  # past the correction window


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    version: int = 0


@dataclass(frozen=True)
class ReportTarget:
    """An assignment as the report screens show it (local times)."""

    assignment_id: int
    occurrence_id: int
    delegate_id: int
    delegate_code: str
    delegate_name: str
    council_name: str
    unit: str
    kind: str
    title: str
    location: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    report: Report | None
    carrier: Report | None
    """The occurrence's report that carries figures, when another delegate's."""
    carrier_name: str = ""


def _ended(occurrence: Occurrence) -> datetime:
    return occurrence.ends_at or occurrence.starts_at


def content_of(report: Report) -> Content:
    """The report's content, as the carrier rule and its versions see it."""
    return Content(
        held=report.held,
        reason=report.reason,
        note=report.note,
        carries_figures=report.carries_figures,
        **{name: getattr(report, name) for name in FIGURE_FIELDS},
    )


def set_content(report: Report, content: Content) -> None:
    for name, value in content.as_dict().items():
        setattr(report, name, value)


def _record_version(session: AsyncSession, report: Report, *, actor: str, now: datetime) -> None:
    assert report.id is not None
    session.add(
        ReportVersion(
            report_id=report.id,
            version=report.version,
            content=json.dumps(content_of(report).as_dict(), ensure_ascii=False, sort_keys=True),
            source=report.source,
            actor=actor,
            recorded_at=now,
        )
    )


def figures_of(report: Report) -> Figures:
    return Figures(**{name: getattr(report, name) for name in FIGURE_FIELDS}, note=report.note)


async def _occurrence_reports(session: AsyncSession, occurrence_id: int) -> list[Report]:
    return list(
        (
            await session.exec(
                select(Report)
                .where(col(Report.occurrence_id) == occurrence_id)
                .order_by(col(Report.id))
            )
        ).all()
    )


async def save_in_session(
    session: AsyncSession,
    *,
    assignment: Assignment,
    occurrence: Occurrence,
    draft: ReportDraft,
    source: Source,
    actor: str,
    now: datetime,
) -> SaveResult:
    """Writes one report inside the caller's transaction, moving figures as needed.

    One report per occurrence carries the figures (a unique index holds that even
    against a second process); the rule is :func:`bot.domain.report_carrier.apply_report`.
    Each change is flushed in the rule's order, a displaced carrier first.
    """
    assert assignment.id is not None
    assert occurrence.id is not None
    reports = {r.assignment_id: r for r in await _occurrence_reports(session, occurrence.id)}
    existing = reports.get(assignment.id)
    wanted = desired(
        held=draft.held,
        reason=draft.reason,
        figures=draft.figures,
        note=draft.note,
        existing=content_of(existing) if existing is not None else None,
    )
    contents = [(key, content_of(report)) for key, report in reports.items()]
    changes = apply_report(contents, assignment.id, wanted)
    if not changes:
        return SaveResult(SaveStatus.unchanged, existing.version if existing else 0)
    reports[assignment.id] = existing or Report(
        assignment_id=assignment.id,
        occurrence_id=occurrence.id,
        delegate_id=assignment.delegate_id,
        held=draft.held,
        source=source.value,
        version=0,
        reported_at=now,
        updated_at=now,
    )
    for key, content in changes:
        report = reports[key]
        set_content(report, content)
        if key == assignment.id:
            report.source = source.value
        await _bump(session, report, actor=actor, now=now)
    return SaveResult(SaveStatus.saved, reports[assignment.id].version)


async def _bump(session: AsyncSession, report: Report, *, actor: str, now: datetime) -> None:
    report.version += 1
    report.updated_at = now
    session.add(report)
    await session.flush()
    _record_version(session, report, actor=actor, now=now)


async def save_report(
    *,
    session: AsyncSession,
    assignment_id: int,
    delegate_ids: Collection[int],
    draft: ReportDraft,
    actor: str,
    now: datetime,
) -> SaveResult:
    """A delegate's report from the bot: only their own, started, within the correction window.

    Written atomically inside the caller's transaction (the caller commits). Two
    co-attendees confirming at the same moment can collide on the one-carrier index; the
    loser's writes are rolled back and it runs again, then sees the winner's report.
    """
    for attempt in (1, 2):
        try:
            async with atomic(session):
                return await _save_report_once(
                    session,
                    assignment_id=assignment_id,
                    delegate_ids=delegate_ids,
                    draft=draft,
                    actor=actor,
                    now=now,
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _save_report_once(
    session: AsyncSession,
    *,
    assignment_id: int,
    delegate_ids: Collection[int],
    draft: ReportDraft,
    actor: str,
    now: datetime,
) -> SaveResult:
    found = await _assignment(session, assignment_id)
    if found is None or found[0].delegate_id not in delegate_ids:
        return SaveResult(SaveStatus.not_found)
    assignment, occurrence, event = found
    if event.kind not in REPORTABLE_KINDS:
        return SaveResult(SaveStatus.not_found)
    if assignment.cancelled_at is not None or occurrence.cancelled_at is not None:
        return SaveResult(SaveStatus.cancelled)
    if occurrence.starts_at > now:
        return SaveResult(SaveStatus.not_started)
    existing = (
        await session.exec(select(Report).where(col(Report.assignment_id) == assignment_id))
    ).first()
    if existing is not None and not correctable(_ended(occurrence), now):
        return SaveResult(SaveStatus.too_old)
    return await save_in_session(
        session,
        assignment=assignment,
        occurrence=occurrence,
        draft=draft,
        source=Source.bot,
        actor=actor,
        now=now,
    )


async def _assignment(
    session: AsyncSession, assignment_id: int
) -> tuple[Assignment, Occurrence, Event] | None:
    row = (
        await session.exec(
            select(Assignment, Occurrence, Event)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(col(Assignment.id) == assignment_id)
        )
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


@dataclass(frozen=True)
class PendingItem:
    """An ended assignment in a list: unreported, or reported and still correctable."""

    assignment_id: int
    council_id: int
    council_name: str
    unit: str
    delegate_code: str
    delegate_name: str
    kind: str
    title: str
    location: str
    starts_at: datetime
    ends_at: datetime
    reported: bool


async def ended_assignments(
    *,
    session: AsyncSession,
    now: datetime,
    zone: tzinfo,
    delegate_ids: Sequence[int] | None = None,
    council_ids: Collection[int] | None = None,
    ended_before: datetime | None = None,
    since: datetime | None = None,
    reported: bool | None = False,
    limit: int | None = None,
) -> list[PendingItem]:
    """Ended, reportable, not cancelled assignments, most recent first.

    ``reported`` False: without a report (the missing list); True: with one; None: both.
    """
    ended = func.coalesce(col(Occurrence.ends_at), col(Occurrence.starts_at))
    query = (
        sql_select(Assignment, Occurrence, Event, Delegate, col(Report.id))
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
        .outerjoin(Report, col(Report.assignment_id) == col(Assignment.id))
        .where(
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
            col(Event.kind).in_(sorted(REPORTABLE_KINDS)),
            ended <= (ended_before or now),
            ended > (since or now - LOOKBACK),
        )
        .order_by(col(Occurrence.starts_at).desc(), col(Delegate.code))
    )
    if reported is not None:
        query = query.where(col(Report.id).is_not(None) if reported else col(Report.id).is_(None))
    if delegate_ids is not None:
        query = query.where(col(Assignment.delegate_id).in_(list(delegate_ids)))
    if council_ids is not None:
        query = query.where(col(Event.council_id).in_(list(council_ids)))
    if limit is not None:
        query = query.limit(limit)
    # SQLModel's overloads stop at four entities; the rows are these five.
    rows: Sequence[tuple[Assignment, Occurrence, Event, Delegate, int | None]]
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    councils = {c.id: c.name for c in (await session.exec(select(Council))).all()}
    return [_pending(row, councils, zone) for row in rows]


def _pending(
    row: tuple[Assignment, Occurrence, Event, Delegate, int | None],
    councils: dict[int | None, str],
    zone: tzinfo,
) -> PendingItem:
    assignment, occurrence, event, delegate, report_id = row
    return PendingItem(
        assignment_id=assignment.id or 0,
        council_id=event.council_id,
        council_name=councils.get(event.council_id, ""),
        unit=assignment.unit or delegate.unit,
        delegate_code=delegate.code,
        delegate_name=delegate.full_name,
        kind=event.kind,
        title=event.title,
        location=occurrence.location or event.location,
        starts_at=occurrence.starts_at.astimezone(zone),
        ends_at=_ended(occurrence).astimezone(zone),
        # Read by the outer join itself: a list of ids would grow with the overdue
        # assignments, past asyncpg's 32,767 parameters.
        reported=report_id is not None,
    )


async def overdue_items(
    *,
    session: AsyncSession,
    council_ids: Collection[int] | None,
    overdue_before: datetime,
    zone: tzinfo,
) -> list[PendingItem]:
    """The overdue reports as ``/chuabaocao``, its «Nhắc báo cáo» and the daily summary
    list them: ended before ``overdue_before`` (now less ``REPORT_ESCALATE_AFTER``), within
    :data:`LOOKBACK` of it."""
    return await ended_assignments(
        session=session,
        now=overdue_before,
        zone=zone,
        council_ids=council_ids,
        ended_before=overdue_before,
        since=overdue_before - LOOKBACK,
    )
