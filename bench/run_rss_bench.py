"""Memory of ``python -m bot run`` serving N delegates: ``python -m bench.run_rss_bench``.

    python -m bench.run_rss_bench [--delegates 10000] [--seconds 90] [--database-url URL]

The planning benchmark's delegates and quarter (``bench/plan_bench.py``), moved so that
the quarter begins tomorrow (the bot runs on the wall clock), imported; then ``python -m
bot run`` against that database and the fake Bot API server (``tests/fakes``), every
delegate started there. It plans at start-up and every 5 minutes, and sends what is due
(the catch-up notices, 28 a second). ``VmRSS`` and ``VmHWM`` (the peak) of the process
are read from ``/proc`` every second for ``--seconds``, then it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import (
    add_database_arguments,
    add_linked_delegates,
    count,
    fresh_database,
    load_average,
    machine_lines,
)
from bench.plan_bench import FIRST_DAY, ZONE, schedule_rows, unit_sizes_of, write_schedule
from bot.services.schedule.imports import import_schedule
from tests.fakes import FakeBotApi

TOKEN = "123456:BENCH-token-for-the-fake-bot-api-server"
ROOT = Path(__file__).resolve().parent.parent
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def shifted(rows: list[tuple[str, ...]], days: int) -> list[tuple[str, ...]]:
    """Every date in the rows moved by ``days`` (the rules keep their shape)."""

    def move(match: re.Match[str]) -> str:
        day = date(int(match[1]), int(match[2]), int(match[3])) + timedelta(days=days)
        return day.isoformat()

    return [tuple(DATE.sub(move, cell) for cell in row) for row in rows]


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in kB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    tomorrow = now.astimezone(ZONE).date() + timedelta(days=1)
    async with fresh_database(args.database_url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        ids = await add_linked_delegates(
            database, delegates=args.delegates, councils=args.councils, now=now
        )
        rows = schedule_rows(args.councils, unit_sizes_of(args.delegates, args.councils))
        rows = shifted(rows, (tomorrow - FIRST_DAY).days)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "schedule.csv"
            write_schedule(path, rows)
            async with database.sessions() as session:
                imported = await import_schedule(
                    session=session, path=path, now=now, zone=ZONE, dry_run=False
                )
            assert not imported.problems, imported.problems[:3]
            assignments = await count(database, "SELECT count(*) FROM assignments")
            print(f"{args.delegates:,} delegates, {assignments:,} assignments from {tomorrow}")
            await serve(database.url, ids, args, Path(folder))
            planned = await count(database, "SELECT count(*) FROM outbox")
            sent = await count(database, "SELECT count(*) FROM outbox WHERE status = 'sent'")
            print(f"outbox rows: {planned:,} planned, {sent:,} sent")


async def serve(url: str, ids: list[int], args: argparse.Namespace, folder: Path) -> None:
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_bench_bot") as api:
        for user_id in ids:
            api.user(user_id, f"Người dùng {user_id}").started = True
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN, "DATABASE_URL": url, "TELEGRAM_API_URL": api.root,
            "ADMIN_TELEGRAM_IDS": "4000001", "QUIET_HOURS": "off", "LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }  # fmt: skip
        log = folder / "run.log"
        with log.open("wb") as handle:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=folder, env=env,
                stdout=handle, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        started = time.monotonic()
        samples: list[tuple[float, int, int]] = []
        try:
            while time.monotonic() - started < args.seconds and process.returncode is None:
                await asyncio.sleep(1)
                try:
                    rss, peak = memory_kb(process.pid)
                except (OSError, KeyError):
                    break
                samples.append((time.monotonic() - started, rss, peak))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        errors = [line for line in log.read_text().splitlines() if "ERROR" in line]
        if os.environ.get("BENCH_SHOW_LOG"):
            print(log.read_text()[-3000:])
        if errors:
            print("errors in the log of `run`:", *errors[:5], sep="\n  ")
        sends = sum(1 for call in api.calls if call.method == "sendMessage" and call.ok)
        if not samples:
            raise SystemExit(f"`run` stopped at once:\n{log.read_text()[-2000:]}")
        at, rss, peak = samples[-1]
        print(
            f"`python -m bot run`, {at:.0f} s: VmRSS {rss / 1024:.0f} MB at the end, "
            f"VmHWM (peak) {peak / 1024:.0f} MB, most seen {max(s[1] for s in samples) / 1024:.0f}"
            f" MB; {sends:,} messages sent; load {load_average():.1f}"
        )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run_rss_bench", description=__doc__)
    parser.add_argument("--delegates", type=int, default=10_000)
    parser.add_argument("--councils", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90.0)
    add_database_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
