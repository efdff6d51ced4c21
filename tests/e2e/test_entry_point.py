"""`delegate-bot run` as a real process: migrates, serves, stops cleanly, logs no secrets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot


async def test_run_serves_updates_and_stops_on_sigterm(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.db"
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "TELEGRAM_API_URL": fake_api.root,
        "LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    # Read the log while the process runs: a full pipe (DEBUG logs every SQL statement of
    # the migrations) would otherwise block the process on its next log line.
    assert process.stdout is not None
    reader = asyncio.create_task(process.stdout.read())
    try:
        await fake_api.wait_for_call("deleteWebhook", timeout=30)
        assert database.exists()
        (reply,) = await fake_api.user(1234).send_and_wait("/start", timeout=10)
        assert reply.text is not None
        assert "Văn phòng đã gửi" in reply.text
        assert fake_api.commands(language_code="vi")
    finally:
        process.send_signal(signal.SIGTERM)
        output = await asyncio.wait_for(reader, timeout=30)
        await asyncio.wait_for(process.wait(), timeout=30)
    assert process.returncode == 0, output.decode()
    log = output.decode()
    assert "receiving updates by long polling" in log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
