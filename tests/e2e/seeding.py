"""A database file prepared before a real process starts on it: delegates owed reminders."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.db import create_engine, create_session_factory
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.imports import import_schedule
from tests.database_template import copy_migrated
from tests.factories import add_linked_delegates, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
COUNCIL = "HDND-ML"
HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
ONE_DAY_BEFORE = ReminderPolicy(offsets={"other": (timedelta(days=1),)}, quiet=None, zone=ZONE)


async def owe_reminders(
    database: Path, delegates: int, *, first_user_id: int, plan: bool = True
) -> list[int]:
    """``delegates`` linked delegates and an ``other`` event of them all in 3 hours (its
    1-day reminder is a catch-up row due now). Without ``plan`` the outbox stays empty:
    the process's planner must make the rows. Returns the delegates' Telegram ids."""
    await copy_migrated(database)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        sessions = create_session_factory(engine)
        users = await add_linked_delegates(
            sessions, delegates, council=COUNCIL, first_user_id=first_user_id
        )
        now = datetime.now(UTC)
        starts = (now + timedelta(hours=3)).astimezone(ZONE)
        ends = starts + timedelta(hours=1)
        path = database.with_suffix(".schedule.csv")
        path.write_text(
            f"{HEADER}\nother,Họp giao ban đại biểu,{starts:%Y-%m-%d %H:%M},"
            f"{ends:%Y-%m-%d %H:%M},Hội trường xã,{COUNCIL},all,,,,\n",
            encoding="utf-8",
        )
        async with sessions() as session:
            result = await import_schedule(
                session=session, path=path, now=now, zone=ZONE, dry_run=False, policy=None
            )
        assert result.problems == []
        if plan:
            await in_session(sessions, plan_outbox, policy=ONE_DAY_BEFORE, now=now)
        return users
    finally:
        await engine.dispose()


async def outbox_statuses(database: Path) -> Counter[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT status, count(*) FROM outbox GROUP BY 1"))
            return Counter({str(status): int(count) for status, count in rows.all()})
    finally:
        await engine.dispose()


async def uncertain_rows(database: Path) -> int:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT count(*) FROM outbox WHERE outcome_uncertain")
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()
