"""Answers to session reminders (``Tham dự`` / ``Xin vắng``) and the office's roll call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks, insert_new
from bot.domain.availability import SESSION_KIND, Answer, AwayReason
from bot.models import Assignment, Council, Delegate, Event, Occurrence, SessionAnswer


async def record_answer(
    *,
    session: AsyncSession,
    assignment_id: int,
    delegate_ids: Collection[int] | None,
    answer: Answer,
    reason: AwayReason | None,
    note: str,
    now: datetime,
    absence_id: int | None = None,
) -> bool:
    """The delegate's answer to one session (the latest counts); ``False`` when the
    assignment is not theirs, not a session, or over."""
    row = (
        await session.exec(
            select(Assignment, Occurrence, Event)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(col(Assignment.id) == assignment_id)
        )
    ).first()
    if row is None:
        return False
    assignment, occurrence, event = row
    if delegate_ids is not None and assignment.delegate_id not in delegate_ids:
        return False
    if event.kind != SESSION_KIND or assignment.cancelled_at is not None:
        return False
    if occurrence.starts_at <= now:
        return False
    existing = (
        await session.exec(
            select(SessionAnswer).where(col(SessionAnswer.assignment_id) == assignment_id)
        )
    ).first()
    assert occurrence.id is not None
    stored = existing or SessionAnswer(
        assignment_id=assignment_id,
        occurrence_id=occurrence.id,
        delegate_id=assignment.delegate_id,
        answer=answer.value,
        answered_at=now,
    )
    stored.answer = answer.value
    stored.reason = reason.value if reason is not None else None
    stored.note = note
    stored.absence_id = absence_id
    stored.answered_at = now
    session.add(stored)
    return True


async def answers_to(
    *, session: AsyncSession, assignment_ids: Collection[int]
) -> dict[int, Answer]:
    """The answers given so far to these session assignments (``/lich`` shows them)."""
    found: dict[int, Answer] = {}
    for ids in chunks(sorted(assignment_ids)):
        rows = await session.exec(
            select(SessionAnswer.assignment_id, SessionAnswer.answer).where(
                col(SessionAnswer.assignment_id).in_(ids)
            )
        )
        found.update((assignment_id, Answer(answer)) for assignment_id, answer in rows)
    return found


ANSWERS_TABLE = SessionAnswer.metadata.tables["session_answers"]


@dataclass(frozen=True)
class AbsentAnswer:
    """A session inside an absence period: answered ``absent`` for the delegate."""

    assignment_id: int
    occurrence_id: int
    delegate_id: int
    reason: str
    note: str
    absence_id: int
    recorded_at: datetime
    """When the period was recorded: an answer the delegate gave before it gives way."""


async def record_absent_answers(
    *, session: AsyncSession, answers: Sequence[AbsentAnswer], now: datetime
) -> int:
    """``absent`` for these sessions, the latest word counting: an answer the delegate
    gave after the period was recorded is kept (they will come after all), one given
    before it is replaced. A delegate answering at this very moment is
    settled by the unique index, never by an error that would fail the caller's run.
    How many sessions were answered: the rows inserted (returned by the insert) and those
    replaced; one statement when every row is new, four otherwise."""
    if not answers:
        return 0
    values = [
        {
            "assignment_id": a.assignment_id,
            "occurrence_id": a.occurrence_id,
            "delegate_id": a.delegate_id,
            "answer": Answer.absent.value,
            "reason": a.reason,
            "note": a.note,
            "absence_id": a.absence_id,
            "answered_at": now,
        }
        for a in answers
    ]
    inserted = await insert_new(
        session, ANSWERS_TABLE, values, unique=["assignment_id"], returning=["assignment_id"]
    )
    written = {assignment_id for (assignment_id,) in inserted}
    rest = [a for a in answers if a.assignment_id not in written]
    if not rest:
        return len(written)
    # Counted, not taken from the UPDATE's row count (asyncpg reports none for a batch):
    # the rows at ``now`` of these absences, less those already there before the UPDATE
    # (written earlier in the caller's transaction, at the same moment).
    before = await _absent_at(session, rest, now)
    await _replace_earlier(session, rest, now)
    return len(written) + await _absent_at(session, rest, now) - before


async def _replace_earlier(
    session: AsyncSession, answers: Sequence[AbsentAnswer], now: datetime
) -> None:
    """An answer given before its period was recorded becomes ``absent`` (one batch)."""
    await session.exec(
        update(ANSWERS_TABLE)
        .where(
            ANSWERS_TABLE.c.assignment_id == bindparam("a_id"),
            ANSWERS_TABLE.c.answered_at < bindparam("since"),
            ANSWERS_TABLE.c.answer != Answer.absent.value,
        )
        .values(
            answer=Answer.absent.value,
            reason=bindparam("a_reason"),
            note=bindparam("a_note"),
            absence_id=bindparam("a_absence"),
            answered_at=now,
        ),
        params=[
            {
                "a_id": a.assignment_id,
                "since": a.recorded_at,
                "a_reason": a.reason,
                "a_note": a.note,
                "a_absence": a.absence_id,
            }
            for a in answers
        ],
    )


async def _absent_at(session: AsyncSession, answers: Sequence[AbsentAnswer], now: datetime) -> int:
    """How many of these answers are stored ``absent`` at ``now`` for their absence."""
    found = await session.exec(
        select(func.count()).where(
            col(SessionAnswer.assignment_id).in_([a.assignment_id for a in answers]),
            col(SessionAnswer.answered_at) == now,
            col(SessionAnswer.answer) == Answer.absent.value,
            col(SessionAnswer.absence_id).in_(sorted({a.absence_id for a in answers})),
        )
    )
    return found.one()


@dataclass(frozen=True)
class AttendanceLine:
    delegate_code: str
    delegate_name: str
    answer: Answer
    reason: str | None
    note: str
    answered_at: datetime | None


@dataclass(frozen=True)
class SessionRoll:
    """One session occurrence and every assigned delegate's answer."""

    occurrence_id: int
    council_id: int
    title: str
    council_name: str
    starts_at: datetime
    location: str
    lines: tuple[AttendanceLine, ...]

    def count(self, answer: Answer) -> int:
        return sum(1 for line in self.lines if line.answer is answer)


