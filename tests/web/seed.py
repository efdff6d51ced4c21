"""Two councils with an office, delegates, a month of duties, reports and a broadcast.

Council A: office clerk (user 100), delegates A1 (user 201, unit "Xã Mỹ Lộc") and A2
(user 202, unit "Phường Hà Đông"). Council B: delegate B1 (user 301), office (user 400).
Admin: user 900. Not linked: user 999. The clock is ``NOW`` (26/11/2026 10:00 in Hà Nội).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import SessionFactory
from bot.models import (
    Assignment,
    Broadcast,
    BroadcastRecipient,
    Council,
    Delegate,
    Event,
    Occurrence,
    OutboxMessage,
    Report,
)
from tests.factories import NOW

OFFICE_A, DELEGATE_A1, DELEGATE_A2, DELEGATE_B1, OFFICE_B, ADMIN, STRANGER = (
    100, 201, 202, 301, 400, 900, 999,
)  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    council_a: int
    council_b: int
    broadcast_a: int
    broadcast_b: int


def _delegate(code: str, name: str, council: int, user: int, unit: str, role: str) -> Delegate:
    return Delegate(
        code=code, full_name=name, council_id=council, level="commune", unit=unit,
        role=role, telegram_user_id=user, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _event(council: int, key: str, kind: str, title: str) -> Event:
    return Event(
        council_id=council, key=key, kind=kind, title=title, location="Trụ sở HĐND",
        starts_at=NOW, shift="none", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _occurrence(event: Event, starts: datetime) -> Occurrence:
    assert event.id is not None
    return Occurrence(
        event_id=event.id, original_date=starts.date(), starts_at=starts,
        ends_at=starts + timedelta(hours=3), location="Phòng tiếp công dân",
    )  # fmt: skip


def _report(assignment: Assignment, occurrence: Occurrence, *, held: bool) -> Report:
    assert assignment.id is not None
    assert occurrence.id is not None
    return Report(
        assignment_id=assignment.id, occurrence_id=occurrence.id,
        delegate_id=assignment.delegate_id, held=held, reason=None if held else "postponed",
        citizens=12 if held else None, petitions=3 if held else None, forwarded=1 if held else None,
        carries_figures=held, source="bot", reported_at=NOW, updated_at=NOW,
    )  # fmt: skip


async def seed(session_factory: SessionFactory) -> Seeded:
    async with session_factory() as session, session.begin():
        a = Council(code="HDND-A", name="HĐND xã Mỹ Lộc", created_at=NOW)
        b = Council(code="HDND-B", name="HĐND phường Hà Đông", created_at=NOW)
        session.add_all([a, b])
        await session.flush()
        assert a.id is not None
        assert b.id is not None
        people = {
            "VP-A": _delegate("VP-A", "Trần Văn Văn Phòng", a.id, OFFICE_A, "", "secretary"),
            "A1": _delegate("A1", "Nguyễn Thị Hoa", a.id, DELEGATE_A1, "Xã Mỹ Lộc", "delegate"),
            "A2": _delegate("A2", "Lê Văn Bình", a.id, DELEGATE_A2, "Phường Hà Đông", "delegate"),
            "B1": _delegate("B1", "Phạm Thu Hà", b.id, DELEGATE_B1, "Phường Yết Kiêu", "delegate"),
            "VP-B": _delegate("VP-B", "Đỗ Văn Bê", b.id, OFFICE_B, "", "secretary"),
        }
        session.add_all(people.values())
        reception = _event(a.id, "tcd", "reception", "Tiếp công dân định kỳ")
        meeting = _event(a.id, "txct", "voter_meeting", "Tiếp xúc cử tri trước kỳ họp")
        reception_b = _event(b.id, "tcd-b", "reception", "Tiếp công dân phường")
        session.add_all([reception, meeting, reception_b])
        await session.flush()
        # 10/11 (ended, reported held by A1, not reported by A2), 20/11 (ended 6 days ago:
        # A2 overdue), 25/11 (yesterday: A1 still within the time to report),
        # 10/12 (upcoming), and B's reception on 10/11.
        days = {
            "nov10": _occurrence(reception, NOW - timedelta(days=16)),
            "nov20": _occurrence(meeting, NOW - timedelta(days=6)),
            "nov25": _occurrence(reception, NOW - timedelta(days=1)),
            "dec10": _occurrence(reception, NOW + timedelta(days=14)),
            "b_nov10": _occurrence(reception_b, NOW - timedelta(days=16)),
        }
        session.add_all(days.values())
        await session.flush()
        assigned = {
            (day, code): Assignment(
                occurrence_id=days[day].id, delegate_id=people[code].id, created_at=NOW
            )
            for day, code in [
                ("nov10", "A1"), ("nov10", "A2"), ("nov20", "A2"), ("nov20", "A1"),
                ("nov25", "A1"), ("dec10", "A1"), ("dec10", "A2"), ("b_nov10", "B1"),
            ]
        }  # fmt: skip
        session.add_all(assigned.values())
        await session.flush()
        session.add_all(
            [
                _report(assigned["nov10", "A1"], days["nov10"], held=True),
                _report(assigned["nov20", "A1"], days["nov20"], held=False),
                _report(assigned["b_nov10", "B1"], days["b_nov10"], held=True),
            ]
        )
        broadcast_a = await _broadcast(session, a.id, [people["A1"], people["A2"]], acked={"A1"})
        broadcast_b = await _broadcast(session, b.id, [people["B1"]], acked=set())
    return Seeded(a.id, b.id, broadcast_a, broadcast_b)


async def _broadcast(session: object, council: int, to: list[Delegate], acked: set[str]) -> int:
    from sqlmodel.ext.asyncio.session import AsyncSession

    assert isinstance(session, AsyncSession)
    broadcast = Broadcast(
        council_id=council, created_by=OFFICE_A, audience="all", status="done",
        created_at=NOW, confirmed_at=NOW - timedelta(hours=2), finished_at=NOW,
    )  # fmt: skip
    session.add(broadcast)
    await session.flush()
    assert broadcast.id is not None
    for delegate in to:
        row = OutboxMessage(
            kind="broadcast", dedupe_key=f"b{broadcast.id}:{delegate.code}",
            delegate_id=delegate.id, chat_id=delegate.telegram_user_id, due_at=NOW,
            status="sent", sent_at=NOW, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        assert delegate.id is not None
        session.add(
            BroadcastRecipient(
                broadcast_id=broadcast.id, delegate_id=delegate.id, outbox_id=row.id,
                acknowledged_at=NOW if delegate.code in acked else None,
            )
        )  # fmt: skip
    return broadcast.id


OFFICE_P, DELEGATE_P1 = 500, 501
"""The province council's office and one of its delegates (``seed_province``)."""


async def seed_province(session_factory: SessionFactory, seeded: Seeded) -> int:
    """A province council, parent of A and B (siblings), with an office, a delegate and a
    reception on 10/11 of its own."""
    async with session_factory() as session, session.begin():
        p = Council(code="HDND-P", name="HĐND tỉnh Ninh Bình", level="province", created_at=NOW)
        session.add(p)
        await session.flush()
        assert p.id is not None
        for child in (seeded.council_a, seeded.council_b):
            council = await session.get(Council, child)
            assert council is not None
            council.parent_id = p.id
        office = _delegate("VP-P", "Vũ Văn Tỉnh", p.id, OFFICE_P, "", "secretary")
        p1 = _delegate("P1", "Hoàng Thị Tỉnh", p.id, DELEGATE_P1, "Tỉnh", "delegate")
        reception = _event(p.id, "tcd-p", "reception", "Tiếp công dân tỉnh")
        session.add_all([office, p1, reception])
        await session.flush()
        day = _occurrence(reception, NOW - timedelta(days=16))
        session.add(day)
        await session.flush()
        session.add(Assignment(occurrence_id=day.id, delegate_id=p1.id, created_at=NOW))
    return p.id
