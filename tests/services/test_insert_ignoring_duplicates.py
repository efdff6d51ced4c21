"""``insert_ignoring_duplicates`` on both backends: new rows counted, duplicates skipped
(within one call and against stored rows), NULLs and aware datetimes kept. On
PostgreSQL it sends each column as one array (``unnest``), in chunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

import bot.db
from bot.db import (
    SessionFactory,
    create_session_factory,
    insert_ignoring_duplicates,
    insert_new,
    insert_or_nothing,
)
from bot.models import OutboxMessage
from bot.services.outbox.payloads import AdditionPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _rows(keys: range) -> list[dict[str, object]]:
    return [
        outbox_row(
            AdditionPayload(),
            f"k{key}",
            now=NOW,
            due_at=NOW + timedelta(minutes=key),
            chat_id=10_000_000_000 + key,  # BIGINT
            expires_at=None if key % 2 else NOW + timedelta(days=1),
        )
        for key in keys
    ]


async def _check(sessions: SessionFactory) -> None:
    async with sessions() as session:
        assert (
            await insert_ignoring_duplicates(
                session, OUTBOX_TABLE, _rows(range(5)), unique=["kind", "dedupe_key"]
            )
            == 5
        )
        # three stored already, two new, one of them twice in the same call
        again = _rows(range(3, 7)) + _rows(range(6, 7))
        assert (
            await insert_ignoring_duplicates(
                session, OUTBOX_TABLE, again, unique=["kind", "dedupe_key"]
            )
            == 2
        )
        await session.commit()
    async with sessions() as session:
        stored = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [r.dedupe_key for r in stored] == [f"k{n}" for n in range(7)]
    assert stored[3].due_at == NOW + timedelta(minutes=3)
    assert stored[3].expires_at is None
    assert stored[4].expires_at == NOW + timedelta(days=1)
    assert stored[6].chat_id == 10_000_000_006


async def test_on_sqlite(session_factory: SessionFactory) -> None:
    await _check(session_factory)


async def test_on_postgresql_in_chunks(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.db, "UNNEST_CHUNK", 2)
    await _check(create_session_factory(pg_engine))


async def _one_each(sessions: SessionFactory) -> None:
    """Two transactions insert the same key: the first gets its id, the second ``None``
    (no IntegrityError), and one row is stored."""
    (row,) = _rows(range(1))
    async with sessions() as first, sessions() as second:
        new_id = await insert_or_nothing(first, OUTBOX_TABLE, row, unique=["kind", "dedupe_key"])
        assert new_id is not None
        await first.commit()
        again = await insert_or_nothing(second, OUTBOX_TABLE, row, unique=["kind", "dedupe_key"])
        assert again is None
        await second.commit()
    async with sessions() as session:
        (stored,) = (await session.exec(select(OutboxMessage))).all()
    assert stored.id == new_id


async def test_insert_or_nothing_on_sqlite(session_factory: SessionFactory) -> None:
    await _one_each(session_factory)


async def test_insert_or_nothing_on_postgresql(pg_engine: AsyncEngine) -> None:
    await _one_each(create_session_factory(pg_engine))


async def _new_rows(sessions: SessionFactory) -> None:
    """``insert_new``: the asked-for columns of the rows this call wrote, in one
    statement; a key stored before, or twice in the call, is left out."""
    async with sessions() as session:
        await insert_ignoring_duplicates(
            session, OUTBOX_TABLE, _rows(range(1)), unique=["kind", "dedupe_key"]
        )
        await session.commit()
    rows = _rows(range(3))
    async with sessions() as session:
        written = await insert_new(
            session, OUTBOX_TABLE, [*rows, rows[2]], unique=["kind", "dedupe_key"],
            returning=("id", "dedupe_key", "chat_id"),
        )  # fmt: skip
        await session.commit()
        stored = {
            row.dedupe_key: row.id for row in (await session.exec(select(OutboxMessage))).all()
        }
    assert sorted((key, chat) for _id, key, chat in written) == [
        ("k1", 10_000_000_001),
        ("k2", 10_000_000_002),
    ]
    assert {key: row_id for row_id, key, _chat in written} == {
        "k1": stored["k1"],
        "k2": stored["k2"],
    }


async def test_insert_new_on_sqlite(session_factory: SessionFactory) -> None:
    await _new_rows(session_factory)


async def test_insert_new_on_postgresql(pg_engine: AsyncEngine) -> None:
    await _new_rows(create_session_factory(pg_engine))
