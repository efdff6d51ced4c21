"""Quarterly statistics from the database: the counting is a ``GROUP BY`` there.

Per quarter, one statement (:func:`_units_and_kinds_statement`): the quarter's live
assignments, report left-joined, grouped per occurrence and unit (the unit at the time
of the assignment), then regrouped per council, unit and kind and per council and kind.
Python receives a few hundred rows, never a report, and :func:`bot.domain.stats.aggregate`
does the rest. The XLSX adds a statement per quarter grouped per delegate and unit, and
the list of assignments still without a report.

A quarter is the occurrences whose ``starts_at`` falls between local midnights of its first
day and of the next quarter's (``Quarter.bounds``). Cancelled assignments and cancelled
occurrences are left out; an assignment without a report is *unreported* once its
occurrence has ended (``COALESCE(ends_at, starts_at) <= now``), else *upcoming*. Figures
are summed over the reports with ``carries_figures`` only: one per occurrence.

The existing indexes serve it (``occurrences.starts_at``, ``assignments.occurrence_id``,
the unique ``reports.assignment_id``); see ``bench/stats_bench.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import (
    CTE,
    CompoundSelect,
    Executable,
    Select,
    and_,
    case,
    func,
    literal_column,
    not_,
    null,
    or_,
    text,
    union_all,
)
from sqlalchemy import select as sql_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import Answer
from bot.domain.quarters import Quarter
from bot.domain.schedule_cells import ReceptionCategory
from bot.domain.stats import (
    COUNT_FIELDS,
    REASONS,
    REPORTED_KINDS,
    CouncilInfo,
    Counts,
    DelegateRow,
    KindRow,
    MissingReport,
    PeriodRows,
    Statistics,
    UnitKindRow,
    aggregate,
)
from bot.models import Assignment, Council, Delegate, Event, Occurrence, Report, SessionAnswer
from bot.services.petitions.stats import with_register

AnySelect = Select[*tuple[Any, ...]]
_FIGURES = ("citizens", "petitions", "forwarded", "voters", "opinions")


async def quarterly_statistics(
    *,
    session: AsyncSession,
    quarter: Quarter,
    zone: tzinfo,
    now: datetime,
    council_ids: frozenset[int] | None = None,
    detailed: bool = False,
) -> Statistics:
    """``quarter`` and the one before it for ``council_ids`` (``None``: every council).

    ``detailed`` adds what only the XLSX shows: the lines per delegate and the list of
    assignments still without a report (two more statements per quarter).

    Everything is read in the caller's session, so the two quarters and the council list
    come from one snapshot. (They were once read on three connections at once, which
    used both cores: 0.97 → 0.70 s for 100,000 reports on SQLite; one unit of work per
    command and per update is worth more than that, see bench/README.md.)
    """
    current = await period_rows(
        session=session,
        bounds=quarter.bounds(zone),
        now=now,
        council_ids=council_ids,
        detailed=detailed,
    )
    previous = await period_rows(
        session=session,
        bounds=quarter.previous().bounds(zone),
        now=now,
        council_ids=council_ids,
        detailed=detailed,
    )
    year_ago = await period_rows(
        session=session,
        bounds=quarter.year_before().bounds(zone),
        now=now,
        council_ids=council_ids,
    )
    councils = await _councils(session, council_ids)
    missing: Sequence[MissingReport] = []
    if detailed:
        missing = await missing_reports(
            session=session,
            bounds=quarter.bounds(zone),
            now=now,
            council_ids=council_ids,
            zone=zone,
        )
    stats = aggregate(quarter, councils, current, previous, missing, year_ago)
    return await with_register(session=session, stats=stats, council_ids=council_ids)


# PostgreSQL: the planner cannot know how many groups the first level makes, so it sorts;
# with the default 4 MB those sorts spill to disk, and the plan's cost crosses the JIT
# threshold, whose compilation alone took ~90 ms of a ~450 ms statement. Both settings
# are local to the caller's transaction (``SET LOCAL``) and end with it (see bench/README.md).
_POSTGRES_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


async def _tune_for_aggregation(session: AsyncSession) -> None:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        for setting in _POSTGRES_SETTINGS:
            await connection.execute(text(setting))


def _council_columns() -> AnySelect:
    return sql_select(
        col(Council.id),
        col(Council.code),
        col(Council.name),
        col(Council.level),
        col(Council.parent_id),
    )


async def council_by_code(*, session: AsyncSession, code: str) -> CouncilInfo | None:
    rows = await _all(session, _council_columns().where(col(Council.code) == code))
    return CouncilInfo(*rows[0]) if rows else None


async def child_council_ids(*, session: AsyncSession, parent_id: int) -> frozenset[int]:
    """The councils whose upper council is ``parent_id`` (a province's communes)."""
    statement = sql_select(col(Council.id)).where(col(Council.parent_id) == parent_id)
    return frozenset(row[0] for row in await _all(session, statement))


async def list_councils(
    *, session: AsyncSession, council_ids: frozenset[int] | None = None
) -> list[CouncilInfo]:
    """The councils in ``council_ids`` (``None``: all), by code."""
    return await _councils(session, council_ids)


async def _councils(session: AsyncSession, council_ids: frozenset[int] | None) -> list[CouncilInfo]:
    statement = _council_columns().order_by(col(Council.code))
    if council_ids is not None:
        statement = statement.where(col(Council.id).in_(sorted(council_ids)))
    return [CouncilInfo(*row) for row in await _all(session, statement)]


async def _all(session: AsyncSession, statement: Executable) -> list[tuple[Any, ...]]:
    """Core rows as plain tuples (SQLModel's ``exec`` is for ORM selects)."""
    connection = await session.connection()
    return [tuple(row) for row in (await connection.execute(statement)).all()]


# --- the statements -------------------------------------------------------------------------


def _unit() -> ColumnElement[Any]:
    return func.coalesce(col(Assignment.unit), col(Delegate.unit))


def _ended(now: datetime) -> ColumnElement[bool]:
    return func.coalesce(col(Occurrence.ends_at), col(Occurrence.starts_at)) <= now


def _in_quarter(
    statement: AnySelect, bounds: tuple[datetime, datetime], council_ids: frozenset[int] | None
) -> AnySelect:
    """Joins assignment → occurrence → event and delegate, report left-joined; keeps the
    quarter's live assignments."""
    start, end = bounds
    statement = (
        statement.select_from(Assignment)
        .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
        .join(Event, col(Event.id) == col(Occurrence.event_id))
        .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
        .outerjoin(Report, col(Report.assignment_id) == col(Assignment.id))
        # A session answered "Xin vắng" counts as not held, with its reason (availability).
        .outerjoin(
            SessionAnswer,
            and_(
                col(SessionAnswer.assignment_id) == col(Assignment.id),
                col(SessionAnswer.answer) == Answer.absent.value,
            ),
        )
        .where(
            col(Occurrence.starts_at) >= start,
            col(Occurrence.starts_at) < end,
            col(Occurrence.cancelled_at).is_(None),
            col(Assignment.cancelled_at).is_(None),
        )
    )
    if council_ids is not None:
        statement = statement.where(col(Event.council_id).in_(sorted(council_ids)))
    return statement


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _report_columns() -> list[ColumnElement[Any]]:
    """Per assignment row: assigned, held, not held by reason (four), without a report,
    then the five figures summed over the reports that carry them. Whether an
    assignment without a report is overdue or upcoming depends on its occurrence only, so
    callers decide it per occurrence (or per row, :func:`_status_columns`)."""
    away = col(SessionAnswer.id).is_not(None)
    held = col(Report.held)
    not_held = or_(held.is_(False), and_(col(Report.id).is_(None), away))
    reason = func.coalesce(col(Report.reason), col(SessionAnswer.reason))
    named = [_count(and_(not_held, reason == value)) for value in REASONS[:-1]]
    other = _count(and_(not_held, or_(reason.is_(None), not_(reason.in_(REASONS[:-1])))))
    carrier = col(Report.carries_figures).is_(True)
    return [
        func.count(),
        _count(held.is_(True)),
        *named,
        other,
        _count(_no_report()),
        *(func.sum(case((carrier, getattr(Report, name)))) for name in _FIGURES),
    ]


def _no_report() -> ColumnElement[bool]:
    """Neither a report nor a session's "Xin vắng" (which stands for one)."""
    return and_(col(Report.id).is_(None), col(SessionAnswer.id).is_(None))


def _status_columns(now: datetime) -> list[ColumnElement[Any]]:
    """``Counts`` fields in order, per assignment row."""
    columns = _report_columns()
    no_report = _no_report()
    return [
        *columns[:6],
        _count(and_(no_report, _ended(now))),
        _count(and_(no_report, not_(_ended(now)))),
        *columns[7:],
    ]


async def period_rows(
    *,
    session: AsyncSession,
    bounds: tuple[datetime, datetime],
    now: datetime,
    council_ids: frozenset[int] | None,
    detailed: bool = False,
) -> PeriodRows:
    """The grouped rows of one quarter (``bounds`` in UTC)."""
    await _tune_for_aggregation(session)
    units: list[UnitKindRow] = []
    kinds: list[KindRow] = []
    for row in await _all(session, _units_and_kinds_statement(bounds, now, council_ids)):
        level, council_id, unit, kind = row[:4]
        sessions, standing, ended, periodic, periodic_sessions = (
            int(value or 0) for value in row[-5:]
        )
        if level == 0:
            counts = _counts(row[4:-5])
            units.append(
                UnitKindRow(
                    council_id,
                    unit or "",
                    kind,
                    counts,
                    sessions,
                    standing,
                    periodic,
                    periodic_sessions,
                )
            )
        else:
            kinds.append(
                KindRow(council_id, kind, held=sessions, ended=ended, periodic_held=periodic)
            )
    delegates = []
    if detailed:
        delegates = [
            DelegateRow(row[0], row[1], row[2], row[3] or "", _counts(row[4:]))
            for row in await _all(session, _delegates_statement(bounds, now, council_ids))
        ]
    return PeriodRows(units, kinds, delegates)


def _counts(values: Sequence[Any]) -> Counts:
    return Counts(*(int(value or 0) for value in values))


def _per_occurrence_unit(
    bounds: tuple[datetime, datetime], council_ids: frozenset[int] | None
) -> CTE:
    """The quarter's live assignments grouped per occurrence and unit: the report
    columns (``c0``…), the Standing Committee's held turns (by title, not by the bot's
    role), and the occurrence's start and end."""
    secretary_held = _count(
        and_(col(Report.held).is_(True), col(Delegate.standing_committee).is_(True))
    )
    return (
        _in_quarter(
            sql_select(
                col(Occurrence.id).label("occurrence_id"),
                func.min(col(Event.council_id)).label("council_id"),
                _unit().label("unit"),
                func.min(col(Event.kind)).label("kind"),
                *(column.label(f"c{i}") for i, column in enumerate(_report_columns())),
                secretary_held.label("standing"),
                func.max(
                    case((col(Event.category) == ReceptionCategory.periodic.value, 1), else_=0)
                ).label("periodic"),
                func.min(col(Occurrence.starts_at)).label("starts_at"),
                func.min(col(Occurrence.ends_at)).label("ends_at"),
            ),
            bounds,
            council_ids,
        )
        .group_by(col(Occurrence.id), _unit())
        .cte("per_occurrence_unit")
    )


def _units_and_kinds_statement(
    bounds: tuple[datetime, datetime], now: datetime, council_ids: frozenset[int] | None
) -> CompoundSelect[*tuple[Any, ...]]:
    """One scan of the quarter's assignments, grouped per occurrence and unit (a CTE),
    then regrouped twice: per council, unit and kind (level 0: the turns summed, and the
    occurrences with a held turn counted as sessions) and per council and kind (level 1:
    distinct occurrences held and ended, which do not add up over units). Every level is a
    plain ``GROUP BY`` (hash-aggregated by PostgreSQL; no ``COUNT(DISTINCT)``).

    Columns: level, council, unit, kind, the ``Counts`` fields, sessions (held
    occurrences), standing committee turns held, ended occurrences.
    """
    per_unit = _per_occurrence_unit(bounds, council_ids)
    c = per_unit.c
    ended = func.coalesce(c.ends_at, c.starts_at) <= now
    # The contract: a kind without a report prompt (session, deadline, other) is held once
    # it has ended, unless answered "Xin vắng" (not held); it is never "unreported". So
    # the one completion rate (bot.domain.stats.completion_rate) reads the same in the
    # text, the CSV and the workbook.
    prompted = c.kind.in_(REPORTED_KINDS)
    held = c.c1 + case((and_(not_(prompted), ended), c.c6), else_=0)
    units = sql_select(
        literal_column("0"),
        c.council_id,
        c.unit,
        c.kind,
        func.sum(c.c0),
        func.sum(held),
        *(func.sum(c[f"c{i}"]) for i in range(2, 6)),
        func.sum(case((and_(prompted, ended), c.c6), else_=0)),  # over, no report: unreported
        func.sum(case((ended, 0), else_=c.c6)),  # without a report, still to come
        *(func.sum(c[f"c{i}"]) for i in range(7, 12)),
        func.count(case((held > 0, 1))),  # occurrences with a held turn: sessions
        # The Standing Committee's turns at the delegates' receptions (the periodic one is
        # counted apart, in turns).
        func.sum(case((c.periodic > 0, 0), else_=c.standing)),
        literal_column("0"),
        func.sum(case((c.periodic > 0, c.c1), else_=0)),  # periodic reception turns held
        func.count(case((and_(held > 0, c.periodic > 0), 1))),  # periodic receptions held
    ).group_by(c.council_id, c.unit, c.kind)
    return union_all(units, _per_kind(c, held, ended))


def _per_kind(c: Any, held: Any, ended: Any) -> Select[Any]:
    """Level 1: per council and kind, distinct occurrences held and ended (they do not
    add up over units)."""
    per_occurrence = (
        sql_select(
            func.min(c.council_id).label("council_id"),
            func.min(c.kind).label("kind"),
            func.sum(held).label("held"),
            func.max(case((ended, 1), else_=0)).label("ended"),
            func.max(c.periodic).label("periodic"),
        )
        .group_by(c.occurrence_id)
        .subquery("per_occurrence")
    )
    return sql_select(
        literal_column("1"),
        per_occurrence.c.council_id,
        null(),
        per_occurrence.c.kind,
        *(null() for _field in COUNT_FIELDS),
        func.count(case((per_occurrence.c.held > 0, 1))),
        literal_column("0"),
        func.count(case((per_occurrence.c.ended > 0, 1))),
        func.count(case((and_(per_occurrence.c.held > 0, per_occurrence.c.periodic > 0), 1))),
        literal_column("0"),
    ).group_by(per_occurrence.c.council_id, per_occurrence.c.kind)


def _delegates_statement(
    bounds: tuple[datetime, datetime], now: datetime, council_ids: frozenset[int] | None
) -> AnySelect:
    """Per delegate and unit, the reported kinds; names joined after grouping."""
    inner = (
        _in_quarter(
            sql_select(
                col(Assignment.delegate_id).label("delegate_id"),
                _unit().label("unit"),
                *(column.label(f"c{i}") for i, column in enumerate(_status_columns(now))),
            ),
            bounds,
            council_ids,
        )
        .where(col(Event.kind).in_(REPORTED_KINDS))
        .group_by(col(Assignment.delegate_id), _unit())
        .subquery("per_delegate")
    )
    return sql_select(
        inner.c.delegate_id,
        col(Delegate.code),
        col(Delegate.full_name),
        inner.c.unit,
        *(inner.c[f"c{i}"] for i in range(len(COUNT_FIELDS))),
    ).join(Delegate, col(Delegate.id) == inner.c.delegate_id)


async def missing_reports(
    *,
    session: AsyncSession,
    bounds: tuple[datetime, datetime],
    now: datetime,
    council_ids: frozenset[int] | None,
    zone: tzinfo,
) -> Sequence[MissingReport]:
    """Assignments of the reported kinds that have ended without a report."""
    statement = _in_quarter(
        sql_select(
            col(Occurrence.starts_at),
            col(Event.kind),
            col(Event.title),
            _unit(),
            col(Delegate.code),
            col(Delegate.full_name),
        ),
        bounds,
        council_ids,
    ).where(
        col(Report.id).is_(None),
        _ended(now),
        col(Event.kind).in_(REPORTED_KINDS),
    )
    statement = statement.order_by(col(Occurrence.starts_at), col(Delegate.code))
    return [
        MissingReport(
            starts_at=row[0].astimezone(zone),
            kind=row[1],
            title=row[2],
            unit=row[3] or "",
            delegate_code=row[4],
            delegate_name=row[5],
        )
        for row in await _all(session, statement)
    ]
