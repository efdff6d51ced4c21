"""Broadcast throughput: one secretariat notice to N delegates through the fake Bot API
server (30 sends in any sliding second, 429 beyond), with a reminder falling due half way.

    python -m bench.broadcast_bench [--delegates 526] [--database-url URL]
    python -m bench.broadcast_bench --processes --delegates 5000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/NEW_NAME

N linked delegates (all started in the fake server) form one council. A separate
delegate is owed a reminder whose due time is set to the middle of the broadcast
(N / SEND_RATE / 2 seconds after the confirmation): how long it waits behind the
broadcast is measured from its outbox row (``sent_at - due_at``).

Default (in-process): the real PTB bot (``build_application(..., receive_updates=False)``,
so ``SlidingWindowRateLimiter`` at ``SEND_RATE`` is in front of every send), the draft
confirmed through ``confirm_broadcast``, then ``Dispatcher.drain()`` with the progress job
(``BroadcastProgress.tick``) every 3 s beside it, as the scheduler runs them.

``--processes`` (PostgreSQL only): ``python -m bot run`` and ``python -m bot worker`` on
the wall clock; an admin drives the real conversation (``/thongbao council:… all``, the
notice, ``Xác nhận``) through the fake server, and the run ends when every copy is sent
and the progress message shows its final summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import select
from telegram import Bot

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
from bot.domain.broadcasts import Target, TargetKind
from bot.models import Council, Delegate, OutboxMessage
from bot.services.broadcasts.drafts import confirm_broadcast, create_draft
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.imports import import_schedule
from bot.telegram.app import build_application
from bot.telegram.context import Deps
from bot.telegram.menus import secretariat_menu
from jobs.broadcast_progress import BroadcastProgress
from jobs.dispatcher import Dispatcher
from jobs.registry import REGISTRY
from jobs.telegram_notifier import TelegramNotifier
from tests.fakes import FakeBotApi

ZONE = ZoneInfo(ZONE_NAME)
TOKEN = "123456:BENCH-token-for-the-fake-bot-api-server"
ADMIN_ID = 4_000_001
REMINDER_USER = 4_000_002
BASE = datetime(2026, 7, 15, 9, 0, tzinfo=ZONE)  # a Wednesday morning
ROOT = Path(__file__).resolve().parent.parent
STATUS_POLL = 0.5
UNSENT = "SELECT count(*) FROM outbox WHERE kind IN ('broadcast', 'reminder') AND status <> 'sent'"
UNCERTAIN = "SELECT count(*) FROM outbox WHERE outcome_uncertain"
NOTICE = "Giấy mời dự kỳ họp thứ Năm, HĐND khóa XXI: <tài liệu kèm theo> & chương trình"


@dataclass
class Run:
    delegates: int
    send_rate: float
    confirmed_at: float = 0.0  # monotonic
    reminder_wait: float | None = None


async def add_reminder_delegate(database: Database, now: datetime) -> None:
    """A delegate of another council owed one reminder (planned now, moved later)."""
    async with database.sessions() as session, session.begin():
        council = Council(code="BENCH-R", name="HĐND bench reminder", created_at=now)
        session.add(council)
        await session.flush()
        assert council.id is not None
        session.add(
            Delegate(code="R-0001", full_name="Đại biểu nhắc lịch", council_id=council.id,
                     level="commune", telegram_user_id=REMINDER_USER, created_at=now,
                     updated_at=now)
        )  # fmt: skip
    starts = (now + timedelta(hours=5)).astimezone(ZONE)
    ends = starts + timedelta(hours=1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schedule.csv"
        path.write_text(
            "kind,title,starts_at,ends_at,location,council,delegates\n"
            f"other,Họp giao ban,{starts:%Y-%m-%d %H:%M},{ends:%Y-%m-%d %H:%M},"
            "Hội trường,BENCH-R,R-0001\n",
            encoding="utf-8",
        )
        async with database.sessions() as session:
            result = await import_schedule(
                session=session, path=path, now=now, zone=ZONE, dry_run=False
            )
    if result.problems:
        raise SystemExit(f"the reminder schedule did not import: {result.problems}")
    policy = ReminderPolicy(offsets={"other": (timedelta(days=1),)}, quiet=None, zone=ZONE)
    async with database.sessions() as session, session.begin():
        await plan_outbox(session=session, policy=policy, now=now)
    # Not due until the broadcast is half way (then moved there): planning again finds it.
    await move_reminder(database, now + timedelta(hours=4))


async def move_reminder(database: Database, due_at: datetime) -> None:
    async with database.sessions() as session, session.begin():
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        ).one()
        row.due_at = due_at
        session.add(row)


async def reminder_wait(database: Database) -> float | None:
    async with database.sessions() as session:
        row = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        ).one()
    if row.sent_at is None:
        return None
    return (row.sent_at - row.due_at).total_seconds()


def start_users(api: FakeBotApi, ids: list[int]) -> None:
    for user_id in [*ids, ADMIN_ID, REMINDER_USER]:
        api.user(user_id, f"Người dùng {user_id}").started = True


def copies(api: FakeBotApi) -> list[float]:
    return [call.at for call in api.calls if call.method == "copyMessage" and call.ok]


def duplicates(api: FakeBotApi) -> int:
    per_chat = Counter(m.chat_id for m in api.sent_messages if m.method == "copyMessage")
    return sum(n - 1 for n in per_chat.values() if n > 1)


def results(api: FakeBotApi, run: Run, *, left: int, uncertain: int, final: str, mode: str,
            done_after: float) -> list[tuple[str, object]]:  # fmt: skip
    times = copies(api)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    edits = [c for c in api.calls if c.method == "editMessageText"]
    return [
        ("mode", mode),
        ("recipients", run.delegates),
        ("SEND_RATE", run.send_rate),
        ("copies delivered", len(times)),
        ("first→last copy, s", round(span, 2)),
        ("messages/s (first→last copy)", round((len(times) - 1) / span, 2) if span else 0),
        ("confirm → broadcast done, s", round(done_after, 2)),
        ("ideal N/30, s", round(run.delegates / 30, 2)),
        ("429s received", api.rejected_429),
        ("max sends in any 1 s", api.max_sends_in_window(1.0)),
        ("duplicate copies", duplicates(api)),
        ("rows flagged outcome_uncertain", uncertain),
        ("rows left unsent", left),
        ("reminder due mid-broadcast waited, s",
         "not sent" if run.reminder_wait is None else round(run.reminder_wait, 2)),
        ("progress edits (failed)", f"{len(edits)} ({sum(not c.ok for c in edits)})"),
        ("last progress text", final.replace("\n", " | ")),
    ]  # fmt: skip


# --- in-process ------------------------------------------------------------------------------


async def in_process(
    database: Database, delegates: int, send_rate: float
) -> list[tuple[str, object]]:
    ids = await add_linked_delegates(database, delegates=delegates, councils=1, now=BASE)
    await add_reminder_delegate(database, BASE)
    run = Run(delegates, send_rate)
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_bench_bot") as api:
        start_users(api, ids)
        settings = Settings(_env_file=None, BOT_TOKEN=TOKEN, DATABASE_URL=database.url,
                            TELEGRAM_API_URL=api.root, SEND_RATE=send_rate)  # fmt: skip
        started = time.monotonic()

        def clock() -> datetime:
            return BASE + timedelta(seconds=time.monotonic() - started)

        application = build_application(
            Deps(settings=settings, session_factory=database.sessions, clock=clock),
            receive_updates=False,
        )
        await application.initialize()
        try:
            final, done_after = await _broadcast(database, api, application.bot, clock, run)
        finally:
            await application.shutdown()
        run.reminder_wait = await reminder_wait(database)
        left = await count(database, UNSENT)
        uncertain = await count(database, UNCERTAIN)
        return results(api, run, left=left, uncertain=uncertain, final=final, done_after=done_after,
                       mode=f"in-process drain + progress job, {database.description}")  # fmt: skip


async def _broadcast(
    database: Database, api: FakeBotApi, bot: Bot, clock: Callable[[], datetime], run: Run
) -> tuple[str, float]:
    notice = await api.user(ADMIN_ID).send(NOTICE)
    progress_message = await bot.send_message(ADMIN_ID, "…")
    council = await _council_id(database)
    async with database.sessions() as session:
        draft = await create_draft(
            session=session, council_id=council, created_by=ADMIN_ID,
            target=Target(TargetKind.all), source_chat_id=ADMIN_ID,
            source_message_id=notice["message_id"], deadline=None, now=clock(),
        )  # fmt: skip
        await session.commit()
    assert draft.id is not None
    await move_reminder(database, clock() + timedelta(seconds=run.delegates / run.send_rate / 2))
    run.confirmed_at = time.monotonic()
    async with database.sessions() as session:
        await confirm_broadcast(
            session=session, broadcast_id=draft.id, progress_chat_id=ADMIN_ID,
            progress_message_id=progress_message.message_id, now=clock(),
        )  # fmt: skip
        await session.commit()
    notifier = TelegramNotifier(bot, secretariat_menu=secretariat_menu)
    dispatcher = Dispatcher(session_factory=database.sessions, notifier=notifier,
                            zone=ZONE, clock=clock, owner="bench",
                            registry=REGISTRY)  # fmt: skip
    progress = BroadcastProgress(session_factory=database.sessions, bot=bot, clock=clock)
    drain = asyncio.create_task(_drain_until_done(dispatcher, database))
    while True:
        await progress.tick()
        if await _status(database) == "done":
            break
        await asyncio.sleep(3)
    await drain
    done_after = time.monotonic() - run.confirmed_at
    shown = api.message(ADMIN_ID, progress_message.message_id)
    return (shown.text or "") if shown is not None else "", done_after


async def _drain_until_done(dispatcher: Dispatcher, database: Database) -> None:
    """Drains like the scheduler's tick: again whenever something (the reminder) falls due."""
    unsent = "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
    while await count(database, unsent):
        await dispatcher.drain()
        await asyncio.sleep(0.2)


