"""Availability services on a real database: release, offers, refusals, the first taker,
escalation, absence periods (including turns planned later), and re-import stability."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.config import Settings
from bot.db import SessionFactory
from bot.domain.availability import Answer, AwayReason, OfferStatus
from bot.models import (
    Assignment,
    Delegate,
    Occurrence,
    OutboxMessage,
    Release,
    SessionAnswer,
    SubstituteOffer,
)
from bot.services.availability.absences import apply_absences, record_absence
from bot.services.availability.attendance import record_answer
from bot.services.availability.releases import (
    Released,
    ReleaseRefusal,
    SubstitutePolicy,
    plan_substitutes,
    release_assignment,
)
from bot.services.availability.standins import (
    AssignOutcome,
    TakeOutcome,
    assign_stand_in,
    decline_offer,
    take_place,
)
from bot.services.outbox.payloads import SummaryPayload
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import LEASE, OutboxKind, OutboxStatus
from bot.services.outbox.summary import plan_summaries
from bot.services.schedule.imports import ScheduleImportResult, import_schedule
from bot.services.schedule.sync import extend_horizon
from tests.factories import add_delegate

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 10:00 local
HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
POOL = ("ML-A", "ML-B", "ML-C", "ML-D", "ML-E")
ROTA = (
    "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,"
    + ";".join(POOL)
    + ",FREQ=MONTHLY;BYMONTHDAY=10,,none,1"
)
VOTERS = (
    "voter_meeting,Tiếp xúc cử tri,2026-12-15 08:00,2026-12-15 11:00,Nhà văn hóa,HDND-ML,"
    "ML-A;ML-B,,,,"
)
POLICY = SubstitutePolicy(fanout=3, escalate_before=timedelta(days=2), zone=ZONE)


@pytest.fixture
async def people(session_factory: SessionFactory) -> dict[str, int]:
    ids = {}
    for number, code in enumerate(POOL):
        delegate = await add_delegate(
            session_factory, code, full_name=f"Đại biểu {code[-1]}", telegram_user_id=100 + number
        )
        assert delegate.id is not None
        ids[code] = delegate.id
    office = await add_delegate(
        session_factory, "ML-VP", full_name="Văn phòng", role="secretary", telegram_user_id=900
    )
    assert office.id is not None
    ids["office"] = office.id
    return ids


async def load_schedule(
    sessions: SessionFactory, tmp_path: Path, *rows: str, now: datetime = NOW
) -> ScheduleImportResult:
    path = tmp_path / "s.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    async with sessions() as session:
        result = await import_schedule(
            session=session, path=path, now=now, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    return result


async def pool_on_rota(sessions: SessionFactory, tmp_path: Path) -> dict[str, int]:
    """The pool's delegates (Telegram users 100…), and the rota loaded: their ids by code."""
    ids = {}
    for number, code in enumerate(POOL):
        delegate = await add_delegate(sessions, code, telegram_user_id=100 + number)
        assert delegate.id is not None
        ids[code] = delegate.id
    await load_schedule(sessions, tmp_path, ROTA)
    return ids


async def first_assignment(sessions: SessionFactory, delegate_id: int, title: str = "") -> int:
    async with sessions() as session:
        found = (
            await session.exec(
                select(Assignment.id)
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .where(col(Assignment.delegate_id) == delegate_id)
                .order_by(col(Occurrence.starts_at))
            )
        ).first()
    assert found is not None
    return found


async def release(sessions: SessionFactory, assignment_id: int, delegate_id: int) -> Release:
    async with sessions() as session:
        outcome = await release_assignment(
            session=session,
            assignment_id=assignment_id,
            delegate_ids=[delegate_id],
            reason=AwayReason.clash,
            note="",
            now=NOW,
            policy=POLICY,
        )
        assert isinstance(outcome, Released)
        await session.commit()
        return outcome.release


async def offers(sessions: SessionFactory) -> dict[int, tuple[int, str]]:
    """Delegate id → (offer id, status)."""
    async with sessions() as session:
        rows = (await session.exec(select(SubstituteOffer))).all()
    return {o.delegate_id: (o.id or 0, o.status) for o in rows}


async def outbox_of(sessions: SessionFactory, kind: OutboxKind) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind.value))
        )


