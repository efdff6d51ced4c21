"""Past quarters for the planning benchmark: ``--history-quarters N``.

What a bot that has run for N quarters has accumulated: the imported quarter's
occurrences repeated 16 weeks apart into the past (N copies, N quarters' worth of rows;
the same events, so the re-import's reads meet them), each with the same assignments,
one report per assignment and one sent reminder per assignment in the outbox. Bulk
inserts, no ORM objects: does a re-import or a planning call slow down as history grows?
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from bench.common import Database
from bot.models import Assignment, Occurrence, OutboxMessage, Report

QUARTER = timedelta(weeks=16)
"""Between copies: more than a quarter's span, so every copy lies before the bench's
``IMPORT_NOW`` less the sync's margin (the quarter's last dates fall early in October)."""
BATCH = 20_000


async def add_history(database: Database, quarters: int) -> dict[str, int]:
    """``quarters`` past copies of every occurrence with its assignments, reports and a
    sent reminder each; returns the rows added per table."""
    added = {"occurrences": 0, "assignments": 0, "reports": 0, "outbox": 0}
    async with database.sessions() as session, session.begin():
        connection = await session.connection()
        occurrences = (
            await connection.execute(
                select(
                    col(Occurrence.id),
                    col(Occurrence.event_id),
                    col(Occurrence.original_date),
                    col(Occurrence.sequence),
                    col(Occurrence.starts_at),
                    col(Occurrence.ends_at),
                    col(Occurrence.location),
                )
            )
        ).all()
        members: dict[int, list[tuple[int, str | None]]] = {}
        for occurrence_id, delegate_id, unit in await connection.execute(
            select(col(Assignment.occurrence_id), col(Assignment.delegate_id), col(Assignment.unit))
        ):
            members.setdefault(occurrence_id, []).append((delegate_id, unit))
        for back in range(1, quarters + 1):
            shift = QUARTER * back
            for start in range(0, len(occurrences), 2_000):
                part = occurrences[start : start + 2_000]
                await _one_batch(connection, part, members, shift, added)
    return added


async def _one_batch(
    connection: Any,
    part: Any,
    members: dict[int, list[tuple[int, str | None]]],
    shift: timedelta,
    added: dict[str, int],
) -> None:
    rows = [
        {
            "event_id": event_id,
            "original_date": _shifted(original_date, shift),
            "sequence": sequence,
            "starts_at": starts_at - shift,
            "ends_at": ends_at - shift if ends_at is not None else None,
            "location": location,
        }
        for _, event_id, original_date, sequence, starts_at, ends_at, location in part
    ]
    new_ids = await _insert(connection, Occurrence, rows)
    added["occurrences"] += len(new_ids)
    assignment_rows = []
    for (old_id, *_), new_id, row in zip(part, new_ids, rows, strict=True):
        for delegate_id, unit in members.get(old_id, []):
            assignment_rows.append(
                {
                    "occurrence_id": new_id,
                    "delegate_id": delegate_id,
                    "unit": unit,
                    "created_at": row["starts_at"] - timedelta(days=30),
                    "_starts": row["starts_at"],
                }
            )
    starts = [r.pop("_starts") for r in assignment_rows]
    assignment_ids = await _insert(connection, Assignment, assignment_rows)
    added["assignments"] += len(assignment_ids)
    reports, outbox = [], []
    for id_, row, at in zip(assignment_ids, assignment_rows, starts, strict=True):
        reports.append(_report(id_, row, at))
        outbox.append(_sent_reminder(id_, row, at))
    for start in range(0, len(reports), BATCH):
        await connection.execute(insert(Report), reports[start : start + BATCH])
        await connection.execute(insert(OutboxMessage), outbox[start : start + BATCH])
    added["reports"] += len(reports)
    added["outbox"] += len(outbox)


def _shifted(day: date, shift: timedelta) -> date:
    return day - timedelta(days=shift.days)


async def _insert(connection: Any, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Rows inserted in batches; their new ids, in the rows' order."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = await connection.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + BATCH],
        )
        ids.extend(result.scalars().all())
    return ids


def _report(assignment_id: int, row: dict[str, Any], starts: datetime) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "occurrence_id": row["occurrence_id"],
        "delegate_id": row["delegate_id"],
        "held": True,
        "note": "",
        "carries_figures": False,
        "source": "bot",
        "version": 1,
        "reported_at": starts + timedelta(hours=4),
        "updated_at": starts + timedelta(hours=4),
    }


def _sent_reminder(assignment_id: int, row: dict[str, Any], starts: datetime) -> dict[str, Any]:
    due = starts - timedelta(days=1)
    return {
        "kind": "reminder",
        "dedupe_key": f"a{assignment_id}:1d:{int(starts.timestamp())}",
        "delegate_id": row["delegate_id"],
        "assignment_id": assignment_id,
        "due_at": due,
        "expires_at": starts,
        "status": "sent",
        "attempts": 1,
        "outcome_uncertain": False,
        "late": False,
        "payload": '{"lead": "1d"}',
        "priority": 0,
        "sent_at": due,
        "telegram_message_id": assignment_id,
        "created_at": due,
        "updated_at": due,
    }
