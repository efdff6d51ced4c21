"""`delegate-bot run` when Telegram is not there yet, refuses the token, or is polled by
another process: it waits with backoff (planning meanwhile), stops cleanly at any moment,
exits 1 for a rejected token, and logs a polling conflict once."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import TOKEN
from tests.e2e.net import free_port, wait_for_health, wait_for_log
from tests.e2e.processes import bot_processes, logs
from tests.e2e.seeding import outbox_statuses, owe_reminders
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot

ATTEMPT = "Telegram is not reachable at"


def environment(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_API_URL": api_url,
        "QUIET_HOURS": "off",
        **extra,
    }


def assert_clean(log: str) -> None:
    assert "Traceback" not in log, log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


@pytest.mark.timing  # backoff 2, 4, 8 s; a stop within 5 s
async def test_no_telegram_waits_plans_and_stops_on_sigterm(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there: every connection is refused
    await owe_reminders(tmp_path / "bot.db", 5, first_user_id=70_000, plan=False)
    health = free_port()
    env = environment(
        tmp_path, f"http://127.0.0.1:{closed}", HEALTH_PORT=str(health), WEBHOOK_LISTEN="127.0.0.1"
    )
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
        log = await wait_for_log(bot, ATTEMPT, timeout=30, count=3)  # at +0, +2 and +6 s
        # The planner needs no network: the reminders wait in the outbox.
        statuses = await outbox_statuses(tmp_path / "bot.db")
        assert set(statuses) == {"pending"}
        assert statuses["pending"] >= 5  # a reminder each, and tomorrow's digests
        status, report = await wait_for_health(health, bot)
        assert status == 200, report
        assert (report["telegram"], report["sender"], report["outbox_backlog"]) == (
            "connecting",
            False,
            5,
        )
        stopping = time.monotonic()
        assert await bot.terminate() == 0, logs([bot])
        stop_seconds = time.monotonic() - stopping
    log = bot.log()
    attempts = [line for line in log.splitlines() if ATTEMPT in line]
    print(
        f"\n{len(attempts)} attempts logged, stopped in {stop_seconds:.1f} s:", *attempts, sep="\n"
    )
    assert f"http://127.0.0.1:{closed}: getMe failed" in attempts[0]
    assert [re.search(r"next in (\d+) s", line)[1] for line in attempts[:3]] == ["2", "4", "8"]  # type: ignore[index]
    assert stop_seconds < 5
    assert_clean(log)


@pytest.mark.timing  # backoff 2 s, then 4 s
async def test_telegram_failing_at_first_then_answering(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    users = await owe_reminders(tmp_path / "bot.db", 3, first_user_id=71_000)
    for user_id in users:
        fake_api.user(user_id).started = True
    fake_api.fail_next("getMe", 502, "Bad Gateway", count=2)
    started = time.monotonic()
    async with bot_processes(["run"], env=environment(tmp_path, fake_api.root), cwd=tmp_path) as (
        bot,
    ):
        for user_id in users:  # sent once Telegram answers
            await fake_api.wait_for_messages(user_id, 1, timeout=30)
        connected = time.monotonic() - started
        (reply,) = await fake_api.user(1234).send_and_wait("/start", timeout=10)
        assert reply.text
        assert await bot.terminate() == 0, logs([bot])
    log = bot.log()
    assert log.count(ATTEMPT) == 2, log
    assert "Telegram answered after 3 attempts" in log
    assert connected >= 6  # waited 2 s, then 4 s
    statuses = await outbox_statuses(tmp_path / "bot.db")
    assert (statuses["sent"], statuses["sending"], statuses["failed"]) == (3, 0, 0)
    assert_clean(log)


async def test_rejected_token_exits_1_with_the_token_masked(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    fake_api.fail_next("getMe", 401, "Unauthorized")
    async with bot_processes(["run"], env=environment(tmp_path, fake_api.root), cwd=tmp_path) as (
        bot,
    ):
        code = await asyncio.wait_for(bot.process.wait(), 30)
    log = bot.log()
    assert code == 1, log
    assert "rejected the bot token 123456:***" in log  # the operator's log line
    assert "Telegram từ chối mã bot 123456:***" in log  # the CLI's message (Vietnamese)
    assert_clean(log)


@pytest.mark.timing  # a stop within 5 s
async def test_sigterm_during_start_up_stops_cleanly(fake_api: FakeBotApi, tmp_path: Path) -> None:
    fake_api.delay("deleteWebhook", 20)  # Telegram is slow to answer the bootstrap call
    async with bot_processes(["run"], env=environment(tmp_path, fake_api.root), cwd=tmp_path) as (
        bot,
    ):
        await fake_api.wait_until(
            lambda: any(call.method == "deleteWebhook" for call in fake_api.calls), timeout=30
        )
        stopping = time.monotonic()
        assert await bot.terminate() == 0, logs([bot])
        assert time.monotonic() - stopping < 5
    assert "receiving updates" not in bot.log()
    assert_clean(bot.log())


@pytest.mark.timing  # polls within 10 s
async def test_polling_conflict_is_logged_once_and_not_retried_in_a_loop(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with bot_processes(["run"], env=environment(tmp_path, fake_api.root), cwd=tmp_path) as (
        bot,
    ):
        await wait_for_log(bot, "receiving updates by long polling")
        # Another process polls the same token, as fast as PTB's own loop would.
        url = f"{fake_api.root}/bot{TOKEN}/getUpdates"
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        async with aiohttp.ClientSession() as session:
            while loop.time() < end:
                async with session.post(url, data={"timeout": "1", "limit": "7"}) as response:
                    await response.read()
        conflicts = [
            call
            for call in fake_api.calls_to("getUpdates")
            if call.status == 409 and str(call.params.get("limit")) != "7"
        ]
        assert await bot.terminate() == 0, logs([bot])
    log = bot.log()
    print(f"\n{len(conflicts)} of the bot's polls ended in 409 within 10 s")
    assert log.count("Telegram refuses to give this process updates (409") == 1, log
    assert "stop the other process" in log
    assert "webhook mode" in log
    assert len(conflicts) <= 5  # backing off 2, 4, 8 … s, not every second
    assert_clean(log)


async def test_health_port_in_use_exits_1(fake_api: FakeBotApi, tmp_path: Path) -> None:
    with_health = free_port()
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", with_health)
    try:
        env = environment(
            tmp_path, fake_api.root, HEALTH_PORT=str(with_health), WEBHOOK_LISTEN="127.0.0.1"
        )
        async with bot_processes(["run"], env=env, cwd=tmp_path) as (bot,):
            code = await asyncio.wait_for(bot.process.wait(), 30)
    finally:
        server.close()
        await server.wait_closed()
    assert code == 1, bot.log()
    assert f"127.0.0.1:{with_health}" in bot.log()
    assert_clean(bot.log())
