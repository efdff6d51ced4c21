"""``reports import`` benchmark: a quarter's reports entered from one file.

    python -m bench.reports_import_bench [--delegates 5000] [--councils 10] [--database-url URL]

The statistics benchmark's quarter (``bench/stats_bench.py``: 5,000 delegates make 100,000
reports) is built without its reports; the reports are written to a CSV instead, the way
an office would enter them (a figures row for each shared meeting, empty figures for the
co-attendees, a ``start`` column where a delegate has two duties of a kind in a day), and
imported with ``import_reports`` in files of at most 20,000 rows (the limit of one
file): first a dry run (every row checked and matched, nothing kept), then for real,
then the same files again (every row unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import select

from bench.common import (
    add_database_arguments,
    add_linked_delegates,
    count,
    fresh_database,
    machine_lines,
    stopwatch,
    table,
)
from bench.stats_bench import CREATED, NOW, QUARTER, ZONE, Builder, Rows, _units, insert_rows
from bot.domain.report_rows import IMPORT_COLUMNS, OPTIONAL_COLUMNS
from bot.models import Delegate
from bot.services.files.tabular import MAX_ROWS
from bot.services.reports.files import import_reports

# Each kind's own figure columns (``bot.domain.report_rows.KIND_FIGURES``), written here
# so that the bench also runs on code from before that check, for comparison.
KIND_FIGURES = {
    "reception": ("citizens", "petitions", "forwarded"),
    "voter_meeting": ("voters", "opinions"),
}


def report_files(rows: Rows, codes: dict[int, str], folder: Path) -> list[Path]:
    """The builder's reports as import rows, in files of at most MAX_ROWS rows (the limit
    of one file), as an office would send a quarter in several parts."""
    paths = []
    per_file = MAX_ROWS - 1  # the header is the file's first row
    for part, start in enumerate(range(0, len(rows.reports), per_file), start=1):
        path = folder / f"reports-{part}.csv"
        chunk = Rows(rows.events, rows.occurrences, rows.assignments,
                     rows.reports[start : start + per_file])  # fmt: skip
        report_file(chunk, codes, path)
        paths.append(path)
    return paths


def report_file(rows: Rows, codes: dict[int, str], path: Path) -> int:
    """The builder's reports as import rows; returns how many."""
    occurrences = {o["id"]: o for o in rows.occurrences}
    events = {e["id"]: e for e in rows.events}
    assignments = {a["id"]: a for a in rows.assignments}
    columns = (*IMPORT_COLUMNS, *OPTIONAL_COLUMNS, "start")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for report in rows.reports:
            occurrence = occurrences[report["occurrence_id"]]
            local = occurrence["starts_at"].astimezone(ZONE)
            row: dict[str, Any] = {
                "delegate": codes[assignments[report["assignment_id"]]["delegate_id"]],
                "date": local.date().isoformat(),
                "kind": events[occurrence["event_id"]]["kind"],
                "held": "có" if report["held"] else "không",
                "reason": report["reason"] or "",
                "note": "",
                "start": local.strftime("%H:%M"),
            }
            kind_figures = KIND_FIGURES.get(row["kind"], ())
            for name in ("citizens", "petitions", "forwarded", "voters", "opinions"):
                value = report[name] if name in kind_figures else None  # the kind's own only
                row[name] = "" if value is None else value
            if row["forwarded"] != "":  # the generator's figures ignore this rule
                row["forwarded"] = min(report["forwarded"], report["petitions"])
            writer.writerow(row)
    return len(rows.reports)


async def main(args: argparse.Namespace) -> None:
    async with fresh_database(args.database_url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        await add_linked_delegates(
            database, delegates=args.delegates, councils=args.councils, now=CREATED
        )
        builder = Builder(await _units(database))
        builder.quarter(QUARTER)
        reports = builder.rows.reports
        builder.rows.reports = []  # the file brings them
        await insert_rows(database, builder.rows)
        builder.rows.reports = reports
        async with database.sessions() as session:
            codes = {d.id: d.code for d in (await session.exec(select(Delegate))).all() if d.id}
        with tempfile.TemporaryDirectory() as folder:
            paths = report_files(builder.rows, codes, Path(folder))
            rows = len(builder.rows.reports)
            size = sum(p.stat().st_size for p in paths) / 1e6
            print(f"Workload: {rows:,} report rows in {len(paths)} files ({size:.1f} MB of CSV)")
            timings = []
            for phase, dry_run in (("dry run", True), ("import", False), ("again", False)):
                totals = [0, 0, 0]
                with stopwatch() as took:
                    for path in paths:
                        async with database.sessions() as session:
                            result = await import_reports(
                                session=session,
                                path=path,
                                now=NOW,
                                zone=ZONE,
                                dry_run=dry_run,
                            )
                        if result.problems:
                            first = result.problems[0]
                            sys.exit(f"{phase}: {len(result.problems)} problems, first: {first}")
                        totals[0] += result.created
                        totals[1] += result.updated
                        totals[2] += result.unchanged
                seconds = took[0]
                timings.append(
                    (phase, f"{seconds:.1f}", f"{rows / seconds:,.0f}", f"{took[1]:.1f}",
                     f"{rows / took[1]:,.0f}", " / ".join(f"{n:,}" for n in totals))
                )  # fmt: skip
        stored = await count(database, "SELECT count(*) FROM reports")
        assert stored == rows, (stored, rows)
        print()
        print(f"Load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        headers = ("phase", "time (s)", "rows/s", "CPU s (bench)", "rows/CPU s",
                   "created / updated / unchanged")  # fmt: skip
        print(table(headers, timings))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports_import_bench", description=__doc__
    )
    parser.add_argument("--delegates", type=int, default=5_000)
    parser.add_argument("--councils", type=int, default=10)
    add_database_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
