"""Who a schedule row is for: each row's delegate pool, checked against the roster.

A row names a council and its delegates (listed codes, ``all``, or ``unit:<name>``).
The rules here turn that into the pool of delegate codes the rota draws from, or into
problems naming the row and column. The roster comes in as plain data (:class:`Roster`),
read by the service; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.schedule import DelegateSelection, RowAudience
from bot.domain.tables import Problem, fold_label, shorten
from bot.i18n import N_

Pool = tuple[str, ...]


@dataclass(frozen=True)
class Member:
    """An active delegate of a council."""

    code: str
    unit: str
    office: bool = False
    """An account of the council's office (role ``secretary``): not a delegate, so never
    in ``all`` or ``unit:`` (named by code, it is)."""


@dataclass(frozen=True)
class Roster:
    """What the database knows about the councils a file names."""

    councils: Mapping[str, int]
    """Council code → id, for the named councils that exist."""
    members: Mapping[int, Sequence[Member]] = field(default_factory=dict)
    """Council id → its active delegates, by code."""
    known_codes: frozenset[str] = frozenset()
    """The listed codes that belong to some delegate (any council, active or not)."""


def resolve_pools(
    audiences: Sequence[RowAudience],
    roster: Roster,
    allowed_council_ids: frozenset[int] | None = None,
) -> tuple[dict[int, Pool], list[Problem]]:
    """Each row's pool (codes, in pool order) by row number, and the problems found.

    ``allowed_council_ids`` restricts a secretary to their own councils; such a caller is
    told the same thing whether another council or delegate code exists or not.
    """
    pools: dict[int, Pool] = {}
    problems: list[Problem] = []
    scoped = allowed_council_ids is not None
    for entry in audiences:
        council_id = roster.councils.get(entry.council)
        refusal = _council_problem(entry, council_id, allowed_council_ids)
        if refusal is not None or council_id is None:
            problems.extend([refusal] if refusal is not None else [])
            continue
        members = roster.members.get(council_id, ())
        pool, row_problems = _pool(entry, members, roster.known_codes, scoped=scoped)
        problems.extend(row_problems)
        if pool is None:
            continue
        if not pool:
            problems.append(
                Problem(
                    entry.row,
                    "delegates",
                    N_("Council {council} has no active delegates"),
                    {"council": entry.council},
                )
            )
            continue
        pools[entry.row] = pool
    return pools, problems


def _council_problem(
    entry: RowAudience, council_id: int | None, allowed_council_ids: frozenset[int] | None
) -> Problem | None:
    """Why the row's council cannot be used, if it cannot."""
    if council_id is None and allowed_council_ids is None:
        return Problem(
            entry.row, "council", N_("Unknown council code: {code}"), {"code": entry.council}
        )
    if council_id is None or (
        allowed_council_ids is not None and council_id not in allowed_council_ids
    ):
        return Problem(
            entry.row,
            "council",
            N_("You may only change the schedule of your own council ({code} is not)"),
            {"code": entry.council},
        )
    return None


def _pool(
    entry: RowAudience, members: Sequence[Member], known_codes: frozenset[str], *, scoped: bool
) -> tuple[Pool | None, list[Problem]]:
    """The row's pool among ``members``; ``None`` when the row is refused outright."""
    selection: DelegateSelection = entry.delegates
    if selection.everyone:
        return tuple(m.code for m in members if not m.office), []
    if selection.unit is not None:
        wanted = fold_label(selection.unit)
        pool = tuple(m.code for m in members if not m.office and fold_label(m.unit) == wanted)
        if pool:
            return pool, []
        return None, [
            Problem(
                entry.row,
                "delegates",
                N_("No active delegate of council {council} belongs to unit {unit}"),
                {"council": entry.council, "unit": shorten(selection.unit)},
            )
        ]
    active = {m.code for m in members}
    problems = []
    for code in selection.codes:
        if code in active:
            continue
        if code in known_codes and not scoped:
            message = N_("Delegate {code} is not an active delegate of council {council}")
        else:
            message = N_("Unknown delegate code: {code}")
        problems.append(
            Problem(entry.row, "delegates", message, {"code": code, "council": entry.council})
        )
    return selection.codes, problems
