"""The secretariat's daily summary: who could not be reached, what was not delivered, and
which assignments are still without a report well after they ended."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.domain.durations import QuietHours
from bot.domain.reminders import SUMMARY_TIME, summary_day
from bot.models import Council, Delegate, OutboxMessage
from bot.models.petitions import Petition
from bot.services.availability.attendance import SessionRoll, session_rolls
from bot.services.availability.releases import secretaries
from bot.services.outbox.payloads import SummaryPayload
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus, outbox_row
from bot.services.petitions.items import awaited
from bot.services.reports.records import PendingItem, overdue_items
from bot.services.schedule.views import local_bounds

PERIOD = timedelta(days=1)
CATCH_UP_LIMIT = timedelta(days=7)
"""A summary after days without one looks back at most this far."""


@dataclass
class CouncilSummary:
    council_id: int
    council_name: str
    unreachable: list[str] = field(default_factory=list)  # "CODE Name"
    failed: int = 0
    missed: int = 0
    uncertain: int = 0
    missing: list[PendingItem] = field(default_factory=list)
    """Assignments still without a report, most recent first."""
    attendance: list[SessionRoll] = field(default_factory=list)
    """Tomorrow's sessions and the delegates' answers (availability)."""

    petitions: list[Petition] = field(default_factory=list)
    """Forwarded petitions and opinions whose answer is overdue or due within DUE_SOON_DAYS."""
    petitions_on: date | None = None
    """The day ``petitions`` were counted for (overdue: due before it)."""

    @property
    def empty(self) -> bool:
        return not (
            self.unreachable
            or self.failed
            or self.missed
            or self.uncertain
            or self.missing
            or self.attendance
            or self.petitions
        )


async def council_summaries(
    *,
    session: AsyncSession,
    since: datetime,
    overdue_before: datetime | None = None,
    zone: tzinfo = UTC,
    sessions_on: date | None = None,
    petitions_on: date | None = None,
) -> dict[int, CouncilSummary]:
    """Per council: unreachable delegates, rows failed or missed since ``since``,
    reports missing for assignments that ended before ``overdue_before``, and (with
    ``petitions_on``) the answers overdue or due within DUE_SOON_DAYS of that day."""
    summaries: dict[int, CouncilSummary] = {}
    councils = {c.id: c for c in (await session.exec(select(Council))).all()}

    def summary(council_id: int) -> CouncilSummary:
        if council_id not in summaries:
            summaries[council_id] = CouncilSummary(council_id, councils[council_id].name)
        return summaries[council_id]

    await _unreachable(session, summary)
    for council_id, status, uncertain in await _outcomes_since(session, since):
        item = summary(council_id)
        if status == OutboxStatus.failed.value:
            item.failed += 1
        elif status == OutboxStatus.missed.value:
            item.missed += 1
        if uncertain and status == OutboxStatus.sent.value:
            item.uncertain += 1
    if overdue_before is not None:
        for missing in await overdue_items(
            session=session, council_ids=None, overdue_before=overdue_before, zone=zone
        ):
            if missing.council_id in councils:
                summary(missing.council_id).missing.append(missing)
    if sessions_on is not None:
        await _attendance(session, sessions_on, zone, summary)
    if petitions_on is not None:
        await _petitions(session, petitions_on, summary)
    return {key: value for key, value in summaries.items() if not value.empty}


async def _unreachable(session: AsyncSession, summary: Callable[[int], CouncilSummary]) -> None:
    """Linked delegates the bot can no longer reach (they blocked it)."""
    unreachable = (
        await session.exec(
            select(Delegate)
            .where(
                col(Delegate.reachable).is_(False),
                col(Delegate.active).is_(True),
                col(Delegate.telegram_user_id).is_not(None),
            )
            .order_by(col(Delegate.code))
        )
    ).all()
    for delegate in unreachable:
        summary(delegate.council_id).unreachable.append(f"{delegate.code} {delegate.full_name}")


async def _petitions(
    session: AsyncSession, day: date, summary: Callable[[int], CouncilSummary]
) -> None:
    """Answers overdue, or due within 3 days of ``day`` (the petitions register)."""
    for petition in await awaited(session=session, council_ids=None, today=day):
        item = summary(petition.council_id)
        item.petitions.append(petition)
        item.petitions_on = day


async def _attendance(
    session: AsyncSession, day: date, zone: tzinfo, summary: Callable[[int], CouncilSummary]
) -> None:
    """The answers to ``day``'s sessions, for the office the day before."""
    start, end = local_bounds(day, day, zone)
    assert start is not None
    for roll in await session_rolls(
        session=session, zone=zone, council_ids=None, starts_from=start, starts_before=end
    ):
        summary(roll.council_id).attendance.append(roll)


async def plan_daily_summary(
    *,
    session: AsyncSession,
    now: datetime,
    zone: tzinfo,
    quiet: QuietHours | None,
    admin_ids: frozenset[int],
    escalate_after: timedelta,
) -> int | None:
    """Queues today's summary once it is due (``None`` while it is not: before 07:30, or
    in the evening's quiet hours). Run by the planner every few minutes: the dedupe key
    makes a second run (or another process) add nothing.

    It covers what happened since the last summary was planned, so one planned late, or
    the first after a day on which no process ran, loses nothing and repeats nothing;
    a day that passed entirely is not sent on its own, days later.
    """
    day = summary_day(now, quiet=quiet, zone=zone)
    if day is None:
        return None
    last = (
        await session.exec(
            select(func.max(OutboxMessage.created_at)).where(
                col(OutboxMessage.kind) == OutboxKind.summary.value
            )
        )
    ).one()
    since = last or datetime.combine(day, SUMMARY_TIME, zone) - PERIOD
    return await plan_summaries(
        session=session,
        now=now,
        admin_ids=admin_ids,
        day_key=day.isoformat(),
        since=max(since, now - CATCH_UP_LIMIT),
        escalate_after=escalate_after,
        zone=zone,
        sessions_on=day + timedelta(days=1),
        petitions_on=day,
    )


