"""What a schedule sync reads of the stored schedule, as plain columns and in bounded
chunks: the occurrences from a date on, their assignments and releases, never the history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, exists, func, or_
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
    released: bool = False
    """The delegate gave this place up (a :class:`~bot.models.Release` of theirs here)."""
    stands_in: bool = False
    """The delegate took someone's released place here (``Release.taken_by``)."""
    read_cancelled_at: datetime | None = field(init=False)
    """``cancelled_at`` as read: the sync's write applies only to a row still so (a
    ``Xin vắng`` or ``Nhận thay`` committed since is not undone)."""

    def __post_init__(self) -> None:
        self.read_cancelled_at = self.cancelled_at


@dataclass
class Stored:
    """What a sync reads of the stored schedule: never the history, which only grows."""

    by_event: dict[int, dict[date, Occurrence]] = field(default_factory=lambda: defaultdict(dict))
    """Occurrences by original date: those from ``since`` on, and older ones moved later."""
    members: dict[int, frozenset[int]] = field(default_factory=dict)
    """Per occurrence: the delegates whose assignment is not cancelled. A sync compares
    them with the rota and reads the assignments themselves (:func:`load_slots`) only
    for occurrences it changes: an unchanged re-import reads no assignment row."""
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
        recent_ids: list[int] = []
        for occurrence in occurrences:
            assert occurrence.id is not None  # read from the database
            stored.by_event[occurrence.event_id][occurrence.original_date] = occurrence
            recent_ids.append(occurrence.id)
        # By these occurrences' ids, not by a join on the events: joined, PostgreSQL
        # without fresh statistics scans every assignment, the history's included.
        await _load_members(session, stored, recent_ids)
        await _load_releases(session, stored, recent_ids)
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


async def _load_members(
    session: AsyncSession, stored: Stored, occurrence_ids: Sequence[int]
) -> None:
    """Each occurrence's active members, as one list of ids per occurrence (the database
    concatenates them: 5,660 rows for 80,000 assignments at 10,000 delegates)."""
    postgres = (await session.connection()).dialect.name == "postgresql"
    delegate = cast(col(Assignment.delegate_id), String)
    joined = func.string_agg(delegate, ",") if postgres else func.group_concat(delegate, ",")
    for ids in chunks(occurrence_ids):
        query: Any = (
            sql_select(col(Assignment.occurrence_id), joined)
            .where(col(Assignment.occurrence_id).in_(ids), col(Assignment.cancelled_at).is_(None))
            .group_by(col(Assignment.occurrence_id))
        )
        for occurrence_id, members in await session.exec(query):
            stored.members[occurrence_id] = frozenset(map(int, members.split(",")))


async def load_slots(
    session: AsyncSession, occurrence_ids: Sequence[int]
) -> dict[int, dict[int, Slot]]:
    """These occurrences' assignments (cancelled ones too), by occurrence and delegate,
    each with whether its delegate released the place or stands in.

    The releases are read in the same statement as the assignments: on PostgreSQL (read
    committed) each statement sees what was committed before it, and a ``Nhận thay``
    committed after :func:`load_stored` read the releases would otherwise show as an
    active assignment of no stand-in, which the sync would cancel."""
    slots: dict[int, dict[int, Slot]] = defaultdict(dict)
    here = col(Release.occurrence_id) == col(Assignment.occurrence_id)
    released = exists().where(here, col(Release.delegate_id) == col(Assignment.delegate_id))
    stands_in = exists().where(here, col(Release.taken_by) == col(Assignment.delegate_id))
    for ids in chunks(occurrence_ids):
        # SQLAlchemy's select: SQLModel's is typed for at most four columns.
        query: Any = sql_select(
            col(Assignment.id),
            col(Assignment.occurrence_id),
            col(Assignment.delegate_id),
            col(Assignment.cancelled_at),
            col(Assignment.changed_at),
            released.label("released"),
            stands_in.label("stands_in"),
        ).where(col(Assignment.occurrence_id).in_(ids))
        for row in await session.exec(query):
            id_, occurrence_id, delegate_id, cancelled_at, changed_at, gone, standing = row
            slots[occurrence_id][delegate_id] = Slot(
                id_, delegate_id, cancelled_at, changed_at, bool(gone), bool(standing)
            )
    return slots


async def _load_releases(
    session: AsyncSession, stored: Stored, occurrence_ids: Sequence[int]
) -> None:
    """Availability: who gave up a place at these occurrences, and who stands in."""
    for ids in chunks(occurrence_ids):
        releases = await session.exec(
            select(Release.occurrence_id, Release.delegate_id, Release.taken_by).where(
                col(Release.occurrence_id).in_(ids)
            )
        )
        for occurrence_id, released_id, taken_by in releases:
            gone, stand_ins = stored.releases.setdefault(occurrence_id, (set(), set()))
            gone.add(released_id)
            if taken_by is not None:
                stand_ins.add(taken_by)
