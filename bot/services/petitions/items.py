"""The register as the bot keeps it: items recorded from a report, answers, who sees what.

``citizen`` and ``summary`` are personal data (Decree 13/2023): :func:`may_see` is the
one rule that decides who reads them — the delegate who received the item and the
secretaries of its council, nobody else (not a co-attendee, not another council's
office, not an admin who is not that council's office).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.petitions import (
    DUE_SOON_DAYS,
    PetitionAction,
    PetitionSource,
    PetitionType,
    due_on,
    next_ref,
)
from bot.models import Assignment, Delegate, Event, Occurrence, OutboxMessage, Report
from bot.models.petitions import Petition
from bot.services.delegates.accounts import Identity
from bot.services.petitions import history
from bot.services.petitions.notices import queue_answer_notice
from bot.services.schedule.views import AssignmentView

DELEGATE_LIST_LIMIT = 20


def may_see(identity: Identity, petition: Petition) -> bool:
    """The receiving delegate, or the office of the item's own council (a secretary record
    there: ``OfficeReach.own``, which an admin or a parent council's office is not)."""
    if petition.delegate_id is not None and petition.delegate_id in identity.delegate_ids:
        return True
    return petition.council_id in identity.office.own


@dataclass(frozen=True)
class PendingEntry:
    """A confirmed report whose petitions (or opinions) are not all in the register yet."""

    report_id: int
    source: PetitionSource
    received_on: date
    total: int
    recorded: int


async def pending_entries(
    *, session: AsyncSession, delegate_ids: Collection[int], since: datetime, zone: tzinfo
) -> list[PendingEntry]:
    """The delegate's reports (since ``since``) with items still to record, newest first."""
    if not delegate_ids:
        return []
    reports = (
        await session.exec(
            select(Report, Occurrence)
            .join(Occurrence, col(Occurrence.id) == col(Report.occurrence_id))
            .where(
                col(Report.delegate_id).in_(list(delegate_ids)),
                col(Report.carries_figures).is_(True),
                col(Report.reported_at) >= since,
                (func.coalesce(Report.petitions, 0) > 0) | (func.coalesce(Report.opinions, 0) > 0),
            )
            .order_by(col(Report.reported_at).desc())
        )
    ).all()
    if not reports:
        return []
    counts = dict(
        (
            await session.exec(
                select(Petition.report_id, func.count())
                .where(col(Petition.report_id).in_([r.id for r, _o in reports]))
                .group_by(col(Petition.report_id))
            )
        ).all()
    )
    found = []
    for report, occurrence in reports:
        assert report.id is not None
        source = PetitionSource.voter_meeting if report.opinions else PetitionSource.reception
        total = (report.opinions if report.opinions else report.petitions) or 0
        recorded = int(counts.get(report.id, 0))
        if recorded < total:
            found.append(
                PendingEntry(
                    report.id, source, occurrence.starts_at.astimezone(zone).date(), total, recorded
                )
            )
    return found


@dataclass(frozen=True)
class NewItem:
    report_id: int
    delegate: Delegate
    source: PetitionSource
    received_on: date
    type: PetitionType
    summary: str
    action: PetitionAction
    agency: str = ""


async def record_item(
    *,
    session: AsyncSession,
    item: NewItem,
    today: date,
    answer_days: dict[str, int],
    actor: str,
    now: datetime,
) -> Petition:
    """A new register item from the delegate's report, numbered next in the council's
    register for ``today``'s year (in the caller's transaction)."""
    council_id = item.delegate.council_id
    refs = (
        await session.exec(select(Petition.ref).where(col(Petition.council_id) == council_id))
    ).all()
    forwarded = item.action is PetitionAction.forwarded
    petition = Petition(
        council_id=council_id,
        ref=next_ref(list(refs), today.year),
        source=item.source.value,
        received_on=item.received_on,
        delegate_id=item.delegate.id,
        report_id=item.report_id,
        type=item.type.value,
        summary=item.summary,
        action=item.action.value,
        agency=item.agency if forwarded else "",
        forwarded_on=today if forwarded else None,
        due_on=due_on(item.type, today, answer_days) if forwarded else None,
        created_at=now,
        updated_at=now,
    )
    await history.save(session, petition, source="bot", actor=actor, now=now, new=True)
    return petition


