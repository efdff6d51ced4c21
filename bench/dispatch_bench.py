"""Dispatch throughput: the real PTB bot sending a burst of due reminders to the fake
Bot API server (30 messages in any sliding second, 429 beyond).

    python -m bench.dispatch_bench [--delegates 1000] [--database-url URL]
    python -m bench.dispatch_bench --workers 2 --delegates 5000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/NEW_NAME

Every delegate (linked, and started in the fake server) is assigned a council session
that begins in five hours; ``plan_outbox`` with the default policy finds its 7-day and
1-day reminders already past and plans one catch-up reminder per delegate, due now.

Default (in-process): the bot is built with ``build_application(..., receive_updates=
False)`` (so the project's ``SlidingWindowRateLimiter`` is in front of every send) and
``Dispatcher(... TelegramNotifier(application.bot, …) ...).drain()`` runs until nothing is
due. The fake server shares the process and its event loop.

``--workers K`` (PostgreSQL only): K ``python -m bot worker`` processes are started
against the database and the fake server instead, on the wall clock; the run ends when
every planned row is sent, and the workers get SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, text
from sqlmodel import col, select

from bench.common import (
    ZONE_NAME,
    Database,
    add_database_arguments,
    add_linked_delegates,
    council_code,
    count,
    fresh_database,
    machine_lines,
    table,
    throwaway_name,
)
from bot.config import Settings
from bot.models import OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.imports import import_schedule
from bot.telegram.app import build_application
from bot.telegram.context import Deps
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher, DrainStats
from jobs.registry import REGISTRY
from jobs.telegram_notifier import TelegramNotifier
from tests.fakes import FakeBotApi

ZONE = ZoneInfo(ZONE_NAME)
TOKEN = "123456:BENCH-token-for-the-fake-bot-api-server"
DELEGATES_PER_COUNCIL = 500
BASE = datetime(2026, 7, 15, 9, 0, tzinfo=ZONE)  # a Wednesday morning, outside quiet hours
ROOT = Path(__file__).resolve().parent.parent
POLL = 0.1


@dataclass
class Burst:
    delegates: int
    telegram_ids: list[int]
    rows: int  # catch-up rows due now


async def owe_everyone_a_reminder(
    database: Database, *, delegates: int, now: datetime, policy: ReminderPolicy
) -> Burst:
    councils = -(-delegates // DELEGATES_PER_COUNCIL)
    ids = await add_linked_delegates(database, delegates=delegates, councils=councils, now=now)
    starts = (now + timedelta(hours=5)).astimezone(ZONE)
    ends = starts + timedelta(hours=3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schedule.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("kind", "title", "starts_at", "ends_at", "location", "council",
                             "delegates"))  # fmt: skip
            for c in range(councils):
                writer.writerow(
                    (
                        "session",
                        "Kỳ họp chuyên đề",
                        f"{starts:%Y-%m-%d %H:%M}",
                        f"{ends:%Y-%m-%d %H:%M}",
                        "Hội trường HĐND",
                        council_code(c),
                        "all",
                    )
                )
        async with database.sessions() as session:
            result = await import_schedule(
                session=session,
                path=path,
                now=now,
                zone=ZONE,
                dry_run=False,
                policy=None,
            )
    if result.problems:
        raise SystemExit(f"the schedule did not import: {result.problems[:5]}")
    async with database.sessions() as session, session.begin():
        await plan_outbox(session=session, policy=policy, now=now)
    async with database.sessions() as session:
        due = (
            await session.exec(
                select(func.count()).where(
                    col(OutboxMessage.status) == "pending", col(OutboxMessage.due_at) <= now
                )
            )
        ).one()
    if due != delegates:
        raise SystemExit(f"expected {delegates} rows due, found {due}")
    return Burst(delegates, ids, due)


def start_users(api: FakeBotApi, ids: list[int]) -> None:
    for user_id in ids:
        api.user(user_id, f"Đại biểu {user_id}").started = True


async def statuses(database: Database) -> Counter[str]:
    async with database.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT status, count(*) FROM outbox WHERE kind = 'reminder' GROUP BY status")
        )
        return Counter({str(status): int(n) for status, n in result.all()})


def send_span(api: FakeBotApi) -> float:
    return api.send_times[-1] - api.send_times[0] if len(api.send_times) > 1 else 0.0


def duplicates(api: FakeBotApi) -> int:
    per_chat = Counter(message.chat_id for message in api.sent_messages)
    return sum(n - 1 for n in per_chat.values() if n > 1)


async def in_process(database: Database, delegates: int) -> list[tuple[str, object]]:
    settings_policy = ReminderPolicy.from_settings(Settings(_env_file=None))
    burst = await owe_everyone_a_reminder(
        database, delegates=delegates, now=BASE, policy=settings_policy
    )
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_bench_bot") as api:
        start_users(api, burst.telegram_ids)
        settings = Settings(
            _env_file=None,
            BOT_TOKEN=TOKEN,
            DATABASE_URL=database.url,
            TELEGRAM_API_URL=api.root,
        )
        started = time.monotonic()

        def clock() -> datetime:
            return BASE + timedelta(seconds=time.monotonic() - started)

        application = build_application(
            Deps(settings=settings, session_factory=database.sessions, clock=clock),
            receive_updates=False,
        )
        await application.initialize()
        try:
            dispatcher = Dispatcher(
                session_factory=database.sessions,
                notifier=TelegramNotifier(application.bot, secretariat_menu=secretariat_menu),
                zone=ZONE,
                clock=clock,
                owner="bench",
                registry=REGISTRY,
            )
            began = time.perf_counter()
            stats: DrainStats = await dispatcher.drain()
            seconds = time.perf_counter() - began
        finally:
            await application.shutdown()
        left = await count(database, "SELECT count(*) FROM outbox WHERE status <> 'sent'")
        return [
            ("mode", "in-process Dispatcher.drain(), 1 process"),
            ("due rows", burst.rows),
            ("messages sent", stats.messages),
            ("seconds (drain)", round(seconds, 2)),
            ("messages/s", round(stats.messages / seconds, 2) if seconds else 0),
            ("first→last send, s", round(send_span(api), 2)),
            ("429s received", api.rejected_429),
            ("max sends in any 1 s", api.max_sends_in_window(1.0)),
            ("duplicate messages", duplicates(api)),
            ("rows left unsent", left),
            ("dispatcher stats", _stats(stats)),
        ]


def _stats(stats: DrainStats) -> str:
    return ", ".join(f"{name} {value}" for name, value in vars(stats).items() if value)


async def with_workers(
    database: Database, delegates: int, workers: int
) -> list[tuple[str, object]]:
    if database.engine.dialect.name != "postgresql":
        raise SystemExit("--workers needs PostgreSQL (several processes share one database)")
    now = datetime.now(UTC)
    # Workers run on the wall clock; quiet hours off so the burst is due whatever the hour.
    policy = ReminderPolicy.from_settings(Settings(_env_file=None, QUIET_HOURS="off"))
    burst = await owe_everyone_a_reminder(database, delegates=delegates, now=now, policy=policy)
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_bench_bot") as api:
        start_users(api, burst.telegram_ids)
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": database.url,
            "TELEGRAM_API_URL": api.root,
            "QUIET_HOURS": "off",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        with tempfile.TemporaryDirectory() as folder:
            logs = [Path(folder) / f"worker-{n}.log" for n in range(workers)]
            processes = []
            began = time.perf_counter()
            for log in logs:
                with log.open("wb") as handle:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable, "-m", "bot", "worker",
                            cwd=folder, env=env, stdout=handle, stderr=asyncio.subprocess.STDOUT,
                        )
                    )  # fmt: skip
            try:
                deadline = time.perf_counter() + max(120.0, delegates / 5)
                while (await statuses(database)).get("sent", 0) < burst.rows:
                    for process in processes:
                        if process.returncode is not None:
                            raise SystemExit(f"a worker exited early:\n{_tail(logs)}")
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"not all rows sent in time:\n{_tail(logs)}")
                    await asyncio.sleep(POLL)
                wall = time.perf_counter() - began
            finally:
                for process in processes:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                for process in processes:
                    try:
                        await asyncio.wait_for(process.wait(), 30)
                    except TimeoutError:
                        process.kill()
                        await process.wait()
            senders = sum("is now the active sender" in log.read_text() for log in logs)
        left = await count(
            database, "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND status <> 'sent'"
        )
        span = send_span(api)
        sent = len(api.send_times)
        return [
            ("mode", f"{workers} x `python -m bot worker`, PostgreSQL"),
            ("due rows", burst.rows),
            ("messages sent", sent),
            ("seconds (launch → all sent)", round(wall, 2)),
            ("first→last send, s", round(span, 2)),
            ("messages/s (first→last send)", round((sent - 1) / span, 2) if span else 0),
            ("429s received", api.rejected_429),
            ("max sends in any 1 s", api.max_sends_in_window(1.0)),
            ("duplicate messages", duplicates(api)),
            ("rows left unsent", left),
            ("processes that became sender", senders),
        ]


def _tail(logs: list[Path]) -> str:
    return "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        for log in logs
    )


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    if args.workers and url is None:
        raise SystemExit(
            "--workers needs --database-url postgresql+asyncpg://…/NEW_NAME "
            f"(e.g. …/{throwaway_name('bench_dispatch')})"
        )
    async with fresh_database(url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        if args.workers:
            rows = await with_workers(database, args.delegates, args.workers)
        else:
            rows = await in_process(database, args.delegates)
    print()
    print(table(("measure", "value"), rows, align="ll"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch_bench", description=__doc__)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument(
        "--workers", type=int, default=0, help="run K `python -m bot worker` processes instead"
    )
    add_database_arguments(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
