"""Re-importing a schedule: an unchanged file reads no assignment row and writes nothing;
a changed one is applied as before (the sync compares each occurrence's active members
with the rota and reads the assignments of the occurrences it changes only)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.models import Assignment, Delegate, Occurrence
from bot.services.schedule import sync
from tests.services.test_schedule_import import (
    RECEPTION,
    SESSION,
    roster,  # noqa: F401 (the fixture, used by name)
    run,
    snapshot,
    write_csv,
)

ALL_THREE = [*RECEPTION[:6], "ML-001;ML-002;ML-003", *RECEPTION[7:10], ""]
TWO = [*RECEPTION[:6], "ML-001;ML-002", *RECEPTION[7:10], ""]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(" ".join(args[2].split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
def slot_loads(monkeypatch: pytest.MonkeyPatch) -> list[Sequence[int]]:
    """The occurrence ids of each ``load_slots`` call a sync makes."""
    loaded: list[Sequence[int]] = []
    original = sync.load_slots

    async def spy(session: AsyncSession, occurrence_ids: Sequence[int]) -> Any:
        loaded.append(occurrence_ids)
        return await original(session, occurrence_ids)

    monkeypatch.setattr(sync, "load_slots", spy)
    return loaded


async def active_members(sessions: SessionFactory) -> dict[str, int]:
    """Delegate code → active assignments."""
    async with sessions() as session:
        found = await session.exec(
            select(Delegate.code, Assignment.id)
            .join(Assignment, col(Assignment.delegate_id) == col(Delegate.id))
            .where(col(Assignment.cancelled_at).is_(None))
        )
        counts: dict[str, int] = {}
        for code, _ in found:
            counts[code] = counts.get(code, 0) + 1
    return counts


@pytest.mark.usefixtures("roster")
async def test_an_unchanged_reimport_loads_no_slots_and_writes_nothing(
    session_factory: SessionFactory,
    engine: AsyncEngine,
    tmp_path: Path,
    slot_loads: list[Sequence[int]],
) -> None:
    """No INSERT/UPDATE/DELETE, ``load_slots`` never called and no statement selecting
    assignment rows (the members are read as one list per occurrence)."""
    path = write_csv(tmp_path / "s.csv", [RECEPTION, SESSION])
    first = await run(session_factory, path)
    assert first.sync.assignments_created > 0
    before = await snapshot(session_factory)
    with statements(engine) as sent:
        again = await run(session_factory, path)
    assert slot_loads == []
    assert not again.changed
    assert again.events_unchanged == 2
    writes = [s for s in sent if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert not [s for s in sent if s.startswith("SELECT assignments.id")]
    assert await snapshot(session_factory) == before


@pytest.mark.usefixtures("roster")
async def test_a_changed_rota_is_applied_and_a_dropped_member_comes_back(
    session_factory: SessionFactory, tmp_path: Path, slot_loads: list[Sequence[int]]
) -> None:
    all_three = await run(session_factory, write_csv(tmp_path / "a.csv", [ALL_THREE]))
    occurrences = all_three.sync.occurrences_created
    assert all_three.sync.assignments_created == 3 * occurrences
    assert slot_loads == []  # nothing stored to read yet
    two = await run(session_factory, write_csv(tmp_path / "b.csv", [TWO]))
    assert len(slot_loads) == 1  # the changed occurrences' assignments, read once
    assert (two.sync.assignments_created, two.sync.assignments_cancelled) == (0, occurrences)
    assert await active_members(session_factory) == {"ML-001": occurrences, "ML-002": occurrences}
    back = await run(session_factory, write_csv(tmp_path / "c.csv", [ALL_THREE]))
    assert (back.sync.assignments_created, back.sync.assignments_cancelled) == (occurrences, 0)
    members = await active_members(session_factory)
    assert members == dict.fromkeys(("ML-001", "ML-002", "ML-003"), occurrences)
    async with session_factory() as session:
        rows = (await session.exec(select(Assignment))).all()
        occurrence_count = len((await session.exec(select(Occurrence))).all())
    assert len(rows) == 3 * occurrences == 3 * occurrence_count  # brought back, not added
    assert sum(1 for a in rows if a.changed_at is not None) == occurrences
