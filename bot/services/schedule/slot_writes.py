"""What a schedule sync writes of the assignments: in batches, and only where a row is
still as the sync read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sql_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.models import Assignment, Occurrence
from bot.services.schedule.stored import Slot

ASSIGNMENT_TABLE = Assignment.metadata.tables["assignments"]


async def insert_fresh(
    session: AsyncSession,
    fresh: Sequence[tuple[Occurrence, tuple[int, ...]]],
    units: Mapping[int, str | None],
    now: datetime,
) -> int:
    """The new occurrences' assignments, in one batched insert (the ORM would send SQLite
    one INSERT per assignment), each with its delegate's unit of today; how many."""
    if not fresh:
        return 0
    await session.flush()
    new_assignments = [
        {
            "occurrence_id": occurrence.id,
            "delegate_id": delegate_id,
            "created_at": now,
            "unit": units.get(delegate_id),
        }
        for occurrence, members in fresh
        for delegate_id in members
    ]
    if new_assignments:
        await session.exec(insert(ASSIGNMENT_TABLE), params=new_assignments)
    return len(new_assignments)


async def write_slots(
    session: AsyncSession,
    dirty: Mapping[int, Slot],
    joined: Sequence[tuple[int, int]],
    *,
    units: Mapping[int, str | None],
    now: datetime,
) -> None:
    """The stored assignments a sync changed (``dirty``, by id), and the new members of
    stored occurrences (``joined``: occurrence and delegate ids)."""
    if dirty:
        # Only where the row is still as read: an assignment released or taken by another
        # transaction since (PostgreSQL reads each statement afresh) keeps that write.
        statement = (
            update(ASSIGNMENT_TABLE)
            .where(
                ASSIGNMENT_TABLE.c.id == bindparam("b_id"),
                ASSIGNMENT_TABLE.c.cancelled_at.is_not_distinct_from(bindparam("b_was")),
            )
            .values(cancelled_at=bindparam("b_cancelled"), changed_at=bindparam("b_changed"))
        )
        params = [
            {
                "b_id": slot.id,
                "b_was": slot.read_cancelled_at,
                "b_cancelled": slot.cancelled_at,
                "b_changed": slot.changed_at,
            }
            for slot in dirty.values()
        ]
        await session.exec(statement, params=params)
    if joined:
        await session.exec(
            insert(ASSIGNMENT_TABLE),
            params=[
                {
                    "occurrence_id": occurrence_id,
                    "delegate_id": delegate_id,
                    "created_at": now,
                    "unit": units.get(delegate_id),
                }
                for occurrence_id, delegate_id in joined
            ],
        )


async def unwritten(session: AsyncSession, dirty: Mapping[int, Slot]) -> list[Slot]:
    """The slots :func:`write_slots` left as they were, another transaction having changed
    them since they were read. Read back, not counted from the UPDATE: drivers do not all
    give an executemany's row count."""
    skipped: list[Slot] = []
    table = ASSIGNMENT_TABLE
    for ids in chunks(dirty):
        query: Any = sql_select(table.c.id, table.c.cancelled_at, table.c.changed_at).where(
            table.c.id.in_(ids)
        )
        for id_, cancelled_at, changed_at in await session.exec(query):
            slot = dirty[id_]
            if (cancelled_at, changed_at) != (slot.cancelled_at, slot.changed_at):
                skipped.append(slot)
    return skipped
