"""Materialise schedule events: their occurrences up to a rolling horizon, and assignments.

Each :class:`~bot.models.Event` gets its dated :class:`~bot.models.Occurrence` rows up
to the horizon, each holding the :class:`~bot.models.Assignment` of every delegate the
rota puts there. History is never rewritten: an occurrence that has started is neither
moved nor cancelled by a later sync, only created if it was missing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import (
    CalendarException,
    ExceptionKind,
    Shift,
    WorkingCalendar,
    expand_occurrences,
    rota_slot,
)
from bot.models import CalendarDay, Event, Occurrence
from bot.services.schedule.slot_writes import insert_fresh, unwritten, write_slots
from bot.services.schedule.stored import Slot, load_slots, load_stored

logger = logging.getLogger(__name__)
HORIZON = timedelta(days=120)
BOUNDED_RULE_LIMIT = timedelta(days=730)
SINGLE_SHIFT_LIMIT = timedelta(days=31)
HISTORY_MARGIN = timedelta(days=7)


@dataclass
class SyncCounts:
    occurrences_created: int = 0
    occurrences_changed: int = 0
    occurrences_cancelled: int = 0
    assignments_created: int = 0
    assignments_changed: int = 0
    assignments_cancelled: int = 0

    def add(self, other: SyncCounts) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def any(self) -> bool:
        return any(getattr(self, item.name) for item in fields(self))


async def load_calendar(*, session: AsyncSession) -> WorkingCalendar:
    days = (await session.exec(select(CalendarDay))).all()
    return WorkingCalendar(
        CalendarException(day.day, ExceptionKind(day.kind), day.note) for day in days
    )


async def extend_horizon(
    *, session: AsyncSession, now: datetime, zone: tzinfo, horizon: timedelta = HORIZON
) -> SyncCounts:
    """Materialise every active event up to ``now + horizon`` (run daily by the jobs), and
    commit the caller's ``session``."""
    events = await active_events(session=session)
    counts = await sync_occurrences(
        session=session, events=events, now=now, zone=zone, horizon_end=now + horizon
    )
    await session.commit()
    return counts


async def active_events(*, session: AsyncSession) -> list[Event]:
    """Every event not cancelled."""
    return list((await session.exec(select(Event).where(col(Event.cancelled_at).is_(None)))).all())


@dataclass(frozen=True)
class _Desired:
    original_date: date
    starts_at: datetime
    ends_at: datetime | None
    index: int


def _desired(
    event: Event, *, zone: tzinfo, calendar: WorkingCalendar, horizon_end: datetime
) -> dict[date, _Desired]:
    if event.cancelled_at is not None:
        return {}
    start = event.starts_at.astimezone(zone)
    end = event.ends_at.astimezone(zone) if event.ends_at is not None else None
    window_end = horizon_end
    if event.recurrence and event.until is not None:
        # A bounded rule is materialised whole (within reason), so that listings and
        # calendars show the term the secretariat planned, not just the next months.
        until_end = datetime.combine(event.until + timedelta(days=7), time.min, zone)
        window_end = max(horizon_end, min(until_end, start + BOUNDED_RULE_LIMIT))
    elif not event.recurrence:
        # Its one date, wherever the holiday shift puts it (Tết can push it a week on):
        # a window of one day lost a one-off duty shifted to the next day.
        window_end = start + SINGLE_SHIFT_LIMIT
    try:
        occurrences = expand_occurrences(
            start=start,
            end=end,
            rrule=event.recurrence,
            until=event.until,
            shift=Shift(event.shift),
            calendar=calendar,
            window_start=start - timedelta(days=1),
            window_end=max(window_end, start + timedelta(days=1)).astimezone(zone),
        )
    except ValueError as error:
        # A rule stored before today's checks (one that can never match): no dates, and
        # the other events still get theirs.
        logger.warning("event %s: repeat rule not expanded: %s", event.id, error)
        return {}
    return {
        o.original_date: _Desired(
            o.original_date,
            o.starts_at.astimezone(UTC),
            o.ends_at.astimezone(UTC) if o.ends_at is not None else None,
            o.index,
        )
        for o in occurrences
    }


