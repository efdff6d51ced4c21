"""Quarterly statistics, the primitives: the additive ``Counts`` of a set of
assignments, the one completion rate, and the rows the database hands over (grouped per
council, unit and kind). :mod:`bot.domain.stats` adds them up into a report's breakdowns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import add, attrgetter
from typing import Generic, TypeVar

KINDS = ("reception", "voter_meeting", "supervision", "session", "deadline", "other")
"""Every event kind, in the order a report lists them."""
REPORTED_KINDS = ("reception", "voter_meeting", "supervision")
"""The kinds delegates report on; the chart, the per-delegate sheet and the missing list
count these only (a deadline or a session has no completion report to miss)."""
REASONS = ("postponed", "clash", "personal", "other")
TOTAL = "TOTAL"
ALL_KINDS = "all"

K = TypeVar("K")


# --- counts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """Additive figures of a set of assignments (turns) and of the reports carrying figures."""

    assigned: int = 0
    held: int = 0
    not_held_postponed: int = 0
    not_held_clash: int = 0
    not_held_personal: int = 0
    not_held_other: int = 0
    unreported: int = 0
    upcoming: int = 0
    citizens: int = 0
    petitions: int = 0
    forwarded: int = 0
    voters: int = 0
    opinions: int = 0

    def values(self) -> tuple[int, ...]:
        return _COUNTS_VALUES(self)

    def __add__(self, other: Counts) -> Counts:
        return Counts(*map(add, self.values(), other.values()))

    @property
    def not_held(self) -> int:
        return (
            self.not_held_postponed
            + self.not_held_clash
            + self.not_held_personal
            + self.not_held_other
        )

    @property
    def due(self) -> int:
        """Assignments that have taken place or were reported: the base of the rates."""
        return self.held + self.not_held + self.unreported

    @property
    def completion_rate(self) -> float | None:
        """Held out of due (:func:`completion_rate`)."""
        return completion_rate(self)

    def not_held_by_reason(self) -> dict[str, int]:
        return {reason: getattr(self, f"not_held_{reason}") for reason in REASONS}


def completion_rate(counts: Counts) -> float | None:
    """The one completion rate of the text, the CSV and the workbook: assignments held
    out of those due (held, not held, or ended without a report); ``None`` when nothing
    was due yet."""
    return counts.held / counts.due if counts.due else None


COUNT_FIELDS = tuple(f.name for f in fields(Counts))
_COUNTS_VALUES = attrgetter(*COUNT_FIELDS)


def total(counts: Iterable[Counts]) -> Counts:
    sums = [0] * len(COUNT_FIELDS)
    for item in counts:
        for index, value in enumerate(item.values()):
            sums[index] += value
    return Counts(*sums)


class _Sums(Generic[K]):
    """Running ``Counts`` totals per key, without a new object per addition."""

    def __init__(self) -> None:
        self._totals: dict[K, list[int]] = {}

    def add(self, key: K, counts: Counts) -> None:
        running = self._totals.get(key)
        if running is None:
            self._totals[key] = list(counts.values())
            return
        for index, value in enumerate(counts.values()):
            running[index] += value

    def __getitem__(self, key: K) -> Counts:
        running = self._totals.get(key)
        return Counts() if running is None else Counts(*running)

    def seen(self) -> list[K]:
        """The keys added so far, in order."""
        return list(self._totals)


# --- rows from the database -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitKindRow:
    """The assignments of one kind in one council under one unit (the unit at assignment
    time), counted in the database."""

    council_id: int
    unit: str
    kind: str
    counts: Counts
    sessions: int  # distinct occurrences with a "held" report by a delegate of the unit
    standing_committee_held: int = 0  # of ``counts.held``: the Standing Committee (by title)
    periodic_held: int = 0  # of ``counts.held``: turns at the council's periodic reception
    periodic_sessions: int = 0  # of ``sessions``: periodic receptions


@dataclass(frozen=True)
class KindRow:
    """Distinct occurrences of one kind in one council (not additive over units)."""

    council_id: int
    kind: str
    held: int  # with at least one report saying it was held
    ended: int  # that took place (ended, not cancelled), reported or not
    periodic_held: int = 0  # of ``held``: the council's periodic receptions


@dataclass(frozen=True)
class DelegateRow:
    """One delegate's assignments of the reported kinds under one unit."""

    delegate_id: int
    code: str
    name: str
    unit: str
    counts: Counts


@dataclass(frozen=True)
class PeriodRows:
    units: Sequence[UnitKindRow] = ()
    kinds: Sequence[KindRow] = ()
    delegates: Sequence[DelegateRow] = ()


@dataclass(frozen=True)
class MissingReport:
    """An assignment of a reported kind that has ended without a report."""

    starts_at: datetime  # local time
    kind: str
    title: str
    unit: str
    delegate_code: str
    delegate_name: str


@dataclass(frozen=True)
class CouncilInfo:
    id: int
    code: str
    name: str
    level: str | None = None  # ``province|district|commune`` (bot.domain.roster.Level)
    parent_id: int | None = None
