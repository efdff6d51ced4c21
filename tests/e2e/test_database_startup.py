"""`delegate-bot worker` and `run` started while PostgreSQL cannot be reached (issue 18,
item 4): they wait with backoff, one line per attempt and no traceback, answer 503 on
/healthz meanwhile, come up by themselves once the database answers, and stop cleanly
(exit 0) if told to while waiting. The password never reaches the log."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.db_proxy import DatabaseProxy
from tests.e2e.conftest import TOKEN
from tests.e2e.net import free_port, get, wait_for_health, wait_for_log
from tests.e2e.processes import bot_processes, logs
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot

ATTEMPT = "database is not reachable at"
PASSWORD = "S3cretPw-not-for-logs"


@pytest.fixture
async def cut_proxy(postgres_database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A proxy to the test database that refuses every connection until restored."""
    proxy = DatabaseProxy(postgres_database_url)
    await proxy.start()
    await proxy.cut()
    yield proxy
    await proxy.close()


def environment(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_URL": api_url,
        "QUIET_HOURS": "off",
        "DB_CONNECT_TIMEOUT": "2",
        **extra,
    }


@pytest.mark.timing  # backoff 2, 4 s; up within 10 s
async def test_worker_waits_for_the_database_then_comes_up(
    cut_proxy: DatabaseProxy, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    health = free_port()
    env = environment(
        cut_proxy.url(password=PASSWORD), fake_api.root,
        HEALTH_PORT=str(health), WEBHOOK_LISTEN="127.0.0.1",
    )  # fmt: skip
    async with bot_processes(["worker"], env=env, cwd=tmp_path) as (bot,):
        await wait_for_log(bot, ATTEMPT, timeout=30, count=2)  # at +0 and +2 s
        status, report = await wait_for_health(health, bot)
        assert status == 503, report
        assert report["database"].startswith("connecting: attempt"), report
        assert report["scheduler"] == "stopped"
        assert not fake_api.calls  # nothing else starts before the database answers
        await cut_proxy.restore()
        returned = time.monotonic()
        await wait_for_log(bot, "database answered after", timeout=30)
        while (answer := await get(health))[0] != 200:
            assert time.monotonic() - returned < 30, (answer, logs([bot]))
            await asyncio.sleep(0.2)
        up = time.monotonic() - returned
        assert answer[1]["database"] == "ok"
        await wait_for_log(bot, "worker running", timeout=30)
        assert await bot.terminate() == 0, logs([bot])
    log = bot.log()
    attempts = [line for line in log.splitlines() if ATTEMPT in line]
    print(f"\nup {up:.1f} s after the database returned; attempts:", *attempts, sep="\n")
    assert [re.search(r"next in (\d+) s", line)[1] for line in attempts[:2]] == ["2", "4"]  # type: ignore[index]
    assert "postgresql+asyncpg://postgres:***@127.0.0.1" in attempts[0]
    assert "ConnectionRefusedError" in attempts[0]
    assert up < 10  # the next attempt came within the backoff (4 or 8 s)
    assert PASSWORD not in log
    assert "Traceback" not in log


@pytest.mark.timing  # a stop within 1 s
async def test_run_stops_cleanly_while_waiting_for_the_database(
    cut_proxy: DatabaseProxy, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    env = environment(cut_proxy.url(password=PASSWORD), fake_api.root)
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
        await wait_for_log(bot, ATTEMPT, timeout=30)
        stopping = time.monotonic()
        assert await bot.terminate() == 0, logs([bot])
        stopped = time.monotonic() - stopping
    log = bot.log()
    # The runner's own figure says whether it waited out a backoff; the process's exit
    # time also counts the interpreter's teardown, which a loaded machine stretches.
    assert float(re.search(r"stopped in ([\d.]+) s", log)[1]) < 1, log  # type: ignore[index]
    assert stopped < 20, log
    assert not fake_api.calls  # Telegram was never asked: the database comes first
    assert PASSWORD not in log
    assert "Traceback" not in log


async def test_a_database_that_does_not_exist_is_a_configuration_error(
    postgres_database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    url = make_url(postgres_database_url).set(password=PASSWORD, database="no_such_database")
    env = environment(url.render_as_string(hide_password=False), fake_api.root)
    async with bot_processes(["worker"], env=env, cwd=tmp_path) as (bot,):
        code = await asyncio.wait_for(bot.process.wait(), 30)
    log = bot.log()
    assert code == 1, log  # not retried: systemd does not restart it in a loop either
    assert "cannot open the database at postgresql+asyncpg://postgres:***@" in log
    assert "InvalidCatalogNameError" in log
    assert "Không mở được cơ sở dữ liệu tại" in log  # the CLI's message
    assert ATTEMPT not in log
    assert PASSWORD not in log
    assert "Traceback" not in log
