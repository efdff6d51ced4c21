"""Who is the office of which council: the one rule every screen asks.

DESIGN: the office of a council is whoever holds a ``secretary`` record there (the
roster's ``văn phòng``); an admin (``ADMIN_TELEGRAM_IDS``) is the secretariat of every
council. A council's office oversees its child councils (``parent_council``: a province
over its communes and wards, or the older district over its communes): "it sends them
notices and adds their figures into its own report", and the Mini App shows "a parent
council's secretaries, its children". It oversees its *children*, one level down, not
their children in turn: a grandchild has an office of its own (its parent) that does.

Overseeing is reading and notifying, not acting: the child council's own office keeps
its register (answers, and ``citizen`` / ``summary``, which only it and the receiving
delegate see), picks its stand-ins and takes its attendance. A delegate record makes
nobody the office of anything; a deactivated record counts for nothing.

This module is the only place that reads a record's ``role`` to decide who is the office:
everything else asks an :class:`OfficeReach` (``Identity.office`` for the caller of an
update, :func:`office_reach` on :class:`Seat` records otherwise), or, of one record or in
a query, :func:`holds_office` and :data:`OFFICE_ROLE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.domain.roster import Role

OFFICE_ROLE: Final = Role.secretary.value
"""The ``role`` of an office record, for queries that select the office's accounts
(``Delegate.role == OFFICE_ROLE``); in Python, :func:`holds_office`."""


def holds_office(role: str) -> bool:
    """Whether a record of this role makes its holder (while active) the office of its
    council."""
    return role == OFFICE_ROLE


CouncilTree = Mapping[int, int | None]
"""Every council's id → its parent council's id (``None`` at the top)."""


@dataclass(frozen=True)
class Seat:
    """One of a person's delegate records: a council and the role held there."""

    council_id: int
    role: str
    """``Role``'s value: ``secretary`` (the office) or ``delegate``."""
    active: bool = True


@dataclass(frozen=True)
class OfficeReach:
    """What one person is to each council as the office (see the module's docstring)."""

    everywhere: bool
    """An admin: the office of every council, including ones created after this was
    decided (callers that filter by council read this as "no filter")."""
    own: frozenset[int]
    """The councils where this person holds an active ``secretary`` record: the
    council's own office, the only one (with the receiving delegate) that keeps its
    register and sees its personal data. Never widened for an admin."""
    acts_on: frozenset[int]
    """The councils this person acts on as the office: ``own``; for an admin, every
    council of the tree as well."""
    oversees: frozenset[int]
    """Child councils of ``own`` this person does not act on: they may read their office
    views and send their delegates notices, nothing more."""
    delegate_of: frozenset[int]
    """The remaining councils where they hold an active delegate record: a delegate's
    reading only (their own duties and items)."""

    @property
    def reaches(self) -> frozenset[int]:
        """Every council whose office views this person opens: acts on or oversees."""
        return self.acts_on | self.oversees

    @property
    def is_office(self) -> bool:
        return self.everywhere or bool(self.own)

    @property
    def acts_on_filter(self) -> frozenset[int] | None:
        """:attr:`acts_on` as a query's council filter: ``None`` (no filter) for an
        admin, so that a council created after this was decided is included too."""
        return None if self.everywhere else self.acts_on

    @property
    def reaches_filter(self) -> frozenset[int] | None:
        """:attr:`reaches` as a query's council filter: ``None`` (no filter) for an admin."""
        return None if self.everywhere else self.reaches

    def may_act(self, council_id: int) -> bool:
        """Act as this council's office: stand-ins, attendance, its own lists."""
        return self.everywhere or council_id in self.acts_on

    def may_reach(self, council_id: int) -> bool:
        """Read this council's office views and send notices to its delegates."""
        return self.everywhere or council_id in self.acts_on or council_id in self.oversees


def office_reach(seats: Iterable[Seat], tree: CouncilTree, *, admin: bool = False) -> OfficeReach:
    """The office one person is, from their records and the council tree.

    ``tree`` holds every council (an admin acts on all of them); a council missing from
    it has no children and, for a secretary of it, still counts as their own.
    """
    active = [seat for seat in seats if seat.active]
    own = frozenset(s.council_id for s in active if holds_office(s.role))
    acts_on = own | frozenset(tree) if admin else own
    children = frozenset(child for child, parent in tree.items() if parent in own)
    oversees = children - acts_on
    delegate_of = frozenset(s.council_id for s in active) - acts_on - oversees
    return OfficeReach(
        everywhere=admin,
        own=own,
        acts_on=acts_on,
        oversees=oversees,
        delegate_of=delegate_of,
    )
