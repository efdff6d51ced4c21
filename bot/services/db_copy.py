"""``db copy``: every table from one database to another (SQLite → PostgreSQL, typically),
then the row counts compared.

Both databases are first brought to the same revision. The target must be empty: a copy
into a database that already holds a council would mix two histories. Rows go table by
table in dependency order, in batches, in one transaction; PostgreSQL's id sequences are
then moved past the copied ids, or the next insert would collide with a copied row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

import bot.models  # noqa: F401 - registers the tables on SQLModel.metadata
from bot.db import create_engine
from bot.migrate import upgrade

BATCH = 2000


class CopyError(Exception):
    """The copy cannot start (target not empty) or did not add up (counts differ)."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> None:
    key = list(table.primary_key.columns)
    result = await source.stream(select(table).order_by(*key))
    async for chunk in result.mappings().partitions(BATCH):
        await target.execute(insert(table), [dict(row) for row in chunk])


async def _reset_sequences(target: AsyncConnection, table: Table) -> None:
    if target.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int
        ):
            sequence = (
                await target.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
            ).scalar_one_or_none()
            if sequence is not None:
                highest = (await target.execute(select(func.max(column)))).scalar_one_or_none()
                await target.execute(
                    text("SELECT setval(:sequence, :next, false)"),
                    {"sequence": sequence, "next": int(highest or 0) + 1},
                )


async def copy_engines(
    source: AsyncEngine, target: AsyncEngine, progress: Callable[[str], None] | None = None
) -> list[TableCount]:
    """Copies every table; raises :class:`CopyError` before writing if the target holds rows."""
    await upgrade(source)
    await upgrade(target)
    tables = list(SQLModel.metadata.sorted_tables)
    async with source.connect() as reader, target.begin() as writer:
        occupied = [t.name for t in tables if await _count(writer, t)]
        if occupied:
            raise CopyError(f"the target database is not empty: {', '.join(occupied)}")
        for table in tables:
            await _copy_table(reader, writer, table)
            await _reset_sequences(writer, table)
            if progress is not None:
                progress(table.name)
        counts = [
            TableCount(table.name, await _count(reader, table), await _count(writer, table))
            for table in tables
        ]
        if not all(count.ok for count in counts):
            # Rolls the whole copy back: half a database is worse than none.
            raise CopyError(
                "row counts differ: "
                + ", ".join(f"{c.table} {c.source}→{c.target}" for c in counts if not c.ok)
            )
    return counts


async def copy_database(
    source_url: str, target_url: str, progress: Callable[[str], None] | None = None
) -> list[TableCount]:
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        return await copy_engines(source, target, progress)
    finally:
        await source.dispose()
        await target.dispose()
