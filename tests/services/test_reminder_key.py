"""The reminder dedupe key the database builds (``reminder_sql``) is the Python one
(``reminder_key``), character for character, on SQLite and on PostgreSQL: a difference
would plan every reminder twice (the unique key would not see the other path's row)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import UTCDateTime
from bot.services.outbox.common import reminder_key
from bot.services.outbox.reminder_sql import _Dialect, sql_reminder_key

SAMPLES = [
    (1, "1d", datetime(2026, 12, 10, 0, 30, tzinfo=UTC)),
    (42, "2h", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    (987_654, "30m", datetime(2026, 12, 1, 3, 0, 59, tzinfo=UTC)),
    (7, "catchup", datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    (12, "1d", datetime(2026, 12, 10, 14, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))),
]


async def test_the_sql_reminder_key_is_the_python_one_on_sqlite(engine: AsyncEngine) -> None:
    await _same_keys(engine)


async def test_the_sql_reminder_key_is_the_python_one_on_postgresql(
    pg_engine: AsyncEngine,
) -> None:
    await _same_keys(pg_engine)


async def _same_keys(engine: AsyncEngine) -> None:
    dialect = _Dialect(engine.dialect.name)
    async with engine.connect() as connection:
        for assignment_id, label, starts in SAMPLES:
            seconds = dialect.epoch(literal(starts, UTCDateTime()))
            key = sql_reminder_key(literal(assignment_id, Integer()), label, seconds)
            built = (await connection.execute(select(key))).scalar_one()
            assert built == reminder_key(assignment_id, label, starts)
