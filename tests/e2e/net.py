"""HTTP helpers for e2e tests of real processes: free ports, /healthz, a webhook sender."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bot.db import create_engine
from tests.e2e.processes import BotProcess
from tests.fakes import FakeBotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    """A TCP port nobody listens on right now (closed again before it is returned)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str = "/healthz", method: str = "GET") -> tuple[int, Any]:
    """(status, JSON body or None) of a request to 127.0.0.1:port."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"http://127.0.0.1:{port}{path}") as response,
    ):
        body = await response.read()
        payload = await response.json(content_type=None) if body else None
        return response.status, payload


async def wait_for_health(
    port: int,
    bot: BotProcess,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> tuple[int, Any]:
    """The first answer of /healthz once the process listens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await get(port)
        except aiohttp.ClientConnectionError:
            if not bot.alive or loop.time() > deadline:
                raise AssertionError(f"no /healthz on port {port}:\n{bot.log()[-3000:]}") from None
            await asyncio.sleep(0.1)


async def forward_updates(
    api: FakeBotApi,
    url: str,
    secret: str | None,
    *,
    after: int = 0,
    content_type: str = "application/json",
) -> list[tuple[int, int]]:
    """POSTs the updates the fake users queued (those with ``update_id > after``) to a
    webhook, as Telegram would; ``secret`` goes in the secret-token header (``None``:
    no header). Returns (update_id, HTTP status) for each."""
    headers: dict[str, str] = {"Content-Type": content_type}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    answers: list[tuple[int, int]] = []
    async with aiohttp.ClientSession() as session:
        for update in api.pending_updates:
            if update["update_id"] <= after:
                continue
            async with session.post(url, json=update, headers=headers) as response:
                answers.append((update["update_id"], response.status))
    return answers


async def row_counts(database: Path) -> dict[str, int]:
    """Rows per table of a SQLite database file (every table but Alembic's)."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            names = [
                name
                for (name,) in await connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'table'")
                )
                if not name.startswith(("sqlite_", "alembic_"))
            ]
            return {
                name: int(
                    (await connection.execute(text(f'SELECT count(*) FROM "{name}"'))).scalar_one()
                )
                for name in sorted(names)
            }
    finally:
        await engine.dispose()


async def scalar(database: Path, query: str) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()


async def wait_for_log(bot: BotProcess, needle: str, timeout: float = 30.0, count: int = 1) -> str:  # noqa: ASYNC109
    """The process's log once ``needle`` appears ``count`` times in it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (log := bot.log()).count(needle) < count:
        if not bot.alive or loop.time() > deadline:
            raise AssertionError(f"{needle!r} not logged ×{count} by {bot}:\n{log[-4000:]}")
        await asyncio.sleep(0.05)
    return log