async def test_release_offers_refusal_next_offer_taker(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, ROTA)
    mine = await first_assignment(session_factory, people["ML-A"])
    # Someone else's assignment cannot be released; a session kind cannot either.
    async with session_factory() as session:
        refused = await release_assignment(
            session=session, assignment_id=mine, delegate_ids=[people["ML-B"]],
            reason=AwayReason.clash, note="", now=NOW, policy=POLICY,
        )  # fmt: skip
    assert refused is ReleaseRefusal.not_yours
    await release(session_factory, mine, people["ML-A"])
    async with session_factory() as session:
        assignment = await session.get(Assignment, mine)
        assert assignment is not None
        assert assignment.cancelled_at is not None
    asked = await offers(session_factory)
    # Everyone has 0 duties in the quarter (B, C… serve later months): pool order.
    assert set(asked) == {people["ML-B"], people["ML-C"], people["ML-D"]}
    assert len(await outbox_of(session_factory, OutboxKind.substitute_offer)) == 3
    assert await outbox_of(session_factory, OutboxKind.substitute_escalation) == []

    refusal_id = asked[people["ML-C"]][0]
    async with session_factory() as session:
        result = await decline_offer(
            session=session, offer_id=refusal_id, delegate_ids=[people["ML-C"]],
            now=NOW, policy=POLICY,
        )  # fmt: skip
        await session.commit()
    assert result.outcome is TakeOutcome.declined
    asked = await offers(session_factory)
    assert asked[people["ML-E"]][1] == OfferStatus.pending.value  # the next candidate

    async with session_factory() as session:
        won = await take_place(
            session=session, offer_id=asked[people["ML-D"]][0],
            delegate_ids=[people["ML-D"]], now=NOW,
        )  # fmt: skip
        await session.commit()
    assert won.outcome is TakeOutcome.won
    async with session_factory() as session:
        late = await take_place(
            session=session, offer_id=asked[people["ML-B"]][0],
            delegate_ids=[people["ML-B"]], now=NOW,
        )  # fmt: skip
        await session.commit()
    assert late.outcome is TakeOutcome.taken
    assert late.taker is not None
    assert late.taker.code == "ML-D"
    statuses = {d: s for d, (_i, s) in (await offers(session_factory)).items()}
    assert statuses[people["ML-D"]] == "taken"
    assert statuses[people["ML-B"]] == "lost"
    assert statuses[people["ML-E"]] == "lost"
    news = await outbox_of(session_factory, OutboxKind.substitute_news)
    assert {row.delegate_id for row in news} == {people["ML-A"], people["office"]}


async def stand_in_state(sessions: SessionFactory, occurrence_of: int) -> dict[int, bool]:
    """Delegate id → active, for the assignments of the released assignment's occurrence."""
    async with sessions() as session:
        released = await session.get(Assignment, occurrence_of)
        assert released is not None
        rows = (
            await session.exec(
                select(Assignment).where(Assignment.occurrence_id == released.occurrence_id)
            )
        ).all()
    return {a.delegate_id: a.cancelled_at is None for a in rows}


async def test_reimport_and_nightly_run_keep_the_stand_in(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, ROTA)
    mine = await first_assignment(session_factory, people["ML-A"])
    await release(session_factory, mine, people["ML-A"])
    offer_id = (await offers(session_factory))[people["ML-B"]][0]
    async with session_factory() as session:
        await take_place(session=session, offer_id=offer_id, delegate_ids=[people["ML-B"]], now=NOW)
        await session.commit()
    before = await stand_in_state(session_factory, mine)
    assert before == {people["ML-A"]: False, people["ML-B"]: True}
    # The same file again (a touched row so that it is not "unchanged"), then the nightly run.
    await load_schedule(
        session_factory, tmp_path, ROTA.replace("Trụ sở xã", "Trụ sở UBND xã"),
        now=NOW + timedelta(hours=1),
    )  # fmt: skip
    async with session_factory() as session:
        await extend_horizon(session=session, now=NOW + timedelta(hours=2), zone=ZONE)
    assert await stand_in_state(session_factory, mine) == before
    # The round-robin still counts from the rule's first occurrence: B keeps January.
    async with session_factory() as session:
        january = (
            await session.exec(
                select(Delegate.code)
                .join(Assignment, col(Assignment.delegate_id) == col(Delegate.id))
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .where(col(Occurrence.original_date) == date(2027, 1, 10))
            )
        ).all()
    assert list(january) == ["ML-B"]


