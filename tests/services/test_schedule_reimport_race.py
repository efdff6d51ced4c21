"""A re-import that reads the stored schedule while a stand-in is accepted keeps them.

The sync reads the active members and the releases first, and the assignments of the
occurrences it changes later (``load_slots``): on PostgreSQL each statement sees what
was committed before it. A ``Nhận thay`` committed between the two reads must not be
undone by the re-import (the stand-in has been told the place is theirs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, create_session_factory
from bot.models import Assignment
from bot.services.availability.standins import TakeOutcome, take_place
from bot.services.schedule import sync
from tests.services.test_availability import (
    NOW,
    ROTA,
    first_assignment,
    load_schedule,
    offers,
    pool_on_rota,
    release,
    stand_in_state,
)


async def test_a_stand_in_accepted_during_a_reimport_keeps_the_place(
    pg_engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = create_session_factory(pg_engine)
    ids = await pool_on_rota(sessions, tmp_path)
    a, b = ids["ML-A"], ids["ML-B"]
    mine = await first_assignment(sessions, a)
    await release(sessions, mine, a)
    offer_id = (await offers(sessions))[b][0]
    original = sync.load_slots
    taken: list[TakeOutcome] = []

    async def take_then_load(session: AsyncSession, occurrence_ids: Sequence[int]) -> Any:
        # B accepts (and is told) after the re-import read members and releases.
        async with sessions() as other:
            result = await take_place(session=other, offer_id=offer_id, delegate_ids=[b], now=NOW)
            await other.commit()
        taken.append(result.outcome)
        return await original(session, occurrence_ids)

    monkeypatch.setattr(sync, "load_slots", take_then_load)
    # The same rota at a new place: the released occurrence is one the import changes.
    await asyncio.wait_for(
        load_schedule(
            sessions, tmp_path, ROTA.replace("Trụ sở xã", "Trụ sở UBND xã"),
            now=NOW + timedelta(hours=1),
        ),
        timeout=60,
    )  # fmt: skip
    assert taken == [TakeOutcome.won]
    assert await stand_in_state(sessions, mine) == {a: False, b: True}


async def test_a_place_released_during_a_reimport_stays_released(
    pg_engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """«Xin vắng» committed after the re-import read the assignments of an occurrence it
    moves: writing the move's mark must not give the place back."""
    sessions = create_session_factory(pg_engine)
    ids = await pool_on_rota(sessions, tmp_path)
    a = ids["ML-A"]
    mine = await first_assignment(sessions, a)
    original = sync.load_slots

    async def load_then_release(session: AsyncSession, occurrence_ids: Sequence[int]) -> Any:
        slots = await original(session, occurrence_ids)
        await release(sessions, mine, a)  # committed on another connection
        return slots

    monkeypatch.setattr(sync, "load_slots", load_then_release)
    later = NOW + timedelta(hours=1)
    result = await asyncio.wait_for(
        load_schedule(
            sessions, tmp_path, ROTA.replace("Trụ sở xã", "Trụ sở UBND xã"), now=later
        ),
        timeout=60,
    )  # fmt: skip
    assert (await stand_in_state(sessions, mine))[a] is False
    # The import's figures are what it wrote: A's place, released meanwhile, is not in them.
    changed = await _written_at(sessions, later)
    assert changed > 0
    assert mine not in await _ids_written_at(sessions, later)
    assert result.sync.assignments_changed == changed
    assert result.sync.assignments_cancelled == 0


async def _ids_written_at(sessions: SessionFactory, moment: datetime) -> set[int]:
    async with sessions() as session:
        found = await session.exec(
            select(Assignment.id).where(col(Assignment.changed_at) == moment)
        )
        return {i for i in found if i is not None}


async def _written_at(sessions: SessionFactory, moment: datetime) -> int:
    return len(await _ids_written_at(sessions, moment))
