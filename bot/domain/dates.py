"""Dates and times the way a Vietnamese council office writes them.

Vietnamese: ``7h30–11h00 Thứ Năm, 10/12/2026``, a deadline ``trước 17h00 Thứ Hai,
09/11/2026``; English keeps the 24-hour clock, ``Thursday, 10/12/2026, 07:30–11:00``.
The order of time and day is itself a translation (``{day}, {time}``).

Every date and time the product writes *for a person* is formatted here (a test forbids
``strftime`` and ``%`` format specs elsewhere in ``bot/`` and ``jobs/``); the forms without
a language are those of files and spreadsheet cells, which the office reads in either
language.

Machine formats are the exception, by one rule: where a program reads the value back
(the Mini App's JSON, a CLI's CSV, an idempotency key, a stored payload), a date or a
moment is ISO 8601, written with the standard library's ``isoformat()`` and read with
``fromisoformat()`` — already the one way, so no helper wraps it. This module holds
only the machine forms ``isoformat`` cannot write: a month (:func:`format_month_key`),
RFC 5545 (:func:`format_ical`) and a file's minute-precision moment
(:func:`format_file_moment`). ISO never reaches a person: texts and handlers
(``bot/messages``, ``bot/telegram``) do not call ``isoformat`` (a test says so).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.i18n import N_, get_translator

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
DEADLINE = "deadline"
"""``EventKind.deadline`` (``bot.domain.schedule_cells``, which formats its dates here and
so cannot be imported by this module)."""
UNTIL_ANOTHER_DAY = N_("{start} to {end} on {day}")
"""A time range ending on a later day: vi ``7h30 đến 9h00 ngày 11/12``."""
DAY_AND_TIME = N_("{day}, {time}")
"""vi ``{time} {day}``: the time first, as a council's invitation writes it."""


def format_date(day: date) -> str:
    """``07/12/2026``: a date as the office writes it, in texts, files and problems."""
    return f"{day:%d/%m/%Y}"


def format_day_month(day: date) -> str:
    """``07/12``: a date in a short label (a button, a list line), the year understood."""
    return f"{day:%d/%m}"


def format_month_key(day: date) -> str:
    """``2026-12``: a month as the Mini App's ``month`` parameter carries it."""
    return f"{day:%Y-%m}"


def format_ical(day: date, at: time | None = None, *, utc: bool = False) -> str:
    """RFC 5545: a DATE ``20261231``, or a DATE-TIME ``20261231T073000`` (``Z``: UTC),
    as an RRULE's ``UNTIL`` is written."""
    if at is None:
        return f"{day:%Y%m%d}"
    return f"{day:%Y%m%d}T{at:%H%M%S}{'Z' if utc else ''}"


def format_clock_24h(moment: datetime) -> str:
    """``08:14``: a time of day in a file's cell (and the English clock)."""
    return f"{moment:%H:%M}"


def format_date_time(moment: datetime) -> str:
    """``07/12/2026 08:14``: a moment in a spreadsheet cell or a problem found in a file,
    which have no language of their own. ``moment`` is already in the council's zone."""
    return f"{format_date(moment)} {format_clock_24h(moment)}"


def format_file_moment(moment: datetime) -> str:
    """``2026-12-07 08:14``: a moment in an exported file that is read back
    (``reports export``'s ``reported_at``, which ``reports import`` parses)."""
    return f"{moment.date().isoformat()} {format_clock_24h(moment)}"


def format_as_written(moment: datetime) -> str:
    """``10/12/2026 7h30``: a time as the clerk writes it in a schedule file."""
    return f"{format_date(moment)} {format_clock(moment)}"


def format_day(day: date, language: str) -> str:
    """``Thứ Năm, 10/12/2026`` (vi) or ``Thursday, 10/12/2026`` (en): day first in both."""
    _ = get_translator(language)
    return f"{_(WEEKDAYS[day.weekday()])}, {format_date(day)}"


def format_clock(moment: datetime, language: str = "vi") -> str:
    """``7h30``, ``14h00`` (vi); ``07:30`` (en)."""
    if language == "en":
        return format_clock_24h(moment)
    return f"{moment.hour}h{moment.minute:02d}"


def format_moment(moment: datetime, language: str = "vi") -> str:
    """A moment in local time, the one way every screen writes it: ``8h14 ngày 07/12/2026``
    (en ``08:14 on 07/12/2026``)."""
    if language == "en":
        return f"{format_clock_24h(moment)} on {format_date(moment)}"
    return f"{format_clock(moment, language)} ngày {format_date(moment)}"


