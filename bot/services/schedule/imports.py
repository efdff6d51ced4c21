"""Schedules in the database: import a file, then materialise occurrences, assign delegates.

An :class:`~bot.models.Event` is one row of a schedule file. Its dated instances,
:class:`~bot.models.Occurrence`, are materialised up to a rolling horizon so that
reminders and reports can point at rows; each holds the
:class:`~bot.models.Assignment` of every delegate expected there. History is never
rewritten: an occurrence that has started is neither moved nor cancelled by a
re-import, only created if it was missing. The materialisation itself lives in
:mod:`bot.services.schedule.sync`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.domain.audiences import Member, Roster, resolve_pools
from bot.domain.office import holds_office
from bot.domain.schedule import (
    SCHEDULE_ALIASES,
    SCHEDULE_REQUIRED,
    RowAudience,
    ScheduleEntry,
    row_audiences,
    validate_schedule,
)
from bot.domain.tables import Problem
from bot.i18n import Gettext
from bot.models import Assignment, Council, Delegate, Event, Occurrence
from bot.services import audit
from bot.services.files.tabular import read_table
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.sync import HORIZON, SyncCounts, sync_occurrences
from bot.services.schedule.upload_states import supersede_uploads
from bot.services.schedule.views import AssignmentView as AssignmentView
from bot.services.schedule.views import Previous as Previous
from bot.services.schedule.views import assignments_by_id as assignments_by_id
from bot.services.schedule.views import list_assignments as list_assignments
from bot.services.schedule.views import local_bounds as local_bounds

logger = logging.getLogger(__name__)
AUDIT_ACTION = "schedule.import"


@dataclass
class ScheduleImportResult:
    events_created: int = 0
    events_updated: int = 0
    events_unchanged: int = 0
    events_cancelled: int = 0
    sync: SyncCounts = field(default_factory=SyncCounts)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    event_ids: list[int] = field(default_factory=list)
    council_ids: list[int] = field(default_factory=list)
    """The councils the file is the schedule of (known once the file has no problems)."""
    headers: dict[str, str] = field(default_factory=dict, compare=False)
    """The file's own header text per column, for problems (``cột «Loại»``)."""
    cancelled_titles: list[str] = field(default_factory=list)
    """Titles of the events the file cancels (not in it, and not imported with ``merge``)."""
    delegates_told: int = 0
    """Delegates with an upcoming assignment in those events: each is told of the change."""
    merge: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.events_created or self.events_updated or self.events_cancelled or self.sync.any
        )


def summary_text(result: ScheduleImportResult, _: Gettext) -> str:
    """One line a secretary can read: what the import did (or would do)."""
    return _(
        "Events: {created} new, {updated} changed, {unchanged} unchanged, {cancelled} cancelled. "
        "Assignments: {assigned} new, {moved} moved, {dropped} cancelled."
    ).format(
        created=result.events_created,
        updated=result.events_updated,
        unchanged=result.events_unchanged,
        cancelled=result.events_cancelled,
        assigned=result.sync.assignments_created,
        moved=result.sync.assignments_changed,
        dropped=result.sync.assignments_cancelled,
    )


CANCELLED_SHOWN = 30
"""Titles listed one by one; more are counted on a last line."""


def cancellation_lines(result: ScheduleImportResult, _: Gettext) -> list[str]:
    """What the upload would cancel, by title, and how many delegates would be told: a
    file of "lịch tháng 1" must not silently cancel everything else."""
    if not result.events_cancelled:
        return []
    lines = [
        _(
            "Not in the file, so cancelled from today ({count}), "
            "and {delegates} delegate(s) will be told:"
        ).format(count=result.events_cancelled, delegates=result.delegates_told)
    ]
    lines += [f"  – {title}" for title in result.cancelled_titles[:CANCELLED_SHOWN]]
    if result.events_cancelled > CANCELLED_SHOWN:
        more = result.events_cancelled - CANCELLED_SHOWN
        lines.append("  " + _("… and {count} more").format(count=more))
    return lines