async def _council_id(database: Database) -> int:
    async with database.sessions() as session:
        council = (await session.exec(select(Council).where(Council.code == council_code(0)))).one()
    assert council.id is not None
    return council.id


async def _status(database: Database) -> str:
    async with database.engine.connect() as connection:
        return str((await connection.execute(text("SELECT status FROM broadcasts"))).scalar_one())


# --- run + worker ----------------------------------------------------------------------------


async def with_processes(
    database: Database, delegates: int, send_rate: float
) -> list[tuple[str, object]]:
    if database.engine.dialect.name != "postgresql":
        raise SystemExit("--processes needs PostgreSQL (two processes share one database)")
    now = datetime.now(UTC)
    ids = await add_linked_delegates(database, delegates=delegates, councils=1, now=now)
    await add_reminder_delegate(database, now)
    run = Run(delegates, send_rate)
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_bench_bot") as api:
        start_users(api, ids)
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN, "DATABASE_URL": database.url, "TELEGRAM_API_URL": api.root,
            "ADMIN_TELEGRAM_IDS": str(ADMIN_ID), "QUIET_HOURS": "off", "LOG_LEVEL": "INFO",
            "SEND_RATE": str(send_rate),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            logs = [Path(folder) / "run.log", Path(folder) / "worker.log"]
            processes = []
            for command, log in zip(("run", "worker"), logs, strict=True):
                with log.open("wb") as handle:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable, "-m", "bot", command, cwd=folder, env=env,
                            stdout=handle, stderr=asyncio.subprocess.STDOUT,
                        )
                    )  # fmt: skip
            try:
                final, done_after = await _drive(database, api, run, logs)
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
            senders = [log.stem for log in logs if "is now the active sender" in log.read_text()]
        run.reminder_wait = await reminder_wait(database)
        left = await count(database, UNSENT)
        uncertain = await count(database, UNCERTAIN)
        rows = results(api, run, left=left, uncertain=uncertain, final=final, done_after=done_after,
                       mode=f"`run` + `worker` processes, {database.description}")  # fmt: skip
        return [*rows, ("process that sent", ", ".join(senders) or "?")]


