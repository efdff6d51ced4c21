"""Statistics with a released turn and a stand-in, counted by hand.

Council HDND-ML, quarter 2027-Q1, a rota reception on the 10th of each month, one of
A (Xã Mỹ Lộc), B (Xã Mỹ Thành), C (Xã Mỹ Lộc) in turn; imported on 1 December 2026,
seen on 10 April 2027:

| occurrence | rota | what happened | counted |
|---|---|---|---|
| 10/01 | A | A released (clash); B stood in, held: 10 citizens, 2 petitions | B, Mỹ Thành |
| 10/02 | B | B released; nobody took it | nowhere |
| 10/03 | C | held: 4 citizens, 1 petition | C, Mỹ Lộc |

A session on 20/02 for A and C: A answered ``Xin vắng`` (illness), C did not answer; a
session's "Xin vắng" is not a release: it counts as not held, with its reason.

So reception: Xã Mỹ Lộc 1 assigned, 1 held, 4 citizens, 1 petition; Xã Mỹ Thành 1, 1,
10, 2; total 2 assigned, 2 held, 0 not held, 0 unreported, 14 citizens, 3 petitions.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.db import SessionFactory
from bot.domain.availability import Answer, AwayReason
from bot.domain.quarters import Quarter
from bot.models import Assignment, Occurrence
from bot.services.availability.attendance import record_answer
from bot.services.availability.releases import Released, release_assignment
from bot.services.availability.standins import take_place
from bot.services.stats.figures import quarterly_statistics
from bot.services.stats.output import csv_bytes
from tests.factories import add_delegate
from tests.services.test_availability import HEADER, POLICY, offers
from tests.services.test_stats import _report

IMPORTED_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
SEEN_AT = datetime(2027, 4, 10, 3, 0, tzinfo=UTC)
ROTA = (
    "reception,Tiếp công dân,2027-01-10 07:30,2027-01-10 11:00,Trụ sở xã,HDND-ML,"
    "ML-A;ML-B;ML-C,FREQ=MONTHLY;BYMONTHDAY=10,2027-03-31,none,1"
)
SESSION = (
    "session,Kỳ họp chuyên đề,2027-02-20 08:00,2027-02-20 11:00,Hội trường,HDND-ML,ML-A;ML-C,,,,"
)


async def _occurrence_assignment(
    sessions: SessionFactory, day: date, delegate_id: int
) -> tuple[Assignment, Occurrence]:
    async with sessions() as session:
        row = (
            await session.exec(
                select(Assignment, Occurrence)
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .where(
                    col(Occurrence.original_date) == day, col(Assignment.delegate_id) == delegate_id
                )
            )
        ).one()
    return row[0], row[1]


async def _release(sessions: SessionFactory, assignment: Assignment) -> None:
    assert assignment.id is not None
    async with sessions() as session:
        outcome = await release_assignment(
            session=session, assignment_id=assignment.id, delegate_ids=None,
            reason=AwayReason.clash, note="", now=IMPORTED_AT + timedelta(days=1), policy=POLICY,
        )  # fmt: skip
        assert isinstance(outcome, Released)
        await session.commit()


async def test_released_turn_and_stand_in_in_the_quarter(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    from bot.services.schedule.imports import import_schedule

    ids = {}
    for number, (code, unit) in enumerate(
        (("ML-A", "Xã Mỹ Lộc"), ("ML-B", "Xã Mỹ Thành"), ("ML-C", "Xã Mỹ Lộc"))
    ):
        delegate = await add_delegate(
            session_factory, code, unit=unit, telegram_user_id=300 + number
        )
        assert delegate.id is not None
        ids[code] = delegate.id
    path = tmp_path / "s.csv"
    path.write_text(f"{HEADER}\n{ROTA}\n{SESSION}\n", encoding="utf-8")
    async with session_factory() as session:
        result = await import_schedule(
            session=session, path=path, now=IMPORTED_AT, zone=POLICY.zone, dry_run=False
        )
    assert result.problems == []
    january, _ = await _occurrence_assignment(session_factory, date(2027, 1, 10), ids["ML-A"])
    await _release(session_factory, january)
    async with session_factory() as session:
        taken = await take_place(
            session=session, offer_id=(await offers(session_factory))[ids["ML-B"]][0],
            delegate_ids=[ids["ML-B"]], now=IMPORTED_AT + timedelta(days=1),
        )  # fmt: skip
        await session.commit()
    assert taken.taker is not None
    february, _ = await _occurrence_assignment(session_factory, date(2027, 2, 10), ids["ML-B"])
    await _release(session_factory, february)
    stand_in = await _occurrence_assignment(session_factory, date(2027, 1, 10), ids["ML-B"])
    march = await _occurrence_assignment(session_factory, date(2027, 3, 10), ids["ML-C"])
    meeting, _ = await _occurrence_assignment(session_factory, date(2027, 2, 20), ids["ML-A"])
    assert meeting.id is not None
    async with session_factory() as session:
        assert await record_answer(
            session=session, assignment_id=meeting.id, delegate_ids=[ids["ML-A"]],
            answer=Answer.absent, reason=AwayReason.personal, note="",
            now=IMPORTED_AT + timedelta(days=1),
        )  # fmt: skip
        await session.commit()
    async with session_factory() as session, session.begin():
        session.add(_report(*stand_in, True, None, True, (10, 2, 0, None, None)))
        session.add(_report(*march, True, None, True, (4, 1, 0, None, None)))
    async with session_factory() as session:
        stats = await quarterly_statistics(
            session=session, quarter=Quarter(2027, 1), zone=POLICY.zone, now=SEEN_AT
        )
    rows = list(csv.reader(io.StringIO(csv_bytes(stats).decode("utf-8-sig"))))
    header = rows[0]
    receptions = [row[:8] for row in rows[1:] if row[1] == "reception"]
    assert receptions == [
        ["Xã Mỹ Lộc", "reception", "1", "1", "0", "0", "4", "1"],
        ["Xã Mỹ Thành", "reception", "1", "1", "0", "0", "10", "2"],
        ["TOTAL", "reception", "2", "2", "0", "0", "14", "3"],
    ]
    (session_row, _total) = [dict(zip(header, row, strict=True)) for row in rows[1:]
                             if row[1] == "session"]  # fmt: skip
    assert session_row["assigned"] == "2"
    assert session_row["not_held"] == "1"
    assert session_row["not_held_personal"] == "1"
