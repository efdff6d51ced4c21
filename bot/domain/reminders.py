"""Which reminders an assignment gets, and when: lead times, quiet hours, catch-up.

Pure: times in, times out. Every datetime is aware; ``zone`` is the council's zone,
used only to read the local clock for quiet hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.durations import QuietHours, format_duration

DIGEST_TIME = time(7, 0)
"""Local time of the daily digest."""
SUMMARY_TIME = time(7, 30)
"""Local time from which the secretariat's daily summary is due."""

BEFORE_QUIET_MARGIN = timedelta(minutes=1)
"""A reminder pulled before the quiet window goes out this long before it begins."""


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of one assignment. ``lead`` is ``None`` for a catch-up notice."""

    lead: timedelta | None
    due_at: datetime

    @property
    def label(self) -> str:
        return format_duration(self.lead) if self.lead is not None else "catchup"


def in_quiet_hours(moment: time, quiet: QuietHours) -> bool:
    """Whether a local wall-clock time falls inside the window (start inclusive, end not)."""
    if quiet.start < quiet.end:
        return quiet.start <= moment < quiet.end
    return moment >= quiet.start or moment < quiet.end


def apply_quiet_hours(
    due: datetime, *, starts_at: datetime, quiet: QuietHours | None, zone: tzinfo
) -> datetime:
    """Moves a due time out of the quiet window.

    To the window's end when that is still before the event starts; otherwise to just
    before the window began (the evening before), so the delegate hears of it in time.
    """
    if quiet is None:
        return due
    local = due.astimezone(zone)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), quiet):
        return due
    end = datetime.combine(local.date(), quiet.end, zone)
    if end <= local:
        end += timedelta(days=1)
    if end < starts_at:
        return end
    begin = datetime.combine(local.date(), quiet.start, zone)
    if begin > local:
        begin -= timedelta(days=1)
    return begin - BEFORE_QUIET_MARGIN


def plan_reminders(
    *,
    starts_at: datetime,
    leads: Sequence[timedelta],
    quiet: QuietHours | None,
    zone: tzinfo,
    now: datetime,
    first_planning: bool,
) -> list[PlannedReminder]:
    """The reminders still worth sending for an assignment that starts at ``starts_at``.

    One per lead time whose (quiet-adjusted) due time is still ahead and before the start;
    two lead times landing on the same moment keep the shorter one. When an assignment
    is planned for the first time after some of its lead times have passed, one catch-up
    notice goes out now instead, so a late assignment is still announced once.
    """
    if starts_at <= now:
        return []
    planned: dict[datetime, PlannedReminder] = {}
    missed_any = False
    for lead in sorted(leads, reverse=True):
        due = apply_quiet_hours(starts_at - lead, starts_at=starts_at, quiet=quiet, zone=zone)
        if due < now:
            missed_any = True
            continue
        if due >= starts_at:
            continue
        planned[due] = PlannedReminder(lead, due)  # a shorter lead replaces a longer one
    if first_planning and missed_any:
        catch_up = apply_quiet_hours(now, starts_at=starts_at, quiet=quiet, zone=zone)
        due = catch_up if now <= catch_up < starts_at else now
        if not any(abs(p.due_at - due) < timedelta(hours=1) for p in planned.values()):
            planned[due] = PlannedReminder(None, due)
    return sorted(planned.values(), key=lambda p: p.due_at)


def digest_due(day_local: datetime, *, quiet: QuietHours | None, zone: tzinfo) -> datetime:
    """When the digest of ``day_local``'s date goes out: 07:00, or when quiet hours end."""
    at = datetime.combine(day_local.date(), DIGEST_TIME, zone)
    if quiet is not None and in_quiet_hours(DIGEST_TIME, quiet):
        at = datetime.combine(day_local.date(), quiet.end, zone)
    return at


def summary_day(now: datetime, *, quiet: QuietHours | None, zone: tzinfo) -> date | None:
    """The local day whose secretariat summary may be planned at ``now``, if any.

    From ``SUMMARY_TIME`` until the quiet hours begin (or midnight): a process that was
    down at 07:30 still sends the day's summary when it comes back, but not at night. A
    day that passes entirely without a running process gets no summary of its own; the
    next one covers everything since the last summary (see ``services.summary``).
    """
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if clock < SUMMARY_TIME:
        return None
    if quiet is not None and SUMMARY_TIME < quiet.start <= clock:
        return None
    return local.date()
