"""Secretariat-managed days off and make-up working days (ngày làm bù)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import (
    CALENDAR_EXCEPTION_ALIASES,
    CALENDAR_EXCEPTION_REQUIRED,
    CalendarException,
    parse_calendar_exceptions,
)
from bot.domain.tables import Problem
from bot.models import CalendarDay
from bot.services import audit
from bot.services.files.tabular import read_table
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule.sync import HORIZON, SyncCounts, active_events, sync_occurrences


@dataclass
class CalendarImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    sync: SyncCounts = field(default_factory=SyncCounts)
    dry_run: bool = False
    headers: dict[str, str] = field(default_factory=dict, compare=False)
    """The file's own header text per column, for problems."""


async def import_calendar(
    *,
    session: AsyncSession,
    path: Path,
    now: datetime,
    zone: tzinfo,
    dry_run: bool,
    actor: str = "cli",
    horizon: timedelta = HORIZON,
    policy: ReminderPolicy | None = None,
) -> CalendarImportResult:
    """Upsert the file's days by date, then re-shift every future occurrence, all or nothing.

    Days not in the file are kept: each file adds to the calendar (one file per year is
    the usual practice), it does not replace it. Runs in the caller's ``session`` and
    commits it when something changed (a dry run or an unchanged calendar roll it back);
    with a ``policy`` the outbox is planned in the same transaction, so a failed planning
    writes nothing.
    """
    table, problems = await asyncio.to_thread(
        read_table, path, aliases=CALENDAR_EXCEPTION_ALIASES, required=CALENDAR_EXCEPTION_REQUIRED
    )
    if problems:
        return CalendarImportResult(problems=problems, dry_run=dry_run)
    exceptions, problems = parse_calendar_exceptions((row.number, row.values) for row in table.rows)
    if problems:
        return CalendarImportResult(problems=problems, dry_run=dry_run, headers=dict(table.headers))
    result = await _upsert_days(session, exceptions, dry_run=dry_run)
    result.sync = await sync_occurrences(
        session=session,
        events=await active_events(session=session),
        now=now,
        zone=zone,
        horizon_end=now + horizon,
    )
    if dry_run or not (result.created or result.updated or result.sync.any):
        await session.rollback()
        return result
    audit.record(
        session,
        actor=actor,
        action="calendar.import",
        at=now,
        file=path.name,
        created=result.created,
        updated=result.updated,
        occurrences_changed=result.sync.occurrences_changed,
    )
    if policy is not None:
        await plan_outbox(session=session, policy=policy, now=now)
    await session.commit()
    return result


async def _upsert_days(
    session: AsyncSession, exceptions: Sequence[CalendarException], *, dry_run: bool
) -> CalendarImportResult:
    """The days added or changed by date (flushed, for the sync to see them), counted."""
    result = CalendarImportResult(dry_run=dry_run)
    wanted_days = [e.day for e in exceptions]
    stored = {
        day.day: day
        for day in (
            await session.exec(select(CalendarDay).where(col(CalendarDay.day).in_(wanted_days)))
        ).all()
    }
    for exception in exceptions:
        day = stored.get(exception.day)
        if day is None:
            session.add(
                CalendarDay(day=exception.day, kind=exception.kind.value, note=exception.note)
            )
            result.created += 1
        elif (day.kind, day.note) != (exception.kind.value, exception.note):
            day.kind, day.note = exception.kind.value, exception.note
            session.add(day)
            result.updated += 1
        else:
            result.unchanged += 1
    await session.flush()
    return result