async def sync_occurrences(
    *,
    session: AsyncSession,
    events: Sequence[Event],
    now: datetime,
    zone: tzinfo,
    horizon_end: datetime,
) -> SyncCounts:
    """Make the occurrences and assignments of ``events`` match their rules.

    Occurrences that have started are never moved or cancelled; changed future ones are
    updated in place and their assignments marked changed.
    """
    if not events:
        return SyncCounts()
    # A few days back from today, so that nothing the rule may still move is taken for
    # history; older dates are history, written once and never reloaded.
    since = now.astimezone(zone).date() - HISTORY_MARGIN
    stored = await load_stored(session, events, since=since, now=now)
    run = _Run(
        session,
        await load_calendar(session=session),
        stored.members,
        stored.delegate_ids,
        now=now,
        zone=zone,
        horizon_end=horizon_end,
        since=since,
        historic=stored.historic,
        units=stored.units,
        releases=stored.releases,
    )
    for event in events:
        assert event.id is not None
        _sync_event(run, event, stored.by_event.get(event.id, {}))
    await _apply_changes(run)
    run.counts.assignments_created += await insert_fresh(session, run.fresh, run.units, now)
    await session.flush()
    await write_slots(session, run.dirty, run.joined, units=run.units, now=now)
    _uncount(run.counts, await unwritten(session, run.dirty))
    return run.counts


@dataclass
class _Run:
    """One sync: what each event's pass reads, and what the passes add up."""

    session: AsyncSession
    calendar: WorkingCalendar
    members: dict[int, frozenset[int]]
    """Per stored occurrence: the delegates whose assignment is not cancelled."""
    delegate_ids: dict[str, int]
    now: datetime
    zone: tzinfo
    horizon_end: datetime
    since: date
    historic: set[int]
    units: dict[int, str | None]

    releases: dict[int, tuple[set[int], set[int]]] = field(default_factory=dict)
    """Per occurrence: delegates who released their place, and who stands in."""
    counts: SyncCounts = field(default_factory=SyncCounts)
    fresh: list[tuple[Occurrence, tuple[int, ...]]] = field(default_factory=list)
    """New occurrences and their members, whose assignments are inserted in one batch."""
    joined: list[tuple[int, int]] = field(default_factory=list)  # new (occurrence, delegate)
    dirty: dict[int, Slot] = field(default_factory=dict)  # changed stored assignments, by id
    changing: list[tuple[Occurrence, _Desired, str, tuple[int, ...]]] = field(default_factory=list)
    """Future occurrences that move, come back or change members: their assignments are
    read (only theirs) once every event has been compared."""
    dropped: list[int] = field(default_factory=list)
    """Occurrences cancelled by this sync, whose assignments are cancelled with them."""

    def touch(self, slot: Slot) -> None:
        self.dirty[slot.id] = slot


def _uncount(counts: SyncCounts, skipped: Sequence[Slot]) -> None:
    """The figures say what was written: a change another transaction overtook (a
    ``Xin vắng`` or ``Nhận thay`` committed since the read) is not counted."""
    for slot in skipped:
        if slot.read_cancelled_at is None and slot.cancelled_at is not None:
            counts.assignments_cancelled -= 1
        elif slot.read_cancelled_at is not None and slot.cancelled_at is None:
            counts.assignments_created -= 1
        else:
            counts.assignments_changed -= 1


