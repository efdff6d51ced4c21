"""Lead times and delays written the way a secretariat writes them: ``3d``, ``2h``, ``30m``."""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import lru_cache
from typing import NamedTuple

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def retry_after_seconds(retry_after: float | timedelta) -> float:
    """Telegram's ``retry_after`` in seconds: PTB gives whole seconds, or a ``timedelta``
    once its time periods are timedeltas. The one reading for the runtime, the rate limiter
    and the jobs' notifier (pass ``error.retry_after`` of a ``RetryAfter``)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def parse_duration(text: str) -> timedelta:
    """``"3d"`` → 3 days. Raises ``ValueError`` naming the bad text."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 3d, 2h or 30m")
    amount, unit = match.groups()
    return timedelta(**{_UNITS[unit]: int(amount)})


@lru_cache(maxsize=256)
def format_duration(value: timedelta) -> str:
    """Inverse of :func:`parse_duration` for whole minutes."""
    minutes = int(value.total_seconds()) // 60
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


class QuietHours(NamedTuple):
    """A local-time window with no reminders; may wrap past midnight (21:00-07:00)."""

    start: time
    end: time


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"21:00-07:00"`` → window; ``"off"`` → ``None``."""
    text = text.strip()
    if text.lower() == "off":
        return None
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a window such as 21:00-07:00 or 'off'")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not a window such as 21:00-07:00 or 'off'") from None
    if start == end:
        raise ValueError(f"{text!r} is an empty window; use 'off' to disable quiet hours")
    return QuietHours(start, end)