def _utc(local: datetime, zone: tzinfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


# --- import ---------------------------------------------------------------------------------


async def import_schedule(
    *,
    session: AsyncSession,
    path: Path,
    now: datetime,
    zone: tzinfo,
    dry_run: bool,
    actor: str = "cli",
    allowed_council_ids: frozenset[int] | None = None,
    horizon: timedelta = HORIZON,
    policy: ReminderPolicy | None = None,
    merge: bool = False,
) -> ScheduleImportResult:
    """Bring the councils named in the file to exactly the file's schedule, all or nothing.

    Events of those councils that the file no longer lists are cancelled (their future
    occurrences only), unless ``merge``: then the file adds and updates, and cancels
    nothing. ``allowed_council_ids`` restricts a secretary to their councils.
    Runs in the caller's ``session`` and commits it when the file changes something (a
    dry run, a problem or an unchanged schedule roll it back). Committed, it supersedes
    the councils' files still pending in the bot: applied later, they would undo it.
    With a ``policy``, the outbox is planned in the same transaction, so a bot running in
    another process sends the new reminders on time without waiting for its own planner.
    """
    table, read_problems = await asyncio.to_thread(
        read_table, path, aliases=SCHEDULE_ALIASES, required=SCHEDULE_REQUIRED
    )
    if read_problems:
        return ScheduleImportResult(problems=read_problems, dry_run=dry_run)
    headers = dict(table.headers)
    # Checking every row's repeat rule is bounded but not free: off the event loop too.
    entries, problems = await asyncio.to_thread(validate_schedule, table.rows)
    audiences = row_audiences(table.rows)
    councils = await _councils(session, {audience.council for audience in audiences})
    pools, resolve_problems = await _resolve(session, audiences, councils, allowed_council_ids)
    problems.extend(resolve_problems)
    if problems:
        await session.rollback()
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        return ScheduleImportResult(problems=problems, dry_run=dry_run, headers=headers)
    result = await _upsert_events(
        session, entries, councils, pools, now=now, zone=zone, merge=merge
    )
    result.headers = headers
    result.council_ids = sorted(c.id for c in councils.values() if c.id is not None)
    events = await _events(session, result.event_ids)
    result.sync = await sync_occurrences(
        session=session, events=events, now=now, zone=zone, horizon_end=now + horizon
    )
    result.dry_run = dry_run
    if dry_run or not result.changed:
        await session.rollback()
        return result
    _audit(session, result, actor=actor, now=now, file=path.name)
    await supersede_uploads(session=session, council_ids=result.council_ids, now=now)
    if policy is not None:
        await _plan(session, policy, now)
    await session.commit()
    return result


def _audit(
    session: AsyncSession, result: ScheduleImportResult, *, actor: str, now: datetime, file: str
) -> None:
    audit.record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        at=now,
        file=file,
        created=result.events_created,
        updated=result.events_updated,
        cancelled=result.events_cancelled,
        assignments_created=result.sync.assignments_created,
        assignments_changed=result.sync.assignments_changed,
        assignments_cancelled=result.sync.assignments_cancelled,
    )


async def _plan(session: AsyncSession, policy: ReminderPolicy, now: datetime) -> None:
    """The outbox planned in the import's transaction, inside a savepoint of its own.

    Only called after the import has written: on SQLite the driver begins the transaction
    at the first write, and a savepoint nests properly only inside a begun transaction.
    """
    try:
        async with session.begin_nested():
            await plan_outbox(session=session, policy=policy, now=now)
    except Exception:
        # The savepoint undid the planning alone: the schedule is still written, and a
        # failed planning must not make the caller think otherwise (and, say, reopen an
        # upload); the 5-minute planner catches up.
        logger.exception("planning during a schedule import failed; it will retry")


async def _councils(session: AsyncSession, codes: Iterable[str]) -> dict[str, Council]:
    found: dict[str, Council] = {}
    for batch in chunks(codes):
        rows = await session.exec(select(Council).where(col(Council.code).in_(batch)))
        found.update({council.code: council for council in rows})
    return found


async def _resolve(
    session: AsyncSession,
    audiences: Sequence[RowAudience],
    councils: dict[str, Council],
    allowed_council_ids: frozenset[int] | None,
) -> tuple[dict[int, tuple[str, ...]], list[Problem]]:
    """Each row's delegate pool (codes, in pool order), checked against the roster
    (the rules are :func:`bot.domain.audiences.resolve_pools`)."""
    council_ids = {c.code: c.id for c in councils.values() if c.id is not None}
    # Plain columns, not ORM objects: every active delegate of the file's councils.
    delegates = await session.exec(
        select(Delegate.council_id, Delegate.code, Delegate.unit, Delegate.role)
        .where(
            col(Delegate.council_id).in_(list(council_ids.values())),
            col(Delegate.active).is_(True),
        )
        .order_by(col(Delegate.code))
    )
    members: dict[int, list[Member]] = defaultdict(list)
    for council_id, code, unit, role in delegates:
        members[council_id].append(Member(code, unit, holds_office(role)))
    # Each code once, in chunks: a file lists codes row after row, repeated, without bound.
    listed = (code for audience in audiences for code in audience.delegates.codes)
    known: list[str] = []
    for codes in chunks(listed):
        known.extend(
            (await session.exec(select(Delegate.code).where(col(Delegate.code).in_(codes)))).all()
        )
    roster = Roster(council_ids, members, frozenset(known))
    return resolve_pools(audiences, roster, allowed_council_ids)


