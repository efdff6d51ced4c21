"""The systemd units in docs/systemd run as written: each ExecStart, with its Environment,
starts against the fake Bot API and stops cleanly on SIGTERM (the install prefix
/srv/delegate-bot is replaced by this checkout's virtual environment and a temporary
folder)."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.slow  # starts python -m bot

UNITS = Path(__file__).resolve().parents[2] / "docs" / "systemd"
PREFIX = "/srv/delegate-bot"
VENV = Path(sys.prefix)  # the virtual environment running the tests


def unit_settings(path: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of the [Service] section (keys may repeat, as in systemd)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.mark.parametrize("unit", ["delegate-bot.service", "delegate-bot-worker.service"])
async def test_each_unit_starts_and_stops_cleanly(
    unit: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = unit_settings(UNITS / unit)
    (command,) = settings["ExecStart"]
    argv = shlex.split(command.replace(f"{PREFIX}/.venv", str(VENV)))
    assert os.path.exists(argv[0]), argv[0]  # noqa: ASYNC240 - once, before starting it
    (workdir,) = settings["WorkingDirectory"]
    assert workdir == PREFIX
    (env_file,) = settings["EnvironmentFile"]
    assert env_file == f"{PREFIX}/.env"
    (tmp_path / "data").mkdir()
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\n"
        "DATABASE_URL=sqlite+aiosqlite:///./data/delegate-bot.db\n"
        f"TELEGRAM_API_URL={fake_api.root}\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    for assignment in settings.get("Environment", []):
        key, _, value = assignment.partition("=")
        env[key] = value
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=tmp_path,  # the .env there is read as EnvironmentFile would provide it
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    reader = asyncio.create_task(process.stdout.read())
    try:
        # Polling has begun (run) or the bot is initialised (worker): start-up is over.
        expected = "getUpdates" if "run" in argv else "getMe"
        await fake_api.wait_for_call(expected, timeout=30, answered=False)
        assert (tmp_path / "data" / "delegate-bot.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(reader, timeout=30)).decode()
        await asyncio.wait_for(process.wait(), timeout=30)
    assert process.returncode == 0, output
    assert TOKEN.split(":")[1] not in output
