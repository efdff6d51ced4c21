"""Rows for tests, written through the same session factory the code uses (or, by the
ten thousand, by PostgreSQL's COPY: ``copy_rows``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import SessionFactory
from bot.domain.titles import is_standing_committee
from bot.models import Council, Delegate

T = TypeVar("T")

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


async def add_delegate(
    session_factory: SessionFactory,
    code: str,
    *,
    full_name: str = "Nguyễn Thị Hoa",
    council: str = "HDND-ML",
    role: str = "delegate",
    telegram_user_id: int | None = None,
    unit: str = "Xã Mỹ Lộc",
    phone: str = "0912345678",
    active: bool = True,
    title: str = "",
    group: str = "",
    committee: str = "",
    level: str = "commune",
) -> Delegate:
    async with session_factory() as session, session.begin():
        existing = (await session.exec(select(Council).where(Council.code == council))).first()
        if existing is None:
            existing = Council(code=council, name=f"HĐND {council}", level=level, created_at=NOW)
            session.add(existing)
            await session.flush()
        assert existing.id is not None
        delegate = Delegate(
            code=code,
            full_name=full_name,
            council_id=existing.id,
            level=level,
            title=title,
            standing_committee=is_standing_committee(title),
            group_name=group,
            committee=committee,
            unit=unit,
            constituency="Đơn vị bầu cử số 1",
            phone=phone,
            role=role,
            telegram_user_id=telegram_user_id,
            active=active,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(delegate)
    return delegate


async def add_linked_delegates(
    session_factory: SessionFactory, count: int, *, council: str = "HDND-ML", first_user_id: int
) -> list[int]:
    """``count`` delegates linked to Telegram users ``first_user_id``…, in one transaction."""
    async with session_factory() as session, session.begin():
        existing = (await session.exec(select(Council).where(Council.code == council))).first()
        if existing is None:
            existing = Council(code=council, name=f"HĐND {council}", created_at=NOW)
            session.add(existing)
            await session.flush()
        assert existing.id is not None
        session.add_all(
            Delegate(
                code=f"{council}-{number:04d}",
                full_name=f"Đại biểu số {number}",
                council_id=existing.id,
                level="commune",
                role="delegate",
                telegram_user_id=first_user_id + number,
                created_at=NOW,
                updated_at=NOW,
            )
            for number in range(count)
        )
    return [first_user_id + number for number in range(count)]


async def in_session(
    session_factory: SessionFactory, service: Callable[..., Awaitable[T]], /, **kwargs: Any
) -> T:
    """Runs one service call as its own unit of work (a session, committed), as an edge does."""
    async with session_factory() as session:
        result = await service(session=session, **kwargs)
        await session.commit()
        return result


def _record(table: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    """The row with every column but ``id``, the model's defaults where it names none
    (as an INSERT through SQLAlchemy would fill them in)."""
    values = []
    for column in table.columns:
        if column.name == "id":
            continue
        if column.name in row:
            values.append(row[column.name])
        elif column.default is None:
            values.append(None)
        else:
            assert column.default.is_scalar, f"{table.name}.{column.name}: a computed default"
            values.append(column.default.arg)
    return tuple(values)


async def copy_rows(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk rows into a PostgreSQL table by COPY (asyncpg's binary copy: ~0.3 s for 33,500
    rows, not the ~3 s of multi-row INSERTs through SQLAlchemy); their ids, in order."""
    columns = [column.name for column in table.columns if column.name != "id"]
    async with engine.begin() as connection:
        last = sql_select(func.coalesce(func.max(table.c.id), 0))
        before = (await connection.execute(last)).scalar_one()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            table.name, columns=columns, records=[_record(table, row) for row in rows]
        )
        # one session, one COPY: the ids were drawn from the sequence in the rows' order
        new = sql_select(table.c.id).where(table.c.id > before).order_by(table.c.id)
        ids = list((await connection.execute(new)).scalars().all())
    assert len(ids) == len(rows)
    return ids