def _sync_event(run: _Run, event: Event, stored: dict[date, Occurrence]) -> None:
    """One event's occurrences brought to its rule (``stored``: by original date)."""
    assert event.id is not None
    pool = [code for code in event.pool.split(";") if code]
    desired = _desired(event, zone=run.zone, calendar=run.calendar, horizon_end=run.horizon_end)
    if not event.recurrence:
        stored = _rekey_single(stored, desired, run.now)
    for original_date, want in sorted(desired.items()):
        members = tuple(
            run.delegate_ids[code]
            for code in rota_slot(pool, want.index, event.per_occurrence)
            if code in run.delegate_ids
        )
        existing = stored.get(original_date)
        if existing is None and original_date < run.since and event.id in run.historic:
            continue  # history, not loaded: the dates before ``since`` were written then
        if existing is None:
            occurrence = Occurrence(
                event_id=event.id,
                original_date=original_date,
                sequence=want.index,
                starts_at=want.starts_at,
                ends_at=want.ends_at,
                location=event.location,
            )
            run.session.add(occurrence)
            run.fresh.append((occurrence, members))
            run.counts.occurrences_created += 1
        elif existing.starts_at > run.now:  # history is not rewritten
            _compare_future(run, existing, want, event.location, members)
    _cancel_dropped(run, stored, desired)


def _compare_future(
    run: _Run, occurrence: Occurrence, want: _Desired, location: str, members: tuple[int, ...]
) -> None:
    """A future occurrence left as it is (the same time, place and active members), or
    queued for :func:`_sync_future`."""
    assert occurrence.id is not None
    released, stand_ins = run.releases.get(occurrence.id, (set(), set()))
    unchanged = (
        occurrence.cancelled_at is None
        and occurrence.starts_at == want.starts_at
        and occurrence.ends_at == want.ends_at
        and occurrence.location == location
        and run.members.get(occurrence.id, frozenset())
        == frozenset(_with_availability(members, released, stand_ins))
    )
    if not unchanged:
        # The rota's members: the releases are read again with the assignments.
        run.changing.append((occurrence, want, location, members))


def _with_availability(
    rota: tuple[int, ...], released: set[int], stand_ins: set[int]
) -> tuple[int, ...]:
    """Availability: a released place is never given back to the rota's delegate, and a
    stand-in keeps the place (a re-import or the nightly run undoes neither)."""
    return tuple(d for d in (*rota, *sorted(stand_ins - set(rota))) if d not in released)


async def _apply_changes(run: _Run) -> None:
    """The queued occurrences brought to their rule, with their assignments read now."""
    ids = [o.id for o, *_ in run.changing if o.id is not None] + run.dropped
    if not ids:
        return
    slots = await load_slots(run.session, ids)
    for occurrence, want, location, rota in run.changing:
        assert occurrence.id is not None
        # Releases and stand-ins as read with the assignments (one statement), not as
        # read before them: a stand-in accepted in between keeps the place.
        current = slots.get(occurrence.id, {})
        released = {d for d, slot in current.items() if slot.released}
        stand_ins = {d for d, slot in current.items() if slot.stands_in}
        members = _with_availability(rota, released, stand_ins)
        _sync_future(run, occurrence, want, location, members, current)
    for occurrence_id in run.dropped:
        for slot in slots.get(occurrence_id, {}).values():
            if slot.cancelled_at is None:
                slot.cancelled_at = run.now
                run.touch(slot)
                run.counts.assignments_cancelled += 1


def _sync_future(
    run: _Run,
    occurrence: Occurrence,
    want: _Desired,
    location: str,
    members: tuple[int, ...],
    current: dict[int, Slot],
) -> None:
    """A future occurrence moved or brought back, and its rota's members."""
    assert occurrence.id is not None
    moved = _update_future(
        occurrence, want, location, calendar=run.calendar, zone=run.zone, now=run.now
    )
    if moved is not None:
        run.session.add(occurrence)
        run.counts.occurrences_changed += 1
    if moved:
        for slot in current.values():
            if slot.cancelled_at is None and slot.delegate_id in members:
                slot.changed_at = run.now
                run.touch(slot)
                run.counts.assignments_changed += 1
    _sync_members(run, occurrence.id, current, members)


