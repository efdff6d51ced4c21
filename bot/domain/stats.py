"""Quarterly statistics: pure aggregates over rows the database has already grouped.

The services run the ``GROUP BY`` and hand over a few hundred rows per quarter (one per
council, unit and kind; one per council and kind; for the XLSX one per delegate and
unit); this module adds them up into the breakdowns a council report needs: by unit and
kind with ``TOTAL`` rows, per delegate, per unit for the chart, and per council for the
text, each beside the previous quarter.

Two kinds of count live side by side: *turns* (one delegate at one occurrence, the
``assigned``/``held``/… columns) and *sessions* (distinct occurrences held, which are not
additive across units, so the database counts them per unit and per kind). Figures
(citizens, petitions…) come only from the report that carries an occurrence's figures,
so they add up without counting a shared occurrence twice. A delegate who moved counts
under the unit of each assignment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.domain.petition_stats import RegisterFigures
from bot.domain.quarters import Quarter
from bot.domain.stats_counts import (
    ALL_KINDS,
    COUNT_FIELDS,
    KINDS,
    REASONS,
    REPORTED_KINDS,
    TOTAL,
    CouncilInfo,
    Counts,
    DelegateRow,
    KindRow,
    MissingReport,
    PeriodRows,
    UnitKindRow,
    _Sums,
    completion_rate,
    total,
)
from bot.domain.tables import fold_label

__all__ = [
    "ALL_KINDS",
    "COUNT_FIELDS",
    "KINDS",
    "LEVELS",
    "REASONS",
    "REPORTED_KINDS",
    "TOTAL",
    "CouncilInfo",
    "Counts",
    "DelegateLine",
    "DelegateRow",
    "KindRow",
    "Line",
    "MissingReport",
    "Period",
    "PeriodRows",
    "Statistics",
    "Summary",
    "UnitKindRow",
    "UnitLine",
    "aggregate",
    "completion_rate",
    "delegate_lines",
    "periods",
    "sort_key",
    "summaries",
    "total",
    "unit_kind_lines",
    "unit_lines",
    "unit_periods",
]

K = TypeVar("K")


# --- the aggregates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A row of the unit-and-kind table: ``unit`` may be ``TOTAL``, ``kind`` may be ``all``."""

    unit: str
    kind: str
    counts: Counts
    sessions: int
    previous: Counts
    previous_sessions: int
    council: str = ""  # the council's code when several are covered (no merging across)
    year_ago: Counts = field(default_factory=Counts)
    """The same quarter a year before (the text's «cùng kỳ»)."""
    year_ago_sessions: int = 0


@dataclass(frozen=True)
class DelegateLine:
    """One delegate's reported kinds in the quarter; figures are those their reports carried."""

    code: str
    name: str
    units: tuple[str, ...]
    counts: Counts
    previous: Counts


@dataclass(frozen=True)
class UnitLine:
    unit: str
    counts: Counts  # reported kinds only
    previous: Counts


@dataclass(frozen=True)
class Period:
    """A council's (or several councils') quarter, per kind."""

    counts: Mapping[str, Counts] = field(default_factory=dict)
    sessions: Mapping[str, int] = field(default_factory=dict)  # distinct occurrences held
    ended: Mapping[str, int] = field(default_factory=dict)  # distinct occurrences that ended
    # Delegates' reception turns (not the periodic one) held by the Standing Committee.
    standing_committee_receptions: int = 0
    periodic_turns: int = 0  # reception turns held at the council's periodic reception
    periodic_sessions: int = 0  # periodic receptions held (distinct occurrences)

    def of(self, kind: str) -> Counts:
        return self.counts.get(kind, Counts())

    @property
    def delegate_reception_sessions(self) -> int:
        """Receptions by assignment held, the periodic ones left out (counted in turns)."""
        return self.sessions.get("reception", 0) - self.periodic_sessions

    def reported(self) -> Counts:
        return total(self.of(kind) for kind in REPORTED_KINDS)

    def everything(self) -> Counts:
        """Every kind: the CSV's ``TOTAL,all`` row and the workbook's ``Tất cả``."""
        return total(self.counts.values())


