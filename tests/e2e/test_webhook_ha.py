"""High availability: two `run` processes in webhook mode behind one address, PostgreSQL.

The test is the load balancer: it hands each update Telegram would post to one process
or the other. A secretary's broadcast is begun on one process, written on the other and
confirmed on the first (the conversation lives in the database). Exactly one process
sends (``/healthz`` says which); it is killed with SIGKILL half way through, and the
other completes the broadcast: nobody misses a copy, duplicates are only rows flagged
``outcome_uncertain``, never more than 30 sends in a second, takeover within a minute.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_session_factory
from tests.e2e.conftest import TOKEN
from tests.e2e.net import forward_updates, free_port, get, wait_for_health, wait_for_log
from tests.e2e.processes import BotProcess, logs, start_bot
from tests.e2e.test_failover import wait_for
from tests.factories import add_linked_delegates
from tests.fakes import FakeBotApi, FakeUser

pytestmark = [
    pytest.mark.slow,  # starts python -m bot
    pytest.mark.timing,  # 30 sends in a second, a takeover within a minute
]

DELEGATES = 300
FIRST_USER_ID = 40_000
ADMIN = 41_999
COUNCIL = "HDND-HA"
SECRET = "HA-webhook-secret_0123456789abcdefghij"


class LoadBalancer:
    """Forwards the updates the fake users queued to the chosen process's webhook."""

    def __init__(self, api: FakeBotApi, ports: list[int]) -> None:
        self.api = api
        self.ports = ports
        self.forwarded = 0

    async def to(self, index: int) -> None:
        answers = await forward_updates(
            self.api, f"http://127.0.0.1:{self.ports[index]}/tg/hook", SECRET, after=self.forwarded
        )
        assert answers, "nothing to forward"
        assert all(status == 200 for _update, status in answers), answers
        self.forwarded = max(update for update, _status in answers)


async def say(admin: FakeUser, lb: LoadBalancer, index: int, message: str) -> str:
    before = len(admin.messages)
    await admin.send(message)
    await lb.to(index)
    replies = await admin.wait_for_messages(before + 1, timeout=30)
    return replies[before].text or ""


async def broadcast_across_processes(fake_api: FakeBotApi, hook_ports: list[int]) -> None:
    """Begun on the first process, written on the second, confirmed on the first."""
    lb = LoadBalancer(fake_api, hook_ports)
    admin = fake_api.user(ADMIN)
    asked = await say(admin, lb, 0, f"/thongbao council:{COUNCIL} all")
    preview_text = await say(admin, lb, 1, "Giấy mời kỳ họp thứ 5 và tài liệu kèm theo")
    assert f"Sẽ nhận: {DELEGATES} đại biểu" in preview_text, (asked, preview_text)
    await admin.press(admin.last_message, f"Gửi cho {DELEGATES} đại biểu")
    await lb.to(0)


async def senders(health_ports: list[int]) -> list[bool]:
    return [bool((await get(port))[1]["sender"]) for port in health_ports]


async def scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar_one()


async def test_two_webhook_processes_share_conversations_and_fail_over(
    pg_engine: AsyncEngine, postgres_database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    users = await add_linked_delegates(
        create_session_factory(pg_engine), DELEGATES, council=COUNCIL, first_user_id=FIRST_USER_ID
    )
    for user_id in users:
        fake_api.user(user_id).started = True
    hook_ports, health_ports = [free_port(), free_port()], [free_port(), free_port()]
    base = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": postgres_database_url,
        "TELEGRAM_API_URL": fake_api.root,
        "ADMIN_TELEGRAM_IDS": str(ADMIN),
        "QUIET_HOURS": "off",
        # One public address for both, as behind a load balancer (nothing listens there).
        "WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/tg/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "DISPATCH_INTERVAL": "1",  # the standby's takeover within a second, not ten
    }
    processes: list[BotProcess] = []
    for number in range(2):
        env = {
            **base,
            "WEBHOOK_PORT": str(hook_ports[number]),
            "HEALTH_PORT": str(health_ports[number]),
        }
        processes.append(
            await start_bot(["run"], env=env, cwd=tmp_path, log_path=tmp_path / f"run-{number}.log")
        )
    try:
        await run_scenario(pg_engine, fake_api, users, processes, hook_ports, health_ports)
    finally:
        for bot in processes:
            if bot.alive:
                bot.kill()
            await bot.process.wait()


async def run_scenario(
    pg_engine: AsyncEngine,
    fake_api: FakeBotApi,
    users: list[int],
    processes: list[BotProcess],
    hook_ports: list[int],
    health_ports: list[int],
) -> None:
    for bot, port in zip(processes, health_ports, strict=True):
        await wait_for_log(bot, "receiving updates by webhook")
        await wait_for_health(port, bot)

    async def one_sender() -> bool:
        flags = await senders(health_ports)
        assert flags != [True, True], logs(processes)
        return flags.count(True) == 1

    await wait_for("one sender", one_sender, timeout=30, processes=processes)
    await broadcast_across_processes(fake_api, hook_ports)

    def copies() -> Counter[int]:
        return Counter(m.chat_id for m in fake_api.sent_messages if m.method == "copyMessage")

    async def a_third_sent() -> bool:
        assert all(bot.alive for bot in processes), logs(processes)
        return len(copies()) >= DELEGATES // 3

    await wait_for("a third of the copies", a_third_sent, timeout=60, processes=processes)
    flags = await senders(health_ports)
    assert flags.count(True) == 1, flags
    sender = processes[flags.index(True)]
    survivor_index = flags.index(False)
    survivor = processes[survivor_index]
    sender.kill()
    killed_at = time.monotonic()
    await sender.process.wait()
    at_kill = len(copies())
    sends_at_kill = len(fake_api.send_times)

    async def finished() -> bool:
        assert survivor.alive, logs(processes)
        status = await scalar(pg_engine, "SELECT status FROM broadcasts")
        return status == "done" and set(copies()) == set(users)

    await wait_for("the broadcast done", finished, timeout=120, processes=processes)
    done_after = time.monotonic() - killed_at
    received = copies()
    duplicates = sum(n - 1 for n in received.values())
    uncertain = await scalar(pg_engine, "SELECT count(*) FROM outbox WHERE outcome_uncertain")
    # the killed sender's last requests may still land a few ms after the kill
    resumed = next(at for at in fake_api.send_times[sends_at_kill:] if at > killed_at + 0.5)
    print(
        f"\nwebhook HA: killed {sender} after {at_kill} copies; {survivor} took over "
        f"{resumed - killed_at:.1f} s later and finished {done_after:.1f} s after the kill; "
        f"duplicates {duplicates}, uncertain {uncertain}; "
        f"max in 1 s {fake_api.max_sends_in_window(1.0)}"
    )
    assert resumed - killed_at < 60
    assert set(received) == set(users)
    assert isinstance(uncertain, int)
    assert duplicates <= uncertain
    assert done_after < 60
    assert fake_api.max_sends_in_window(1.0) <= 30
    status, report = await get(health_ports[survivor_index])
    assert (status, report["sender"]) == (200, True)
    assert await survivor.terminate() == 0, logs(processes)
