"""kill -9 of the sending process half way through a broadcast to 526 delegates.

`python -m bot run` and `python -m bot worker` share a PostgreSQL database and the token.
An admin composes and confirms through the fake Bot API server; when about half the
copies are out, the process holding the sender lock gets SIGKILL. The other one takes
over: every delegate has the copy, only rows flagged ``outcome_uncertain`` may have
arrived twice, and the confirmation message, edited by whichever process sends, ends at
526/526.
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
from tests.e2e.processes import bot_processes, logs
from tests.e2e.test_failover import active_sender, wait_for
from tests.factories import add_linked_delegates
from tests.fakes import FakeBotApi

pytestmark = [
    pytest.mark.slow,  # starts python -m bot
    pytest.mark.timing,  # never over 30 sends in a second
]

DELEGATES = 526
FIRST_USER_ID = 30_000
ADMIN = 31_999
COUNCIL = "HDND-BC"


async def scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar_one()


async def test_sender_killed_mid_broadcast(
    pg_engine: AsyncEngine, postgres_database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    users = await add_linked_delegates(
        create_session_factory(pg_engine), DELEGATES, council=COUNCIL, first_user_id=FIRST_USER_ID
    )
    for user_id in users:
        fake_api.user(user_id).started = True
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": postgres_database_url,
        "TELEGRAM_API_URL": fake_api.root,
        "ADMIN_TELEGRAM_IDS": str(ADMIN),
        "QUIET_HOURS": "off",
        "LOG_LEVEL": "INFO",
        "DISPATCH_INTERVAL": "1",  # the standby's takeover within a second, not ten
    }

    def copies() -> Counter[int]:
        return Counter(m.chat_id for m in fake_api.sent_messages if m.method == "copyMessage")

    async with bot_processes(("run",), ("worker",), env=env, cwd=tmp_path) as processes:
        await fake_api.wait_for_call("getUpdates", timeout=60, answered=False)
        admin = fake_api.user(ADMIN)
        await admin.send_and_wait(f"/thongbao council:{COUNCIL} all", timeout=30)
        (preview,) = await admin.send_and_wait(
            "Giấy mời kỳ họp thứ 5 <HĐND> & tài liệu", timeout=30
        )
        await admin.press(preview, f"Gửi cho {DELEGATES} đại biểu")

        async def half_sent() -> bool:
            assert all(bot.alive for bot in processes), logs(processes)
            return len(copies()) >= DELEGATES // 2

        await wait_for("half the copies", half_sent, timeout=60, processes=processes)
        sender = await active_sender(pg_engine, processes)
        (survivor,) = [bot for bot in processes if bot is not sender]
        sender.kill()
        killed_at = time.monotonic()
        await sender.process.wait()
        at_kill = len(copies())

        async def finished() -> bool:
            assert survivor.alive, logs(processes)
            status = await scalar(pg_engine, "SELECT status FROM broadcasts")
            return status == "done" and set(copies()) == set(users)

        await wait_for("the broadcast done", finished, timeout=120, processes=processes)
        received = copies()
        duplicates = sum(n - 1 for n in received.values())
        uncertain = await scalar(pg_engine, "SELECT count(*) FROM outbox WHERE outcome_uncertain")
        final = (preview.text or "").splitlines()[-1]
        print(
            f"\nbroadcast failover: killed {sender} after {at_kill} copies; survivor "
            f"{survivor} finished {time.monotonic() - killed_at:.1f}s later; duplicates "
            f"{duplicates}; outcome_uncertain {uncertain}; progress {final!r}; edits "
            f"{preview.edits}; 429s {fake_api.rejected_429}; max in 1 s "
            f"{fake_api.max_sends_in_window(1.0)}"
        )
        assert set(received) == set(users)
        assert isinstance(uncertain, int)
        assert duplicates <= uncertain
        assert f"{DELEGATES}/{DELEGATES}" in final
        edits = fake_api.calls_to("editMessageText")
        assert all(call.status == 200 for call in edits), [c.response for c in edits]
        assert fake_api.max_sends_in_window(1.0) <= 30
        assert await survivor.terminate() == 0, logs(processes)
