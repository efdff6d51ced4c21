"""Queries whose row sets grow with the data stay within asyncpg's 32,767 parameters.

PostgreSQL only: SQLite allows far more variables, so there an ``IN`` list with one
parameter per stored row does not break (issue 18, item 1). Rows are copied in bulk
(``copy_rows``), not written through the importers, to keep each test within seconds.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel import select as sqlmodel_select

from bot.cli import main
from bot.db import create_session_factory
from bot.models import (
    Assignment,
    Broadcast,
    BroadcastRecipient,
    Council,
    Delegate,
    Event,
    Invite,
    Occurrence,
)
from bot.services.broadcasts.acks import plan_due_nudges
from bot.services.delegates.invites import issue_invites
from bot.services.outbox.payloads import BroadcastPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row
from bot.services.outbox.summary import council_summaries
from bot.services.reports.records import ended_assignments
from bot.services.schedule.sync import extend_horizon
from tests.factories import NOW, copy_rows, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MANY = 33_500
_insert = copy_rows  # bulk rows by COPY, their ids in order


async def _council_and_delegate(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.begin() as connection:
        council_id = (
            await connection.execute(
                insert(Council.__table__).returning(Council.__table__.c.id),  # type: ignore[attr-defined]
                {"code": "HDND-ML", "name": "HĐND ML", "created_at": NOW},
            )
        ).scalar_one()
        delegate_id = (
            await connection.execute(
                insert(Delegate.__table__).returning(Delegate.__table__.c.id),  # type: ignore[attr-defined]
                {
                    "code": "ML-001",
                    "full_name": "Nguyễn Thị Hoa",
                    "council_id": council_id,
                    "level": "commune",
                    "role": "delegate",
                    "active": True,
                    "reachable": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                },
            )
        ).scalar_one()
    return council_id, delegate_id


def _event(council_id: int, key: str, starts_at: datetime, rule: str | None) -> dict[str, Any]:
    return {
        "council_id": council_id,
        "key": key,
        "kind": "reception",
        "title": f"Tiếp công dân {key}",
        "location": "UBND",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "recurrence": rule,
        "shift": "none",
        "pool": "ML-001",
        "created_at": NOW,
        "updated_at": NOW,
    }


async def _occurrences(
    engine: AsyncEngine, delegate_id: int, slots: list[tuple[int, date]]
) -> list[int]:
    """One occurrence per (event, day) at 08:00 local, with the delegate assigned."""
    occurrences = []
    for event_id, day in slots:
        starts = datetime(day.year, day.month, day.day, 8, tzinfo=ZONE).astimezone(UTC)
        occurrences.append(
            {
                "event_id": event_id,
                "original_date": day,
                "sequence": 0,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "location": "",
            }
        )
    ids = await _insert(engine, Occurrence.__table__, occurrences)  # type: ignore[attr-defined]
    await _insert(
        engine,
        Assignment.__table__,  # type: ignore[attr-defined]
        [
            {"occurrence_id": i, "delegate_id": delegate_id, "unit": "", "created_at": NOW}
            for i in ids
        ],
    )
    return ids


async def test_nightly_horizon_with_more_history_than_parameters(pg_engine: AsyncEngine) -> None:
    council_id, delegate_id = await _council_and_delegate(pg_engine)
    start = datetime(2026, 11, 19, 8, tzinfo=ZONE).astimezone(UTC)
    (event_id,) = await _insert(
        pg_engine,
        Event.__table__,  # type: ignore[attr-defined]
        [_event(council_id, "weekly", start, "FREQ=WEEKLY")],
    )
    # ~92 years of history before the rule's first date: never reloaded by a sync.
    first = start.astimezone(ZONE).date()
    await _occurrences(
        pg_engine, delegate_id, [(event_id, first - timedelta(days=n)) for n in range(1, MANY)]
    )
    factory = create_session_factory(pg_engine)

    counts = await in_session(factory, extend_horizon, now=NOW, zone=ZONE)

    assert counts.occurrences_created >= 17  # the next 120 days, weekly
    again = await in_session(factory, extend_horizon, now=NOW, zone=ZONE)
    assert not again.any
    async with factory() as session:
        stored = await session.exec(
            sqlmodel_select(Occurrence.original_date).where(Occurrence.event_id == event_id)
        )
        assert len(set(stored.all())) == MANY - 1 + counts.occurrences_created


async def test_missing_reports_with_more_overdue_than_parameters(pg_engine: AsyncEngine) -> None:
    council_id, delegate_id = await _council_and_delegate(pg_engine)
    events = 400
    days = 85  # within the 92-day look-back
    event_ids = await _insert(
        pg_engine,
        Event.__table__,  # type: ignore[attr-defined]
        [_event(council_id, f"e{n}", NOW - timedelta(days=100), None) for n in range(events)],
    )
    today = NOW.astimezone(ZONE).date()
    await _occurrences(
        pg_engine,
        delegate_id,
        [(e, today - timedelta(days=d)) for e in event_ids for d in range(1, days + 1)],
    )
    factory = create_session_factory(pg_engine)

    missing = await in_session(factory, ended_assignments, now=NOW, zone=ZONE)
    summaries = await in_session(
        factory, council_summaries, since=NOW - timedelta(days=1), overdue_before=NOW, zone=ZONE
    )

    assert len(missing) == events * days > 33_000
    assert not any(item.reported for item in missing)
    assert len(summaries[council_id].missing) == events * days


async def _delegates(engine: AsyncEngine, council_id: int) -> list[int]:
    """``MANY`` active delegates, not linked."""
    return await _insert(
        engine,
        Delegate.__table__,  # type: ignore[attr-defined]
        [
            {
                "code": f"ML-{n:05d}",
                "full_name": f"Đại biểu {n}",
                "council_id": council_id,
                "level": "commune",
                "role": "delegate",
                "active": True,
                "reachable": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(2, MANY + 2)
        ],
    )


async def test_nudges_for_more_unacknowledged_copies_than_parameters(
    pg_engine: AsyncEngine,
) -> None:
    council_id, _delegate_id = await _council_and_delegate(pg_engine)
    delegate_ids = await _delegates(pg_engine, council_id)
    (broadcast_id,) = await _insert(
        pg_engine,
        Broadcast.__table__,  # type: ignore[attr-defined]
        [
            {
                "council_id": council_id,
                "created_by": 1,
                "status": "done",
                "ack_deadline": NOW - timedelta(minutes=1),
                "progress_text": "",
                "created_at": NOW - timedelta(days=1),
            }
        ],
    )
    copies = [
        outbox_row(
            BroadcastPayload(broadcast=broadcast_id),
            f"{broadcast_id}:{d}",
            now=NOW,
            due_at=NOW,
            delegate_id=d,
        )
        | {"status": "sent", "sent_at": NOW - timedelta(hours=1)}
        for d in delegate_ids
    ]
    outbox_ids = await _insert(pg_engine, OUTBOX_TABLE, copies)
    await _insert(
        pg_engine,
        BroadcastRecipient.__table__,  # type: ignore[attr-defined]
        [
            {"broadcast_id": broadcast_id, "delegate_id": d, "outbox_id": o}
            for d, o in zip(delegate_ids, outbox_ids, strict=True)
        ],
    )
    factory = create_session_factory(pg_engine)

    nudged = await in_session(factory, plan_due_nudges, now=NOW)
    again = await in_session(factory, plan_due_nudges, now=NOW)

    assert (nudged, again) == (MANY, 0)


async def test_invites_for_more_unlinked_delegates_than_parameters(
    pg_engine: AsyncEngine,
) -> None:
    council_id, _delegate_id = await _council_and_delegate(pg_engine)
    await _delegates(pg_engine, council_id)
    factory = create_session_factory(pg_engine)

    first = await in_session(factory, issue_invites, now=NOW)
    second = await in_session(factory, issue_invites, now=NOW + timedelta(minutes=1))

    assert len(first) == len(second) == MANY + 1
    async with factory() as session:
        live = await session.exec(
            sqlmodel_select(Invite.id).where(col(Invite.revoked_at).is_(None))
        )
        assert len(live.all()) == MANY + 1  # the first sheet's links stopped working


async def test_reports_export_of_more_reporting_delegates_than_parameters(
    pg_engine: AsyncEngine,
    postgres_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``reports export`` bound one parameter per reporting delegate: past 32,767 asyncpg
    refused the quarter. Every delegate reports on one shared session here; the rows are
    written by the server (``generate_series``, ``INSERT … SELECT``) to keep this quick."""
    council_id, first = await _council_and_delegate(pg_engine)
    starts = datetime(2026, 10, 12, 8, tzinfo=ZONE).astimezone(UTC)
    (event_id,) = await _insert(
        pg_engine,
        Event.__table__,  # type: ignore[attr-defined]
        [_event(council_id, "shared", starts, None)],
    )
    (occurrence_id,) = await _insert(
        pg_engine,
        Occurrence.__table__,  # type: ignore[attr-defined]
        [{"event_id": event_id, "original_date": date(2026, 10, 12), "sequence": 0,
          "starts_at": starts, "ends_at": starts + timedelta(hours=2), "location": ""}],
    )  # fmt: skip
    async with pg_engine.begin() as connection:  # server-side: one statement per table
        await connection.execute(
            text(
                "INSERT INTO delegates (code, full_name, council_id, level, role, active, "
                "reachable, created_at, updated_at, unit, constituency, phone, title, "
                "standing_committee, group_name, committee, language) "
                "SELECT 'ML-' || lpad(n::text, 5, '0'), 'Đại biểu ' || n, :council, "
                "'commune', 'delegate', true, true, :now, :now, '', '', '', '', false, '', '', "
                "'vi' "
                "FROM generate_series(2, :last) AS n"
            ),
            {"council": council_id, "now": NOW, "last": MANY + 1},
        )
        await connection.execute(
            text(
                "INSERT INTO assignments (occurrence_id, delegate_id, unit, created_at) "
                "SELECT :occurrence, id, '', :now FROM delegates"
            ),
            {"occurrence": occurrence_id, "now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO reports (assignment_id, occurrence_id, delegate_id, held, note, "
                "carries_figures, source, version, reported_at, updated_at, citizens) "
                "SELECT id, occurrence_id, delegate_id, true, '', delegate_id = :first, "
                "'import', 1, :now, :now, CASE WHEN delegate_id = :first THEN 7 END "
                "FROM assignments"
            ),
            {"first": first, "now": NOW},
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", postgres_database_url)

    code = await asyncio.to_thread(
        main, ["reports", "export", "--quarter", "2026-Q4", "--out", "q4.csv"]
    )

    assert code == 0, capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "q4.csv").read_text("utf-8-sig"))))
    assert len(rows) == MANY + 1 > 32_767
    assert len({row["delegate"] for row in rows}) == MANY + 1
    assert [row["citizens"] for row in rows if row["delegate"] == "ML-001"] == ["7"]
