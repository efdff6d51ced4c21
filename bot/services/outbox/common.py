"""What the outbox planners share: the delegates a plan is for, moments as stored, and
the reminder rows' dedupe key (one format, joined by Python or by the database)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, true
from sqlmodel import col

from bot.models import Assignment

T = TypeVar("T")


def of_delegates(only: Collection[int] | None) -> ColumnElement[bool]:
    """Assignments of these delegates (a few: one person's records), or of everyone."""
    return true() if only is None else col(Assignment.delegate_id).in_(sorted(only))


def aware(value: datetime) -> datetime:
    """A moment read back from the database, in UTC (SQLite returns it naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def epoch(moment: datetime) -> int:
    """Whole seconds since the epoch (what a dedupe key holds)."""
    return int(moment.timestamp())


def reminder_key_parts(assignment: T, label: str, seconds: T) -> tuple[str, T, str, T]:
    """The reminder key's parts, in order: ``a<assignment>:<label>:<start in seconds>``.
    :func:`reminder_key` joins them in Python, ``reminder_sql`` in SQL."""
    return "a", assignment, f":{label}:", seconds


def reminder_key(assignment_id: int, label: str, starts_at: datetime) -> str:
    """Includes the start: a moved assignment gets new rows, the old ones are cancelled."""
    return "".join(map(str, reminder_key_parts(assignment_id, label, epoch(starts_at))))
