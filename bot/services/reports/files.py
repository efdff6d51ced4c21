"""``reports import`` and ``reports export``: reports collected on paper, and the quarter's
reports as a file that imports again unchanged.

A row is matched to the delegate's assignment of that kind on that (local) date; a row
that matches none is a problem, as is a second row for the same assignment or a second
set of figures for one shared occurrence. All or nothing: any problem, nothing written.
A report already given in the bot is replaced by the imported one (both versions kept).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.domain.csv_text import csv_dict_text
from bot.domain.dates import format_clock_24h, format_date, format_date_time, format_file_moment
from bot.domain.report_carrier import gives_figures
from bot.domain.report_rows import (
    ALIASES,
    EXPORT_COLUMNS,
    REQUIRED,
    ReportRow,
    read_report_rows,
)
from bot.domain.schedule_cells import KIND_WORDS
from bot.domain.tables import Problem, fold_label
from bot.i18n import N_
from bot.models import Assignment, Delegate, Event, Occurrence, Report
from bot.services import audit
from bot.services.files.tabular import read_table
from bot.services.reports.batch import Newer, Owner, ReportBatch

AUDIT_ACTION = "reports.import"


@dataclass(frozen=True)
class ReportImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    ignored_columns: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The file's own header text per column, for problems (``cột «Ngày»``)."""


@dataclass(frozen=True)
class _Match:
    owner: Owner
    starts_at: datetime
    title: str


def _narrow(options: list[_Match], row: ReportRow, zone: tzinfo) -> list[_Match]:
    """Two assignments of one kind on one day: the row's title and start time tell which."""
    if row.title:
        options = [m for m in options if fold_label(m.title) == fold_label(row.title)]
    if row.start is not None:
        options = [m for m in options if m.starts_at.astimezone(zone).time() == row.start]
    return options


async def import_reports(
    *,
    session: AsyncSession,
    path: Path,
    now: datetime,
    zone: tzinfo,
    dry_run: bool,
    actor: str = "cli",
) -> ReportImportResult:
    """Check every row of ``path``; when all are clean, save them in the caller's
    ``session`` and commit (a dry run counts what would change, writes nothing and rolls
    back). The rows are applied in memory and written at once (:mod:`report_batch`)."""
    # openpyxl reads up to 20,000 rows: off the event loop, as the other importers do.
    table, problems = await asyncio.to_thread(read_table, path, aliases=ALIASES, required=REQUIRED)
    if problems:
        return ReportImportResult(
            problems=problems, ignored_columns=table.ignored_columns, headers=table.headers
        )
    rows, problems = read_report_rows(table.rows)
    matches = await _match(session, rows, zone, now, problems)
    if problems:
        await session.rollback()
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        return ReportImportResult(
            problems=problems, ignored_columns=table.ignored_columns, headers=table.headers
        )
    batch = await ReportBatch.load(session, {m.owner.occurrence_id for m in matches.values()})
    counts = _apply(batch, rows, matches, zone, problems)
    if problems:
        await session.rollback()
        return ReportImportResult(
            problems=problems, ignored_columns=table.ignored_columns, headers=table.headers
        )
    if dry_run:
        await session.rollback()
    else:
        await batch.write(session, actor=f"{actor}:{path.name}"[:128], now=now)
        audit.record(
            session, actor=actor, action=AUDIT_ACTION, at=now, file=path.name, **dict(counts)
        )
        await session.commit()
    return ReportImportResult(
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        dry_run=dry_run,
        ignored_columns=table.ignored_columns,
    )


def _apply(
    batch: ReportBatch,
    rows: Sequence[ReportRow],
    matches: Mapping[int, _Match],
    zone: tzinfo,
    problems: list[Problem],
) -> Counter[str]:
    """Each row applied in memory: how many are created, updated or unchanged; a row
    older than a correction made since its export becomes a problem instead."""
    counts: Counter[str] = Counter()
    for row in rows:
        outcome = batch.apply(
            matches[row.number].owner,
            held=row.held,
            reason=row.reason,
            figures=row.figures,
            note=row.note,
            exported_at=row.reported_at.replace(tzinfo=zone) if row.reported_at else None,
        )
        if isinstance(outcome, Newer):
            problems.append(_newer(row, outcome, zone))
        else:
            counts[outcome] += 1
    return counts


