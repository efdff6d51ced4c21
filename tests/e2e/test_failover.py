"""Two real processes on one PostgreSQL database: the active sender dies mid-burst.

`python -m bot run` and `python -m bot worker` share the database and the token; the
advisory lock makes one of them the only sender. 600 delegates are owed a reminder at
once; when about 200 have it, the sender is killed with SIGKILL (no shutdown code runs).
The other process must take over and deliver the rest, within Telegram's 30 messages in
any second, duplicating only rows it flagged ``outcome_uncertain``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import SessionFactory, create_session_factory
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.imports import import_schedule
from jobs.dispatcher import BATCH_SIZE
from tests.e2e.conftest import TOKEN
from tests.e2e.processes import BotProcess, bot_processes, logs
from tests.factories import add_linked_delegates, in_session
from tests.fakes import FakeBotApi

pytestmark = [
    pytest.mark.slow,  # starts python -m bot
    pytest.mark.timing,  # never over 30 sends in a second
]

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DELEGATES = 600
KILL_AFTER = 200
FIRST_USER_ID = 10_000
COUNCIL = "HDND-FO"
HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
POLL = 0.1


async def owe_everyone_a_reminder(session_factory: SessionFactory, tmp_path: Path) -> None:
    """An `other` event in 3 hours for all: its 1-day reminder is a catch-up row due now."""
    now = datetime.now(UTC)
    starts = (now + timedelta(hours=3)).astimezone(ZONE)
    ends = starts + timedelta(hours=1)
    path = tmp_path / "schedule.csv"
    path.write_text(
        f"{HEADER}\n"
        f"other,Họp giao ban đại biểu,{starts:%Y-%m-%d %H:%M},{ends:%Y-%m-%d %H:%M},"
        f"Hội trường xã,{COUNCIL},all,,,,\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_schedule(
            session=session, path=path, now=now, zone=ZONE, dry_run=False, policy=None
        )
    assert result.problems == []
    await in_session(
        session_factory,
        plan_outbox,
        policy=ReminderPolicy(offsets={"other": (timedelta(days=1),)}, quiet=None, zone=ZONE),
        now=datetime.now(UTC),
    )


async def reminder_statuses(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT status, count(*) FROM outbox WHERE kind = 'reminder' GROUP BY status")
        )
        return Counter({str(status): int(count) for status, count in result.all()})


async def sending_owners(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT DISTINCT lease_owner FROM outbox WHERE status = 'sending'")
        )
        return {owner for (owner,) in result.all() if owner is not None}


async def active_sender(engine: AsyncEngine, processes: list[BotProcess]) -> BotProcess:
    """The process whose name (`host:pid`) is on the leases of the rows being sent.

    Between two batches no row may be leased for a moment: poll until one is.
    """
    by_pid = {bot.pid: bot for bot in processes}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        owners = await sending_owners(engine)
        if owners:
            assert len(owners) == 1, f"two processes sending at once: {owners}"
            pid = int(owners.pop().rsplit(":", 1)[1])
            assert pid in by_pid, f"rows leased by an unknown process {pid}"
            return by_pid[pid]
        await asyncio.sleep(0.02)
    raise AssertionError("no row was being sent while messages were still going out")


async def wait_for(
    condition_name: str,
    check: Callable[[], Awaitable[bool]],
    *,
    timeout: float,  # noqa: ASYNC109
    processes: list[BotProcess],
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{condition_name} not reached in {timeout}s\n{logs(processes)}")
        await asyncio.sleep(POLL)


async def test_killed_sender_is_replaced_without_loss_or_burst(
    pg_engine: AsyncEngine, postgres_database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    session_factory = create_session_factory(pg_engine)
    users = await add_linked_delegates(
        session_factory, DELEGATES, council=COUNCIL, first_user_id=FIRST_USER_ID
    )
    await owe_everyone_a_reminder(session_factory, tmp_path)
    assert await reminder_statuses(pg_engine) == Counter({"pending": DELEGATES})
    async with pg_engine.connect() as connection:
        due_now = (
            await connection.execute(
                text("SELECT count(*) FROM outbox WHERE status = 'pending' AND due_at <= now()")
            )
        ).scalar_one()
    assert due_now == DELEGATES

    for user_id in users:
        fake_api.user(user_id).started = True
    expected = set(users)

    def reached() -> set[int]:
        return expected.intersection(message.chat_id for message in fake_api.sent_messages)

    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": postgres_database_url,
        "TELEGRAM_API_URL": fake_api.root,
        "LOG_LEVEL": "INFO",
        "QUIET_HOURS": "off",
        # The standby tries for the sender's role every second, not every 10 s: the
        # takeover is the same, the test waits less for it.
        "DISPATCH_INTERVAL": "1",
    }
    started_at = time.monotonic()
    async with bot_processes(("run",), ("worker",), env=env, cwd=tmp_path) as processes:

        async def enough_before_kill() -> bool:
            assert all(bot.alive for bot in processes), logs(processes)
            return len(reached()) >= KILL_AFTER

        await wait_for("200 users reached", enough_before_kill, timeout=60, processes=processes)
        sender = await active_sender(pg_engine, processes)
        (survivor,) = [bot for bot in processes if bot is not sender]
        sender.kill()
        killed_at = time.monotonic()
        await asyncio.wait_for(sender.process.wait(), 10)
        reached_at_kill = len(reached())
        sends_at_kill = len(fake_api.send_times)

        async def drained() -> bool:
            assert survivor.alive, logs(processes)
            statuses = await reminder_statuses(pg_engine)
            return statuses.get("sent", 0) == DELEGATES and reached() == expected

        await wait_for("all 600 rows sent", drained, timeout=90, processes=processes)
        drained_at = time.monotonic()

        per_user = Counter(
            message.chat_id for message in fake_api.sent_messages if message.chat_id in expected
        )
        duplicated = sum(1 for count in per_user.values() if count > 1)
        async with pg_engine.connect() as connection:
            uncertain = (
                await connection.execute(
                    text("SELECT count(*) FROM outbox WHERE outcome_uncertain")
                )
            ).scalar_one()
        # the dead sender's in-flight requests may still land a few ms after the kill
        resumed = next(
            (at for at in fake_api.send_times[sends_at_kill:] if at > killed_at + 0.5), None
        )
        max_per_second = fake_api.max_sends_in_window(1.0)
        print(
            f"\nfailover: killed {sender} after {reached_at_kill} users; "
            f"survivor {survivor}; drain {drained_at - started_at:.1f}s total "
            f"({drained_at - killed_at:.1f}s after the kill); takeover delay "
            f"{(resumed - killed_at) if resumed else float('nan'):.1f}s; "
            f"duplicated users {duplicated}; outcome_uncertain rows {uncertain}; "
            f"max sends in 1s {max_per_second}; 429s {fake_api.rejected_429}; "
            f"messages {len(fake_api.sent_messages)}"
        )

        assert set(per_user) == expected
        assert duplicated <= uncertain, logs(processes)
        # The fake refuses a 31st send in a second (429), so the first holds by construction;
        # the second says the bot paces itself below Telegram's limit (25 a second). A
        # starved CPU can still deliver paced requests bunched at the server (seen: 3 of
        # several hundred, on an otherwise idle CI machine, each retried): a few, never a
        # burst.
        assert max_per_second <= 30
        assert fake_api.rejected_429 <= DELEGATES // 100, logs(processes)
        # Only what the killed sender had claimed (one batch) can be uncertain.
        assert uncertain <= BATCH_SIZE, logs(processes)
        assert survivor.alive, logs(processes)
        assert await survivor.terminate() == 0, logs(processes)