async def test_not_a_rota_goes_to_the_office_who_assigns(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, VOTERS)
    mine = await first_assignment(session_factory, people["ML-A"])
    released = await release(session_factory, mine, people["ML-A"])
    assert await offers(session_factory) == {}
    escalations = await outbox_of(session_factory, OutboxKind.substitute_escalation)
    assert [row.delegate_id for row in escalations] == [people["office"]]
    assert released.id is not None
    async with session_factory() as session:
        # ML-B already attends this meeting: not a candidate; ML-C is not in its list.
        outcome, _context, _chosen = await assign_stand_in(
            session=session, release_id=released.id, delegate_id=people["ML-C"],
            managed=None, actor="tg:900", now=NOW, zone=ZONE,
        )  # fmt: skip
    assert outcome is AssignOutcome.not_candidate
    async with session_factory() as session:
        outcome, _context, _chosen = await assign_stand_in(
            session=session, release_id=released.id, delegate_id=people["ML-B"],
            managed=frozenset({999}), actor="tg:900", now=NOW, zone=ZONE,
        )  # fmt: skip
    assert outcome is AssignOutcome.not_allowed


async def test_rota_escalates_inside_the_window_and_office_choice_may_be_declined(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, ROTA)
    mine = await first_assignment(session_factory, people["ML-A"])
    released = await release(session_factory, mine, people["ML-A"])
    assert released.id is not None
    late = NOW + timedelta(days=7)  # 9 Dec 10:00: less than 2 days before the reception
    async with session_factory() as session:
        await plan_outbox(session=session, policy=_reminder_policy(), now=late)
        await session.commit()
    escalations = await outbox_of(session_factory, OutboxKind.substitute_escalation)
    assert [row.delegate_id for row in escalations] == [people["office"]]
    async with session_factory() as session:
        outcome, _c, chosen = await assign_stand_in(
            session=session, release_id=released.id, delegate_id=people["ML-E"],
            managed=None, actor="tg:900", now=late, zone=ZONE,
        )  # fmt: skip
        await session.commit()
    assert outcome is AssignOutcome.assigned
    assert chosen is not None
    offer_id = (await offers(session_factory))[people["ML-E"]][0]
    async with session_factory() as session:
        result = await decline_offer(
            session=session, offer_id=offer_id, delegate_ids=[people["ML-E"]],
            now=late, policy=POLICY,
        )  # fmt: skip
        await session.commit()
    assert result.outcome is TakeOutcome.declined
    assert (await stand_in_state(session_factory, mine)).get(people["ML-E"]) is False
    escalations = await outbox_of(session_factory, OutboxKind.substitute_escalation)
    assert len(escalations) == 2  # the office is asked again


def _reminder_policy() -> ReminderPolicy:
    settings = Settings(_env_file=None, TIMEZONE="Asia/Ho_Chi_Minh")  # type: ignore[call-arg]
    return ReminderPolicy.from_settings(settings)


