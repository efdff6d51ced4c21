"""Async engine, session factory and the UTC-aware datetime column type."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

T = TypeVar("T")

CHUNK = 10_000
"""Values bound in one ``IN (…)`` list: asyncpg refuses more than 32,767 parameters in a
statement, and a list that grows with the data must stay well below that."""


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` without duplicates (first seen order), in lists of at most ``size``."""
    batch: list[T] = []
    for value in dict.fromkeys(values):
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    SQLite has no time zone storage, so values are normalised to UTC before they are
    written and tagged as UTC when read; naive input is a programming error.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


SQLITE_BUSY_TIMEOUT = 10.0
"""Seconds an SQLite writer waits for another one (CLI commands; ``run`` uses its bounds)."""
COMMAND_GRACE = 5.0
"""Seconds asyncpg waits beyond ``statement_timeout``: the server cancels a slow statement
first (a clean error), the client gives up on a silent connection only after that."""


@dataclass(frozen=True)
class DatabaseBounds:
    """How long one database call of a long-running process may take (``DB_*_TIMEOUT``).

    Without them a job whose connection the network silently dropped waits forever, and
    the scheduler then skips every later run of it ("maximum number of running
    instances reached"). ``statement`` ``None``: no bound on statements (migrations).
    """

    connect: float = 10.0
    statement: float | None = 60.0
    pool: float = 10.0


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the CLI read while the bot writes; busy_timeout makes a second writer wait.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


def create_engine(url: str, bounds: DatabaseBounds | None = None) -> AsyncEngine:
    """Engine for ``DATABASE_URL``; creates the SQLite file's folder when needed.

    ``bounds`` (``run`` and ``worker``): every connect, statement and wait for a pooled
    connection ends within them, so a job always ends while the database is away.
    """
    # hide_parameters: a failed statement's log line must not show names or phones.
    options: dict[str, Any] = {"hide_parameters": True}
    if bounds is not None:
        options["pool_timeout"] = bounds.pool
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **options)
        busy = SQLITE_BUSY_TIMEOUT
        if bounds is not None and bounds.statement is not None:
            busy = bounds.statement
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy))
        return engine
    if bounds is not None and make_url(url).get_driver_name() == "asyncpg":
        connect_args: dict[str, Any] = {"timeout": bounds.connect}
        if bounds.statement is not None:
            connect_args["command_timeout"] = bounds.statement + COMMAND_GRACE
            milliseconds = str(int(bounds.statement * 1000))
            connect_args["server_settings"] = {"statement_timeout": milliseconds}
        options["connect_args"] = connect_args
    return create_async_engine(url, pool_pre_ping=True, **options)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def atomic(session: AsyncSession) -> AsyncIterator[None]:
    """Writes that must happen all together or not at all, inside the caller's transaction.

    For a block in a transaction the caller owns and may already have read or written in
    (the caller commits). A SAVEPOINT on PostgreSQL, so a failure (a lost race on a
    unique index) undoes only these writes. Not on SQLite: its driver begins a
    transaction only at a first INSERT/UPDATE/DELETE, so a SAVEPOINT before one opens a
    transaction of its own (which its RELEASE commits), and a read followed by a write
    inside it fails at once with "database is locked" instead of waiting for the other
    writer. There a failure rolls the caller's whole transaction back, so callers commit
    earlier steps first.

    :func:`begin_for_savepoints` solves this with ``BEGIN IMMEDIATE``, but only for a
    transaction that has not written yet (``BEGIN`` inside an open SQLite transaction
    fails), and it holds SQLite's write lock from then to the commit, even on a path that
    only reads. Neither can be known here, so this stays as it is; use
    :func:`begin_for_savepoints` when you open the transaction yourself for a series of
    savepoints.
    """
    assert session.bind is not None
    if session.bind.dialect.name == "sqlite":
        try:
            yield
        except Exception:
            await session.rollback()
            raise
    else:
        async with session.begin_nested():
            yield


