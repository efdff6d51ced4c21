"""Migrations reach head on empty databases and match the models exactly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.db import create_engine, create_session_factory
from bot.migrate import alembic_config, schema_drift, upgrade
from bot.models import Broadcast, BroadcastRecipient, OutboxMessage
from tests.factories import NOW, add_delegate


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_sqlite_upgrade_to_head_has_no_drift(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        await upgrade(engine)
        assert {t.name for t in SQLModel.metadata.sorted_tables} <= await _tables(engine)
        assert await schema_drift(engine) == []
        await upgrade(engine)  # a second upgrade is a no-op
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_postgres_upgrade_to_head_has_no_drift(pg_engine: AsyncEngine) -> None:
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= await _tables(pg_engine)
    assert await schema_drift(pg_engine) == []


async def test_failure_reasons_are_read_from_the_errors_of_existing_rows(sqlite_url: str) -> None:
    """Rows failed before the column existed revive after an unblock as they did."""
    engine = create_engine(sqlite_url)
    try:
        await upgrade(engine, "0008")
        errors = {
            "unreachable": ("failed", "unreachable"),
            "blocked: Forbidden: bot was blocked by the user": ("failed", "blocked"),
            "rejected: Bad Request: can't parse entities": ("failed", "rejected"),
            "not linked": ("failed", "not_linked"),
            "429 retry after 3s": ("pending", "rate_limited"),
            "timed out: Timed out": ("pending", "uncertain"),
            "Network error": ("pending", "transient"),
            "event already started": ("missed", None),
            "snoozed": ("cancelled", None),
        }
        async with engine.begin() as connection:
            for number, (error, (status, _reason)) in enumerate(errors.items()):
                await connection.execute(
                    text(
                        "INSERT INTO outbox (kind, dedupe_key, due_at, status, attempts, "
                        "last_error, outcome_uncertain, late, payload, priority, created_at, "
                        "updated_at) VALUES ('reminder', :key, :at, :status, 1, :error, "
                        "0, 0, '{}', 0, :at, :at)"
                    ),
                    {"key": f"k{number}", "at": "2026-12-01 03:00:00", "status": status,
                     "error": error},
                )  # fmt: skip
        await upgrade(engine)
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT last_error, failure_reason FROM outbox"))
            found = {row[0]: row[1] for row in result}
        assert found == {error: reason for error, (_status, reason) in errors.items()}
    finally:
        await engine.dispose()


async def _outbox_foreign_keys(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        keys = await connection.run_sync(lambda c: inspect(c).get_foreign_keys("outbox"))
    return sorted(key["constrained_columns"][0] for key in keys)


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_outbox_loses_its_two_foreign_keys_and_keeps_its_rows(sqlite_url: str) -> None:
    """0016 recreates the SQLite outbox while broadcast recipients point at its rows."""
    engine = create_engine(sqlite_url)
    try:
        await upgrade(engine, "0015")
        assert await _outbox_foreign_keys(engine) == ["assignment_id", "delegate_id"]
        await _broadcast_with_one_recipient(engine)
        before = await _rows(engine)

        await upgrade(engine)
        assert await _outbox_foreign_keys(engine) == []
        assert await _rows(engine) == before
        assert await schema_drift(engine) == []

        async with engine.begin() as connection:
            await connection.run_sync(_downgrade, "0015")
        assert await _outbox_foreign_keys(engine) == ["assignment_id", "delegate_id"]
        assert await _rows(engine) == before
    finally:
        await engine.dispose()


async def _broadcast_with_one_recipient(engine: AsyncEngine) -> None:
    session_factory = create_session_factory(engine)
    delegate = await add_delegate(session_factory, "DB-1", telegram_user_id=5001)
    async with session_factory() as session, session.begin():
        broadcast = Broadcast(
            council_id=delegate.council_id, created_by=9, status="confirmed", created_at=NOW
        )
        row = OutboxMessage(
            kind="broadcast", dedupe_key="b1:d1", delegate_id=delegate.id, due_at=NOW,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        session.add_all([broadcast, row])
        await session.flush()
        assert broadcast.id is not None
        assert delegate.id is not None
        session.add(
            BroadcastRecipient(broadcast_id=broadcast.id, delegate_id=delegate.id, outbox_id=row.id)
        )


async def _rows(engine: AsyncEngine) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT o.id, o.kind, o.dedupe_key, o.delegate_id, r.id, r.broadcast_id "
                "FROM outbox o JOIN broadcast_recipients r ON r.outbox_id = o.id"
            )
        )
        rows = [tuple(row) for row in result]
        violations = list(await connection.execute(text("PRAGMA foreign_key_check")))
    assert violations == []
    assert rows
    return rows