@dataclass(frozen=True)
class Summary:
    """What the text says about one council, or (``council`` ``None``) about the
    ``count`` councils of one ``level`` taken together, with the previous quarter and the
    same quarter of the previous year beside it."""

    council: CouncilInfo | None
    current: Period
    previous: Period
    year_ago: Period = field(default_factory=Period)
    level: str | None = None
    count: int = 1
    council_ids: tuple[int, ...] = ()
    names: tuple[str, ...] = ()  # the councils' names (the group's words follow them)
    register: RegisterFigures | None = None
    """The petitions register's items received in the quarter (types, answers)."""


@dataclass(frozen=True)
class Statistics:
    quarter: Quarter
    councils: tuple[CouncilInfo, ...]
    lines: tuple[Line, ...]
    units: tuple[UnitLine, ...]
    delegates: tuple[DelegateLine, ...]
    summaries: tuple[Summary, ...]
    missing: tuple[MissingReport, ...] = ()
    # Per council and unit, the quarter in the text's terms (the "Biểu tổng hợp" rows).
    unit_periods: Mapping[tuple[int, str], Period] = field(default_factory=dict)
    register: Mapping[int | None, RegisterFigures] = field(default_factory=dict)
    """The petitions register's figures, per council and for all (``None``)."""

    @property
    def overall(self) -> Line:
        """The last row, ``TOTAL,all``."""
        return self.lines[-1]


def sort_key(text: str) -> tuple[str, str]:
    """Vietnamese names in dictionary order, near enough (diacritics folded, then exact)."""
    return fold_label(text), text