async def session_rolls(
    *,
    session: AsyncSession,
    zone: tzinfo,
    council_ids: Sequence[int] | None,
    starts_from: datetime,
    starts_before: datetime | None = None,
    first_only: bool = False,
) -> list[SessionRoll]:
    """The sessions starting in ``[starts_from, starts_before)`` with their answers;
    ``first_only``: the next session day's sessions only. Two statements."""
    query = (
        select(Occurrence, Event, Council)
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Council, col(Council.id) == col(Event.council_id))
        .where(
            col(Event.kind) == SESSION_KIND,
            col(Occurrence.cancelled_at).is_(None),
            col(Occurrence.starts_at) >= starts_from,
        )
        .order_by(col(Occurrence.starts_at))
    )
    if council_ids is not None:
        query = query.where(col(Event.council_id).in_(list(council_ids)))
    if starts_before is not None:
        query = query.where(col(Occurrence.starts_at) < starts_before)
    found = list((await session.exec(query.limit(50))).all())
    if first_only and found:
        day = found[0][0].starts_at.astimezone(zone).date()
        found = [f for f in found if f[0].starts_at.astimezone(zone).date() == day]
    lines = await _lines(session, [o.id for o, _event, _council in found if o.id is not None])
    return [
        SessionRoll(
            occurrence_id=occurrence.id,
            council_id=event.council_id,
            title=event.title,
            council_name=council.name,
            starts_at=occurrence.starts_at.astimezone(zone),
            location=occurrence.location,
            lines=tuple(lines.get(occurrence.id, ())),
        )
        for occurrence, event, council in found
        if occurrence.id is not None
    ]


async def _lines(
    session: AsyncSession, occurrence_ids: Sequence[int]
) -> dict[int, list[AttendanceLine]]:
    """Every active assignment's answer at these occurrences, by occurrence: one query."""
    if not occurrence_ids:
        return {}
    rows = (
        await session.exec(
            select(Assignment.occurrence_id, Delegate, SessionAnswer)
            .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
            .outerjoin(SessionAnswer, col(SessionAnswer.assignment_id) == col(Assignment.id))
            .where(
                col(Assignment.occurrence_id).in_(list(occurrence_ids)),
                col(Assignment.cancelled_at).is_(None),
            )
            .order_by(col(Delegate.code))
        )
    ).all()
    found: dict[int, list[AttendanceLine]] = defaultdict(list)
    for occurrence_id, delegate, answer in rows:
        found[occurrence_id].append(
            AttendanceLine(
                delegate_code=delegate.code,
                delegate_name=delegate.full_name,
                answer=Answer(answer.answer) if answer is not None else Answer.none,
                reason=answer.reason if answer is not None else None,
                note=answer.note if answer is not None else "",
                answered_at=answer.answered_at if answer is not None else None,
            )
        )
    return found


async def set_answer_note(
    *, session: AsyncSession, assignment_id: int, delegate_ids: Collection[int], note: str
) -> bool:
    """The text of ``Lý do khác`` for a session's ``Xin vắng``; only by its delegate."""
    answer = (
        await session.exec(
            select(SessionAnswer).where(col(SessionAnswer.assignment_id) == assignment_id)
        )
    ).first()
    if answer is None or answer.delegate_id not in delegate_ids:
        return False
    answer.note = note.strip()[:500]
    session.add(answer)
    return True
