"""Migrations reach head on empty databases and match the models exactly."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.db import create_engine
from bot.migrate import schema_drift, upgrade


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
