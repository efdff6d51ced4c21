"""A schedule imported from the command line while `run` is serving: reminded on time."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import TOKEN
from tests.e2e.processes import bot_processes, logs
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode()


async def test_cli_import_is_picked_up_by_the_running_bot(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_API_URL": fake_api.root,
        "BOT_USERNAME": "hdnd_test_bot",
        "QUIET_HOURS": "off",
        "DISPATCH_INTERVAL": "1",  # the safety tick that finds the CLI's rows: every second
    }
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "code,full_name,council,level,unit\nML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc\n",
        encoding="utf-8",
    )
    assert (await cli("delegates", "import", str(roster), env=env, cwd=tmp_path))[0] == 0
    code, invites = await cli("delegates", "invite", env=env, cwd=tmp_path)
    assert code == 0
    token = invites.split("?start=")[1].split()[0]

    async with bot_processes(("run",), env=env, cwd=tmp_path) as processes:
        user = fake_api.user(4242)
        await fake_api.wait_for_call("deleteWebhook", timeout=30)
        (welcome,) = await user.send_and_wait(f"/start {token}", timeout=15)
        assert "đại biểu HDND-ML" in (welcome.text or ""), logs(
            processes
        )  # the council, not a code

        starts = datetime.now(UTC).astimezone(ZONE) + timedelta(hours=3)
        schedule = tmp_path / "schedule.csv"
        schedule.write_text(
            "kind,title,starts_at,ends_at,location,council,delegates\n"
            f"other,Họp đột xuất,{starts:%Y-%m-%d %H:%M},"
            f"{starts + timedelta(hours=1):%Y-%m-%d %H:%M},Hội trường,HDND-ML,ML-001\n",
            encoding="utf-8",
        )
        imported_at = time.monotonic()
        code, output = await cli("schedule", "import", str(schedule), env=env, cwd=tmp_path)
        assert code == 0, output
        # the import planned a catch-up notice itself; the bot's safety tick finds it
        messages = await user.wait_for_messages(2, timeout=30)
        reminder = messages[-1]
        waited = time.monotonic() - imported_at
        assert "Họp đột xuất" in (reminder.text or ""), logs(processes)
        assert waited < 30
        assert await processes[0].terminate() == 0, logs(processes)
