"""Does the database answer? One watch per process: the jobs report to it, ``/healthz`` reads it.

The database going away (a restart, a failover, a network cut) is waited out, not logged
row by row: the first failure of an outage logs one ``database unreachable`` warning, the
first statement that succeeds afterwards logs ``database back after N s``, and whatever
fails in between says nothing more. A 20-second cut in the middle of a broadcast used to
log some forty errors and twenty tracebacks.

:func:`is_unreachable` tells such failures (a refused or broken connection, a timeout, a
server shutting down or still starting) from the others, which are bugs and keep their
traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

_POSTGRES_GONE = (
    asyncpg.PostgresConnectionError,  # SQLSTATE 08: the connection failed or broke
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down, in recovery
    asyncpg.AdminShutdownError,  # 57P01: the server is being stopped
    asyncpg.CrashShutdownError,
    asyncpg.QueryCanceledError,  # 57014: statement_timeout
    asyncpg.ConnectionDoesNotExistError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error``, then what it says it is: SQLAlchemy's ``orig`` (the driver's error) and
    ``__cause__`` (``raise … from``), each in turn followed the same way.

    Not ``__context__``: an error raised while another was being handled (a failed
    clean-up, a bug in an ``except`` block) is a new failure, judged by itself. A bug
    raised while handling an outage is then a bug (it keeps its traceback), and an outage
    raised while handling a bug is an outage; an outage re-raised by a library says so
    with ``from`` or ``orig``.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__]


def _gone(error: BaseException) -> bool:
    if isinstance(error, (OSError, TimeoutError, sa_exc.TimeoutError, *_POSTGRES_GONE)):
        return True  # refused, reset, no route; a connect, command or pool timeout
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
        return True
    # SQLite: another writer held the lock for longer than the busy timeout.
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database is away (or too slow), not that a query is wrong."""
    return any(_gone(link) for link in _chain(error))


def describe(error: BaseException) -> str:
    """The innermost cause, class and first line (no SQL, no parameters, no password)."""
    links = list(_chain(error))
    root = next((link for link in reversed(links) if _gone(link)), links[-1])
    text = str(root).strip().splitlines()[0] if str(root).strip() else ""
    return f"{type(root).__name__}: {text[:200]}" if text else type(root).__name__


class DatabaseWatch:
    """Whether the database answered last, and since when it has not."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._down_since: float | None = None
        self._reason: str | None = None
        self.starting = False
        """True while the process waits for the database at start-up (``/healthz``: 503)."""
        self.attempts = 0
        self.outages = 0

    @property
    def reachable(self) -> bool:
        return self._down_since is None

    def status(self) -> str:
        """``ok``, or what ``/healthz`` says instead."""
        if self.starting:
            if not self.attempts:
                return "connecting"
            return f"connecting: attempt {self.attempts} failed ({self._reason})"
        if self._down_since is not None:
            return f"unreachable: {self._reason}"
        return "ok"

    def observe(self, engine: AsyncEngine) -> None:
        """Any statement that succeeds on ``engine`` ends an outage."""

        def answered(*_args: Any) -> None:
            self.answered()

        event.listen(engine.sync_engine, "after_cursor_execute", answered)

    def unreachable(self, error: BaseException, doing: str) -> None:
        """A job (or a step of one) failed for want of the database: logged once per outage."""
        self._reason = describe(error)
        if self._down_since is not None or self.starting:
            return
        self._down_since = self._clock()
        self.outages += 1
        logger.warning(
            "database unreachable (%s while %s): jobs wait and resume when it answers",
            self._reason,
            doing,
        )

    def answered(self) -> None:
        if self._down_since is None:
            return
        seconds = self._clock() - self._down_since
        self._down_since = None
        logger.warning("database back after %.0f s", seconds)

    def failed_to_open(self, error: BaseException) -> str:
        """One more start-up attempt failed; returns the reason, for the attempt's log line."""
        self.starting = True
        self.attempts += 1
        self._reason = describe(error)
        return self._reason

    def opened(self) -> None:
        """Start-up reached the database (and migrated it)."""
        if self.attempts:
            logger.info("database answered after %d attempts", self.attempts + 1)
        self.starting = False
        self._down_since = None
        self._reason = None
