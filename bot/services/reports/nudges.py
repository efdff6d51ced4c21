"""The office's «Nhắc báo cáo» under ``/chuabaocao``: the report prompt once more to every
delegate whose report is overdue, as outbox rows in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks, insert_new
from bot.models import Assignment, Delegate
from bot.services.outbox.common import epoch
from bot.services.outbox.payloads import ReportPromptPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row
from bot.services.reports.prompts import ReportPolicy, prompt_key
from bot.services.reports.records import overdue_items


@dataclass(frozen=True)
class Nudged:
    sent: int
    """Prompts planned now (a duty already nudged for that day is not nudged twice)."""
    delegates: int
    """The delegates those prompts go to."""
    reachable: int
    """Overdue duties whose delegate the bot can reach (nudged now or before)."""
    to_call: int
    """Overdue duties of active delegates the bot cannot reach (never linked, blocked):
    the office calls them. Deactivated delegates are in neither count."""
    due_at: datetime
    """When the prompts go out: now, or the end of quiet hours."""


async def nudge_overdue(
    *,
    session: AsyncSession,
    council_ids: Collection[int] | None,
    now: datetime,
    policy: ReportPolicy,
) -> Nudged:
    """The prompt again for each overdue duty of these councils (``None``: all) whose
    delegate can be reached; at most once per duty for each local day the prompts go out
    on (pressed at 23:00 and again at 06:30, both go out at 07:00: one prompt)."""
    items = await overdue_items(
        session=session,
        council_ids=council_ids,
        overdue_before=now - policy.escalate_after,
        zone=policy.zone,
    )
    delegates = await _delegates(session, [item.assignment_id for item in items])
    due = policy.not_quiet(now)
    day = datetime.combine(due.astimezone(policy.zone).date(), time(), policy.zone)
    reachable = [i for i in items if delegates.get(i.assignment_id, _GONE)[1] is _Reach.yes]
    rows = [
        outbox_row(
            ReportPromptPayload(step="office", ends=epoch(item.ends_at)),
            prompt_key(item.assignment_id, "office", day),
            now=now,
            due_at=due,
            delegate_id=delegates[item.assignment_id][0],
            assignment_id=item.assignment_id,
        )
        for item in reachable
    ]
    written = await insert_new(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"], returning=("delegate_id",)
    )
    to_call = sum(delegates.get(i.assignment_id, _GONE)[1] is _Reach.no for i in items)
    return Nudged(
        sent=len(written),
        delegates=len({delegate_id for (delegate_id,) in written}),
        reachable=len(reachable),
        to_call=to_call,
        due_at=due,
    )


class _Reach(Enum):
    yes = "yes"
    no = "no"  # active, but never linked or blocked
    inactive = "inactive"


_GONE = (0, _Reach.inactive)


async def _delegates(
    session: AsyncSession, assignment_ids: list[int]
) -> dict[int, tuple[int, _Reach]]:
    """Assignment id → its delegate's id, and whether the bot can reach them."""
    found: dict[int, tuple[int, _Reach]] = {}
    for ids in chunks(assignment_ids):
        rows = await session.exec(
            select(
                Assignment.id,
                Assignment.delegate_id,
                Delegate.active,
                col(Delegate.telegram_user_id).is_not(None) & col(Delegate.reachable),
            )
            .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
            .where(col(Assignment.id).in_(ids))
        )
        for assignment_id, delegate_id, active, linked in rows:
            if assignment_id is None:
                continue
            reach = _Reach.inactive if not active else _Reach.yes if linked else _Reach.no
            found[assignment_id] = (delegate_id, reach)
    return found
