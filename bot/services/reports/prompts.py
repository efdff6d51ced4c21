"""Planning report prompts: "did it take place?" after each reportable assignment.

One prompt ``REPORT_PROMPT_DELAY`` after the assignment ends and one follow-up
``REPORT_FOLLOWUP_AFTER`` after it ends, both moved out of quiet hours. An assignment
entered after it ended (the secretariat catching up) is prompted at once, as long as it
ended less than ``REPORT_ESCALATE_AFTER`` ago; after that it is the secretariat's list.
"Remind me later" queues the prompt again two hours on, in place of the follow-up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import insert_ignoring_duplicates
from bot.domain.durations import QuietHours
from bot.domain.reminders import apply_quiet_hours
from bot.domain.reports import REPORTABLE_KINDS
from bot.models import Assignment, Delegate, Event, Occurrence, OutboxMessage, Report
from bot.services.outbox.common import epoch
from bot.services.outbox.payloads import ReportPromptPayload
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus, outbox_row

if TYPE_CHECKING:
    from bot.config import Settings

SNOOZE = timedelta(hours=2)
_FAR = timedelta(days=3650)


@dataclass(frozen=True)
class ReportPolicy:
    prompt_delay: timedelta
    followup_after: timedelta
    escalate_after: timedelta
    quiet: QuietHours | None
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> ReportPolicy:
        return cls(
            prompt_delay=settings.REPORT_PROMPT_DELAY,
            followup_after=settings.REPORT_FOLLOWUP_AFTER,
            escalate_after=settings.REPORT_ESCALATE_AFTER,
            quiet=settings.QUIET_HOURS,
            zone=settings.zone,
        )

    def not_quiet(self, due: datetime) -> datetime:
        """A prompt in quiet hours waits for the morning (there is no event to be early for)."""
        return apply_quiet_hours(due, starts_at=due + _FAR, quiet=self.quiet, zone=self.zone)


def prompt_key(assignment_id: int, step: str, moment: datetime) -> str:
    return f"a{assignment_id}:{step}:{epoch(moment)}"


async def report_prompt_rows(
    session: AsyncSession,
    *,
    policy: ReportPolicy,
    now: datetime,
    until: datetime,
    only: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """Rows for every unreported assignment (of ``only``) whose prompt is before ``until``."""
    mine = true() if only is None else col(Assignment.delegate_id).in_(sorted(only))
    ended = func.coalesce(col(Occurrence.ends_at), col(Occurrence.starts_at))
    found = (
        await session.exec(
            select(Assignment.id, Assignment.delegate_id, Occurrence.starts_at, Occurrence.ends_at)
            .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
            .join(Event, col(Event.id) == col(Occurrence.event_id))
            .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
            .outerjoin(Report, col(Report.assignment_id) == col(Assignment.id))
            .where(
                # As for reminders: only those the bot can reach. One who links (or comes
                # back) later is planned then, in that transaction (``plan_for_delegates``).
                col(Delegate.telegram_user_id).is_not(None),
                col(Delegate.active).is_(True),
                col(Delegate.reachable).is_(True),
                col(Event.kind).in_(sorted(REPORTABLE_KINDS)),
                col(Assignment.cancelled_at).is_(None),
                col(Occurrence.cancelled_at).is_(None),
                col(Report.id).is_(None),
                ended <= until - policy.prompt_delay,
                ended > now - policy.escalate_after,
                mine,
            )
        )
    ).all()
    rows: list[dict[str, Any]] = []
    for assignment_id, delegate_id, starts_at, ends_at in found:
        assert assignment_id is not None
        end = ends_at or starts_at
        rows.append(
            outbox_row(
                ReportPromptPayload(step="prompt", ends=epoch(end)),
                prompt_key(assignment_id, "prompt", end),
                now=now,
                due_at=policy.not_quiet(max(end + policy.prompt_delay, now)),
                delegate_id=delegate_id,
                assignment_id=assignment_id,
            )
        )
        if end + policy.followup_after > now:
            rows.append(
                outbox_row(
                    ReportPromptPayload(step="followup", ends=epoch(end)),
                    prompt_key(assignment_id, "followup", end),
                    now=now,
                    due_at=policy.not_quiet(end + policy.followup_after),
                    delegate_id=delegate_id,
                    assignment_id=assignment_id,
                )
            )
    return rows


async def snooze_prompt(
    *,
    session: AsyncSession,
    assignment_id: int,
    delegate_id: int,
    ends_at: datetime,
    policy: ReportPolicy,
    now: datetime,
) -> datetime:
    """The prompt again in two hours (out of quiet hours), replacing the pending follow-up,
    in the caller's transaction (the caller commits)."""
    due = policy.not_quiet(now + SNOOZE)
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.assignment_id) == assignment_id,
            col(OutboxMessage.kind) == OutboxKind.report_prompt.value,
            col(OutboxMessage.status) == OutboxStatus.pending.value,
        )
        .values(status=OutboxStatus.cancelled.value, last_error="snoozed", updated_at=now)
    )
    await insert_ignoring_duplicates(
        session,
        OUTBOX_TABLE,
        [
            outbox_row(
                ReportPromptPayload(step="later", ends=epoch(ends_at)),
                prompt_key(assignment_id, "later", due),
                now=now,
                due_at=due,
                delegate_id=delegate_id,
                assignment_id=assignment_id,
            )
        ],
        unique=["kind", "dedupe_key"],
    )
    return due


async def prompted_assignment(
    *, session: AsyncSession, delegate_ids: Collection[int], message_id: int
) -> int | None:
    """The assignment whose report prompt is Telegram message ``message_id`` in one of these
    delegates' chat (a delegate answering the prompt with Telegram's "reply"), or ``None``.
    """
    if not delegate_ids:
        return None
    return (
        await session.exec(
            select(OutboxMessage.assignment_id)
            .where(
                OutboxMessage.kind == OutboxKind.report_prompt.value,
                OutboxMessage.telegram_message_id == message_id,
                col(OutboxMessage.delegate_id).in_(list(delegate_ids)),
                col(OutboxMessage.assignment_id).is_not(None),
            )
            .order_by(col(OutboxMessage.id).desc())
            .limit(1)
        )
    ).first()
