"""The real PTB Application, polling the fake Bot API server over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.db import SessionFactory, create_session_factory
from bot.telegram.app import build_application, post_init
from bot.telegram.context import BotApplication, Deps
from tests.factories import NOW
from tests.fakes import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
ADMIN_ID = 900_001


class Clock:
    """The application's clock, moved by tests instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    api: FakeBotApi
    application: BotApplication
    settings: Settings
    session_factory: SessionFactory
    clock: Clock


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_test_bot") as server:
        yield server


@asynccontextmanager
async def running_harness(
    fake_api: FakeBotApi, session_factory: SessionFactory, database_url: str
) -> AsyncIterator[Harness]:
    """The application polling ``fake_api`` on the database of ``session_factory``."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_URL=fake_api.root,
        ADMIN_TELEGRAM_IDS=str(ADMIN_ID),
        USER_UPDATE_BURST=10_000,  # tests press fast; the budget has tests of its own
    )
    clock = Clock(NOW)
    application = build_application(
        Deps(settings=settings, session_factory=session_factory, clock=clock)
    )
    await application.initialize()
    await post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield Harness(fake_api, application, settings, session_factory, clock)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@pytest.fixture
async def harness(
    fake_api: FakeBotApi, session_factory: SessionFactory, sqlite_url: str
) -> AsyncIterator[Harness]:
    async with running_harness(fake_api, session_factory, sqlite_url) as running:
        yield running


@pytest.fixture
async def pg_harness(
    fake_api: FakeBotApi, pg_engine: AsyncEngine, postgres_database_url: str
) -> AsyncIterator[Harness]:
    """The same application on the test session's PostgreSQL database (int4 ids, asyncpg)."""
    sessions = create_session_factory(pg_engine)
    async with running_harness(fake_api, sessions, postgres_database_url) as running:
        yield running
