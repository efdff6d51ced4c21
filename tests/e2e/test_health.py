"""``/healthz``: healthy on a running ``delegate-bot run``; 503 for a stopped scheduler or
an unreachable database; nothing but GET/HEAD /healthz is served."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine, create_session_factory, utcnow
from bot.health import HealthState
from bot.migrate import upgrade
from bot.models import OutboxMessage
from bot.services.outbox.payloads import SummaryPayload
from bot.services.outbox.rows import outbox_row
from bot.telegram.menus import secretariat_menu
from bot.web.app import health_app
from bot.web.server import WebServer
from jobs.scheduler import JobRunner
from tests.e2e.conftest import TOKEN, Harness
from tests.e2e.net import free_port, get, wait_for_health
from tests.e2e.processes import bot_processes, logs
from tests.factories import add_delegate
from tests.fakes import FakeBotApi


@pytest.mark.slow  # starts python -m bot
async def test_running_bot_reports_healthy(fake_api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_API_URL": fake_api.root,
        "HEALTH_PORT": str(port),  # on WEBAPP_LISTEN, loopback by default
    }
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
        await wait_for_health(port, bot)
        await fake_api.wait_until(
            lambda: any(call.method == "getUpdates" for call in fake_api.calls), timeout=30
        )

        async def dispatched() -> dict[str, object]:
            status, report = await get(port)
            assert status == 200, report
            return dict(report)

        report = await dispatched()
        for _ in range(50):  # the first drain runs as soon as Telegram answered
            if report["last_dispatch"] is not None:
                break
            report = await dispatched()
        assert report["status"] == "ok"
        assert report["mode"] == "polling"
        assert report["database"] == "ok"
        assert report["scheduler"] == "running"
        assert report["sender"] is True
        assert report["telegram"] == "connected"
        assert report["outbox_backlog"] == 0
        assert str(report["last_dispatch"]).endswith("Z"), report

        assert (await get(port, "/"))[0] == 404
        assert (await get(port, "/healthz/../admin"))[0] == 404
        assert (await get(port, "/healthz", method="POST"))[0] == 405
        assert (await get(port, "/healthz?verbose=1"))[0] == 200  # the query is ignored
        status, body = await get(port, "/healthz", method="HEAD")
        assert (status, body) == (200, None)
        # aiohttp answers a request it cannot parse as HTTP/1.0, and closes the connection.
        assert (await raw(port, b"GARBAGE\r\n\r\n")).split(b" ", 2)[1] == b"400"
        assert (await raw(port, b"GET /healthz HTTP/1.1\r\n" + b"X" * 10_000)).split(b" ", 2)[
            1
        ] == b"400"

        assert await bot.terminate() == 0, logs([bot])
    assert "Traceback" not in bot.log(), logs([bot])


async def raw(port: int, request: bytes) -> bytes:
    """What the server answers to these exact bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def jobs(harness: Harness, engine: AsyncEngine) -> AsyncIterator[JobRunner]:
    runner = JobRunner(
        settings=harness.settings,
        engine=engine,
        session_factory=harness.session_factory,
        bot=harness.application.bot,
        clock=harness.clock,
        secretariat_menu=secretariat_menu,
    )
    yield runner
    await runner.stop(timeout=1)


async def serve(state: HealthState) -> WebServer:
    server = WebServer(health_app(state, utcnow), host="127.0.0.1", port=0)
    await server.start()
    return server


async def test_stopped_scheduler_is_unhealthy(
    harness: Harness, engine: AsyncEngine, jobs: JobRunner
) -> None:
    # Three reminders due now wait while Telegram has not answered yet: a backlog.
    now = harness.clock()
    summary = SummaryPayload(councils=(), since=now)
    async with harness.session_factory() as session, session.begin():
        session.add_all(
            OutboxMessage(**outbox_row(summary, f"k{n}", now=now, chat_id=1000 + n,
                                       due_at=now - timedelta(minutes=n)))
            for n in range(3)
        )  # fmt: skip
    jobs.start(sending=False)
    server = await serve(HealthState(engine=engine, mode="polling", jobs=jobs))
    try:
        status, report = await get(server.port)
        assert status == 200, report
        assert report["scheduler"] == "running"
        assert report["outbox_backlog"] == 3
        assert report["sender"] is False  # not before Telegram answers
        assert report["last_dispatch"] is None

        await jobs.stop(timeout=1)
        status, report = await get(server.port)
        assert status == 503, report
        assert report["status"] == "unhealthy"
        assert report["scheduler"] == "stopped"
        assert report["database"] == "ok"
    finally:
        await server.close()


async def test_unreachable_database_is_unhealthy(
    harness: Harness, jobs: JobRunner, tmp_path: Path
) -> None:
    jobs.start(sending=False)
    missing = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'bot.db'}")
    server = await serve(HealthState(engine=missing, mode="worker", jobs=jobs))
    try:
        status, report = await get(server.port)
        assert status == 503, report
        assert report["database"].startswith("unreachable"), report
        assert report["outbox_backlog"] is None
        assert report["scheduler"] == "running"
    finally:
        await server.close()
        await missing.dispose()


@pytest.mark.slow  # starts python -m bot
async def test_run_serves_the_mini_app_with_healthz_and_sets_menu_buttons(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """WEBAPP_PORT: the page, the API (401 without initData) and /healthz on one port,
    on loopback by default; WEBAPP_URL: linked chats get the Mini App button."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(engine)
    await add_delegate(
        create_session_factory(engine), "VP-1", role="secretary", telegram_user_id=501
    )
    await engine.dispose()
    fake_api.user(501)
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_API_URL": fake_api.root,
        "WEBAPP_PORT": str(port),
        "WEBAPP_URL": "https://bot.example.vn/app/",
    }
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
        status, report = await wait_for_health(port, bot)
        assert status in (200, 503), report
        assert (await get(port, "/app/api/me"))[:2] == (401, {"error": "missing"})
        await fake_api.wait_until(lambda: 501 in fake_api.menu_buttons, timeout=30)
        assert fake_api.menu_buttons[501]["text"] == "Bảng theo dõi"
        assert await bot.terminate() == 0, logs([bot])
    assert "Traceback" not in bot.log(), logs([bot])
    assert f"serving http://127.0.0.1:{port}/" in bot.log()