_Candidates = dict[tuple[int, str, date], list[_Match]]


async def _match(
    session: AsyncSession,
    rows: Sequence[ReportRow],
    zone: tzinfo,
    now: datetime,
    problems: list[Problem],
) -> dict[int, _Match]:
    """Each row's assignment; problems for rows with none, or clashing with another row."""
    if not rows:
        return {}
    delegates: dict[str, int] = {}
    for chunk in chunks(row.delegate_code for row in rows):
        found = await session.exec(
            select(Delegate.code, Delegate.id).where(col(Delegate.code).in_(chunk))
        )
        delegates.update((code, id_) for code, id_ in found.all() if id_ is not None)
    candidates = await _candidates(session, rows, delegates.values(), zone)
    matches: dict[int, _Match] = {}
    taken: set[int] = set()
    figures_of: dict[int, int] = {}
    for row in rows:
        delegate_id = delegates.get(row.delegate_code)
        if delegate_id is None:
            problems.append(
                Problem(
                    row.number,
                    "delegate",
                    N_("Unknown delegate code: {code}"),
                    {"code": row.delegate_code},
                )
            )
            continue
        options = _narrow(candidates.get((delegate_id, row.kind, row.day), []), row, zone)
        options = [m for m in options if m.owner.assignment_id not in taken]
        if len(options) != 1:
            problems.append(_ambiguous(row, len(options)) if options else _no_assignment(row))
            continue
        match = options[0]
        if match.starts_at > now:
            problems.append(_not_yet(row))
            continue
        taken.add(match.owner.assignment_id)
        if gives_figures(row.figures):
            if (other := figures_of.get(match.owner.occurrence_id)) is not None:
                problems.append(_twice(row, other))
            figures_of[match.owner.occurrence_id] = row.number
        matches[row.number] = match
    return matches


async def _candidates(
    session: AsyncSession, rows: Sequence[ReportRow], delegate_ids: Collection[int], zone: tzinfo
) -> _Candidates:
    """The live assignments of the rows' delegates and kinds in the rows' days, by
    delegate, kind and local day: plain columns, a chunk of delegates per query."""
    first = datetime.combine(min(r.day for r in rows), time.min, zone)
    last = datetime.combine(max(r.day for r in rows) + timedelta(days=1), time.min, zone)
    kinds = sorted({row.kind for row in rows})
    candidates: _Candidates = defaultdict(list)
    for chunk in chunks(delegate_ids):
        # SQLAlchemy's select: SQLModel's is typed for at most four columns.
        query: Any = (
            sql_select(
                col(Assignment.id),
                col(Assignment.delegate_id),
                col(Assignment.occurrence_id),
                col(Occurrence.starts_at),
                col(Event.kind),
                col(Event.title),
            )
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .where(
                col(Assignment.delegate_id).in_(chunk),
                col(Event.kind).in_(kinds),
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                col(Occurrence.starts_at) >= first,
                col(Occurrence.starts_at) < last,
            )
        )
        found = await session.exec(query)
        for assignment_id, delegate_id, occurrence_id, starts_at, kind, title in found.all():
            assert assignment_id is not None
            day = starts_at.astimezone(zone).date()
            candidates[(delegate_id, kind, day)].append(
                _Match(Owner(assignment_id, occurrence_id, delegate_id), starts_at, title)
            )
    for options in candidates.values():
        options.sort(key=lambda match: match.starts_at)
    return candidates


def _no_assignment(row: ReportRow) -> Problem:
    return Problem(
        row.number,
        "date",
        N_("{code} has no {kind} assignment on {day} (or it is already in an earlier row)"),
        {
            "code": row.delegate_code,
            "kind": KIND_WORDS.get(row.kind, row.kind),  # "tiếp công dân", not "reception"
            "day": format_date(row.day),
        },
    )


