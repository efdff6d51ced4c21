"""The office's «Nhắc báo cáo» under ``/chuabaocao``: the report prompt once more to every
delegate whose report is overdue, as outbox rows in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks, insert_ignoring_duplicates
from bot.models import Assignment, Delegate
from bot.services.outbox.common import epoch
from bot.services.outbox.payloads import ReportPromptPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row
from bot.services.reports.prompts import ReportPolicy, prompt_key
from bot.services.reports.records import LOOKBACK, PendingItem, ended_assignments


@dataclass(frozen=True)
class Nudged:
    sent: int
    """Prompts planned now (a duty already nudged today is not nudged twice)."""
    delegates: int
    """The delegates they go to."""
    unreachable: int
    """Overdue duties whose delegate the bot cannot reach (never linked, blocked)."""


async def overdue_items(
    *,
    session: AsyncSession,
    council_ids: Collection[int] | None,
    now: datetime,
    policy: ReportPolicy,
) -> list[PendingItem]:
    """What ``/chuabaocao`` lists: ended more than ``REPORT_ESCALATE_AFTER`` ago, within the
    daily summary's window, unreported."""
    overdue_before = now - policy.escalate_after
    return await ended_assignments(
        session=session,
        now=now,
        zone=policy.zone,
        council_ids=council_ids,
        ended_before=overdue_before,
        since=overdue_before - LOOKBACK,
    )


async def nudge_overdue(
    *,
    session: AsyncSession,
    council_ids: Collection[int] | None,
    now: datetime,
    policy: ReportPolicy,
) -> Nudged:
    """The prompt again for each overdue duty of these councils (``None``: all) whose
    delegate can be reached; at most once a local day per duty, however often pressed."""
    items = await overdue_items(session=session, council_ids=council_ids, now=now, policy=policy)
    reachable = await _reachable_delegates(session, [item.assignment_id for item in items])
    today = datetime.combine(now.astimezone(policy.zone).date(), time(), policy.zone)
    due = policy.not_quiet(now)
    rows = [
        outbox_row(
            ReportPromptPayload(step="office", ends=epoch(item.ends_at)),
            prompt_key(item.assignment_id, "office", today),
            now=now,
            due_at=due,
            delegate_id=reachable[item.assignment_id],
            assignment_id=item.assignment_id,
        )
        for item in items
        if item.assignment_id in reachable
    ]
    sent = await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )
    return Nudged(
        sent=sent,
        delegates=len({row["delegate_id"] for row in rows}),
        unreachable=len(items) - len(rows),
    )


async def _reachable_delegates(session: AsyncSession, assignment_ids: list[int]) -> dict[int, int]:
    """Assignment id → its delegate's id, for delegates linked, active and reachable."""
    found: dict[int, int] = {}
    for ids in chunks(assignment_ids):
        rows = await session.exec(
            select(Assignment.id, Assignment.delegate_id)
            .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
            .where(
                col(Assignment.id).in_(ids),
                col(Delegate.telegram_user_id).is_not(None),
                col(Delegate.active).is_(True),
                col(Delegate.reachable).is_(True),
            )
        )
        found.update((a, d) for a, d in rows if a is not None)
    return found
