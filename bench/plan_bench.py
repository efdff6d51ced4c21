"""Planning benchmark: schedule import and ``plan_outbox`` over a quarter.

    python -m bench.plan_bench [--delegates 10000] [--councils 20] [--database-url URL]

10,000 linked delegates (bulk INSERT) in 20 councils of 10 units each, and the third
quarter of 2026 (1 July - 30 September, 92 days) as one schedule file of per-unit and
per-council rows (see :func:`schedule_rows`). Phases, each timed:

1. ``import_schedule`` of the file: events, occurrences and assignments materialised;
   then the same file again (nothing changes).
2. ``plan_outbox`` at the quarter's start with the default policy (looks ``plan_ahead``,
   9 days, ahead: what the bot does every 5 minutes).
3. The outbox emptied, ``plan_outbox`` with a policy whose horizon is 94 days, so every
   assignment of the quarter is planned in one call; then the same call again (idempotent).
   The long lead is put under a key that is no event kind, so it widens ``plan_ahead``
   without adding a reminder (or a catch-up notice) to any assignment.
4. The outbox emptied, the default policy called once a day across the quarter (93
   calls), as a bot running all quarter would (it calls it far more often; the extra
   calls find nothing to do, see the last row). Digests only appear here: they are
   planned for today and tomorrow only.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.common import (
    UNITS_PER_COUNCIL,
    ZONE_NAME,
    Database,
    add_database_arguments,
    add_linked_delegates,
    backend_pid,
    council_code,
    council_sizes,
    count,
    fresh_database,
    load_average,
    machine_lines,
    process_cpu_seconds,
    stopwatch,
    table,
    unit_name,
)
from bench.history import add_history
from bot.config import Settings
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.imports import ScheduleImportResult, import_schedule

ZONE = ZoneInfo(ZONE_NAME)
FIRST_DAY = date(2026, 7, 1)
LAST_DAY = date(2026, 9, 30)
QUARTER_DAYS = (LAST_DAY - FIRST_DAY).days + 1  # 92
IMPORT_NOW = datetime(2026, 6, 25, 9, 0, tzinfo=ZONE)
REIMPORT_RUNS = 5
PLAN_NOW = datetime(2026, 6, 30, 9, 0, tzinfo=ZONE)
HEADER = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "council",
    "delegates",
    "recurrence",
    "until",
    "shift",
    "per_occurrence",
)
# Who goes to each per-unit rota occurrence (capped at the unit's size).
RECEPTION_PER_OCCURRENCE = 8
WEEKLY_PER_OCCURRENCE = 6
SUPERVISION_PER_OCCURRENCE = 3
COUNT_OUTBOX = "SELECT count(*) FROM outbox"
UNPLANNED = (
    "SELECT count(*) FROM assignments a JOIN occurrences c ON c.id = a.occurrence_id "
    "WHERE c.original_date >= '2026-07-01' "
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.assignment_id = a.id)"
)
"""Assignments of the quarter (not of the history) without any outbox row."""


def _stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{datetime.combine(day, time(hour, minute)):%Y-%m-%d %H:%M}"


def schedule_rows(councils: int, unit_sizes: Sequence[Sequence[int]]) -> list[tuple[str, ...]]:
    """The quarter's schedule. Per unit (10 per council):

    * reception on the 10th and 20th, 07:30-11:00, shifted to the next working day,
      8 delegates of the unit per occurrence in turn (6 occurrences);
    * a weekly Monday afternoon briefing (``other``), 6 delegates in turn (13);
    * a supervision visit every other Wednesday, 3 delegates in turn (7; 2 September,
      National Day, shifts to the 3rd);
    * two voter meetings (14 July before the session, 18 August after it), every
      delegate of the unit.

    Per council, every delegate: the session (28-29 July), the deadline for questions
    (21 July 17:00) and a training day (6 August).
    """
    until = LAST_DAY.isoformat()
    rows: list[tuple[str, ...]] = []
    for c in range(councils):
        council = council_code(c)
        for u in range(UNITS_PER_COUNCIL):
            size = unit_sizes[c][u]
            if size == 0:
                continue
            unit = unit_name(c, u)
            who = f"unit:{unit}"

            def rota(per: int, size: int = size) -> str:
                return str(min(per, size))

            rows += [
                ("reception", f"Tiếp công dân {unit}", _stamp(date(2026, 7, 10), 7, 30),
                 _stamp(date(2026, 7, 10), 11), f"Trụ sở tiếp công dân {unit}", council, who,
                 "FREQ=MONTHLY;BYMONTHDAY=10,20", until, "next_working_day",
                 rota(RECEPTION_PER_OCCURRENCE)),
                ("other", f"Giao ban tuần {unit}", _stamp(date(2026, 7, 6), 14),
                 _stamp(date(2026, 7, 6), 16), f"Hội trường UBND {unit}", council, who,
                 "FREQ=WEEKLY;BYDAY=MO", until, "none", rota(WEEKLY_PER_OCCURRENCE)),
                ("supervision", f"Giám sát chuyên đề {unit}", _stamp(date(2026, 7, 8), 8),
                 _stamp(date(2026, 7, 8), 11, 30), f"Các thôn của {unit}", council, who,
                 "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", until, "next_working_day",
                 rota(SUPERVISION_PER_OCCURRENCE)),
                ("voter_meeting", f"Tiếp xúc cử tri trước kỳ họp {unit}",
                 _stamp(date(2026, 7, 14), 8), _stamp(date(2026, 7, 14), 11),
                 f"Nhà văn hóa {unit}", council, who, "", "", "", ""),
                ("voter_meeting", f"Tiếp xúc cử tri sau kỳ họp {unit}",
                 _stamp(date(2026, 8, 18), 8), _stamp(date(2026, 8, 18), 11),
                 f"Nhà văn hóa {unit}", council, who, "", "", "", ""),
            ]  # fmt: skip
        rows += [
            ("session", "Kỳ họp thường kỳ giữa năm 2026", _stamp(date(2026, 7, 28), 8),
             _stamp(date(2026, 7, 29), 17), "Hội trường HĐND", council, "all", "", "", "", ""),
            ("deadline", "Hạn gửi câu hỏi chất vấn", _stamp(date(2026, 7, 21), 17), "",
             "Văn phòng HĐND", council, "all", "", "", "", ""),
            ("other", "Tập huấn kỹ năng tiếp công dân", _stamp(date(2026, 8, 6), 8),
             _stamp(date(2026, 8, 6), 11, 30), "Hội trường HĐND", council, "all", "", "", "",
             ""),
        ]  # fmt: skip
    return rows


def write_schedule(path: Path, rows: Sequence[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def unit_sizes_of(delegates: int, councils: int) -> list[list[int]]:
    """How many delegates each unit of each council has (as ``add_linked_delegates``
    spreads them: delegate ``n`` of a council is in unit ``n % UNITS_PER_COUNCIL``)."""
    return [
        [len(range(u, size, UNITS_PER_COUNCIL)) for u in range(UNITS_PER_COUNCIL)]
        for size in council_sizes(delegates, councils)
    ]


@dataclass
class Row:
    phase: str
    rows: int | str
    seconds: float
    note: str = ""
    cpu: float | None = None
    """CPU seconds of the bench process (the Python side; PostgreSQL's own work is not in it)."""
    server_cpu: float | None = None
    """CPU seconds of the PostgreSQL backend serving the phase's session."""
    load: float = field(default_factory=load_average)
    """The machine's 1-minute load average when the phase ended."""

    def cells(self) -> tuple[object, ...]:
        per_second = (
            f"{self.rows / self.seconds:,.0f}"
            if isinstance(self.rows, int) and self.rows and self.seconds
            else ""
        )
        cpu = "" if self.cpu is None else f"{self.cpu:.2f}"
        server = "" if self.server_cpu is None else f"{self.server_cpu:.2f}"
        return (
            self.phase,
            self.rows,
            f"{self.seconds:.2f}",
            cpu,
            server,
            f"{self.load:.1f}",
            per_second,
            self.note,
        )


@dataclass(frozen=True)
class Planned:
    created: int  # rows the call added, counted in the database
    reported: int  # what plan_outbox said (PlanCounts.created)
    seconds: float
    stored: int  # outbox rows after the call
    cpu: float = 0.0
    server_cpu: float | None = None

    def mismatch(self) -> str:
        if self.reported == self.created:
            return ""
        return f" [PlanCounts.created said {self.reported:,}]"


async def empty_outbox(database: Database, *, keep_history: bool = False) -> None:
    """Every planned row deleted (with ``keep_history``, the sent rows of the history stay:
    the bench sends nothing, so its own rows are all pending)."""
    async with database.engine.begin() as connection:
        if keep_history:
            await connection.execute(text("DELETE FROM outbox WHERE status = 'pending'"))
        elif database.engine.dialect.name == "postgresql":
            # PostgreSQL refuses to truncate a table others reference (broadcast_recipients'
            # copies) unless they go too; this bench sends no broadcast, so they are empty.
            await connection.execute(text("TRUNCATE outbox RESTART IDENTITY CASCADE"))
        else:
            await connection.execute(text("DELETE FROM outbox"))


async def outbox_by_kind(database: Database) -> str:
    async with database.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT kind, count(*) FROM outbox GROUP BY kind ORDER BY kind")
        )
        return ", ".join(f"{kind} {int(n):,}" for kind, n in result.all())


