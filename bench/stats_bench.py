"""Statistics benchmark: a quarter of 100,000 reports aggregated in the database.

    python -m bench.stats_bench [--delegates 5000] [--councils 10] [--database-url URL]

``--delegates`` delegates in ``--councils`` councils of 10 units each, and two quarters
(2026-Q3 and, for the "previous quarter" figures, 2026-Q2) bulk-inserted with Core
``INSERT``s (no schedule import: only the statistics are measured). Per delegate and
quarter, 22 assignments of the reported kinds: 14 citizen receptions (4 delegates of the
unit per occurrence), 4 voter meetings (the whole unit) and 4 supervision visits (5 per
occurrence); per council, one session and one deadline for everyone (not reported). One
assignment in 11 of the reported kinds has no report, so 5,000 delegates make 100,000
reports per quarter; one report in 10 says "not held"; the first "held" report of each
occurrence carries its figures.

Timed, in-process (engine already connected, no start-up): the quarter alone (the one
``GROUP BY`` statement of ``period_rows``); ``quarterly_statistics`` for every council (the
quarter and the previous one, plus the council list and the Python aggregation), for one
council of 500 delegates, and ``detailed`` (what the XLSX needs: per delegate, both
quarters, and the missing reports); each without table statistics and after ``ANALYZE``;
then the rendering of the text, CSV, XLSX and PNG from the detailed result. Each call
runs ``--repeat`` times; the table shows the first (cold), the best and the median (the
best is the one to compare on a machine shared with other work).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics as stats_math
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text
from sqlmodel import col

from bench.common import (
    ZONE_NAME,
    Database,
    add_database_arguments,
    add_linked_delegates,
    count,
    fresh_database,
    machine_lines,
    stopwatch,
    table,
)
from bot.domain.quarters import Quarter
from bot.domain.stats import Statistics
from bot.domain.stats_text import summary_text
from bot.models import Assignment, Delegate, Event, Occurrence, Report
from bot.services.stats.chart import chart_png
from bot.services.stats.figures import period_rows, quarterly_statistics
from bot.services.stats.output import csv_bytes
from bot.services.stats.xlsx import xlsx_bytes

ZONE = ZoneInfo(ZONE_NAME)
QUARTER = Quarter(2026, 3)
NOW = datetime(2026, 10, 3, 9, 0, tzinfo=ZONE)  # the quarter is over: every figure final
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=ZONE)
# (kind, turns per delegate and quarter, delegates per occurrence or 0 for the whole unit)
PLAN = (("reception", 14, 4), ("voter_meeting", 4, 0), ("supervision", 4, 5))
NO_REPORT_EVERY = 11
NOT_HELD_EVERY = 10
REASONS = ("postponed", "clash", "personal", "other")
BATCH = 20_000


@dataclass
class Rows:
    """What is bulk-inserted, with ids chosen here (the database is new)."""

    events: list[dict[str, Any]]
    occurrences: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    reports: list[dict[str, Any]]


class Builder:
    def __init__(self, units: dict[tuple[int, str], list[int]]) -> None:
        self.units = units
        self.rows = Rows([], [], [], [])
        self.counter = 0

    def _event(self, council: int, kind: str, title: str, first: datetime) -> int:
        event_id = len(self.rows.events) + 1
        self.rows.events.append(
            {
                "id": event_id,
                "council_id": council,
                "key": f"bench:{event_id}",
                "kind": kind,
                "title": title,
                "location": "",
                "starts_at": first,
                "ends_at": first + timedelta(hours=3),
                "shift": "none",
                "pool": "",
                "created_at": CREATED,
                "updated_at": CREATED,
            }
        )
        return event_id

    def _occurrence(self, event_id: int, day: date, hour: int) -> int:
        starts = datetime.combine(day, time(hour, 30), ZONE).astimezone(UTC)
        occurrence_id = len(self.rows.occurrences) + 1
        self.rows.occurrences.append(
            {
                "id": occurrence_id,
                "event_id": event_id,
                "original_date": day,
                "sequence": 0,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "location": "",
            }
        )
        return occurrence_id

    def _attend(
        self, occurrence_id: int, members: Sequence[int], unit: str, reported: bool
    ) -> None:
        carried = False
        for delegate_id in members:
            assignment_id = len(self.rows.assignments) + 1
            self.rows.assignments.append(
                {
                    "id": assignment_id,
                    "occurrence_id": occurrence_id,
                    "delegate_id": delegate_id,
                    "unit": unit,
                    "created_at": CREATED,
                }
            )
            self.counter += 1
            if not reported or self.counter % NO_REPORT_EVERY == 0:
                continue
            held = self.counter % NOT_HELD_EVERY != 0
            carries = held and not carried
            carried = carried or carries
            self.rows.reports.append(
                _report(assignment_id, occurrence_id, delegate_id, held, carries, self.counter)
            )

    def quarter(self, quarter: Quarter) -> None:
        days = [quarter.first_day + timedelta(days=n) for n in range(92)]
        days = [d for d in days if Quarter.containing(d) == quarter]
        for (council, unit), members in self.units.items():
            for kind, turns, per in PLAN:
                size = per or len(members)
                occurrences = (turns * len(members) + size - 1) // size
                event_id = 0
                for k in range(occurrences):
                    if k % len(days) == 0:
                        event_id = self._event(
                            council,
                            kind,
                            f"{kind} {unit} {k // len(days)}",
                            datetime.combine(days[0], time(7, 30), ZONE),
                        )
                    occurrence = self._occurrence(
                        event_id, days[k % len(days)], 7 + k // len(days) % 8
                    )
                    chosen = [members[(size * k + j) % len(members)] for j in range(size)]
                    self._attend(occurrence, chosen, unit, reported=True)
        councils = sorted({council for council, _unit in self.units})
        for council in councils:
            everyone = [
                (d, unit) for (c, unit), ds in self.units.items() if c == council for d in ds
            ]
            for kind, day in (("session", days[27]), ("deadline", days[20])):
                event_id = self._event(
                    council,
                    kind,
                    f"{kind} {quarter.label}",
                    datetime.combine(day, time(7, 30), ZONE),
                )
                occurrence = self._occurrence(event_id, day, 7)
                for delegate_id, unit in everyone:
                    self._attend(occurrence, [delegate_id], unit, reported=False)


def _report(
    assignment_id: int, occurrence_id: int, delegate_id: int, held: bool, carries: bool, n: int
) -> dict[str, Any]:
    figures = dict.fromkeys(("citizens", "petitions", "forwarded", "voters", "opinions"))
    if carries:
        figures.update(
            citizens=n % 17, petitions=n % 5, forwarded=n % 3, voters=40 + n % 60, opinions=n % 13
        )
    return {
        "assignment_id": assignment_id,
        "occurrence_id": occurrence_id,
        "delegate_id": delegate_id,
        "held": held,
        "reason": None if held else REASONS[n % len(REASONS)],
        **figures,
        "note": "",
        "carries_figures": carries,
        "source": "bot",
        "version": 1,
        "reported_at": NOW,
        "updated_at": NOW,
    }


async def _units(database: Database) -> dict[tuple[int, str], list[int]]:
    async with database.engine.connect() as connection:
        result = await connection.execute(
            select(col(Delegate.council_id), col(Delegate.unit), col(Delegate.id)).order_by(
                col(Delegate.id)
            )
        )
        units: dict[tuple[int, str], list[int]] = {}
        for council, unit, delegate_id in result.all():
            assert delegate_id is not None
            units.setdefault((council, unit), []).append(delegate_id)
    return units


async def insert_rows(database: Database, rows: Rows) -> None:
    async with database.engine.begin() as connection:
        for table_, items in (
            (Event, rows.events),
            (Occurrence, rows.occurrences),
            (Assignment, rows.assignments),
            (Report, rows.reports),
        ):
            for start in range(0, len(items), BATCH):
                await connection.execute(insert(table_), items[start : start + BATCH])
        if database.engine.dialect.name == "postgresql":
            for name in ("events", "occurrences", "assignments", "reports"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                await connection.execute(
                    text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))")  # noqa: S608
                )


@dataclass
class Timing:
    phase: str
    first: float
    best: float
    median: float


async def timed(phase: str, repeat: int, call: Callable[[], Awaitable[object]]) -> Timing:
    """Runs ``call`` ``repeat`` times: the first (cold) and the median seconds."""
    seconds: list[float] = []
    for _ in range(repeat):
        with stopwatch() as took:
            await call()
        seconds.append(took[0])
    timing = Timing(phase, seconds[0], min(seconds), stats_math.median(seconds))
    print(
        f"  {phase}: first {timing.first:.3f} s, best {timing.best:.3f} s, "
        f"median {timing.median:.3f} s",
        file=sys.stderr,
        flush=True,
    )
    return timing


async def measure(database: Database, repeat: int, label: str) -> list[Timing]:
    """The quarter alone, then the whole call (with the previous quarter) three ways."""
    bounds = QUARTER.bounds(ZONE)

    async def one_quarter() -> None:
        async with database.sessions() as session:
            await period_rows(session=session, bounds=bounds, now=NOW, council_ids=None)

    def call(**options: Any) -> Callable[[], Awaitable[Statistics]]:
        async def statistics() -> Statistics:
            async with database.sessions() as session:  # one session per call, as the CLI
                return await quarterly_statistics(
                    session=session, quarter=QUARTER, zone=ZONE, now=NOW, **options
                )

        return statistics

    everything = await call()()
    first_council = min(c.id for c in everything.councils)
    return [
        await timed(f"the quarter alone (one statement) {label}", repeat, one_quarter),
        await timed(f"statistics, all councils {label}", repeat, call()),
        await timed(
            f"statistics, one council of 500 {label}",
            repeat,
            call(council_ids=frozenset({first_council})),
        ),
        await timed(
            f"statistics + delegates + missing (XLSX) {label}", repeat, call(detailed=True)
        ),
    ]


async def renderings(result: Statistics, repeat: int) -> list[Timing]:
    outputs: list[tuple[str, Callable[[], object]]] = [
        ("text (vi)", lambda: summary_text(result, "vi")),
        ("CSV", lambda: csv_bytes(result)),
        ("XLSX (XlsxWriter)", lambda: xlsx_bytes(result)),
        ("PNG (matplotlib)", lambda: chart_png(result)),
    ]
    timings = []
    for name, render in outputs:

        async def run(render: Callable[[], object] = render) -> None:
            render()

        timings.append(await timed(f"render {name}", repeat, run))
    return timings


async def main(args: argparse.Namespace) -> None:
    async with fresh_database(args.database_url, keep=args.keep_database) as database:
        print("\n".join(machine_lines(database)))
        with stopwatch() as took:
            await add_linked_delegates(
                database, delegates=args.delegates, councils=args.councils, now=CREATED
            )
            builder = Builder(await _units(database))
            builder.quarter(QUARTER.previous())
            builder.quarter(QUARTER)
            await insert_rows(database, builder.rows)
        reports = await count(database, "SELECT count(*) FROM reports")
        assignments = await count(database, "SELECT count(*) FROM assignments")
        print(
            f"Workload: {args.delegates:,} delegates in {args.councils} councils; two quarters "
            f"({QUARTER.previous().label}, {QUARTER.label}): {assignments:,} assignments, "
            f"{reports:,} reports, {len(builder.rows.occurrences):,} occurrences "
            f"(set up in {took[0]:.1f} s)"
        )
        timings = await measure(database, args.repeat, "(no statistics)")
        async with database.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
        timings += await measure(database, args.repeat, "(after ANALYZE)")
        async with database.sessions() as session:
            result = await quarterly_statistics(
                session=session, quarter=QUARTER, zone=ZONE, now=NOW, detailed=True
            )
        timings += await renderings(result, args.repeat)
        overall = result.overall.counts
        print(
            f"Result: {overall.assigned:,} assigned, {overall.held:,} held, "
            f"{overall.not_held:,} not held, {overall.unreported:,} unreported; "
            f"{len(result.lines)} table rows, {len(result.units)} units, "
            f"{len(result.delegates):,} delegates, {len(result.missing):,} missing reports"
        )
        print()
        print(
            table(
                ("phase", "first (s)", "best (s)", "median (s)"),
                [(t.phase, t.first, t.best, t.median) for t in timings],
            )
        )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.stats_bench", description=__doc__)
    parser.add_argument("--delegates", type=int, default=5_000)
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="calls per measurement")
    add_database_arguments(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
