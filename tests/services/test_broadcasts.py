"""Broadcast use-cases on a real database: audiences, one confirmation, acknowledgement
once, nudges at the deadline, counts and the XLSX."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.db import SessionFactory, create_session_factory
from bot.domain.broadcasts import FailureReason, RequestError, Target, TargetKind
from bot.models import BroadcastRecipient, Council, Delegate, OutboxMessage
from bot.services.broadcasts.acks import AckOutcome, acknowledge, plan_due_nudges
from bot.services.broadcasts.drafts import (
    cancel_draft,
    confirm_broadcast,
    create_draft,
    resolve_audience,
    resolve_council,
)
from bot.services.broadcasts.progress import (
    count_progress,
    recent_broadcasts,
    recipient_lines,
    report_xlsx,
)
from bot.services.delegates.accounts import identify
from bot.services.outbox.rows import OutboxStatus
from tests.factories import NOW, add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def roster(sessions: SessionFactory) -> dict[str, int]:
    """Council ML: 3 reachable (2 in Xã A), 1 never linked, 1 blocked, 1 inactive; NT: 1."""
    ids = {}
    for code, user, unit in [("ML-1", 101, "Xã A"), ("ML-2", 102, "Xã A"), ("ML-3", 103, "Xã B"),
                             ("ML-4", None, "Xã B"), ("ML-5", 105, "Xã B")]:  # fmt: skip
        ids[code] = (await add_delegate(sessions, code, telegram_user_id=user, unit=unit)).id
    ids["ML-6"] = (await add_delegate(sessions, "ML-6", telegram_user_id=106, active=False)).id
    ids["NT-1"] = (await add_delegate(sessions, "NT-1", council="HDND-NT", telegram_user_id=201)).id
    async with sessions() as session, session.begin():
        await session.exec(update(Delegate).where(col(Delegate.code) == "ML-5")
                           .values(reachable=False))  # fmt: skip
    return {code: value for code, value in ids.items() if value is not None}


async def council_id(sessions: SessionFactory, code: str = "HDND-ML") -> int:
    found = await in_session(sessions, resolve_council, reach=None, code=code, home=None)
    assert found is not None
    return found.id


async def draft(sessions: SessionFactory, target: Target, deadline: timedelta | None = None) -> int:
    broadcast = await in_session(
        sessions,
        create_draft,
        council_id=await council_id(sessions),
        created_by=900,
        target=target,
        source_chat_id=900,
        source_message_id=1,
        deadline=deadline,
        now=NOW,
    )
    assert broadcast.id is not None
    return broadcast.id


async def test_audiences(session_factory: SessionFactory) -> None:
    await roster(session_factory)
    ml = await council_id(session_factory)

    async def codes(target: Target) -> tuple[list[str], list[tuple[str, FailureReason]]]:
        audience = await in_session(session_factory, resolve_audience, council_id=ml, target=target)
        return [p.code for p in audience.reachable], [(p.code, r) for p, r in audience.cannot]

    assert await codes(Target(TargetKind.all)) == (
        ["ML-1", "ML-2", "ML-3"],
        [("ML-4", FailureReason.not_linked), ("ML-5", FailureReason.blocked)],
    )
    assert await codes(Target(TargetKind.unit, "xa a")) == (["ML-1", "ML-2"], [])
    assert await codes(Target(TargetKind.codes, codes=("ml-3", "ML-6"))) == (
        ["ML-3"],
        [("ML-6", FailureReason.inactive)],
    )
    with pytest.raises(RequestError) as other:
        await codes(Target(TargetKind.codes, codes=("ML-1", "NT-1")))
    with pytest.raises(RequestError) as nobody:
        await codes(Target(TargetKind.codes, codes=("ML-1", "ZZ-9")))
    assert other.value.message == nobody.value.message
    assert other.value.params == {"code": "NT-1"}
    with pytest.raises(RequestError):
        await codes(Target(TargetKind.unit, "Xã Z"))
    with pytest.raises(RequestError):
        await codes(Target(TargetKind.secretaries))  # nobody: no secretary in ML


async def test_a_secretary_sees_no_other_council(session_factory: SessionFactory) -> None:
    await roster(session_factory)
    ml = await council_id(session_factory)
    mine = frozenset({ml})
    assert await in_session(session_factory, resolve_council, reach=mine,
                            code="hdnd-nt", home=ml) is None  # fmt: skip
    found = await in_session(session_factory, resolve_council, reach=mine,
                             code=None, home=ml)  # fmt: skip
    assert found is not None
    assert found.id == ml


async def test_a_province_office_reaches_its_children_not_their_children(
    session_factory: SessionFactory,
) -> None:
    """``hđnd:`` is for "the secretaries of that council's parent": one level down, the
    council tree read once with the caller (``identify``)."""
    await add_delegate(session_factory, "P-VP", council="NB-T", level="province",
                       role="secretary", telegram_user_id=300)  # fmt: skip
    for code in ("X-1", "G-1", "Z-1"):
        await add_delegate(session_factory, code, council=f"NB-{code[0]}")
    async with session_factory() as session, session.begin():
        councils = {c.code: c for c in (await session.exec(select(Council))).all()}
        councils["NB-X"].parent_id = councils["NB-T"].id
        councils["NB-G"].parent_id = councils["NB-X"].id
        session.add_all([councils["NB-X"], councils["NB-G"]])
    caller = await in_session(session_factory, identify, telegram_user_id=300,
                              admin_ids=frozenset())  # fmt: skip
    office = caller.office
    assert office.acts_on_filter == {councils["NB-T"].id}
    for code, reached in (("NB-T", True), ("nb-x", True), ("NB-G", False), ("NB-Z", False)):
        found = await in_session(session_factory, resolve_council,
                                 reach=office.reaches_filter, code=code, home=None)  # fmt: skip
        assert (found is not None) is reached, code


async def confirm_twice_at_once(sessions: SessionFactory) -> None:
    await roster(sessions)
    broadcast_id = await draft(sessions, Target(TargetKind.all), deadline=timedelta(days=1))
    later = NOW + timedelta(minutes=10)
    results = await asyncio.gather(
        *(
            in_session(sessions, confirm_broadcast, broadcast_id=broadcast_id,
                       progress_chat_id=900, progress_message_id=2, now=later)
            for _ in range(3)
        ),
        return_exceptions=True,
    )  # fmt: skip
    confirmed = [r for r in results if r is not None and not isinstance(r, BaseException)]
    assert len(confirmed) == 1, results
    assert confirmed[0].queued == 3
    assert confirmed[0].skipped == 2
    # the deadline counts from the confirmation, not from the draft
    assert confirmed[0].broadcast.ack_deadline == later + timedelta(days=1)
    async with sessions() as session:
        assert (await session.exec(select(func.count()).select_from(OutboxMessage))).one() == 3
        recipients = (await session.exec(select(BroadcastRecipient))).all()
    assert len(recipients) == 5
    assert sum(r.outbox_id is not None for r in recipients) == 3
    assert await in_session(sessions, cancel_draft, broadcast_id=broadcast_id, now=later) is False


async def test_confirm_is_once_only_on_sqlite(session_factory: SessionFactory) -> None:
    await confirm_twice_at_once(session_factory)


async def test_confirm_is_once_only_on_postgresql(pg_engine: AsyncEngine) -> None:
    await confirm_twice_at_once(create_session_factory(pg_engine))


async def test_ack_once_nudges_at_the_deadline_and_counts(session_factory: SessionFactory) -> None:
    sessions = session_factory
    await roster(sessions)
    broadcast_id = await draft(sessions, Target(TargetKind.all), deadline=timedelta(hours=24))
    await in_session(sessions, confirm_broadcast, broadcast_id=broadcast_id,
                     progress_chat_id=900, progress_message_id=2, now=NOW)  # fmt: skip
    # ML-1 and ML-2 get their copy; ML-3's fails (blocked at send time)
    async with sessions() as session, session.begin():
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        for number, row in enumerate(rows):
            row.status = OutboxStatus.sent.value if number < 2 else OutboxStatus.failed.value
            row.telegram_message_id = 50 + number if number < 2 else None
            row.last_error = None if number < 2 else "blocked: Forbidden"
            session.add(row)
        recipients = {
            r.delegate_id: r.id for r in (await session.exec(select(BroadcastRecipient))).all()
        }
    ids = await roster_ids(sessions)
    first = recipients[ids["ML-1"]]
    assert first is not None
    ack = await in_session(sessions, acknowledge, recipient_id=first, telegram_user_id=101,
                           now=NOW + timedelta(hours=1))  # fmt: skip
    assert ack.outcome is AckOutcome.recorded
    again = await in_session(sessions, acknowledge, recipient_id=first, telegram_user_id=101,
                             now=NOW + timedelta(hours=2))  # fmt: skip
    assert again == type(again)(AckOutcome.already, NOW + timedelta(hours=1))
    stranger = await in_session(sessions, acknowledge, recipient_id=first,
                                telegram_user_id=102, now=NOW)  # fmt: skip
    assert stranger.outcome is AckOutcome.not_yours

    assert await in_session(sessions, plan_due_nudges, now=NOW + timedelta(hours=23)) == 0
    assert await in_session(sessions, plan_due_nudges, now=NOW + timedelta(hours=24)) == 1
    assert await in_session(sessions, plan_due_nudges, now=NOW + timedelta(hours=25)) == 0
    async with sessions() as session:
        nudges = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "broadcast_nudge"))
        ).all()
    assert [n.delegate_id for n in nudges] == [ids["ML-2"]]

    progress = (await in_session(sessions, count_progress, broadcast_ids=[broadcast_id]))[
        broadcast_id
    ]
    assert (progress.total, progress.delivered, progress.acknowledged, progress.pending) == (
        3, 2, 1, 0)  # fmt: skip
    assert progress.not_delivered == {
        FailureReason.blocked: 2,
        FailureReason.not_linked: 1,
    }
    (recent,) = await in_session(sessions, recent_broadcasts, council_ids=None)
    assert recent[0].id == broadcast_id

    lines = await in_session(sessions, recipient_lines, broadcast_id=broadcast_id)
    content = report_xlsx(lines, headers=[f"h{i}" for i in range(7)], state_label=str.upper,
                          zone=ZONE)  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = list(sheet.values)
    assert values[0] == tuple(f"h{i}" for i in range(7))
    assert [row[:4] for row in values[1:]] == [
        ("ML-1", "Nguyễn Thị Hoa", "Xã A", "DELIVERED"),
        ("ML-2", "Nguyễn Thị Hoa", "Xã A", "DELIVERED"),
        ("ML-3", "Nguyễn Thị Hoa", "Xã B", "BLOCKED"),
        ("ML-4", "Nguyễn Thị Hoa", "Xã B", "NOT_LINKED"),
        ("ML-5", "Nguyễn Thị Hoa", "Xã B", "BLOCKED"),
    ]
    assert values[1][5] == "26/11/2026 11:00"  # acknowledged, local time


async def roster_ids(sessions: SessionFactory) -> dict[str, int]:
    async with sessions() as session:
        return {d.code: d.id for d in (await session.exec(select(Delegate))).all() if d.id}


async def test_a_pasted_column_of_unknown_codes_fits_one_message(
    session_factory: SessionFactory,
) -> None:
    await roster(session_factory)
    ml = await council_id(session_factory)
    pasted = tuple(f"XX-{n:04d}" for n in range(600))
    with pytest.raises(RequestError) as refused:
        await in_session(
            session_factory,
            resolve_audience,
            council_id=ml,
            target=Target(TargetKind.codes, codes=pasted),
        )
    shown = refused.value.params["code"]
    assert shown.startswith("XX-0000, XX-0001")
    assert "(+580)" in shown
    assert len(shown) < 400


async def test_a_deadline_in_quiet_hours_nudges_in_the_morning(
    session_factory: SessionFactory,
) -> None:
    from bot.domain.durations import parse_quiet_hours

    sessions = session_factory
    await roster(sessions)
    broadcast_id = await draft(sessions, Target(TargetKind.all), deadline=timedelta(hours=1))
    evening = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 21:30 local: deadline 22:30
    await in_session(sessions, confirm_broadcast, broadcast_id=broadcast_id,
                     progress_chat_id=900, progress_message_id=2, now=evening)  # fmt: skip
    async with sessions() as session, session.begin():
        for row in (await session.exec(select(OutboxMessage))).all():
            row.status, row.telegram_message_id = OutboxStatus.sent.value, 7
            session.add(row)
    deadline = evening + timedelta(hours=1)
    queued = await in_session(
        sessions,
        plan_due_nudges,
        now=deadline,
        quiet=parse_quiet_hours("21:00-07:00"),
        zone=ZONE,
    )
    assert queued == 3
    async with sessions() as session:
        nudges = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "broadcast_nudge"))
        ).all()
    assert {n.due_at.astimezone(ZONE).strftime("%d/%m %H:%M") for n in nudges} == {"02/12 07:00"}
