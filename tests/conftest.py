"""Shared fixtures: a migrated database per test (SQLite) and per session (PostgreSQL).

The SQLite database of each test is a copy of one migrated per session
(``tests/database_template.py``); the PostgreSQL database is migrated once per session and
emptied after each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import SessionFactory, create_engine, create_session_factory
from bot.migrate import upgrade
from tests import database_template, parallel, process_watch, shared_tls
from tests.web.browser import CHROMIUM_SKIP_REASON

POSTGRES_SKIP_REASON = "PostgreSQL tests need TEST_POSTGRES_URL (postgresql+asyncpg://…)"


def pytest_configure(config: pytest.Config) -> None:
    process_watch.install()
    shared_tls.install()  # one TLS context for every httpx client, not 90 ms of CPU each
    config.pluginmanager.register(parallel, "delegate-bot-parallel")  # the slow tests' lanes


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: a worker per CPU, and one more when the slow tests may run (two of them
    are their lanes, ``tests/parallel.py``). Called before ``pytest_configure``, so defined
    here."""
    return parallel.auto_num_workers(config)


@pytest.fixture(autouse=True)
def _a_test_that_starts_python_is_slow(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test that starts ``python -m bot`` (or any Python) without ``slow``."""
    with process_watch.watching() as started:
        yield
    if started and request.node.get_closest_marker("slow") is None:
        pytest.fail(
            f"{request.node.nodeid} starts {started[0]!r} but is not marked slow: "
            "add @pytest.mark.slow (or pytestmark = pytest.mark.slow in its module), "
            'so that `pytest -m "not slow"` leaves it out',
            pytrace=False,
        )


@pytest.fixture(scope="session", autouse=True)
def _database_template_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The migrated template lives in this session's temporary folder (made on first use)."""
    database_template.set_folder(tmp_path_factory.mktemp("template"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Where the test's SQLite database is; nothing is there until ``engine`` copies it."""
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str) -> str:
    """``sqlite_url`` with a copy of the migrated template already there: for tests that
    reach the database through the CLI, which would otherwise migrate an empty file each
    time (~0.5 s; ``tests/test_migrations.py`` and the CLI's own tests still do)."""
    import asyncio

    asyncio.run(database_template.copy_migrated(database_template.sqlite_path(sqlite_url)))
    return sqlite_url


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    """The test's own SQLite database: a copy of the session's migrated template."""
    await database_template.copy_migrated(database_template.sqlite_path(sqlite_url))
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    return create_session_factory(engine)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    return url


@pytest.fixture(scope="session")
def postgres_database_url(postgres_server_url: str) -> Iterator[str]:
    """A database of its own for this test session, migrated to head, dropped afterwards."""
    import asyncio

    name = f"delegate_bot_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = _asyncpg_dsn(postgres_server_url)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def migrate(url: str) -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
        asyncio.run(migrate(url))
        yield url
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


MANY_ROWS = 1_000  # a table with more is truncated: DELETE would leave as many dead rows


def _tables_with_rows_query() -> str:
    """(name, whether it has more than ``MANY_ROWS``) of each table with rows."""
    from sqlmodel import SQLModel

    return " UNION ALL ".join(
        f"SELECT '{name}', EXISTS (SELECT FROM \"{name}\" OFFSET {MANY_ROWS}) "
        f'WHERE EXISTS (SELECT FROM "{name}")'
        for name in (table.name for table in SQLModel.metadata.sorted_tables)
    )


# every sequence read since its restart (the ids of the tables' rows), back to its start
_RESTART_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)
FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""


@pytest.fixture
async def pg_engine(postgres_database_url: str) -> AsyncIterator[AsyncEngine]:
    """The session's PostgreSQL database, migrated once, emptied after each test.

    Left as ``TRUNCATE … RESTART IDENTITY`` of every table would leave it (no rows, every
    id sequence at its start). When no table has more than ``MANY_ROWS`` rows, by
    ``DELETE`` of the tables with rows, children first: a ``TRUNCATE`` makes new files for
    each table and index and syncs them, most of a short test's time (0.6 s → 0.05 s).
    Nothing waits for this cleanup to reach the disk."""
    engine = create_engine(postgres_database_url)
    yield engine
    from sqlalchemy import text
    from sqlmodel import SQLModel

    async with engine.begin() as connection:
        await connection.execute(text("SET LOCAL synchronous_commit = off"))
        rows = await connection.execute(text(_tables_with_rows_query()))
        found: dict[str, bool] = dict(rows.all())  # name: whether it has many rows
        if any(found.values()):
            tables = ", ".join(f'"{name}"' for name in found)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(SQLModel.metadata.sorted_tables):  # referencing rows first
                if table.name in found:
                    await connection.execute(text(f'DELETE FROM "{table.name}"'))
        await connection.execute(text(_RESTART_SEQUENCES))
    await engine.dispose()


# CI sets these: a test skipped for the missing service then fails the run.
REQUIRED_IN_CI = {
    "CI_REQUIRE_POSTGRES": ("PostgreSQL", POSTGRES_SKIP_REASON),
    "CI_REQUIRE_CHROMIUM": ("browser", CHROMIUM_SKIP_REASON),
}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """CI_REQUIRE_POSTGRES=1 / CI_REQUIRE_CHROMIUM=1: a skipped PostgreSQL or browser test
    then fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    reports = reporter.stats.get("skipped", []) if reporter is not None else []
    for variable, (what, reason) in REQUIRED_IN_CI.items():
        if os.environ.get(variable) != "1":
            continue
        skipped = [report for report in reports if reason in str(report.longrepr)]
        if not skipped:
            continue
        if reporter is not None:
            reporter.write_line(
                f"FAILED: {len(skipped)} {what} tests were skipped although {variable}=1",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
