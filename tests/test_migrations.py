"""Migrations reach head on empty databases and match the models exactly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from alembic import command
from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from bot.db import create_engine
from bot.migrate import alembic_config, schema_drift, upgrade
from tests.factories import NOW


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


@pytest.fixture
def fresh_pg_url(postgres_server_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own (not migrated), dropped after."""
    name = f"delegate_bot_migration_{uuid.uuid4().hex[:12]}"
    admin = make_url(postgres_server_url).set(drivername="postgresql")

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_outbox_loses_its_two_foreign_keys_and_keeps_its_rows_sqlite(
    sqlite_url: str,
) -> None:
    """0016 recreates the SQLite outbox while broadcast recipients point at its rows."""
    await _outbox_foreign_keys_dropped_and_restored(sqlite_url)


async def test_outbox_loses_its_two_foreign_keys_and_keeps_its_rows_postgres(
    fresh_pg_url: str,
) -> None:
    await _outbox_foreign_keys_dropped_and_restored(fresh_pg_url)


async def _outbox_foreign_keys_dropped_and_restored(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0015")
        assert await _outbox_foreign_keys(engine) == ["assignment_id", "delegate_id"]
        await _broadcast_with_two_recipients(engine)
        before = await _rows(engine)

        await upgrade(engine)
        assert await _outbox_foreign_keys(engine) == []
        assert await _rows(engine) == before
        assert await schema_drift(engine) == []

        async with engine.begin() as connection:
            await connection.run_sync(_downgrade, "0015")
        assert await _outbox_foreign_keys(engine) == ["assignment_id", "delegate_id"]
        assert await _rows(engine) == before
        await upgrade(engine)  # and up again, as a second deploy would
        assert await _rows(engine) == before
    finally:
        await engine.dispose()


# Raw rows, not today's models: written at revision 0015, whose tables a later migration
# may change. Columns not named get a value of their type when they require one.
_FILLERS = {"INTEGER": 0, "BIGINT": 0, "BOOLEAN": False, "TEXT": "", "VARCHAR": "x"}


async def _insert(connection: AsyncConnection, table: str, **values: object) -> None:
    columns = await connection.run_sync(lambda c: inspect(c).get_columns(table))
    for column in columns:
        name, kind = column["name"], str(column["type"]).split("(")[0].upper()
        if name in values or column["nullable"] or (name == "id" and "id" not in values):
            continue
        if column.get("default") is not None:
            continue
        values[name] = NOW if "TIME" in kind or "DATE" in kind else _FILLERS.get(kind, "x")
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    await connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


async def _broadcast_with_two_recipients(engine: AsyncEngine) -> None:
    """A recipient whose copy is an outbox row, and one skipped (no row)."""
    async with engine.begin() as connection:
        await _insert(connection, "councils", id=1, code="ML", name="HĐND xã Mỹ Lộc")
        for number in (1, 2):
            await _insert(connection, "delegates", id=number, code=f"ML-{number}",
                          council_id=1, role="delegate", active=True)  # fmt: skip
        await _insert(connection, "broadcasts", id=1, council_id=1, status="confirmed")
        await _insert(connection, "outbox", id=7, kind="broadcast", dedupe_key="b1:d1",
                      delegate_id=1, due_at=NOW, status="pending")  # fmt: skip
        await _insert(connection, "broadcast_recipients", id=3, broadcast_id=1, delegate_id=1,
                      outbox_id=7)  # fmt: skip
        await _insert(connection, "broadcast_recipients", id=4, broadcast_id=1, delegate_id=2,
                      skipped_reason="not_linked")  # fmt: skip


async def _rows(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    async with engine.connect() as connection:
        rows = {
            table: [tuple(row) for row in await connection.execute(
                text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("outbox", "broadcast_recipients")
        }  # fmt: skip
        if connection.dialect.name == "sqlite":
            assert list(await connection.execute(text("PRAGMA foreign_key_check"))) == []
    assert len(rows["broadcast_recipients"]) == 2
    return rows