async def test_absence_releases_turns_planned_later(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    """An absence in May 2027: A's turn of 10 May does not exist yet (the horizon reaches
    ~31 March); the nightly run plans it, and the planner releases it."""
    await load_schedule(session_factory, tmp_path, ROTA)
    a = people["ML-A"]
    async with session_factory() as session:
        result = await record_absence(
            session=session, delegate_id=a, starts_on=date(2027, 5, 1),
            ends_on=date(2027, 5, 31), reason=AwayReason.personal, note="đi học",
            source="bot", now=NOW, policy=POLICY,
        )  # fmt: skip
        await session.commit()
    assert result.released == 0
    later = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    async with session_factory() as session:
        await extend_horizon(session=session, now=later, zone=ZONE)
    async with session_factory() as session:
        await plan_outbox(session=session, policy=_reminder_policy(), now=later)
        await session.commit()
    async with session_factory() as session:
        may = (
            await session.exec(
                select(Assignment, Occurrence)
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .where(col(Occurrence.original_date) == date(2027, 5, 10))
            )
        ).all()
        releases = (await session.exec(select(Release))).all()
    (assignment, _occurrence), *_ = may
    assert assignment.delegate_id == a
    assert assignment.cancelled_at is not None
    assert [r.note for r in releases] == ["đi học"]
    rows = await outbox_of(session_factory, OutboxKind.reminder)
    assert all(row.assignment_id != assignment.id or row.status == OutboxStatus.cancelled.value
               for row in rows)  # fmt: skip


async def test_a_stand_in_who_gives_up_is_replaced_without_asking_the_first_again(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    await load_schedule(session_factory, tmp_path, ROTA)
    mine = await first_assignment(session_factory, people["ML-A"])
    await release(session_factory, mine, people["ML-A"])
    async with session_factory() as session:
        won = await take_place(
            session=session, offer_id=(await offers(session_factory))[people["ML-B"]][0],
            delegate_ids=[people["ML-B"]], now=NOW,
        )  # fmt: skip
        await session.commit()
    assert won.context is not None
    stand_in = won.context.release.stand_in_assignment_id
    assert stand_in is not None
    await release(session_factory, stand_in, people["ML-B"])
    async with session_factory() as session:
        second = (
            await session.exec(
                select(SubstituteOffer.delegate_id)
                .join(Release, col(Release.id) == col(SubstituteOffer.release_id))
                .where(col(Release.assignment_id) == stand_in)
            )
        ).all()
    assert set(second) == {people["ML-C"], people["ML-D"], people["ML-E"]}
    # The nightly run keeps both releases: nobody is put back on the occurrence.
    async with session_factory() as session:
        await extend_horizon(session=session, now=NOW + timedelta(hours=1), zone=ZONE)
    assert await stand_in_state(session_factory, mine) == {
        people["ML-A"]: False,
        people["ML-B"]: False,
    }


SESSION = (
    "session,Kỳ họp thứ ba,2026-12-18 08:00,2026-12-18 17:00,Hội trường,HDND-ML,"
    + ";".join(POOL)
    + ",,,,"
)


async def test_the_standing_committee_gets_tomorrows_attendance_only(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    """The day before a session each linked Standing Committee member (by title) of its
    council gets a summary row limited to the attendance; not a member of another
    council without a session, not an unlinked one, not an account that already gets
    the office's whole summary (a secretary's, or an admin's)."""
    chair = await add_delegate(
        session_factory, "ML-CT", title="Chủ tịch HĐND", telegram_user_id=950
    )
    await add_delegate(session_factory, "ML-PCT", title="Phó Chủ tịch HĐND")  # not linked
    # The office's own account also holds a Standing Committee record: told once.
    await add_delegate(session_factory, "ML-UV", title="Ủy viên Thường trực", telegram_user_id=900)
    await add_delegate(
        session_factory, "MT-CT", council="HDND-MT", title="Chủ tịch HĐND", telegram_user_id=951
    )
    # An admin (by Telegram id) who is also a Vice-Chair: the admin's summary only.
    await add_delegate(session_factory, "ML-PCT2", title="Phó Chủ tịch HĐND", telegram_user_id=960)
    await load_schedule(session_factory, tmp_path, SESSION)
    async with session_factory() as session:
        await plan_summaries(
            session=session, now=datetime(2026, 12, 17, 1, tzinfo=UTC), admin_ids=frozenset({960}),
            day_key="2026-12-17", zone=ZONE, sessions_on=date(2026, 12, 18),
        )  # fmt: skip
        await session.commit()
    rows = await outbox_of(session_factory, OutboxKind.summary)
    by_key = {row.dedupe_key: row for row in rows}
    assert sorted(by_key) == [
        "admin960:2026-12-17",
        f"s{people['office']}:2026-12-17",
        f"tt{chair.id}:2026-12-17",
    ]
    standing = SummaryPayload.unpack(by_key[f"tt{chair.id}:2026-12-17"].payload)
    assert standing.attendance_only
    assert standing.sessions_on == date(2026, 12, 18)
    assert not SummaryPayload.unpack(
        by_key[f"s{people['office']}:2026-12-17"].payload
    ).attendance_only


def by_delegate(rows: list[OutboxMessage]) -> dict[int | None, OutboxMessage]:
    return {row.delegate_id: row for row in rows}


async def test_a_take_closes_the_other_offers_by_where_their_message_is(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    """An offer not sent yet is not sent; one sent is edited at once; one being sent is
    edited once its send is recorded as sent, however late (the planner's run plans it:
    an edit planned earlier would find no message id and be cancelled). One edit row per
    offer, however often it is closed or the planner runs."""
    await load_schedule(session_factory, tmp_path, ROTA)
    await release(
        session_factory, await first_assignment(session_factory, people["ML-A"]), people["ML-A"]
    )
    asked = await offers(session_factory)
    rows = by_delegate(await outbox_of(session_factory, OutboxKind.substitute_offer))

    async def mark(code: str, status: str, message_id: int | None) -> None:
        async with session_factory() as session:
            row = await session.get(OutboxMessage, rows[people[code]].id)
            assert row is not None
            row.status, row.telegram_message_id = status, message_id
            session.add(row)
            await session.commit()

    await mark("ML-B", "sending", None)
    await mark("ML-C", "sent", 77)
    # D takes the place; B's offer is in flight, C's sent; E was never asked.
    async with session_factory() as session:
        won = await take_place(
            session=session, offer_id=asked[people["ML-D"]][0],
            delegate_ids=[people["ML-D"]], now=NOW,
        )  # fmt: skip
        await session.commit()
    assert won.outcome is TakeOutcome.won
    edits = by_delegate(await outbox_of(session_factory, OutboxKind.offer_closed))
    assert set(edits) == {people["ML-C"]}
    assert edits[people["ML-C"]].due_at == NOW
    # B's send is recorded long after its lease ran out (the database was away): the
    # planner's next run edits it.
    later = NOW + 3 * LEASE
    async with session_factory() as session:
        assert await plan_substitutes(session=session, policy=POLICY, now=later) == 0
    await mark("ML-B", "sent", 78)
    for _run in range(2):
        async with session_factory() as session:
            await plan_substitutes(session=session, policy=POLICY, now=later)
            await session.commit()
    edits = by_delegate(await outbox_of(session_factory, OutboxKind.offer_closed))
    assert set(edits) == {people["ML-B"], people["ML-C"]}
    assert (edits[people["ML-B"]].due_at, edits[people["ML-B"]].status) == (later, "pending")
    # A late press on C's offer closes nothing twice.
    async with session_factory() as session:
        late = await take_place(
            session=session, offer_id=asked[people["ML-C"]][0],
            delegate_ids=[people["ML-C"]], now=NOW,
        )  # fmt: skip
        await session.commit()
    assert late.outcome is TakeOutcome.taken
    assert len(await outbox_of(session_factory, OutboxKind.offer_closed)) == 2


async def test_an_absence_replaces_an_earlier_answer_not_a_later_one(
    session_factory: SessionFactory, tmp_path: Path, people: dict[str, int]
) -> None:
    """The latest word counts: B said «Tham dự» before reporting the absence (it gives
    way); C reported the absence, then said «Tham dự» for the session (it is kept)."""
    await load_schedule(session_factory, tmp_path, SESSION)
    b, c = people["ML-B"], people["ML-C"]
    mine = {d: await first_assignment(session_factory, d) for d in (b, c)}

    async def attend(delegate_id: int, now: datetime) -> None:
        async with session_factory() as session:
            assert await record_answer(
                session=session, assignment_id=mine[delegate_id], delegate_ids=[delegate_id],
                answer=Answer.attend, reason=None, note="", now=now,
            )  # fmt: skip
            await session.commit()

    async def away(delegate_id: int, now: datetime) -> int:
        async with session_factory() as session:
            result = await record_absence(
                session=session, delegate_id=delegate_id, starts_on=date(2026, 12, 18),
                ends_on=date(2026, 12, 18), reason=AwayReason.personal, note="ốm",
                source="bot", now=now, policy=POLICY,
            )  # fmt: skip
            await session.commit()
            return result.sessions

    await attend(b, NOW)
    assert await away(b, NOW + timedelta(hours=1)) == 1
    assert await away(c, NOW) == 1
    await attend(c, NOW + timedelta(hours=1))
    async with session_factory() as session:
        await apply_absences(session=session, now=NOW + timedelta(hours=2), policy=POLICY)
        await session.commit()
        stored = {
            s.delegate_id: (s.answer, s.note) for s in (await session.exec(select(SessionAnswer)))
        }
    assert stored == {b: ("absent", "ốm"), c: ("attend", "")}