def _update_future(
    occurrence: Occurrence,
    want: _Desired,
    location: str,
    *,
    calendar: WorkingCalendar,
    zone: tzinfo,
    now: datetime,
) -> bool | None:
    """Bring a future occurrence to its rule: ``True`` moved, ``False`` only brought back
    from cancellation, ``None`` nothing to do.

    A move keeps what it replaced (for the "before → after" notice) and, when the new
    date is the holiday shift's doing, the day off it left and that day's name.
    """
    moved = (
        occurrence.starts_at != want.starts_at
        or occurrence.ends_at != want.ends_at
        or occurrence.location != location
    )
    if not moved and occurrence.cancelled_at is None:
        return None
    if moved:
        old_day = occurrence.starts_at.astimezone(zone).date()
        new_day = want.starts_at.astimezone(zone).date()
        day_off = _day_off_left(occurrence.original_date, old_day, new_day, calendar)
        occurrence.previous_starts_at = occurrence.starts_at
        occurrence.previous_ends_at = occurrence.ends_at
        occurrence.previous_location = occurrence.location
        occurrence.shifted_from = day_off
        occurrence.shift_reason = (
            (calendar.holiday_name(day_off, "vi") or "") if day_off is not None else None
        )
    else:
        occurrence.previous_starts_at = occurrence.previous_ends_at = None
        occurrence.previous_location = occurrence.shift_reason = None
        occurrence.shifted_from = None
    occurrence.starts_at = want.starts_at
    occurrence.ends_at = want.ends_at
    occurrence.location = location
    occurrence.cancelled_at = None
    occurrence.changed_at = now
    return moved


def _day_off_left(
    original: date, old_day: date, new_day: date, calendar: WorkingCalendar
) -> date | None:
    """The day off that made the holiday shift move an occurrence to ``new_day``, if it did.

    The date it was on, when that has become a day off; otherwise the rule's own date,
    when the occurrence now sits on a later day than the rule says (the shift).
    """
    if new_day in (old_day, original):
        return None
    if new_day > old_day and not calendar.is_working_day(old_day):
        return old_day
    return original if not calendar.is_working_day(original) else None


def _cancel_dropped(
    run: _Run, stored: dict[date, Occurrence], desired: dict[date, _Desired]
) -> None:
    """Future occurrences the rule no longer produces are cancelled with their assignments."""
    for original_date, occurrence in stored.items():
        if (
            original_date in desired
            or occurrence.cancelled_at is not None
            or occurrence.starts_at <= run.now
            or occurrence.starts_at > run.horizon_end
        ):
            continue
        occurrence.cancelled_at = run.now
        run.session.add(occurrence)
        run.counts.occurrences_cancelled += 1
        assert occurrence.id is not None
        run.dropped.append(occurrence.id)


def _rekey_single(
    stored: dict[date, Occurrence], desired: dict[date, _Desired], now: datetime
) -> dict[date, Occurrence]:
    """A one-off event has one occurrence: a new date moves it rather than replacing it."""
    if len(desired) != 1 or len(stored) != 1:
        return stored
    ((new_date, _want),) = desired.items()
    ((old_date, occurrence),) = stored.items()
    if new_date == old_date or occurrence.starts_at <= now:
        return stored
    occurrence.original_date = new_date
    return {new_date: occurrence}


def _sync_members(
    run: _Run, occurrence_id: int, current: dict[int, Slot], members: tuple[int, ...]
) -> None:
    """Future occurrence: add the rota's new members, cancel those no longer on it."""
    for delegate_id in members:
        slot = current.get(delegate_id)
        if slot is None:
            run.joined.append((occurrence_id, delegate_id))
            run.counts.assignments_created += 1
        elif slot.cancelled_at is not None:
            slot.cancelled_at = None
            slot.changed_at = run.now
            run.touch(slot)
            run.counts.assignments_created += 1
    for delegate_id, slot in current.items():
        if delegate_id not in members and slot.cancelled_at is None:
            slot.cancelled_at = run.now
            run.touch(slot)
            run.counts.assignments_cancelled += 1
