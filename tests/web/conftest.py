"""The Mini App served by a real aiohttp server on a test port, over a seeded database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.db import SessionFactory
from bot.domain.init_data import sign
from bot.web.app import webapp
from bot.web.deps import WebDeps
from tests.factories import NOW
from tests.web.seed import ADMIN, Seeded, seed

TOKEN = "123456:AAE-the-bot-token-of-this-test"
OTHER_TOKEN = "654321:AAE-another-bots-token"


def init_data(
    user_id: int,
    *,
    language: str = "vi",
    token: str = TOKEN,
    auth_date: datetime = NOW,
    first_name: str = "Test",
) -> str:
    """initData as a Telegram client gives it to this bot's Mini App."""
    user = {"id": user_id, "first_name": first_name, "language_code": language}
    return sign(
        {
            "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
            "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
            "auth_date": str(int(auth_date.timestamp())),
        },
        token,
    )


def headers(user_id: int, **kwargs: object) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(user_id, **kwargs)}  # type: ignore[arg-type]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return Settings(
        BOT_TOKEN=TOKEN,  # type: ignore[arg-type]
        DATABASE_URL=sqlite_url,
        ADMIN_TELEGRAM_IDS=frozenset({ADMIN}),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def seeded(session_factory: SessionFactory) -> Seeded:
    return await seed(session_factory)


@pytest.fixture
async def client(
    settings: Settings, session_factory: SessionFactory, seeded: Seeded
) -> AsyncIterator[TestClient[object, object]]:
    app = webapp(WebDeps(settings, session_factory, lambda: NOW))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