async def analyze(database: Database) -> None:
    """Table statistics, as PostgreSQL's autovacuum (or SQLite's ``ANALYZE``) would make."""
    async with database.engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def main(args: argparse.Namespace) -> None:
    settings = Settings(_env_file=None)
    policy = ReminderPolicy.from_settings(settings)
    # A lead under a key that is no event kind: plan_ahead becomes 92 + 2 days, and no
    # assignment gets an extra reminder from it.
    wide = ReminderPolicy(
        offsets={**policy.offsets, "_horizon": (timedelta(days=QUARTER_DAYS),)},
        quiet=policy.quiet,
        zone=policy.zone,
    )
    results: list[Row] = []

    def record(row: Row) -> None:
        results.append(row)
        print(f"  {row.phase}: {row.rows} rows, {row.seconds:.2f} s", file=sys.stderr, flush=True)

    async with fresh_database(args.database_url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        print(
            f"Workload: {args.delegates:,} linked delegates in {args.councils} councils "
            f"x {UNITS_PER_COUNCIL} units; quarter {FIRST_DAY} .. {LAST_DAY} ({QUARTER_DAYS} days)"
        )
        with stopwatch() as took:
            await add_linked_delegates(
                database, delegates=args.delegates, councils=args.councils, now=IMPORT_NOW
            )
        record(Row("bulk insert delegates", args.delegates, took[0], cpu=took[1]))

        rows = schedule_rows(args.councils, unit_sizes_of(args.delegates, args.councils))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "schedule.csv"
            write_schedule(path, rows)

            server: list[float | None] = []

            async def do_import() -> ScheduleImportResult:
                async with database.sessions() as session:
                    with backend_cpu(await backend_pid(session)) as used:
                        result = await import_schedule(
                            session=session,
                            path=path,
                            now=IMPORT_NOW,
                            zone=ZONE,
                            dry_run=False,
                            policy=None,
                        )
                server.append(used[0])
                return result

            with stopwatch() as took:
                imported = await do_import()
            if imported.problems:
                raise SystemExit(f"the schedule did not import: {imported.problems[:5]}")
            sync = imported.sync
            record(
                Row(
                    "import schedule (materialise)",
                    sync.assignments_created,
                    took[0],
                    f"{imported.events_created:,} events, "
                    f"{sync.occurrences_created:,} occurrences, "
                    f"{sync.assignments_created:,} assignments",
                    took[1],
                    server[-1],
                )
            )
            if args.history_quarters:
                with stopwatch() as took:
                    added = await add_history(database, args.history_quarters)
                note = ", ".join(f"{table} {n:,}" for table, n in added.items())
                record(Row(f"add {args.history_quarters} past quarters (setup)", 0, took[0], note))
            # The median of a few: one re-import is about a second, within the noise of a
            # machine shared with other work, and it is compared across databases.
            runs = []
            for _ in range(REIMPORT_RUNS):
                with stopwatch() as took:
                    again = await do_import()
                assert not again.changed, again
                runs.append((took[1] + (server[-1] or 0.0), took, server[-1]))
            _, took, server_seconds = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
            note = f"nothing changed; median of {REIMPORT_RUNS} by CPU s"
            record(Row("import same file again", 0, took[0], note, took[1], server_seconds))

        assignments = await count(database, "SELECT count(*) FROM assignments")
        per_kind = await _assignments_by_kind(database)

        async def plan(policy: ReminderPolicy, now: datetime) -> Planned:
            """One timed ``plan_outbox`` call (statistics refreshed first with --analyze);
            rows created are counted in the database, not taken from ``PlanCounts``."""
            if args.analyze:
                await analyze(database)
            before = await count(database, COUNT_OUTBOX)
            with stopwatch() as took:
                async with database.sessions() as session, session.begin():
                    with backend_cpu(await backend_pid(session)) as used:
                        counts = await plan_outbox(session=session, policy=policy, now=now)
            after = await count(database, COUNT_OUTBOX)
            return Planned(after - before, counts.created, took[0], after, took[1], used[0])

        # 2. the normal planning window
        done = await plan(policy, PLAN_NOW)
        record(
            Row(
                f"plan_outbox, default policy ({policy.plan_ahead.days} d ahead)",
                done.created,
                done.seconds,
                f"{done.stored:,} rows stored" + done.mismatch(),
                done.cpu,
                done.server_cpu,
            )
        )

        # 3. the whole quarter in one call
        await empty_outbox(database, keep_history=bool(args.history_quarters))
        done = await plan(wide, PLAN_NOW)
        unplanned = await count(
            database,
            UNPLANNED,
        )
        record(
            Row(
                f"plan_outbox, whole quarter ({wide.plan_ahead.days} d ahead)",
                done.created,
                done.seconds,
                f"{done.stored:,} rows stored ({await outbox_by_kind(database)}); "
                f"assignments without a row: {unplanned}" + done.mismatch(),
                done.cpu,
                done.server_cpu,
            )
        )
        done = await plan(wide, PLAN_NOW)
        record(
            Row(
                "plan_outbox, whole quarter, re-run",
                done.created,
                done.seconds,
                f"{done.stored:,} rows stored" + done.mismatch(),
                done.cpu,
                done.server_cpu,
            )
        )

        if not args.no_rolling:
            await rolling(database, policy, plan, record, keep_history=bool(args.history_quarters))

    print(
        f"Schedule: {len(rows):,} rows; {assignments:,} assignments "
        f"({assignments / args.delegates:.1f} per delegate): {per_kind}"
    )
    print(f"Peak resident memory of the bench process: {peak_rss_mb():.0f} MB")
    print()
    print(
        table(
            (
                "phase",
                "rows",
                "seconds",
                "CPU s (bench)",
                "CPU s (PG backend)",
                "load",
                "rows/s",
                "notes",
            ),
            [r.cells() for r in results],
            align="lrrrrrrl",
        )
    )


@contextmanager
def backend_cpu(pid: int | None) -> Iterator[list[float | None]]:
    """``used[0]``: the CPU seconds the PostgreSQL backend ``pid`` spent in the block."""
    used: list[float | None] = []
    start = process_cpu_seconds(pid) if pid is not None else None
    try:
        yield used
    finally:
        end = process_cpu_seconds(pid) if pid is not None else None
        used.append(end - start if start is not None and end is not None else None)


def peak_rss_mb() -> float:
    """The process's peak resident set (``ru_maxrss``, kilobytes on Linux): the planner
    holds what ``run``'s planner holds, so this bounds what planning adds to ``run``."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def rolling(
    database: Database,
    policy: ReminderPolicy,
    plan: Callable[[ReminderPolicy, datetime], Awaitable[Planned]],
    record: Callable[[Row], None],
    *,
    keep_history: bool,
) -> None:
    """4. A bot running all quarter: the default policy once a day, then one more tick."""
    await empty_outbox(database, keep_history=keep_history)
    created = reported = 0
    seconds: list[float] = []
    cpu = 0.0
    server: float | None = 0.0
    calls = QUARTER_DAYS + 1
    for day in range(calls):
        done = await plan(policy, PLAN_NOW + timedelta(days=day))
        created += done.created
        reported += done.reported
        seconds.append(done.seconds)
        cpu += done.cpu
        server = None if done.server_cpu is None or server is None else server + done.server_cpu
        if day % 10 == 0:
            print(f"    day {day}: {done.seconds:.2f} s", file=sys.stderr, flush=True)
    record(
        Row(
            f"plan_outbox daily x {calls}, default policy",
            created,
            sum(seconds),
            f"first call {seconds[0]:.2f} s, slowest {max(seconds):.2f} s, "
            f"last {seconds[-1]:.2f} s; {await outbox_by_kind(database)}"
            + Planned(created, reported, 0, 0).mismatch(),
            cpu,
            server,
        )
    )
    middle = PLAN_NOW + timedelta(days=QUARTER_DAYS // 2, minutes=5)
    done = await plan(policy, middle)
    record(
        Row(
            "plan_outbox mid-quarter, nothing new",
            done.created,
            done.seconds,
            "the 5-minute planner tick once the outbox is full",
            done.cpu,
            done.server_cpu,
        )
    )


async def _assignments_by_kind(database: Database) -> str:
    async with database.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT e.kind, count(*) FROM assignments a "
                "JOIN occurrences o ON o.id = a.occurrence_id "
                "JOIN events e ON e.id = o.event_id GROUP BY e.kind ORDER BY e.kind"
            )
        )
        return ", ".join(f"{kind} {int(n):,}" for kind, n in result.all())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.plan_bench", description=__doc__)
    parser.add_argument("--delegates", type=int, default=10_000)
    parser.add_argument("--councils", type=int, default=20)
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE before each timed plan_outbox call (what autovacuum would do)",
    )
    parser.add_argument(
        "--no-rolling", action="store_true", help="skip the 93 daily plan_outbox calls"
    )
    parser.add_argument(
        "--history-quarters",
        type=int,
        default=0,
        help="before the re-import, add this many past quarters (occurrences, assignments, "
        "reports, sent reminders) as a bot that has run that long has",
    )
    add_database_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
