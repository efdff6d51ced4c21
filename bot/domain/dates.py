"""Dates and times the way a Vietnamese council office writes them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

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


def format_day(day: date, language: str) -> str:
    """``Thứ Năm, 10/12/2026`` (vi) or ``Thursday, 10/12/2026`` (en): day first in both."""
    _ = get_translator(language)
    return f"{_(WEEKDAYS[day.weekday()])}, {day:%d/%m/%Y}"


def format_time_range(starts_at: datetime, ends_at: datetime | None) -> str:
    """``07:30–11:00``; a deadline has only its time."""
    if ends_at is None:
        return f"{starts_at:%H:%M}"
    if ends_at.date() != starts_at.date():
        return f"{starts_at:%H:%M} – {ends_at:%H:%M %d/%m}"
    return f"{starts_at:%H:%M}–{ends_at:%H:%M}"


def format_lead_time(delta: timedelta, language: str) -> str:
    """How long until something starts: ``3 ngày``, ``2 giờ``, ``45 phút``, ``1 ngày 4 giờ``."""
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
    return " ".join(parts) if parts else _("now")
