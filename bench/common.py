"""What both benchmarks share: a throwaway database, bulk-inserted delegates, the machine
description and a plain-text table."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import col

from bot.db import SessionFactory, create_engine, create_session_factory
from bot.migrate import upgrade
from bot.models import Council, Delegate

ZONE_NAME = "Asia/Ho_Chi_Minh"
UNITS_PER_COUNCIL = 10
FIRST_TELEGRAM_ID = 5_000_000


# --- the database ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    url: str
    engine: AsyncEngine
    sessions: SessionFactory
    description: str  # "SQLite 3.40.1 (file)" or "PostgreSQL 15.2"


async def _postgres_admin(url: str, sql: str, **params: str) -> object:
    """Runs one statement on the server's ``postgres`` database, outside a transaction
    (CREATE/DROP DATABASE cannot run inside one)."""
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as connection:
            result = await connection.execute(text(sql), params)
            return result.scalar() if result.returns_rows else None
    finally:
        await admin.dispose()


def _check_new_sqlite_file(path: str | None) -> None:
    if not path or path == ":memory:":
        raise SystemExit("use a SQLite file, not an in-memory database")
    if Path(path).exists():
        raise SystemExit(f"{path} exists: give the path of a new file")


def _remove_sqlite_file(path: str | None) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help=(
            "SQLAlchemy async URL. Default: a fresh SQLite file in a temporary folder. "
            "For PostgreSQL (postgresql+asyncpg://user@host:port/NAME) the database NAME "
            "must not exist: it is created, used and dropped."
        ),
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="do not delete the database (or the SQLite file) at the end",
    )


@asynccontextmanager
async def fresh_database(url: str | None, *, keep: bool = False) -> AsyncIterator[Database]:
    """A new, migrated database: a temporary SQLite file, or a PostgreSQL database created
    for the run (refusing one that exists, so nothing of anyone's is ever dropped)."""
    folder: Path | None = None
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="delegate-bench-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    backend = make_url(url).get_backend_name()
    created_pg: str | None = None
    if backend == "sqlite":
        _check_new_sqlite_file(make_url(url).database)
    elif backend == "postgresql":
        name = make_url(url).database
        if not name:
            raise SystemExit("name the database to create in the URL")
        if not name.replace("_", "").isalnum():
            raise SystemExit(f"{name!r}: use letters, digits and _ for the database name")
        exists = await _postgres_admin(
            url, "SELECT 1 FROM pg_database WHERE datname = :name", name=name
        )
        if exists:
            raise SystemExit(f"database {name!r} exists: name a new one (it is dropped after)")
        await _postgres_admin(url, f'CREATE DATABASE "{name}"')
        created_pg = name
    else:
        raise SystemExit(f"unsupported database {backend!r}")
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            if backend == "sqlite":
                description = f"SQLite {sqlite3.sqlite_version} (file, WAL)"
            else:
                version = (await connection.execute(text("SHOW server_version"))).scalar_one()
                description = f"PostgreSQL {str(version).split()[0]}"
        yield Database(url, engine, create_session_factory(engine), description)
    finally:
        await engine.dispose()
        if not keep:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            elif backend == "sqlite":
                _remove_sqlite_file(make_url(url).database)
            if created_pg is not None:
                await _postgres_admin(url, f'DROP DATABASE IF EXISTS "{created_pg}" WITH (FORCE)')


def throwaway_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def count(database: Database, sql: str) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


# --- the roster -----------------------------------------------------------------------------


def council_code(index: int) -> str:
    return f"BENCH-{index + 1:02d}"


def unit_name(council: int, unit: int) -> str:
    return f"Xã Thử Nghiệm {council + 1:02d}-{unit + 1:02d}"


def delegate_code(council: int, number: int) -> str:
    return f"B{council + 1:02d}-{number + 1:05d}"


def telegram_id(position: int) -> int:
    return FIRST_TELEGRAM_ID + position


def council_sizes(delegates: int, councils: int) -> list[int]:
    """``delegates`` shared as evenly as possible among ``councils``."""
    share, extra = divmod(delegates, councils)
    return [share + (1 if index < extra else 0) for index in range(councils)]


async def add_linked_delegates(
    database: Database, *, delegates: int, councils: int, now: datetime
) -> list[int]:
    """Councils and linked delegates in one bulk INSERT each (executemany, not one ORM
    object per delegate). Delegate ``k`` (from 0) has Telegram id ``telegram_id(k)``;
    each council's delegates are spread over ``UNITS_PER_COUNCIL`` units. Returns the
    Telegram ids."""
    sizes = council_sizes(delegates, councils)
    async with database.sessions() as session, session.begin():
        connection = await session.connection()
        await connection.execute(
            insert(Council),
            [
                {"code": council_code(c), "name": f"HĐND bench {c + 1}", "created_at": now}
                for c in range(councils)
            ],
        )
        found = await connection.execute(select(col(Council.code), col(Council.id)))
        ids: dict[str, int | None] = dict(found.tuples().all())
        rows = []
        position = 0
        for c, size in enumerate(sizes):
            for number in range(size):
                rows.append(
                    {
                        "code": delegate_code(c, number),
                        "full_name": f"Nguyễn Văn Thử {position + 1}",
                        "council_id": ids[council_code(c)],
                        "level": "commune",
                        "unit": unit_name(c, number % UNITS_PER_COUNCIL),
                        "constituency": f"Đơn vị bầu cử số {number % 5 + 1}",
                        "phone": f"09{position:08d}",
                        "role": "delegate",
                        "telegram_user_id": telegram_id(position),
                        "language": "vi",
                        "reachable": True,
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                position += 1
        await connection.execute(insert(Delegate), rows)
    return [telegram_id(k) for k in range(delegates)]


# --- reporting ------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def machine_lines(database: Database) -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"CPU: {_cpu_model()}, {cores} cores usable ({os.cpu_count()} online)",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLAlchemy {_version('sqlalchemy')}, python-telegram-bot "
        f"{_version('python-telegram-bot')}, aiosqlite {_version('aiosqlite')}, "
        f"asyncpg {_version('asyncpg')}",
        f"Database: {database.description}",
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A Markdown table; ``align`` has one letter per column, ``l`` or ``r`` (default: the
    first column left, the others right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        padded = (
            value.ljust(width) if side == "l" else value.rjust(width)
            for value, width, side in zip(row, widths, align, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        ":" + "-" * (width + 1) if side == "l" else "-" * (width + 1) + ":"
        for width, side in zip(widths, align, strict=True)
    )
    return "\n".join([line(cells[0]), "|" + "|".join(rule) + "|", *map(line, cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as elapsed: ...`` then ``elapsed[0]`` is the seconds taken, and
    ``elapsed[1]`` the CPU seconds of this process meanwhile (on a machine shared with
    other work the wall clock measures the load as much as the code)."""
    box: list[float] = []
    started = time.perf_counter()
    cpu = time.process_time()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)
        box.append(time.process_time() - cpu)


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process on this machine (``/proc/PID/stat``), e.g.
    the PostgreSQL backend serving the bench's connection; ``None`` if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_pid(session: Any) -> int | None:
    """The PostgreSQL backend process of the session's connection (``None`` on SQLite)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return None
    pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return pid


def load_average() -> float:
    """The 1-minute load average (other work on the machine inflates wall-clock times)."""
    return os.getloadavg()[0]