async def begin_for_savepoints(session: AsyncSession) -> None:
    """Opens the transaction before a first SAVEPOINT, on SQLite as on PostgreSQL.

    For a transaction the caller opens itself for a series of ``begin_nested()``
    savepoints (``jobs/held_writes.py``): call it first, before the transaction's first
    INSERT/UPDATE/DELETE (on SQLite, ``BEGIN`` inside an open transaction fails). SQLite's
    driver begins a transaction only at a first write: a SAVEPOINT issued before one
    opens a transaction of its own, which its RELEASE commits, so the writes of the
    savepoints before a failure would stay written. ``BEGIN IMMEDIATE`` takes the write
    lock at once (waiting up to the busy timeout), so no read inside can fail later for
    want of upgrading its lock; the driver then commits or rolls back the whole.
    PostgreSQL has begun already. For one block inside a transaction someone else owns
    (which may have written already), use :func:`atomic` instead.
    """
    assert session.bind is not None
    if session.bind.dialect.name == "sqlite":
        await (await session.connection()).execute(text("BEGIN IMMEDIATE"))


def utcnow() -> datetime:
    """The wall clock, for entry points and jobs only; domain code takes ``now`` as an argument."""
    return datetime.now(UTC)


async def insert_ignoring_duplicates(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]], *, unique: list[str]
) -> int:
    """``INSERT … ON CONFLICT DO NOTHING``: two planners racing never make a second row.

    Returns how many rows were new, counted from ``RETURNING`` (drivers disagree on the
    row count of a batched insert: asyncpg reports -1).
    """
    if not rows:
        return 0
    dialect = (await session.connection()).dialect
    if dialect.name == "postgresql":
        return await _insert_unnest(session, table, rows, unique=unique, dialect=dialect)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    statement = (
        sqlite_insert(table).on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
    )
    # With RETURNING and a list of parameter sets, SQLAlchemy batches the rows into
    # multi-row INSERTs itself ("insertmanyvalues") and hands back every new id.
    result = await session.exec(statement, params=rows)
    return len(result.all())


async def insert_or_nothing(
    session: AsyncSession, table: Any, values: dict[str, Any], *, unique: list[str]
) -> int | None:
    """One row's ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: its new id, or ``None``
    when another transaction wrote the same key first (a race settled by the index)."""
    found = await insert_new(session, table, [values], unique=unique)
    return found[0][0] if found else None


async def insert_new(
    session: AsyncSession,
    table: Any,
    rows: list[dict[str, Any]],
    *,
    unique: list[str],
    returning: Sequence[str] = ("id",),
) -> list[tuple[Any, ...]]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING …`` of many rows in one statement: the
    ``returning`` columns of each row this call wrote (a row whose key another transaction
    wrote first is left out). For the few rows a caller goes on using; for bulk planning
    ``insert_ignoring_duplicates`` is faster."""
    if not rows:
        return []
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = (await session.connection()).dialect
    statement: Any = (
        postgresql.insert(table) if dialect.name == "postgresql" else sqlite.insert(table)
    )
    statement = statement.on_conflict_do_nothing(index_elements=unique).returning(
        *(table.c[name] for name in returning)
    )
    result = await session.exec(statement, params=rows)
    return [tuple(row) for row in result.all()]


UNNEST_CHUNK = 50_000
"""Rows per ``INSERT … SELECT FROM unnest(…)``: one array parameter per column."""


async def _insert_unnest(
    session: AsyncSession,
    table: Any,
    rows: list[dict[str, Any]],
    *,
    unique: list[str],
    dialect: Dialect,
) -> int:
    """PostgreSQL: each column sent as one array and the rows rebuilt by ``unnest``.

    A planned quarter is 170,000+ rows; as multi-row VALUES every cell is a bound
    parameter rendered and converted in Python (most of the planner's time). As arrays
    asyncpg encodes each column in C, and the statement has one parameter per column.
    Values are the ones the column types would bind: aware datetimes, plain scalars.
    """
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(table.c[name].name) for name in names)  # KeyError: not a column
    casts = ", ".join(
        f"CAST(:c{i} AS {table.c[name].type.compile(dialect=dialect)}[])"
        for i, name in enumerate(names)
    )
    conflict = ", ".join(quote(table.c[name].name) for name in unique)
    # Only the table's own identifiers, quoted by the dialect, go into the text; every
    # value is a bound array.
    statement = text(
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT * FROM unnest({casts}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING id"
    )
    connection = await session.connection()
    created = 0
    for start in range(0, len(rows), UNNEST_CHUNK):
        chunk = rows[start : start + UNNEST_CHUNK]
        params = {f"c{i}": [row[name] for row in chunk] for i, name in enumerate(names)}
        result = await connection.execute(statement, params)
        created += len(result.all())
    return created
