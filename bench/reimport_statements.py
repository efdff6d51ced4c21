"""Where an unchanged re-import spends its time, statement by statement.

    python -m bench.plan_bench --keep-database --database-url URL [--history-quarters 8]
    python -m bench.reimport_statements --database-url URL [--delegates 10000] [--councils 20]

Run against a database ``plan_bench --keep-database`` left behind (the same
``--delegates`` and ``--councils``): the bench's schedule file is imported again ``--runs``
times (nothing changes). For each run, the wall clock and this process's CPU seconds;
for the last, every statement's time as the driver saw it (sent, executed, rows read),
slowest first. Comparing a fresh database with one holding history shows which
statements grow with it, which the bench's single figure cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.plan_bench import IMPORT_NOW, ZONE, schedule_rows, unit_sizes_of, write_schedule
from bot.db import create_engine, create_session_factory
from bot.services.schedule.imports import import_schedule


async def main(args: argparse.Namespace) -> None:
    engine = create_engine(args.database_url)
    spent: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def started(connection: Any, *_: Any) -> None:
        connection.info["started"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def ended(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        entry = spent[" ".join(statement.split())[:160]]
        entry[0] += 1
        entry[1] += time.perf_counter() - connection.info["started"]

    sessions = create_session_factory(engine)
    rows = schedule_rows(args.councils, unit_sizes_of(args.delegates, args.councils))
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "schedule.csv"
            write_schedule(path, rows)
            for run in range(args.runs):
                spent.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                async with sessions() as session:
                    result = await import_schedule(
                        session=session, path=path, now=IMPORT_NOW, zone=ZONE, dry_run=False
                    )
                if result.problems or result.changed:
                    raise SystemExit("not the bench's unchanged schedule: run plan_bench first")
                print(
                    f"run {run + 1}: {time.perf_counter() - wall:.3f} s wall, "
                    f"{time.process_time() - cpu:.3f} CPU s"
                )
    finally:
        await engine.dispose()
    print(f"\nlast run, {sum(s for _, s in spent.values()):.3f} s in statements:")
    print("| seconds | calls | statement |\n|--:|--:|:--|")
    for statement, (calls, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"| {seconds:.3f} | {calls:.0f} | `{statement}` |")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database plan_bench kept")
    parser.add_argument("--delegates", type=int, default=10_000)
    parser.add_argument("--councils", type=int, default=20)
    parser.add_argument("--runs", type=int, default=4)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