def _ambiguous(row: ReportRow, count: int) -> Problem:
    return Problem(
        row.number,
        "date",
        N_(
            "{code} has {count} {kind} duties on {day}: add the title or start column "
            "to say which one"
        ),
        {
            "code": row.delegate_code,
            "count": str(count),
            "kind": KIND_WORDS.get(row.kind, row.kind),
            "day": format_date(row.day),
        },
    )


def _not_yet(row: ReportRow) -> Problem:
    return Problem(
        row.number,
        "date",
        N_("The duty of {day} has not taken place yet; it cannot be reported"),
        {"day": format_date(row.day)},
    )


def _newer(row: ReportRow, newer: Newer, zone: tzinfo) -> Problem:
    assert row.reported_at is not None
    return Problem(
        row.number,
        "reported_at",
        N_(
            "This report was changed on {changed} (by {source}), after this row was "
            "exported ({exported}); clear the reported_at cell to overwrite it"
        ),
        {
            "changed": format_date_time(newer.updated_at.astimezone(zone)),
            "source": newer.source,
            "exported": format_date_time(row.reported_at),
        },
    )


def _twice(row: ReportRow, other: int) -> Problem:
    return Problem(
        row.number,
        "citizens",
        N_(
            "Row {other} already gives the figures of this shared meeting; "
            "leave the figures of the other attendees empty"
        ),
        {"other": str(other)},
    )


# --- export ---------------------------------------------------------------------------------


async def export_rows(
    *,
    session: AsyncSession,
    starts_from: datetime,
    starts_before: datetime,
    zone: tzinfo,
    council_ids: Collection[int] | None = None,
) -> list[dict[str, str]]:
    """Every current report of assignments starting in ``[starts_from, starts_before)``."""
    # The delegate is joined, not looked up by id: a quarter may have more reporting
    # delegates than asyncpg takes parameters (32,767). Columns, not ORM objects: a
    # province's quarter is tens of thousands of rows.
    query: Any = (
        sql_select(
            col(Delegate.code),
            col(Delegate.full_name),
            col(Delegate.unit).label("delegate_unit"),
            col(Assignment.unit),
            col(Occurrence.starts_at),
            col(Event.kind),
            col(Event.title),
            *_REPORT_COLUMNS,
        )
        .join(Assignment, col(Assignment.id) == col(Report.assignment_id))
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Report.delegate_id))
        .where(
            col(Occurrence.starts_at) >= starts_from,
            col(Occurrence.starts_at) < starts_before,
            col(Assignment.cancelled_at).is_(None),
            col(Occurrence.cancelled_at).is_(None),
        )
        .order_by(col(Occurrence.starts_at), col(Report.id))
    )
    if council_ids is not None:
        query = query.where(col(Event.council_id).in_(list(council_ids)))
    return [_export_row(row, zone) for row in (await session.exec(query)).all()]


_REPORT_COLUMNS = (
    col(Report.held),
    col(Report.citizens),
    col(Report.petitions),
    col(Report.note),
    col(Report.forwarded),
    col(Report.voters),
    col(Report.opinions),
    col(Report.reason),
    col(Report.updated_at),
    col(Report.source),
)


def _export_row(row: Any, zone: tzinfo) -> dict[str, str]:
    starts_at = row.starts_at.astimezone(zone)
    return {
        "delegate": row.code,
        "name": row.full_name,  # the workbook's name column (not in the CSV)
        "date": starts_at.date().isoformat(),
        "kind": row.kind,
        "held": "yes" if row.held else "no",
        "citizens": _number(row.citizens),
        "petitions": _number(row.petitions),
        "note": row.note,
        "forwarded": _number(row.forwarded),
        "voters": _number(row.voters),
        "opinions": _number(row.opinions),
        "reason": row.reason or "",
        "title": row.title,
        "unit": row.unit or row.delegate_unit,
        "reported_at": format_file_moment(row.updated_at.astimezone(zone)),
        "source": row.source,
        "start": format_clock_24h(starts_at),
    }


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def export_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """UTF-8 with a BOM, so that Excel shows Vietnamese correctly; text cells that Excel
    would run as a formula are quoted (``reports import`` removes the quote again)."""
    return csv_dict_text(list(EXPORT_COLUMNS), rows).encode("utf-8-sig")
