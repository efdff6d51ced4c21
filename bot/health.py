"""``GET /healthz``: is this process able to do its work?

This module holds the state and the check; ``bot/web`` serves it (aiohttp.web, on
``HEALTH_PORT`` and on the Mini App's ``WEBAPP_PORT``). The answer is JSON::

    {"status": "ok", "mode": "polling", "database": "ok", "scheduler": "running",
     "sender": true, "last_dispatch": "2026-12-01T03:00:05Z", "outbox_backlog": 0,
     "telegram": "connected"}

HTTP 200 when the database answers ``SELECT 1`` within :data:`DATABASE_TIMEOUT` and the
scheduler is running; 503 otherwise. ``outbox_backlog`` counts pending rows due now (a
growing number with ``sender: true`` means sending is stuck); ``last_dispatch`` is when
this process last finished draining the outbox (``null`` when another process sends).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db_watch import DatabaseWatch
from bot.models import OutboxMessage
from bot.services.outbox.rows import OutboxStatus

logger = logging.getLogger(__name__)

PATH = "/healthz"
DATABASE_TIMEOUT = 2.0
"""Seconds the database has to answer before it counts as unreachable."""
MAX_CONCURRENT_CHECKS = 4
"""Checks running at once; more requests wait (a flood of probes is not a flood of queries)."""


class JobsState(Protocol):
    """What the health check reads from the scheduler (``jobs.scheduler.JobRunner``)."""

    @property
    def running(self) -> bool: ...

    @property
    def sender(self) -> bool: ...

    @property
    def last_dispatch_at(self) -> datetime | None: ...


@dataclass
class HealthState:
    """What this process is; the runner fills in ``jobs`` and ``telegram`` as it starts."""

    engine: AsyncEngine
    mode: str
    jobs: JobsState | None = None
    telegram: str = "connecting"
    """``connecting`` until Telegram has answered, then ``connected``; ``stopping`` at the end."""
    database: DatabaseWatch | None = None
    """While start-up waits for the database, its attempts (no query is made then)."""


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _database(engine: AsyncEngine, now: datetime) -> int:
    """``SELECT 1``, then the pending rows due now; raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    async with AsyncSession(engine) as session:
        backlog = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    col(OutboxMessage.status) == OutboxStatus.pending.value,
                    col(OutboxMessage.due_at) <= now,
                )
            )
        ).one()
    return int(backlog)


async def check(state: HealthState, now: datetime | None = None) -> tuple[bool, dict[str, Any]]:
    """(healthy, the report)."""
    now = now or datetime.now(UTC)
    backlog: int | None = None
    database = "ok"
    try:
        if state.database is not None and state.database.starting:
            database = state.database.status()  # not migrated yet: nothing to count
        else:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                backlog = await _database(state.engine, now)
    except TimeoutError:
        database = f"unreachable: no answer within {DATABASE_TIMEOUT:g} s"
    except Exception as error:  # whatever the driver raises, the answer is "unreachable"
        database = f"unreachable: {type(error).__name__}"
    jobs = state.jobs
    running = jobs is not None and jobs.running
    report: dict[str, Any] = {
        "status": "ok",
        "mode": state.mode,
        "database": database,
        "scheduler": "running" if running else "stopped",
        "sender": jobs is not None and jobs.sender,
        "last_dispatch": _iso(jobs.last_dispatch_at) if jobs is not None else None,
        "outbox_backlog": backlog,
        "telegram": state.telegram,
    }
    healthy = database == "ok" and running
    if not healthy:
        report["status"] = "unhealthy"
    return healthy, report
