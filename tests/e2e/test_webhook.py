"""Webhook mode as a real process: Telegram's secret token or 403 and nothing changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN
from tests.e2e.net import (
    forward_updates,
    free_port,
    row_counts,
    wait_for_health,
    wait_for_log,
)
from tests.e2e.processes import bot_processes, logs
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot

SECRET = "Webhook_secret-for-the-e2e-test-0123456789"


async def test_only_updates_with_the_secret_are_processed(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.db"
    port, health_port = free_port(), free_port()
    hook = f"http://127.0.0.1:{port}/tg/hook"
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "TELEGRAM_API_URL": fake_api.root,
        "WEBHOOK_URL": hook,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": SECRET,
        "HEALTH_PORT": str(health_port),
    }
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
        await wait_for_log(bot, "receiving updates by webhook")
        assert fake_api.webhook is not None
        assert fake_api.webhook["url"] == hook
        assert fake_api.webhook["secret_token"] == SECRET
        status, health = await wait_for_health(health_port, bot)
        assert (status, health["mode"], health["telegram"]) == (200, "webhook", "connected")

        intruder = fake_api.user(4321, "Kẻ giả mạo", language_code="vi")
        queued = await intruder.send("/lang en")  # queued at the fake; the test plays Telegram
        before = await row_counts(database)
        assert before["user_preferences"] == 0
        forged = [
            *await forward_updates(fake_api, hook, None),
            *await forward_updates(fake_api, hook, "x" * 40),
            *await forward_updates(fake_api, hook, SECRET[:-1]),
            *await forward_updates(fake_api, hook, SECRET + "0"),
        ]
        assert [status for _update, status in forged] == [403, 403, 403, 403]

        # A genuine update after them: processed. Updates are handled in order, so once
        # its reply is there, anything the forged requests had queued was handled too.
        user = fake_api.user(4322, "Lan", language_code="vi")
        await user.send("/lang en")
        last_forged = max(update for update, _status in forged)
        [(_update, status)] = await forward_updates(fake_api, hook, SECRET, after=last_forged)
        assert status == 200
        (reply,) = await user.wait_for_messages(1, timeout=10)
        assert reply.text == "Language set to English."
        assert intruder.messages == []
        after = await row_counts(database)
        assert after["user_preferences"] == 1  # the genuine user's language only
        assert {t: n for t, n in after.items() if t != "user_preferences"} == {
            t: n for t, n in before.items() if t != "user_preferences"
        }
        assert queued["text"] == "/lang en"
        assert await bot.terminate() == 0, logs([bot])
    log = bot.log()
    assert "Traceback" not in log, log
    assert SECRET not in log
    assert TOKEN.split(":")[1] not in log
