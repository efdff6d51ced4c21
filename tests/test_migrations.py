"""Migrations reach head on empty databases and match the models exactly."""

from __future__ import annotations

from sqlalchemy import inspect
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