async def plan_summaries(
    *,
    session: AsyncSession,
    now: datetime,
    admin_ids: frozenset[int],
    day_key: str,
    period: timedelta = PERIOD,
    since: datetime | None = None,
    escalate_after: timedelta | None = None,
    zone: tzinfo = UTC,
    sessions_on: date | None = None,
    petitions_on: date | None = None,
) -> int:
    """Queues the day's summary for every secretary (own council) and admin (all councils),
    and tomorrow's session attendance for the Standing Committee of each council.

    It covers rows failed or missed since ``since`` (by default ``period`` ago); with
    ``escalate_after``, assignments unreported that long after they ended are listed.
    """
    since = since if since is not None else now - period
    overdue_before = now - escalate_after if escalate_after is not None else None
    summaries = await council_summaries(
        session=session,
        since=since,
        overdue_before=overdue_before,
        zone=zone,
        sessions_on=sessions_on,
        petitions_on=petitions_on,
    )
    if not summaries:
        return 0
    by_council = await secretaries(session=session, council_ids=list(summaries))
    template = SummaryPayload(
        councils=(),
        since=since,
        overdue_before=overdue_before,
        sessions_on=sessions_on,
        petitions_on=petitions_on,
    )

    rows = _summary_rows(template, summaries, by_council, admin_ids, day_key, now, period)
    attending = [c for c, summary in summaries.items() if summary.attendance]
    if attending:
        standing = await _standing_committee(session, attending, by_council, admin_ids)
        rows += _standing_rows(template, standing, day_key, now, period)
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )


def _summary_rows(
    template: SummaryPayload,
    summaries: Mapping[int, CouncilSummary],
    by_council: Mapping[int, list[Delegate]],
    admin_ids: Iterable[int],
    day_key: str,
    now: datetime,
    period: timedelta,
) -> list[dict[str, Any]]:
    """One row per secretary (their council) and per admin (every council)."""

    def payload(councils: Iterable[int]) -> SummaryPayload:
        return template.model_copy(update={"councils": tuple(councils)})

    rows: list[dict[str, Any]] = [
        outbox_row(
            payload([council_id]),
            f"s{secretary.id}:{day_key}",
            now=now,
            due_at=now,
            expires_at=now + period,
            delegate_id=secretary.id,
        )
        for council_id in summaries
        for secretary in by_council[council_id]
    ]
    rows.extend(
        outbox_row(
            payload(sorted(summaries)),
            f"admin{admin}:{day_key}",
            now=now,
            due_at=now,
            expires_at=now + period,
            chat_id=admin,
        )
        for admin in sorted(admin_ids)
    )
    return rows


def _standing_rows(
    template: SummaryPayload,
    standing: Mapping[int, list[Delegate]],
    day_key: str,
    now: datetime,
    period: timedelta,
) -> list[dict[str, Any]]:
    """One row per Standing Committee member: their council's sessions of tomorrow."""
    return [
        outbox_row(
            template.model_copy(update={"councils": (council_id,), "attendance_only": True}),
            f"tt{member.id}:{day_key}",
            now=now,
            due_at=now,
            expires_at=now + period,
            delegate_id=member.id,
        )
        for council_id, members in standing.items()
        for member in members
    ]


async def _standing_committee(
    session: AsyncSession,
    council_ids: list[int],
    offices: Mapping[int, list[Delegate]],
    admin_ids: Iterable[int],
) -> dict[int, list[Delegate]]:
    """The linked, active Standing Committee members (Thường trực HĐND, by title) of these
    councils, by council; one whose account already gets the whole summary, as the
    council's secretary or as an admin (by Telegram id), is left out."""
    found = await session.exec(
        select(Delegate)
        .where(
            col(Delegate.standing_committee).is_(True),
            col(Delegate.active).is_(True),
            col(Delegate.telegram_user_id).is_not(None),
            col(Delegate.council_id).in_(council_ids),
        )
        .order_by(col(Delegate.code))
    )
    admins = set(admin_ids)
    by_council: dict[int, list[Delegate]] = defaultdict(list)
    for member in found.all():
        told = {s.telegram_user_id for s in offices.get(member.council_id, ())} | admins
        if member.telegram_user_id not in told:
            by_council[member.council_id].append(member)
    return by_council


async def _outcomes_since(session: AsyncSession, since: datetime) -> list[tuple[int, str, bool]]:
    """(council, status, uncertain) of every row sent to a delegate and updated since."""
    connection = await session.connection()
    result = await connection.execute(
        sql_select(
            col(Delegate.council_id),
            col(OutboxMessage.status),
            col(OutboxMessage.outcome_uncertain),
        )
        .select_from(OutboxMessage)
        .join(Delegate, col(Delegate.id) == col(OutboxMessage.delegate_id))
        .where(
            col(OutboxMessage.updated_at) >= since,
            col(OutboxMessage.kind) != OutboxKind.summary.value,
        )
    )
    return [(row[0], row[1], bool(row[2])) for row in result]