async def record_answer(
    *,
    session: AsyncSession,
    petition: Petition,
    answer: str,
    today: date,
    actor: str,
    now: datetime,
) -> None:
    """The agency's answer, kept with its history; the receiving delegate will be told."""
    petition.answer = answer
    petition.answered_on = today
    petition.answer_recorded_at = None  # stamped anew: "answers since the last meeting"
    await history.save(session, petition, source="bot", actor=actor, now=now, new=False)
    await queue_answer_notice(session=session, petition=petition, now=now)


async def awaited(
    *, session: AsyncSession, council_ids: Collection[int] | None, today: date
) -> list[Petition]:
    """Forwarded items with no answer that are overdue or due within ``DUE_SOON_DAYS``
    days, oldest due first; ``None``: every council."""
    query = (
        select(Petition)
        .where(
            col(Petition.due_on).is_not(None),
            col(Petition.answered_on).is_(None),
            col(Petition.due_on) <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .order_by(col(Petition.due_on), col(Petition.id))
    )
    if council_ids is not None:
        query = query.where(col(Petition.council_id).in_(list(council_ids)))
    return list((await session.exec(query)).all())


async def received_by(
    *, session: AsyncSession, delegate_ids: Collection[int], limit: int = DELEGATE_LIST_LIMIT
) -> list[Petition]:
    """The items the delegate received, newest first."""
    if not delegate_ids:
        return []
    query = (
        select(Petition)
        .where(col(Petition.delegate_id).in_(list(delegate_ids)))
        .order_by(col(Petition.received_on).desc(), col(Petition.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def answers_since(
    *,
    session: AsyncSession,
    delegate_id: int,
    since: datetime | None,
    until: datetime,
    kinds: Collection[str] = (PetitionType.opinion.value,),
) -> list[Petition]:
    """Items (by default voters' opinions) the delegate received whose answer was recorded
    in ``[since, until)``, oldest answer first."""
    query = select(Petition).where(
        col(Petition.delegate_id) == delegate_id,
        col(Petition.type).in_(list(kinds)),
        col(Petition.answer_recorded_at).is_not(None),
        col(Petition.answer_recorded_at) < until,
    )
    if since is not None:
        query = query.where(col(Petition.answer_recorded_at) >= since)
    return list((await session.exec(query.order_by(col(Petition.answered_on)))).all())


async def meeting_answers(
    *, session: AsyncSession, views: Sequence[AssignmentView]
) -> dict[int, list[Petition]]:
    """For the first reminder of each voter meeting: the answers to the delegate's voters'
    opinions recorded since their previous voter meeting, by assignment id."""
    meetings = [v for v in views if v.kind == "voter_meeting"]
    if not meetings:
        return {}
    reminded = set(
        (
            await session.exec(
                select(OutboxMessage.assignment_id).where(
                    col(OutboxMessage.kind) == "reminder",
                    col(OutboxMessage.status) == "sent",
                    col(OutboxMessage.assignment_id).in_([v.assignment_id for v in meetings]),
                )
            )
        ).all()
    )
    found: dict[int, list[Petition]] = {}
    for view in meetings:
        if view.assignment_id in reminded:
            continue  # not the first reminder: the list was given then
        previous = (
            await session.exec(
                select(func.max(Occurrence.starts_at))
                .join(Assignment, col(Assignment.occurrence_id) == col(Occurrence.id))
                .join(Event, col(Event.id) == col(Occurrence.event_id))
                .where(
                    col(Assignment.delegate_id) == view.delegate_id,
                    col(Event.kind) == "voter_meeting",
                    col(Assignment.cancelled_at).is_(None),
                    col(Occurrence.cancelled_at).is_(None),
                    col(Occurrence.starts_at) < view.starts_at,
                )
            )
        ).one()
        answers = await answers_since(
            session=session, delegate_id=view.delegate_id, since=previous, until=view.starts_at
        )
        if answers:
            found[view.assignment_id] = answers
    return found
