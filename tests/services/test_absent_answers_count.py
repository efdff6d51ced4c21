"""How many sessions ``record_absent_answers`` answered: the rows it inserted and the
ones it replaced, not every row that happens to carry the same moment (a row written
earlier in the same transaction, at the same ``now``, is not this call's)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlmodel import select

from bot.db import SessionFactory
from bot.domain.availability import Answer, AwayReason
from bot.models import Absence, Assignment, SessionAnswer
from bot.services.availability.attendance import (
    AbsentAnswer,
    record_absent_answers,
    record_answer,
)
from tests.services.test_availability import (
    NOW,
    SESSION,
    first_assignment,
    load_schedule,
)
from tests.services.test_availability import (
    people as people_fixture,
)

people = people_fixture  # the fixture, used by name


async def test_the_count_is_of_this_calls_rows_only(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, SESSION)
    b, c, d = people["ML-B"], people["ML-C"], people["ML-D"]
    mine = {x: await first_assignment(session_factory, x) for x in (b, c, d)}
    earlier = NOW - timedelta(hours=2)
    async with session_factory() as session:
        # D said «Tham dự» before the period was recorded: the call replaces that answer.
        assert await record_answer(
            session=session, assignment_id=mine[d], delegate_ids=[d], answer=Answer.attend,
            reason=None, note="", now=earlier,
        )  # fmt: skip
        periods = {}
        for x in (b, c, d):
            absence = Absence(
                delegate_id=x, starts_on=date(2026, 12, 18), ends_on=date(2026, 12, 18),
                reason=AwayReason.personal.value, note="", source="bot",
                created_at=NOW - timedelta(hours=1),
            )  # fmt: skip
            session.add(absence)
            await session.flush()
            assert absence.id is not None
            periods[x] = absence.id
        await session.commit()

    async with session_factory() as session:
        assignment = await session.get(Assignment, mine[b])
        assert assignment is not None

        def at(x: int) -> AbsentAnswer:
            return AbsentAnswer(
                assignment_id=mine[x], occurrence_id=assignment.occurrence_id, delegate_id=x,
                reason=AwayReason.personal.value, note="", absence_id=periods[x],
                recorded_at=NOW - timedelta(hours=1),
            )  # fmt: skip

        assert await record_absent_answers(session=session, answers=[at(b)], now=NOW) == 1
        # B's row was written by the call before, at the same moment: not this call's.
        counted = await record_absent_answers(
            session=session, answers=[at(b), at(c), at(d)], now=NOW
        )
        await session.commit()
        stored = {s.delegate_id: s.answer for s in (await session.exec(select(SessionAnswer)))}
    assert stored == {b: "absent", c: "absent", d: "absent"}
    assert counted == 2  # C inserted, D replaced
