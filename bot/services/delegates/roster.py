"""Import the delegate roster: validate the whole file, then upsert by code, all or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.office import holds_office
from bot.domain.roster import ROSTER_ALIASES, ROSTER_REQUIRED, Role, RosterEntry, validate_roster
from bot.domain.titles import is_standing_committee
from bot.i18n import N_
from bot.models import Council, Delegate
from bot.services import audit
from bot.services.files.tabular import (
    Problem,
    Table,
    format_problem,
    format_problem_line,
    read_table,
)
from bot.services.menus.planning import plan_menus

__all__ = [
    "AUDIT_ACTION",
    "RosterImportResult",
    "format_problem",
    "format_problem_line",
    "import_roster",
    "read_roster",
]

AUDIT_ACTION = "roster.import"
# Codes per ``IN (…)`` query: far below every backend's bound-parameter limit.
_QUERY_CHUNK = 500


@dataclass(frozen=True)
class RosterImportResult:
    """What an import did (or, with ``dry_run``, would do). Nothing is written when
    ``problems`` is not empty, and then the counts are all zero."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    councils_created: int = 0
    councils_updated: int = 0
    """Existing councils given another name, level or parent."""
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    ignored_columns: tuple[str, ...] = ()
    """Header texts that matched no roster column (worth a warning: a typo there
    silently drops that column)."""
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The file's own header text per column, for problems (``cột «Mã đại biểu»``)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.councils_created or self.councils_updated)


def read_roster(path: Path) -> tuple[list[RosterEntry], list[Problem]]:
    """Read and validate a roster file (no database): valid entries and every problem."""
    _table, entries, problems = _read(path)
    return entries, problems


def _read(path: Path) -> tuple[Table, list[RosterEntry], list[Problem]]:
    table, problems = read_table(path, aliases=ROSTER_ALIASES, required=ROSTER_REQUIRED)
    if problems:
        return table, [], problems
    entries, problems = validate_roster(table.rows)
    return table, entries, problems


@dataclass(frozen=True)
class RosterMenus:
    """The menus an import changes, in its own transaction (outbox rows): every changed
    linked chat's command menu follows its role (a promoted secretary's set, a demoted
    one's deleted); with ``buttons`` (``WEBAPP_URL`` is set) its Mini App button too."""

    buttons: bool = False
    admin_ids: frozenset[int] = frozenset()


NO_BUTTONS = RosterMenus()


@dataclass
class _ChangedChats:
    changed: list[int] = field(default_factory=list)
    """Linked chats of delegates the file changes (a role, a reactivation)."""
    demoted: list[int] = field(default_factory=list)
    """Of those, secretaries the file makes delegates."""


async def import_roster(
    *,
    session: AsyncSession,
    path: Path,
    now: datetime,
    dry_run: bool,
    actor: str = "cli",
    menus: RosterMenus = NO_BUTTONS,
) -> RosterImportResult:
    """Upsert the roster in ``path`` by delegate code, in one transaction (with the
    changed chats' menus: see :class:`RosterMenus`).

    Any problem in the file means nothing is written. Delegates not in the file are left
    alone; a delegate in the file is (re)activated. The Telegram link, language and
    reachability of existing delegates are never touched, and a delegate whose fields
    are all equal is not written at all (``updated_at`` keeps its value). Columns absent
    from the file keep their stored values.
    """
    table, entries, problems = await asyncio.to_thread(_read, path)
    if problems:
        return RosterImportResult(
            problems=problems,
            dry_run=dry_run,
            ignored_columns=table.ignored_columns,
            headers=table.headers,
        )

    # One transaction in the caller's session: autobegun by the first query, committed
    # only at the end, rolled back in a dry run or when nothing changed (and by the
    # caller's session on any error).
    parent_problems = await _unknown_parents(session, entries)
    if parent_problems:
        await session.rollback()
        return RosterImportResult(
            problems=parent_problems, dry_run=dry_run, ignored_columns=table.ignored_columns
        )
    chats = _ChangedChats()
    result = await _upsert(session, entries, now=now, write=not dry_run, chats=chats)
    if not dry_run and result.changed:
        await plan_menus(session=session, chats=chats.changed, now=now, admin_ids=menus.admin_ids,
                         commands_changed=chats.demoted, buttons=menus.buttons)  # fmt: skip
        audit.record(
            session,
            actor=actor,
            action=AUDIT_ACTION,
            at=now,
            file=path.name,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            councils_created=result.councils_created,
        )
        await session.commit()
    else:
        await session.rollback()
    return replace(
        result, dry_run=dry_run, ignored_columns=table.ignored_columns, headers=table.headers
    )


async def _upsert(
    session: AsyncSession,
    entries: Sequence[RosterEntry],
    *,
    now: datetime,
    write: bool,
    chats: _ChangedChats,
) -> RosterImportResult:
    """Compare the entries with the database; with ``write``, add and change rows, and
    note the linked chats they change in ``chats``."""
    council_codes = {entry.council for entry in entries}
    councils = await _councils_by_code(session, council_codes)
    new_council_codes = sorted(council_codes - councils.keys())
    existing = await _delegates_by_code(session, [entry.code for entry in entries])
    if write and new_council_codes:
        fresh = [Council(code=code, name=code, created_at=now) for code in new_council_codes]
        session.add_all(fresh)
        await session.flush()
        councils.update({council.code: council for council in fresh})
    councils_updated = await _describe_councils(
        session, entries, councils, fresh=new_council_codes, write=write
    )

    created = updated = unchanged = 0
    for entry in entries:
        council = councils.get(entry.council)
        council_id = council.id if council is not None else None
        delegate = existing.get(entry.code)
        if delegate is None:
            created += 1
            if write:
                assert council_id is not None
                session.add(_new_delegate(entry, council_id, now))
        else:
            was_secretary = holds_office(delegate.role)
            if not _apply(entry, council_id, delegate, now, write=write):
                unchanged += 1
                continue
            updated += 1
            linked = delegate.telegram_user_id
            if linked is not None:
                chats.changed.append(linked)
            if was_secretary and not holds_office(delegate.role) and linked is not None:
                chats.demoted.append(linked)
    return RosterImportResult(
        created=created,
        updated=updated,
        unchanged=unchanged,
        councils_created=len(new_council_codes),
        councils_updated=councils_updated,
    )


