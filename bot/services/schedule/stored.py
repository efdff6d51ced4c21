"""What a schedule sync reads of the stored schedule, as plain columns and in bounded
chunks: the occurrences from a date on, their assignments and releases, never the history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.models import Assignment, Delegate, Event, Occurrence, Release


@dataclass
class Slot:
    """A stored assignment as plain columns, not an ORM object: a re-import reads every
    future one (80,000 at 10,000 delegates) and changes few, written in one executemany."""

    id: int
    delegate_id: int
    cancelled_at: datetime | None
    changed_at: datetime | None


@dataclass
class Stored:
    """What a sync reads of the stored schedule: never the history, which only grows."""

    by_event: dict[int, dict[date, Occurrence]] = field(default_factory=lambda: defaultdict(dict))
    """Occurrences by original date: those from ``since`` on, and older ones moved later."""
    by_occurrence: dict[int, dict[int, Slot]] = field(default_factory=lambda: defaultdict(dict))
    """Those occurrences' assignments by delegate."""
    historic: set[int] = field(default_factory=set)
    """Events with an occurrence dated before ``since``: their dates before it are written."""
    delegate_ids: dict[str, int] = field(default_factory=dict)
    """Pool codes → delegate ids."""
    units: dict[int, str | None] = field(default_factory=dict)
    """Delegate id → unit, remembered by each new assignment (a later roster may change it)."""

    releases: dict[int, tuple[set[int], set[int]]] = field(default_factory=dict)
    """Per occurrence: delegates who released their place, and who stands in."""


async def load_stored(
    session: AsyncSession, events: Sequence[Event], *, since: date, now: datetime
) -> Stored:
    """The part of the events' schedule a sync may touch, read in bounded chunks (asyncpg
    takes at most 32,767 parameters, and events and history only grow)."""
    stored = Stored()
    recent = or_(col(Occurrence.original_date) >= since, col(Occurrence.starts_at) > now)
    for ids in chunks(e.id for e in events if e.id is not None):
        occurrences = await session.exec(
            select(Occurrence).where(col(Occurrence.event_id).in_(ids), recent)
        )
        for occurrence in occurrences:
            stored.by_event[occurrence.event_id][occurrence.original_date] = occurrence
        # SQLAlchemy's select: SQLModel's is typed for at most four columns.
        query: Any = (
            sql_select(
                col(Assignment.id),
                col(Assignment.occurrence_id),
                col(Assignment.delegate_id),
                col(Assignment.cancelled_at),
                col(Assignment.changed_at),
            )
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .where(col(Occurrence.event_id).in_(ids), recent)
        )
        assignments = await session.exec(query)
        for id_, occurrence_id, delegate_id, cancelled_at, changed_at in assignments:
            assert id_ is not None
            slot = Slot(id_, delegate_id, cancelled_at, changed_at)
            stored.by_occurrence[occurrence_id][delegate_id] = slot
        await _load_releases(session, stored, ids, recent)
        older = exists().where(
            col(Occurrence.event_id) == col(Event.id), col(Occurrence.original_date) < since
        )
        historic = await session.exec(select(Event.id).where(col(Event.id).in_(ids), older))
        stored.historic.update(i for i in historic if i is not None)
    codes = (code for e in events for code in e.pool.split(";") if code)
    for batch in chunks(codes):
        found = await session.exec(
            select(Delegate.code, Delegate.id, Delegate.unit).where(col(Delegate.code).in_(batch))
        )
        for code, id_, unit in found:
            if id_ is not None:
                stored.delegate_ids[code] = id_
                stored.units[id_] = unit
    return stored


async def _load_releases(
    session: AsyncSession, stored: Stored, ids: Sequence[int], recent: Any
) -> None:
    """Availability: who gave up a place at these occurrences, and who stands in."""
    releases = await session.exec(
        select(Release.occurrence_id, Release.delegate_id, Release.taken_by)
        .join(Occurrence, col(Occurrence.id) == col(Release.occurrence_id))
        .where(col(Occurrence.event_id).in_(ids), recent)
    )
    for occurrence_id, released_id, taken_by in releases:
        gone, stand_ins = stored.releases.setdefault(occurrence_id, (set(), set()))
        gone.add(released_id)
        if taken_by is not None:
            stand_ins.add(taken_by)
