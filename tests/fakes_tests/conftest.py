"""Fixtures for the fake Bot API server's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.fakes import FakeBotApi, FakeUser


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server
    assert not server.internal_errors, "the fake Bot API itself failed; see the log"


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


@pytest.fixture
async def user(api: FakeBotApi) -> FakeUser:
    """A user who has started the bot."""
    user = api.user(1001, "Nguyễn Văn A", language_code="vi")
    await user.send("/start")
    return user