async def _describe_councils(
    session: AsyncSession,
    entries: Sequence[RosterEntry],
    councils: dict[str, Council],
    *,
    fresh: Collection[str],
    write: bool,
) -> int:
    """How many existing councils get another name, level or parent from their first row
    (an empty cell keeps the stored value; a new council's name is its code); with
    ``write``, every council in the file is given them."""
    parents = await _councils_by_code(
        session, {e.parent_council for e in entries if e.parent_council} - councils.keys()
    )
    parents.update(councils)
    changed = 0
    first_rows = {entry.council: entry for entry in reversed(entries)}
    for code, entry in first_rows.items():
        council = councils.get(code)
        if council is None:  # new, in a dry run: counted as created already
            continue
        wanted: dict[str, object] = {"level": entry.level.value}
        if entry.council_name:
            wanted["name"] = entry.council_name
        changes = {k: v for k, v in wanted.items() if getattr(council, k) != v}
        moves = False
        if entry.parent_council:
            parent = parents.get(entry.parent_council)
            # ``None``: an upper council new in this file that a dry run does not create;
            # no stored council can be under it yet, so this one moves.
            moves = parent is None or council.parent_id != parent.id
            if parent is not None and moves:
                changes["parent_id"] = parent.id
            assert not (write and parent is None), "a written import creates its councils first"
        if (changes or moves) and code not in fresh:
            changed += 1
        if write:
            for name, value in changes.items():
                setattr(council, name, value)
    return changed


async def _unknown_parents(session: AsyncSession, entries: Sequence[RosterEntry]) -> list[Problem]:
    """``parent_council`` codes that are neither in the file nor in the database, or a
    council named as its own parent."""
    in_file = {entry.council for entry in entries}
    wanted = {e.parent_council for e in entries if e.parent_council} - in_file
    known = await _councils_by_code(session, wanted)
    problems: list[Problem] = []
    for entry in entries:
        parent = entry.parent_council
        if parent is None:
            continue
        if parent == entry.council:
            message = N_("A council cannot be its own upper council ({code})")
        elif parent not in in_file and parent not in known:
            message = N_("No council with code {code}: import the upper council first")
        else:
            continue
        problems.append(Problem(entry.row, "parent_council", message, {"code": parent}))
    return problems


async def _councils_by_code(session: AsyncSession, codes: Iterable[str]) -> dict[str, Council]:
    found: dict[str, Council] = {}
    for chunk in _chunks(sorted(codes)):
        rows = await session.exec(select(Council).where(col(Council.code).in_(chunk)))
        found.update({council.code: council for council in rows})
    return found


async def _delegates_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Delegate]:
    found: dict[str, Delegate] = {}
    for chunk in _chunks(codes):
        rows = await session.exec(select(Delegate).where(col(Delegate.code).in_(chunk)))
        found.update({delegate.code: delegate for delegate in rows})
    return found


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _QUERY_CHUNK):
        yield items[start : start + _QUERY_CHUNK]


def _new_delegate(entry: RosterEntry, council_id: int, now: datetime) -> Delegate:
    return Delegate(
        code=entry.code,
        full_name=entry.full_name,
        council_id=council_id,
        level=entry.level.value,
        unit=entry.unit or "",
        constituency=entry.constituency or "",
        phone=entry.phone or "",
        role=(entry.role or Role.delegate).value,
        title=entry.title or "",
        standing_committee=is_standing_committee(entry.title or ""),
        group_name=entry.group or "",
        committee=entry.committee or "",
        active=True,
        created_at=now,
        updated_at=now,
    )


def _apply(
    entry: RosterEntry, council_id: int | None, delegate: Delegate, now: datetime, *, write: bool
) -> bool:
    """Whether the entry changes the stored delegate; with ``write``, change it.

    ``council_id`` is ``None`` for a council that does not exist yet (a dry run): that is a
    change. Only the roster's own fields and ``active`` are compared and written.
    """
    wanted: dict[str, object] = {
        "full_name": entry.full_name,
        "council_id": council_id,
        "level": entry.level.value,
        "active": True,
    }
    if entry.unit is not None:
        wanted["unit"] = entry.unit
    if entry.constituency is not None:
        wanted["constituency"] = entry.constituency
    if entry.phone is not None:
        wanted["phone"] = entry.phone
    if entry.role is not None:
        wanted["role"] = entry.role.value
    for column, text in (
        ("title", entry.title),
        ("group_name", entry.group),
        ("committee", entry.committee),
    ):
        if text is not None:
            wanted[column] = text
    if entry.title is not None:
        wanted["standing_committee"] = is_standing_committee(entry.title)
    changes = {name: value for name, value in wanted.items() if getattr(delegate, name) != value}
    if changes and write:
        for name, value in changes.items():
            setattr(delegate, name, value)
        delegate.updated_at = now
    return bool(changes)
