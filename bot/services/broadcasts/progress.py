"""What became of a broadcast: progress while it is sent, then who got it and who read it.

Delivery is read from each recipient's outbox row (``sent``, ``failed`` with the
dispatcher's reason, or still on its way); skipped recipients carry their reason from
the confirmation. Everything here is computed from the database, so the progress
message picks up where it was after a restart.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import func, update
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.broadcasts import SENT_FROM_KEPT, FailureReason, failure_reason
from bot.domain.dates import format_date_time
from bot.models import Broadcast, BroadcastRecipient, Delegate, OutboxMessage
from bot.services.broadcasts.drafts import BroadcastStatus
from bot.services.outbox.rows import OutboxStatus


@dataclass
class Progress:
    """Counts for one broadcast. ``total`` is the copies queued at confirmation."""

    total: int = 0
    delivered: int = 0
    pending: int = 0
    failed: Counter[FailureReason] = field(default_factory=Counter)
    skipped: Counter[FailureReason] = field(default_factory=Counter)
    acknowledged: int = 0
    from_kept: int = 0
    """Copies sent from the notice kept at its arrival: the secretary deleted the original."""

    @property
    def targeted(self) -> int:
        """Everyone the notice was for: the one denominator of every screen."""
        return self.total + sum(self.skipped.values())

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def not_delivered(self) -> Counter[FailureReason]:
        """Everyone who has no copy and will not get one: skipped, or failed when sent."""
        return self.failed + self.skipped

    @property
    def not_acknowledged(self) -> int:
        return self.delivered - self.acknowledged


async def count_progress(
    *, session: AsyncSession, broadcast_ids: Iterable[int]
) -> dict[int, Progress]:
    """The counts of each broadcast, read from its recipients and their outbox rows."""
    ids = list(broadcast_ids)
    found = {broadcast_id: Progress() for broadcast_id in ids}
    if not ids:
        return found
    acknowledged = col(BroadcastRecipient.acknowledged_at).is_not(None)
    connection = await session.connection()
    rows = (
        await connection.execute(
            sql_select(
                col(BroadcastRecipient.broadcast_id),
                col(BroadcastRecipient.skipped_reason),
                col(OutboxMessage.status),
                col(OutboxMessage.last_error),
                acknowledged,
                func.count(),
            )
            .select_from(BroadcastRecipient)
            .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(BroadcastRecipient.outbox_id))
            .where(col(BroadcastRecipient.broadcast_id).in_(ids))
            .group_by(
                col(BroadcastRecipient.broadcast_id),
                col(BroadcastRecipient.skipped_reason),
                col(OutboxMessage.status),
                col(OutboxMessage.last_error),
                acknowledged,
            )
        )
    ).all()
    for broadcast_id, skipped, status, error, was_acknowledged, count in rows:
        progress = found[broadcast_id]
        if skipped is not None:
            progress.skipped[FailureReason(skipped)] += count
            continue
        progress.total += count
        if status == OutboxStatus.sent.value:
            progress.delivered += count
            progress.acknowledged += count if was_acknowledged else 0
            progress.from_kept += count if error == SENT_FROM_KEPT else 0
        elif status in {OutboxStatus.pending.value, OutboxStatus.sending.value}:
            progress.pending += count
        else:
            progress.failed[failure_reason(error)] += count
    return found


async def list_sending(*, session: AsyncSession) -> list[Broadcast]:
    """The broadcasts whose copies are still going out, oldest first."""
    return list(
        (
            await session.exec(
                select(Broadcast)
                .where(col(Broadcast.status) == BroadcastStatus.sending.value)
                .order_by(col(Broadcast.id))
            )
        ).all()
    )


async def save_progress(
    *,
    session: AsyncSession,
    broadcast_id: int,
    text: str,
    now: datetime,
    finished: bool,
) -> None:
    """The progress message now shows ``text``; a finished broadcast becomes ``done``."""
    values: dict[str, object] = {"progress_text": text, "progress_edited_at": now}
    if finished:
        values.update(status=BroadcastStatus.done.value, finished_at=now)
    await session.exec(
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status) == BroadcastStatus.sending.value,
        )
        .values(**values)
    )


async def recent_broadcasts(
    *, session: AsyncSession, council_ids: frozenset[int] | None, limit: int = 5
) -> list[tuple[Broadcast, Progress]]:
    """The latest confirmed broadcasts of these councils (``None``: every council)."""
    query = select(Broadcast).where(
        col(Broadcast.status).in_((BroadcastStatus.sending.value, BroadcastStatus.done.value))
    )
    if council_ids is not None:
        query = query.where(col(Broadcast.council_id).in_(council_ids))
    broadcasts = (await session.exec(query.order_by(col(Broadcast.id).desc()).limit(limit))).all()
    progress = await count_progress(
        session=session, broadcast_ids=[b.id for b in broadcasts if b.id is not None]
    )
    return [(b, progress[b.id]) for b in broadcasts if b.id is not None]


# --- per recipient ---------------------------------------------------------------------------


class RecipientState:
    delivered = "delivered"
    pending = "pending"


@dataclass(frozen=True)
class RecipientLine:
    code: str
    full_name: str
    unit: str
    state: str
    """``delivered``, ``pending`` or a :class:`FailureReason` value."""
    sent_at: datetime | None
    acknowledged_at: datetime | None
    nudged_at: datetime | None

    @property
    def delivered(self) -> bool:
        return self.state == RecipientState.delivered

    @property
    def failed(self) -> bool:
        return self.state not in {RecipientState.delivered, RecipientState.pending}


async def recipient_lines(*, session: AsyncSession, broadcast_id: int) -> list[RecipientLine]:
    rows = (
        await session.exec(
            select(BroadcastRecipient, Delegate, OutboxMessage)
            .join(Delegate, col(Delegate.id) == col(BroadcastRecipient.delegate_id))
            .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(BroadcastRecipient.outbox_id))
            .where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
            .order_by(col(Delegate.code))
        )
    ).all()
    return [_line(recipient, delegate, row) for recipient, delegate, row in rows]


def _line(
    recipient: BroadcastRecipient, delegate: Delegate, row: OutboxMessage | None
) -> RecipientLine:
    if recipient.skipped_reason is not None or row is None:
        state = recipient.skipped_reason or FailureReason.other.value
    elif row.status == OutboxStatus.sent.value:
        state = RecipientState.delivered
    elif row.status in {OutboxStatus.pending.value, OutboxStatus.sending.value}:
        state = RecipientState.pending
    else:
        state = failure_reason(row.last_error).value
    return RecipientLine(
        code=delegate.code,
        full_name=delegate.full_name,
        unit=delegate.unit,
        state=state,
        sent_at=row.sent_at if row is not None and state == RecipientState.delivered else None,
        acknowledged_at=recipient.acknowledged_at,
        nudged_at=recipient.nudged_at,
    )


def report_xlsx(
    lines: Sequence[RecipientLine],
    *,
    headers: Sequence[str],
    state_label: Callable[[str], str],
    zone: ZoneInfo,
) -> bytes:
    """One row per recipient: code, name, unit, delivery, sent, acknowledged, nudged.

    ``headers`` (seven, translated by the caller) head the columns; times are local.
    """

    def local(moment: datetime | None) -> str:
        return format_date_time(moment.astimezone(zone)) if moment else ""

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
    for number, line in enumerate(lines, start=1):
        values = (
            line.code,
            line.full_name,
            line.unit,
            state_label(line.state),
            local(line.sent_at),
            local(line.acknowledged_at),
            local(line.nudged_at),
        )
        for column, value in enumerate(values):
            sheet.write_string(number, column, value)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 2, 28)
    sheet.set_column(3, 6, 18)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
