"""Absence periods: ``/vang`` and ``delegates away``.

Every assignment inside a period is released as if the delegate had pressed
``Xin vắng`` (a session is answered ``absent`` instead), including assignments the
horizon job or a re-import plans later: the planner applies the periods on each run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import ABSENCE_RELEASES, SESSION_KIND, AwayReason
from bot.models import Absence, Assignment, Event, Occurrence
from bot.services.availability.attendance import AbsentAnswer, record_absent_answers
from bot.services.availability.releases import ReleaseRequest, SubstitutePolicy, release_many
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
    released, sessions = await _apply(session, [absence], now=now, policy=policy)
    return AbsenceResult(absence, released, sessions)


async def apply_absences(*, session: AsyncSession, now: datetime, policy: SubstitutePolicy) -> int:
    """Releases assignments planned since inside periods still running; how many. A
    constant number of statements however many periods are running."""
    today = now.astimezone(policy.zone).date()
    absences = (
        await session.exec(
            select(Absence)
            .where(col(Absence.withdrawn_at).is_(None), col(Absence.ends_on) >= today)
            .order_by(col(Absence.id))
        )
    ).all()
    released, sessions = await _apply(session, absences, now=now, policy=policy)
    return released + sessions


async def _apply(
    session: AsyncSession, absences: Sequence[Absence], *, now: datetime, policy: SubstitutePolicy
) -> tuple[int, int]:
    """Releases every active assignment inside these periods (a session is answered
    ``absent`` instead, unless its delegate answered after the period was recorded);
    (released, sessions)."""
    if not absences:
        return 0, 0
    periods: dict[int, list[tuple[datetime, datetime, Absence]]] = defaultdict(list)
    for absence in absences:
        start, end = local_bounds(absence.starts_on, absence.ends_on, policy.zone)
        assert start is not None
        assert end is not None
        periods[absence.delegate_id].append((max(now, start), end, absence))
    rows = (
        await session.exec(
            select(Assignment, col(Occurrence.starts_at), col(Event.kind))
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(
                col(Assignment.delegate_id).in_(sorted(periods)),
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                col(Occurrence.starts_at) > min(p[0] for ps in periods.values() for p in ps),
                col(Occurrence.starts_at) < max(p[1] for ps in periods.values() for p in ps),
                col(Event.kind).in_([*ABSENCE_RELEASES, SESSION_KIND]),
            )
            .order_by(col(Occurrence.starts_at), col(Assignment.id))
        )
    ).all()
    releases: list[ReleaseRequest] = []
    answers: list[tuple[Assignment, Absence]] = []
    for assignment, starts_at, kind in rows:
        assert assignment.id is not None
        found = periods[assignment.delegate_id]
        period = next((absence for s, e, absence in found if s < starts_at < e), None)
        if period is None:
            continue
        if kind == SESSION_KIND:
            answers.append((assignment, period))
            continue
        reason = AwayReason(period.reason)
        releases.append(
            ReleaseRequest(
                assignment.id,
                assignment.occurrence_id,
                assignment.delegate_id,
                reason,
                period.note,
                period.id,
            )
        )
    sessions = await record_absent_answers(
        session=session, answers=_absent_answers(answers), now=now
    )
    await release_many(session=session, requests=releases, now=now, policy=policy)
    return len(releases), sessions


def _absent_answers(answers: Sequence[tuple[Assignment, Absence]]) -> list[AbsentAnswer]:
    return [
        AbsentAnswer(
            assignment_id=assignment.id,
            occurrence_id=assignment.occurrence_id,
            delegate_id=assignment.delegate_id,
            reason=absence.reason,
            note=absence.note,
            absence_id=absence.id,
            recorded_at=absence.created_at,
        )
        for assignment, absence in answers
        if assignment.id is not None and absence.id is not None
    ]


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
