"""The report prompt as an outbox kind: a message of its own, with its three buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import get_translator
from bot.messages.report_texts import prompt
from bot.models import OutboxMessage
from bot.services.outbox.common import epoch
from bot.services.outbox.payloads import ReportPromptPayload
from bot.services.outbox.rows import Outgoing
from bot.services.reports.records import ReportTarget
from bot.services.reports.targets import report_targets
from jobs.outbox_kinds import KindSpec, Recipient


async def _load(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> dict[int, ReportTarget]:
    return await report_targets(
        session=session,
        assignment_ids={row.assignment_id for row in rows if row.assignment_id is not None},
        zone=zone,
    )


def _render(
    row: OutboxMessage, targets: dict[int, ReportTarget], recipient: Recipient, _now: datetime
) -> Outgoing | None:
    target = targets.get(row.assignment_id) if row.assignment_id is not None else None
    # Reported meanwhile (in the bot or by the secretariat), or cancelled: nothing to ask.
    if target is None or target.cancelled or target.report is not None:
        return None
    payload = ReportPromptPayload.unpack(row.payload)
    if payload.ends is not None and payload.ends != epoch(target.ends_at):
        return None  # planned for a time the assignment has since moved from
    again = payload.step != "prompt"
    return prompt(
        target,
        language=recipient.language,
        _=get_translator(recipient.language),
        again=again,
    )


REPORT_PROMPT: KindSpec[dict[int, ReportTarget]] = KindSpec(
    ReportPromptPayload, _load, render=_render
)