def _event_values(entry: ScheduleEntry, pool: tuple[str, ...], zone: tzinfo) -> dict[str, object]:
    return {
        "kind": entry.kind.value,
        "title": entry.title,
        "location": entry.location,
        "starts_at": _utc(entry.starts_local, zone),
        "ends_at": _utc(entry.ends_local, zone) if entry.ends_local is not None else None,
        "recurrence": entry.recurrence,
        "until": entry.until,
        "shift": entry.shift.value,
        "per_occurrence": entry.per_occurrence,
        "category": entry.category.value if entry.category is not None else None,
        "pool": ";".join(pool),
    }


async def _cancel_dropped(
    session: AsyncSession, dropped: list[Event], result: ScheduleImportResult, now: datetime
) -> None:
    """Events no longer in the file are cancelled from now; the summary names each."""
    result.delegates_told = await _delegates_with_upcoming(session, dropped, now)
    for event in sorted(dropped, key=lambda e: (e.starts_at, e.title)):
        event.cancelled_at = now
        event.updated_at = now
        session.add(event)
        result.events_cancelled += 1
        result.cancelled_titles.append(event.title)


async def _upsert_events(
    session: AsyncSession,
    entries: Sequence[ScheduleEntry],
    councils: dict[str, Council],
    pools: dict[int, tuple[str, ...]],
    *,
    now: datetime,
    zone: tzinfo,
    merge: bool = False,
) -> ScheduleImportResult:
    result = ScheduleImportResult(merge=merge)
    council_ids = [c.id for c in councils.values()]
    existing = {
        (event.council_id, event.key): event
        for event in (
            await session.exec(select(Event).where(col(Event.council_id).in_(council_ids)))
        ).all()
    }
    seen: set[tuple[int, str]] = set()
    created: list[Event] = []
    for entry in entries:
        council_id = councils[entry.council].id
        assert council_id is not None
        values = _event_values(entry, pools[entry.row], zone)
        event = existing.get((council_id, entry.key))
        seen.add((council_id, entry.key))
        if event is None:
            event = Event(
                council_id=council_id,
                key=entry.key,
                source_row=entry.row,
                created_at=now,
                updated_at=now,
                **values,  # type: ignore[arg-type]
            )
            session.add(event)
            created.append(event)
            result.events_created += 1
        elif event.cancelled_at is not None or any(
            getattr(event, name) != value for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(event, name, value)
            event.cancelled_at = None
            event.updated_at = now
            session.add(event)
            result.events_updated += 1
        else:
            result.events_unchanged += 1
    if not merge:
        dropped = [e for key, e in existing.items() if key not in seen and e.cancelled_at is None]
        await _cancel_dropped(session, dropped, result, now)
    await session.flush()
    result.event_ids = [e.id for e in [*existing.values(), *created] if e.id is not None]
    return result


async def _delegates_with_upcoming(
    session: AsyncSession, events: Sequence[Event], now: datetime
) -> int:
    """Delegates assigned to an occurrence of these events that has not started yet."""
    ids = [event.id for event in events if event.id is not None]
    delegates: set[int] = set()
    for batch in chunks(ids):
        delegates.update(
            (
                await session.exec(
                    select(Assignment.delegate_id)
                    .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                    .where(
                        col(Occurrence.event_id).in_(batch),
                        col(Occurrence.starts_at) > now,
                        col(Occurrence.cancelled_at).is_(None),
                        col(Assignment.cancelled_at).is_(None),
                    )
                    .distinct()
                )
            ).all()
        )
    return len(delegates)


async def _events(session: AsyncSession, ids: Sequence[int]) -> list[Event]:
    # In chunks: the councils' events (one-off ones accumulate) have no bound.
    found: list[Event] = []
    for batch in chunks(ids):
        found.extend((await session.exec(select(Event).where(col(Event.id).in_(batch)))).all())
    return found
