"""What counts as the database being away, the one line per outage, the start-up status
/healthz shows, and the bounds an engine of ``run`` gets on SQLite."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.db import DatabaseBounds, create_engine
from bot.db_watch import DatabaseWatch, describe, is_unreachable


def wrapped(error: BaseException) -> OperationalError:
    """As SQLAlchemy raises a driver's error: the driver's in ``orig`` and ``__cause__``."""
    outer = OperationalError("SELECT secret FROM delegates WHERE phone = $1", {}, error)
    outer.__cause__ = error
    return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        wrapped(asyncpg.QueryCanceledError("canceling statement due to statement timeout")),
        wrapped(sqlite3.OperationalError("database is locked")),
    ],
    ids=lambda error: type(error).__name__,
)
def test_outages(error: BaseException) -> None:
    assert is_unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        IntegrityError("INSERT …", {}, Exception("duplicate key")),
        ProgrammingError("SELECT …", {}, Exception('relation "outbox" does not exist')),
        asyncpg.InvalidPasswordError('password authentication failed for user "bot"'),
        wrapped(sqlite3.OperationalError("no such table: outbox")),
    ],
    ids=lambda error: type(error).__name__,
)
def test_not_outages(error: BaseException) -> None:
    assert not is_unreachable(error)


def test_describe_names_the_cause_not_the_statement() -> None:
    error = wrapped(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"))
    assert describe(error) == "ConnectionRefusedError: [Errno 111] Connect call failed " + (
        "('127.0.0.1', 5432)"
    )
    assert "phone" not in describe(error)


def test_one_line_when_an_outage_begins_and_one_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    watch = DatabaseWatch(clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="bot.db_watch")
    for _ in range(20):  # every row and every job of a 20-second outage
        watch.unreachable(ConnectionRefusedError(111, "refused"), "recording an outbox outcome")
        now[0] += 1
    assert not watch.reachable
    assert watch.status().startswith("unreachable: ConnectionRefusedError")
    watch.answered()
    watch.answered()
    assert watch.reachable
    assert watch.status() == "ok"
    assert [record.getMessage() for record in caplog.records] == [
        "database unreachable (ConnectionRefusedError: [Errno 111] refused while recording "
        "an outbox outcome): jobs wait and resume when it answers",
        "database back after 20 s",
    ]
    assert watch.outages == 1


def test_start_up_status(caplog: pytest.LogCaptureFixture) -> None:
    watch = DatabaseWatch()
    watch.starting = True
    assert watch.status() == "connecting"
    reason = watch.failed_to_open(ConnectionRefusedError(111, "refused"))
    assert watch.status() == f"connecting: attempt 1 failed ({reason})"
    caplog.set_level(logging.INFO, logger="bot.db_watch")
    watch.opened()
    assert watch.status() == "ok"
    assert [record.getMessage() for record in caplog.records] == [
        "database answered after 2 attempts"
    ]


async def test_sqlite_waits_for_another_writer_as_long_as_a_statement_may_take(
    tmp_path: Path,
) -> None:
    bounds = DatabaseBounds(statement=3)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", bounds)
    unbounded = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    try:
        async with engine.connect() as connection:
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
        async with unbounded.connect() as connection:
            default = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
    finally:
        await engine.dispose()
        await unbounded.dispose()
    assert (busy, default) == (3000, 10000)
