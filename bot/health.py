"""``GET /healthz`` on ``HEALTH_PORT``: is this process able to do its work?

A deliberately small HTTP/1.1 server on asyncio streams (one request per connection,
``Connection: close``): the runtime has no web framework of its own in polling mode, and
PTB's webhook server serves only Telegram's path. The answer is JSON::

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
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
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
REQUEST_TIMEOUT = 5.0
"""Seconds a client has to send its request line and headers."""
MAX_LINE = 8192
MAX_HEADERS = 100
MAX_CONCURRENT_CHECKS = 4


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


class HealthServer:
    """Serves :data:`PATH` on ``host:port`` until :meth:`close`."""

    def __init__(
        self,
        state: HealthState,
        *,
        host: str,
        port: int,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._state = state
        self._host = host
        self._port = port
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[object]] = set()
        self._checks = asyncio.Semaphore(MAX_CONCURRENT_CHECKS)

    @property
    def port(self) -> int:
        """The port listened on (the real one when started with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, limit=MAX_LINE
        )
        logger.info("health check on http://%s:%d%s", self._host, self.port, PATH)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                method, target = await _read_request(reader)
        except (TimeoutError, ValueError):
            await _respond(writer, HTTPStatus.BAD_REQUEST, {"error": "bad request"})
            return
        path = target.split("?", 1)[0]
        if path != PATH:
            await _respond(writer, HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        if method not in ("GET", "HEAD"):
            await _respond(
                writer, HTTPStatus.METHOD_NOT_ALLOWED, {"error": "method not allowed"},
                extra="Allow: GET, HEAD\r\n",
            )  # fmt: skip
            return
        async with self._checks:
            healthy, report = await check(self._state, self._clock() if self._clock else None)
        status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
        await _respond(writer, status, report, body=method == "GET")


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str]:
    """The method and target of the request line; the headers are read and ignored.

    ``ValueError`` for anything that is not an HTTP/1.x request line, or too long.
    """
    try:
        line = (await reader.readuntil(b"\n")).decode("latin-1").rstrip("\r\n")
    except asyncio.LimitOverrunError:
        raise ValueError("request line too long") from None
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError("not an HTTP/1.x request line")
    for _ in range(MAX_HEADERS + 1):
        try:
            header = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            raise ValueError("header too long") from None
        if header in (b"\r\n", b"\n"):
            return parts[0], parts[1]
    raise ValueError("too many headers")


async def _respond(
    writer: asyncio.StreamWriter,
    status: HTTPStatus,
    payload: dict[str, Any],
    *,
    body: bool = True,
    extra: str = "",
) -> None:
    content = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(content)}\r\n"
        "Cache-Control: no-store\r\n"
        f"{extra}"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + (content if body else b""))
    await writer.drain()