def format_time_range(starts_at: datetime, ends_at: datetime | None, language: str = "vi") -> str:
    """``7h30–11h00`` (vi) or ``07:30–11:00`` (en); a deadline has only its time."""
    start = format_clock(starts_at, language)
    if ends_at is None:
        return start
    if ends_at.date() != starts_at.date():
        # Under a day's heading: the end names its own day (``7h30 đến 9h00 ngày 11/12``).
        return get_translator(language)(UNTIL_ANOTHER_DAY).format(
            start=start, end=format_clock(ends_at, language), day=format_day_month(ends_at)
        )
    return f"{start}–{format_clock(ends_at, language)}"


def format_when(starts_at: datetime, ends_at: datetime | None, language: str) -> str:
    """``7h30–11h00 Thứ Năm, 10/12/2026`` (en ``Thursday, 10/12/2026, 07:30–11:00``); over
    several days ``từ 7h30 Thứ Sáu, 18/12/2026 đến 17h00 Thứ Bảy, 19/12/2026``."""
    _ = get_translator(language)
    if ends_at is not None and ends_at.date() != starts_at.date():
        start, end = (
            _(DAY_AND_TIME).format(
                day=format_day(moment.date(), language), time=format_clock(moment, language)
            )
            for moment in (starts_at, ends_at)
        )
        return _("from {start} to {end}").format(start=start, end=end)
    time = format_time_range(starts_at, ends_at, language)
    return _(DAY_AND_TIME).format(day=format_day(starts_at.date(), language), time=time)


def is_deadline(kind: str, ends_at: datetime | None) -> bool:
    """A deadline without an end is a moment to be ready *by*, not a meeting."""
    return kind == DEADLINE and ends_at is None


def format_entry_time(
    kind: str, starts_at: datetime, ends_at: datetime | None, language: str
) -> str:
    """The time of a list line: ``7h30–11h00``, a deadline ``trước 17h00``."""
    time = format_time_range(starts_at, ends_at, language)
    if is_deadline(kind, ends_at):
        return get_translator(language)("by {time}").format(time=time)
    return time


def format_entry_when(
    kind: str, starts_at: datetime, ends_at: datetime | None, language: str
) -> str:
    """Time and day of an entry; a deadline reads ``Hạn: trước 17h00 Thứ Hai, 09/11/2026``."""
    if not is_deadline(kind, ends_at):
        return format_when(starts_at, ends_at, language)
    _ = get_translator(language)
    when = _(DAY_AND_TIME).format(
        day=format_day(starts_at.date(), language),
        time=format_entry_time(kind, starts_at, ends_at, language),
    )
    return _("Due: {when}").format(when=when)


def format_lead_time(delta: timedelta, language: str) -> str:
    """A length of time: ``3 ngày``, ``2 giờ``, ``45 phút``, ``1 ngày 4 giờ``; never zero.

    Used for the lead times of the settings (``3d`` → ``3 ngày``); under a minute reads
    ``dưới 1 phút``.
    """
    _ = get_translator(language)
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("{count} day(s)").format(count=days))
    if hours:
        parts.append(_("{count} hour(s)").format(count=hours))
    if minutes and not days:
        parts.append(_("{count} minute(s)").format(count=minutes))
    return " ".join(parts) if parts else _("less than a minute")


def format_until(starts_at: datetime, now: datetime, language: str) -> str:
    """How far off something is, by the council's calendar rather than by the clock.

    Today: ``hôm nay, còn 2 giờ 30 phút``; tomorrow (whatever the hour): ``ngày mai``;
    later: ``còn 3 ngày`` (calendar days); under a minute: ``còn dưới 1 phút``; begun:
    ``đã bắt đầu``. ``starts_at`` is aware in the council's zone; ``now`` any aware time.
    """
    _ = get_translator(language)
    delta = starts_at - now
    if delta < timedelta(0):
        return _("already begun")
    if delta < timedelta(minutes=1):
        return _("in less than a minute")
    days = (starts_at.date() - now.astimezone(starts_at.tzinfo).date()).days
    if days <= 0:
        return _("today, in {lead}").format(lead=format_lead_time(delta, language))
    if days == 1:
        return _("tomorrow")
    return _("in {count} days").format(count=days)
