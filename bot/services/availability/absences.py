"""Absence periods: ``/vang`` and ``delegates away``.

Every assignment inside a period is released as if the delegate had pressed
``Xin vắng`` (a session is answered ``absent`` instead), including assignments the
horizon job or a re-import plans later: the planner applies the periods on each run.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import ABSENCE_RELEASES, SESSION_KIND, Answer, AwayReason
from bot.models import Absence, Assignment, Event, Occurrence
from bot.services.availability.attendance import record_answer
from bot.services.availability.releases import Released, SubstitutePolicy, release_assignment
from bot.services.schedule.views import local_bounds


@dataclass(frozen=True)
class AbsenceResult:
    absence: Absence
    released: int
    sessions: int


async def record_absence(
    *,
    session: AsyncSession,
    delegate_id: int,
    starts_on: date,
    ends_on: date,
    reason: AwayReason,
    note: str,
    source: str,
    now: datetime,
    policy: SubstitutePolicy,
) -> AbsenceResult:
    """Records the period and releases what falls in it (the caller commits)."""
    absence = Absence(
        delegate_id=delegate_id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.value,
        note=note,
        source=source,
        created_at=now,
    )
    session.add(absence)
    await session.flush()
    released, sessions = await _apply(session, absence, now=now, policy=policy)
    return AbsenceResult(absence, released, sessions)


async def apply_absences(*, session: AsyncSession, now: datetime, policy: SubstitutePolicy) -> int:
    """Releases assignments planned since inside periods still running; how many."""
    today = now.astimezone(policy.zone).date()
    absences = (
        await session.exec(
            select(Absence).where(
                col(Absence.withdrawn_at).is_(None), col(Absence.ends_on) >= today
            )
        )
    ).all()
    total = 0
    for absence in absences:
        released, sessions = await _apply(session, absence, now=now, policy=policy)
        total += released + sessions
    return total


async def _apply(
    session: AsyncSession, absence: Absence, *, now: datetime, policy: SubstitutePolicy
) -> tuple[int, int]:
    start, end = local_bounds(absence.starts_on, absence.ends_on, policy.zone)
    assert start is not None
    assert end is not None
    rows = (
        await session.exec(
            select(Assignment.id, Event.kind)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(
                col(Assignment.delegate_id) == absence.delegate_id,
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                col(Occurrence.starts_at) > max(now, start),
                col(Occurrence.starts_at) < end,
                col(Event.kind).in_([*ABSENCE_RELEASES, SESSION_KIND]),
            )
        )
    ).all()
    released = sessions = 0
    reason = AwayReason(absence.reason)
    for assignment_id, kind in rows:
        assert assignment_id is not None
        if kind == SESSION_KIND:
            if await record_answer(
                session=session,
                assignment_id=assignment_id,
                delegate_ids=None,
                answer=Answer.absent,
                reason=reason,
                note=absence.note,
                now=now,
                absence_id=absence.id,
                keep_existing=True,
            ):
                sessions += 1
            continue
        outcome = await release_assignment(
            session=session,
            assignment_id=assignment_id,
            delegate_ids=None,
            reason=reason,
            note=absence.note,
            now=now,
            policy=policy,
            absence_id=absence.id,
        )
        released += isinstance(outcome, Released)
    return released, sessions


async def active_absences(
    *, session: AsyncSession, delegate_ids: Collection[int], today: date
) -> list[Absence]:
    return list(
        (
            await session.exec(
                select(Absence)
                .where(
                    col(Absence.delegate_id).in_(list(delegate_ids)),
                    col(Absence.withdrawn_at).is_(None),
                    col(Absence.ends_on) >= today,
                )
                .order_by(col(Absence.starts_on))
            )
        ).all()
    )


async def withdraw_absence(
    *, session: AsyncSession, absence_id: int, delegate_ids: Collection[int], now: datetime
) -> Absence | None:
    """Ends a period early (from now on nothing more is released); what was released
    stays released, since a stand-in may have taken it."""
    absence = await session.get(Absence, absence_id)
    if absence is None or absence.delegate_id not in delegate_ids or absence.withdrawn_at:
        return None
    absence.withdrawn_at = now
    session.add(absence)
    return absence
