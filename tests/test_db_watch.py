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


def _raise_while_handling(error: BaseException, handling: BaseException) -> None:
    try:
        raise handling
    except BaseException:
        raise error  # noqa: B904 - the implicit chain is what is tested


def raised_while_handling(error: BaseException, handling: BaseException) -> BaseException:
    """``error`` raised inside ``except`` of ``handling``, without ``from``: only
    ``__context__`` links them, as Python does for any error in an ``except`` block."""
    with pytest.raises(type(error)) as raised:
        _raise_while_handling(error, handling)
    assert raised.value.__context__ is handling
    return raised.value


def _claim_during_a_reset() -> None:
    try:
        raise ConnectionResetError(104, "Connection reset by peer")
    except ConnectionResetError as reset:
        raise RuntimeError("could not claim outbox rows") from reset


def test_a_bug_while_handling_an_outage_is_a_bug() -> None:
    """A failure raised while an outage was being handled (a rollback, a log line, a
    clean-up) is a new failure: judged by itself, it keeps its traceback."""
    bug = raised_while_handling(
        ValueError("a bug in the clean-up"), wrapped(ConnectionResetError(104, "reset"))
    )
    assert not is_unreachable(bug)
    assert describe(bug) == "ValueError: a bug in the clean-up"
    integrity = raised_while_handling(
        IntegrityError("INSERT …", {}, Exception("duplicate key")),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    )
    assert not is_unreachable(integrity)


def test_an_outage_while_handling_a_bug_is_an_outage() -> None:
    outage = raised_while_handling(
        wrapped(ConnectionRefusedError(111, "refused")), ValueError("a bug")
    )
    assert is_unreachable(outage)
    assert describe(outage) == "ConnectionRefusedError: [Errno 111] refused"


def test_an_error_raised_from_an_outage_is_an_outage() -> None:
    """``raise … from`` (and SQLAlchemy's ``orig``) says what the error is: the outage."""
    with pytest.raises(RuntimeError) as raised:
        _claim_during_a_reset()
    assert is_unreachable(raised.value)
    assert describe(raised.value) == "ConnectionResetError: [Errno 104] Connection reset by peer"


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