async def _drive(
    database: Database, api: FakeBotApi, run: Run, logs: list[Path]
) -> tuple[str, float]:
    admin = api.user(ADMIN_ID)
    await api.wait_until(lambda: any(c.method == "getUpdates" for c in api.calls), timeout=60,
                         message=_tail(logs))  # fmt: skip
    await admin.send_and_wait(f"/thongbao council:{council_code(0)} all", timeout=30)
    (preview,) = await admin.send_and_wait(NOTICE, timeout=30)
    due = datetime.now(UTC) + timedelta(seconds=run.delegates / run.send_rate / 2)
    await move_reminder(database, due)
    run.confirmed_at = time.monotonic()
    await admin.press(preview, "Xác nhận")
    deadline = time.monotonic() + max(120.0, run.delegates / 5)

    async def finished() -> bool:
        return await _status(database) == "done"

    async def reminded() -> bool:
        return await reminder_wait(database) is not None

    await _wait_for(finished, deadline, logs)
    done_after = time.monotonic() - run.confirmed_at
    await _wait_for(reminded, deadline, logs)
    return preview.text or "", done_after


async def _wait_for(
    check: Callable[[], Awaitable[bool]], deadline: float, logs: list[Path]
) -> None:
    """Polls gently: the fake server shares this process and its timestamps must stay true."""
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"not finished in time:\n{_tail(logs)}")
        await asyncio.sleep(STATUS_POLL)


def _tail(logs: list[Path]) -> str:
    return "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        for log in logs
        if log.exists()
    )


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    if args.processes and url is None:
        raise SystemExit(
            "--processes needs --database-url postgresql+asyncpg://…/NEW_NAME "
            f"(e.g. …/{throwaway_name('bench_broadcast')})"
        )
    async with fresh_database(url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        if args.processes:
            rows = await with_processes(database, args.delegates, args.send_rate)
        else:
            rows = await in_process(database, args.delegates, args.send_rate)
    print()
    print(table(("measure", "value"), rows, align="ll"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast_bench", description=__doc__)
    parser.add_argument("--delegates", type=int, default=526)
    parser.add_argument("--send-rate", type=float, default=Settings(_env_file=None).SEND_RATE)
    parser.add_argument(
        "--processes", action="store_true", help="run `python -m bot run` + `worker` instead"
    )
    add_database_arguments(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