def _kind_order(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def aggregate(
    quarter: Quarter,
    councils: Sequence[CouncilInfo],
    current: PeriodRows,
    previous: PeriodRows,
    missing: Sequence[MissingReport] = (),
    year_ago: PeriodRows | None = None,
) -> Statistics:
    """Every breakdown of ``quarter`` with ``previous`` (the quarter before) beside it;
    the summaries also compare with ``year_ago`` (the same quarter a year before)."""
    return Statistics(
        quarter=quarter,
        councils=tuple(sorted(councils, key=lambda c: sort_key(c.code))),
        lines=tuple(
            unit_kind_lines(
                current,
                previous,
                {c.id: c.code for c in councils} if len(councils) > 1 else {},
                year_ago=year_ago,
            )
        ),
        units=tuple(unit_lines(current, previous)),
        delegates=tuple(delegate_lines(current, previous)),
        summaries=tuple(summaries(councils, current, previous, year_ago or PeriodRows())),
        missing=tuple(sorted(missing, key=lambda m: (m.starts_at, sort_key(m.delegate_code)))),
        unit_periods=unit_periods(current),
    )


@dataclass
class _Table:
    """Turns per (council, unit, kind) and per kind; held occurrences likewise. The
    council is ``""`` unless ``codes`` names it (several councils: a unit of one council
    is never merged with a same-named unit of another)."""

    counts: _Sums[tuple[str, str, str]] = field(default_factory=_Sums)
    kind_counts: _Sums[str] = field(default_factory=_Sums)
    unit_sessions: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    kind_sessions: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def of(cls, rows: PeriodRows, codes: Mapping[int, str]) -> _Table:
        table = cls()
        for row in rows.units:
            key = (codes.get(row.council_id, ""), row.unit, row.kind)
            table.counts.add(key, row.counts)
            table.kind_counts.add(row.kind, row.counts)
            table.unit_sessions[key] += row.sessions
        for kind_row in rows.kinds:
            table.kind_sessions[kind_row.kind] += kind_row.held
        return table


def unit_kind_lines(
    current: PeriodRows,
    previous: PeriodRows,
    codes: Mapping[int, str] | None = None,
    *,
    year_ago: PeriodRows | None = None,
) -> list[Line]:
    """The contract's table: a row per (council,) unit and kind with at least one
    assignment this quarter, then ``TOTAL`` per kind, then ``TOTAL,all``. ``codes`` (the
    council codes, when several councils are covered) keeps councils apart; ``previous``
    and ``year_ago`` are set beside each row."""
    now, before = _Table.of(current, codes or {}), _Table.of(previous, codes or {})
    ago = _Table.of(year_ago or PeriodRows(), codes or {})
    keys = [key for key in now.counts.seen() if now.counts[key].assigned]
    lines = [
        Line(
            unit=unit,
            kind=kind,
            counts=now.counts[council, unit, kind],
            sessions=now.unit_sessions.get((council, unit, kind), 0),
            previous=before.counts[council, unit, kind],
            previous_sessions=before.unit_sessions.get((council, unit, kind), 0),
            council=council,
            year_ago=ago.counts[council, unit, kind],
            year_ago_sessions=ago.unit_sessions.get((council, unit, kind), 0),
        )
        for council, unit, kind in sorted(
            keys, key=lambda k: (sort_key(k[0]), sort_key(k[1]), _kind_order(k[2]))
        )
    ]
    kinds = sorted({kind for _council, _unit, kind in keys}, key=_kind_order)
    totals = [
        Line(
            unit=TOTAL,
            kind=kind,
            counts=now.kind_counts[kind],
            sessions=now.kind_sessions.get(kind, 0),
            previous=before.kind_counts[kind],
            previous_sessions=before.kind_sessions.get(kind, 0),
            year_ago=ago.kind_counts[kind],
            year_ago_sessions=ago.kind_sessions.get(kind, 0),
        )
        for kind in kinds
    ]
    everything = Line(
        unit=TOTAL,
        kind=ALL_KINDS,
        counts=total(now.kind_counts[kind] for kind in now.kind_counts.seen()),
        sessions=sum(now.kind_sessions.values()),
        previous=total(before.kind_counts[kind] for kind in before.kind_counts.seen()),
        previous_sessions=sum(before.kind_sessions.values()),
        year_ago=total(ago.kind_counts[kind] for kind in ago.kind_counts.seen()),
        year_ago_sessions=sum(ago.kind_sessions.values()),
    )
    return [*lines, *totals, everything]


def unit_periods(rows: PeriodRows) -> dict[tuple[int, str], Period]:
    """Per council and unit, the figures the text gives per council: occurrences held by
    the unit's delegates (a session held once it is over), periodic turns apart."""
    counts: dict[tuple[int, str], _Sums[str]] = defaultdict(_Sums)
    sessions: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    periodic: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows.units:
        key = (row.council_id, row.unit)
        counts[key].add(row.kind, row.counts)
        sessions[key][row.kind] += row.sessions
        if row.kind == "reception":
            periodic[key][0] += row.periodic_held
            periodic[key][1] += row.periodic_sessions
            periodic[key][2] += row.standing_committee_held
    return {
        key: Period(
            {kind: counts[key][kind] for kind in counts[key].seen()},
            dict(sessions[key]),
            {"session": sessions[key].get("session", 0)},
            periodic[key][2],
            periodic[key][0],
            periodic[key][1],
        )
        for key in counts
    }


def _reported_per_unit(rows: PeriodRows) -> _Sums[str]:
    sums: _Sums[str] = _Sums()
    for row in rows.units:
        if row.kind in REPORTED_KINDS:
            sums.add(row.unit, row.counts)
    return sums


def unit_lines(current: PeriodRows, previous: PeriodRows) -> list[UnitLine]:
    """Reported kinds per unit (the chart), units of this quarter only."""
    now, before = _reported_per_unit(current), _reported_per_unit(previous)
    units = [unit for unit in now.seen() if now[unit].assigned]
    return [UnitLine(unit, now[unit], before[unit]) for unit in sorted(units, key=sort_key)]


def delegate_lines(current: PeriodRows, previous: PeriodRows) -> list[DelegateLine]:
    """One line per delegate with a reported-kind assignment this quarter, by code."""
    names: dict[int, tuple[str, str]] = {}
    units: dict[int, list[str]] = defaultdict(list)
    now: _Sums[int] = _Sums()
    for row in current.delegates:
        names[row.delegate_id] = (row.code, row.name)
        units[row.delegate_id].append(row.unit)
        now.add(row.delegate_id, row.counts)
    before: _Sums[int] = _Sums()
    for row in previous.delegates:
        if row.delegate_id in names:
            before.add(row.delegate_id, row.counts)
    return [
        DelegateLine(
            code=names[key][0],
            name=names[key][1],
            units=tuple(sorted(set(units[key]), key=sort_key)),
            counts=now[key],
            previous=before[key],
        )
        for key in sorted(names, key=lambda k: sort_key(names[k][0]))
    ]


LEVELS = ("province", "district", "commune")
"""The order of the paragraphs when several councils are covered (upper council first)."""


def _group_order(key: str) -> tuple[int, str]:
    """Upper councils chosen with their communes first, then the levels, top down."""
    if key.startswith("council:"):
        return -1, key
    return (LEVELS.index(key) if key in LEVELS else len(LEVELS)), key


def periods(rows: PeriodRows, group: Mapping[int, K]) -> dict[K, Period]:
    """Per kind for each group of councils (``group`` maps a council to its group; a
    council not in it is left out); one pass."""
    counts: dict[K, _Sums[str]] = defaultdict(_Sums)
    standing: dict[K, int] = defaultdict(int)
    periodic: dict[K, list[int]] = defaultdict(lambda: [0, 0])
    sessions: dict[K, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ended: dict[K, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows.units:
        if row.council_id not in group:
            continue
        key = group[row.council_id]
        counts[key].add(row.kind, row.counts)
        if row.kind == "reception":
            standing[key] += row.standing_committee_held
            periodic[key][0] += row.periodic_held
    for kind_row in rows.kinds:
        if kind_row.council_id not in group:
            continue
        key = group[kind_row.council_id]
        sessions[key][kind_row.kind] += kind_row.held
        ended[key][kind_row.kind] += kind_row.ended
        if kind_row.kind == "reception":
            periodic[key][1] += kind_row.periodic_held
    return {
        key: Period(
            {kind: counts[key][kind] for kind in counts[key].seen()},
            dict(sessions[key]),
            dict(ended[key]),
            standing[key],
            periodic[key][0],
            periodic[key][1],
        )
        for key in {*counts, *sessions}
    }


def summaries(
    councils: Sequence[CouncilInfo],
    current: PeriodRows,
    previous: PeriodRows,
    year_ago: PeriodRows | None = None,
) -> list[Summary]:
    """One summary per level, upper council first: a level with one council is named
    after it, several councils of one level are added together (the seed reports the
    district council, then "HĐND cấp xã" as one). A single council chosen is named even
    when it has nothing; with several, a council without any assignment in the three
    quarters is left out, unless it is the upper council of another one chosen."""
    rows_ago = year_ago or PeriodRows()
    if len(councils) == 1:
        council = councils[0]
        group = {council.id: council.id}
        now, before, ago = (periods(rows, group) for rows in (current, previous, rows_ago))
        return [
            Summary(
                council,
                now.get(council.id, Period()),
                before.get(council.id, Period()),
                ago.get(council.id, Period()),
                level=council.level,
                council_ids=(council.id,),
                names=(council.name,),
            )
        ]
    chosen = {council.id for council in councils}
    parents = {c.parent_id for c in councils if c.parent_id in chosen}
    # An upper council chosen with its communes (``--children``) is a paragraph of its
    # own even when the roster gave both the same level.
    groups: dict[int, str] = {
        c.id: f"council:{c.id}" if c.id in parents else (c.level or "") for c in councils
    }
    by_group = [periods(rows, groups) for rows in (current, previous, rows_ago)]
    active = {row.council_id for rows in (current, previous, rows_ago) for row in rows.units}
    shown = [c for c in councils if c.id in active or c.id in parents]
    result = []
    for key in sorted({groups[c.id] for c in shown}, key=_group_order):
        members = [c for c in shown if groups[c.id] == key]
        result.append(
            Summary(
                members[0] if len(members) == 1 else None,
                by_group[0].get(key, Period()),
                by_group[1].get(key, Period()),
                by_group[2].get(key, Period()),
                level=members[0].level,
                count=len(members),
                council_ids=tuple(c.id for c in members),
                names=tuple(c.name for c in members),
            )
        )
    return result
