"""A delegate's assignments as an RFC 5545 iCalendar file (``schedule ics``).

Pure: assignment views in, bytes out; the caller loads the views with
:func:`bot.services.schedule.imports.list_assignments`.

Choices worth knowing when reading a calendar app's behaviour:

- ``UID`` is ``assignment-{assignment_id}@delegate-bot``. Assignment rows are updated in
  place when an occurrence moves, so re-importing a later export updates the event in the
  calendar app instead of adding a second one.
- ``SEQUENCE`` is 0 for an assignment never changed, else the whole seconds from
  :data:`SEQUENCE_EPOCH` to its ``changed_at``: every later change gives a higher number,
  and the value stays within a signed 32-bit integer (some clients store it so) until 2088.
  ``LAST-MODIFIED`` is ``changed_at`` too.
- An assignment without an end (a deadline) becomes a :data:`DEFAULT_DURATION` event
  *starting* at the deadline, so that its alarms, relative to the start, fire at the same
  lead times as the bot's own reminders.
- Every time is written with the council zone's ``TZID`` (local wall-clock time), and the
  calendar always carries that zone's ``VTIMEZONE``, even without events (a calendar must
  hold at least one component).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

from bot.domain.schedule import headline
from bot.i18n import Gettext, get_translator
from bot.services.schedule.imports import AssignmentView

PRODID = "-//delegate-bot//HĐND//VI"
UID_DOMAIN = "delegate-bot"
DEFAULT_DURATION = timedelta(minutes=30)
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def event_uid(assignment_id: int) -> str:
    return f"assignment-{assignment_id}@{UID_DOMAIN}"


def sequence_number(changed_at: datetime | None) -> int:
    """0 when never changed, else seconds since :data:`SEQUENCE_EPOCH` (never negative)."""
    if changed_at is None:
        return 0
    return max(0, int((_as_utc(changed_at) - SEQUENCE_EPOCH).total_seconds()))


def _as_utc(moment: datetime) -> datetime:
    # Stored times are UTC; a naive one (from a driver that drops the zone) is UTC too.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _lead_times(offsets: Mapping[str, tuple[timedelta, ...]], kind: str) -> list[timedelta]:
    """The kind's lead times, longest first, each once."""
    return sorted(set(offsets.get(kind, ())), reverse=True)


def _event(
    view: AssignmentView,
    *,
    offsets: Mapping[str, tuple[timedelta, ...]],
    zone: ZoneInfo,
    stamp: datetime,
    _: Gettext,
) -> Event:
    start = view.starts_at.astimezone(zone)
    end = view.ends_at.astimezone(zone) if view.ends_at is not None else start + DEFAULT_DURATION
    summary = headline(view.kind, view.title, _)
    event = Event()
    event.add("UID", event_uid(view.assignment_id))
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", start)
    event.add("DTEND", end)
    event.add("SUMMARY", summary)
    if view.location:
        event.add("LOCATION", view.location)
    event.add("CATEGORIES", [view.kind])
    event.add("SEQUENCE", sequence_number(view.changed_at))
    if view.changed_at is not None:
        event.add("LAST-MODIFIED", _as_utc(view.changed_at))
    event.add("STATUS", "CONFIRMED")
    for lead in _lead_times(offsets, view.kind):
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", summary)
        alarm.add("TRIGGER", -lead)  # relative to DTSTART (RELATED=START is the default)
        event.add_component(alarm)
    return event


def _timezone_range(views: Sequence[AssignmentView], now: datetime) -> tuple[date, date]:
    """Dates comfortably around every event, for the ``VTIMEZONE`` transitions."""
    moments = [now]
    for view in views:
        moments.append(view.starts_at)
        if view.ends_at is not None:
            moments.append(view.ends_at)
    first = min(moments).astimezone(UTC)
    last = max(moments).astimezone(UTC)
    return date(first.year - 1, 1, 1), date(last.year + 2, 1, 1)


def build_ics(
    views: Sequence[AssignmentView],
    *,
    offsets: Mapping[str, tuple[timedelta, ...]],
    zone: ZoneInfo,
    calendar_name: str,
    language: str = "vi",
    now: datetime,
) -> bytes:
    """The assignments as one ``VCALENDAR`` with a ``VEVENT`` (and its alarms) each.

    ``offsets`` maps an event kind to its reminder lead times (``Settings.REMINDER_OFFSETS``):
    each becomes a ``VALARM`` that long before the start. ``now`` (aware) is the ``DTSTAMP``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    translate = get_translator(language)
    stamp = now.astimezone(UTC)
    first_date, last_date = _timezone_range(views, now)

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", calendar_name)
    calendar.add("X-WR-TIMEZONE", zone.key)
    calendar.add_component(
        Timezone.from_tzinfo(zone, tzid=zone.key, first_date=first_date, last_date=last_date)
    )
    for view in views:
        calendar.add_component(_event(view, offsets=offsets, zone=zone, stamp=stamp, _=translate))
    # Should the library name the zone differently in an event's TZID (an alias), the
    # calendar still gets a VTIMEZONE for every TZID it uses.
    calendar.add_missing_timezones(first_date=first_date, last_date=last_date)
    ical: bytes = calendar.to_ical()
    return ical


def ics_filename(delegate_code: str) -> str:
    """``"ML-001"`` → ``"lich-ML-001.ics"``: ASCII letters, digits, ``.``, ``_`` and ``-`` only."""
    decomposed = unicodedata.normalize("NFKD", delegate_code.replace("đ", "d").replace("Đ", "D"))
    ascii_code = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    safe = _UNSAFE_FILENAME.sub("_", ascii_code).strip("._-")
    return f"lich-{safe}.ics" if safe else "lich.ics"
