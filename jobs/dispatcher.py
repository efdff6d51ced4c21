"""Claims due outbox rows, sends them, records what happened.

Rows for one delegate due at the same moment go out as one message. A row whose event
has begun is ``missed`` instead of sent; one sent well after its due time says it is
late. 403 marks the delegate unreachable (their other pending rows fail at once, so
there is no retry storm); 429 pauses every send for as long as Telegram asks, without
counting as an attempt; network errors retry with exponential backoff up to 5 attempts.

Unknown outcomes: when a send times out after the request left, it may or may not have
been delivered (the Bot API has no idempotency key). The policy is at-least-once: the
row is retried, and flagged ``outcome_uncertain`` so possible duplicates are counted,
not guessed. Rows reclaimed from a crashed process get the same flag.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.db import SessionFactory
from bot.models import Delegate, OutboxMessage
from bot.services.outbox import (
    LATE_AFTER,
    MAX_ATTEMPTS,
    Blocked,
    Delivered,
    Notifier,
    Outcome,
    RateLimited,
    Rejected,
    TransientFailure,
    Uncertain,
    backoff,
    claim_due,
    mark_unreachable,
    record,
)
from bot.services.reminders import OutboxKind, OutboxStatus
from bot.services.schedule import AssignmentView, assignments_by_id, list_assignments
from bot.services.summary import CouncilSummary, council_summaries
from bot.telegram.notices import NoticeItem, compose

logger = logging.getLogger(__name__)

BATCH_SIZE = 30  # about one second of sending: little is in flight if the process dies
CONCURRENCY = 8


@dataclass
class DrainStats:
    sent: int = 0
    messages: int = 0
    failed: int = 0
    missed: int = 0
    retried: int = 0
    rate_limited: int = 0
    uncertain: int = 0


@dataclass
class _Group:
    delegate_id: int | None
    chat_id: int | None
    rows: list[OutboxMessage] = field(default_factory=list)


@dataclass
class _Context:
    delegates: dict[int, Delegate]
    views: dict[int, AssignmentView]
    day_views: dict[tuple[int, date], tuple[AssignmentView, ...]]
    summaries: dict[int, CouncilSummary]


class Dispatcher:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        notifier: Notifier,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        owner: str,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._sessions = session_factory
        self._notifier = notifier
        self._zone = zone
        self._clock = clock
        self._owner = owner
        self._batch_size = batch_size
        self._resume = asyncio.Event()
        self._resume.set()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._stop_requested = False

    def stop(self) -> None:
        """Makes :meth:`drain` return after the batch it is sending."""
        self._stop_requested = True

    async def drain(self, still_sender: Callable[[], Awaitable[bool]] | None = None) -> DrainStats:
        """Sends everything due now, batch after batch, then returns.

        ``still_sender`` is asked before each batch: a process that lost the sender
        election stops at once instead of racing the new sender.
        """
        stats = DrainStats()
        while not self._stop_requested:
            if still_sender is not None and not await still_sender():
                return stats
            await self._resume.wait()
            rows = await claim_due(
                session_factory=self._sessions,
                now=self._clock(),
                owner=self._owner,
                limit=self._batch_size,
            )
            if not rows:
                return stats
            try:
                context = await self._context(rows)
            except Exception:
                logger.exception("could not prepare %d outbox rows; retrying later", len(rows))
                await self._outcome(rows, TransientFailure("internal error"), _Group(None, None),
                                    late=False, stats=stats)  # fmt: skip
                continue
            groups = self._groups(rows, self._clock())
            await asyncio.gather(*(self._deliver(group, context, stats) for group in groups))
        return stats

    @staticmethod
    def _groups(rows: Sequence[OutboxMessage], now: datetime) -> list[_Group]:
        """One message per recipient and due moment; everything overdue goes together."""
        groups: dict[tuple[int | None, int | None, datetime | None], _Group] = {}
        for row in rows:
            overdue = now - row.due_at > LATE_AFTER
            key = (row.delegate_id, row.chat_id, None if overdue else row.due_at)
            groups.setdefault(key, _Group(row.delegate_id, row.chat_id)).rows.append(row)
        return list(groups.values())

    async def _context(self, rows: Sequence[OutboxMessage]) -> _Context:
        """Everything the texts need, in a few queries for the whole batch."""
        delegate_ids = {row.delegate_id for row in rows if row.delegate_id is not None}
        async with self._sessions() as session:
            delegates = {
                d.id: d
                for d in (
                    await session.exec(select(Delegate).where(col(Delegate.id).in_(delegate_ids)))
                ).all()
                if d.id is not None
            }
        views = await assignments_by_id(
            session_factory=self._sessions,
            ids=[row.assignment_id for row in rows if row.assignment_id is not None],
            zone=self._zone,
        )
        digest_days = {
            (row.delegate_id, date.fromisoformat(json.loads(row.payload)["day"]))
            for row in rows
            if row.kind == OutboxKind.digest.value and row.delegate_id is not None
        }
        day_views: dict[tuple[int, date], list[AssignmentView]] = defaultdict(list)
        if digest_days:
            first = min(day for _d, day in digest_days)
            last = max(day for _d, day in digest_days)
            for view in await list_assignments(
                session_factory=self._sessions,
                zone=self._zone,
                delegate_ids=[d for d, _day in digest_days],
                starts_from=datetime.combine(first, time.min, self._zone),
                starts_before=datetime.combine(last + timedelta(days=1), time.min, self._zone),
            ):
                day_views[(view.delegate_id, view.starts_at.date())].append(view)
        summary_rows = [row for row in rows if row.kind == OutboxKind.summary.value]
        summaries = (
            await council_summaries(
                session_factory=self._sessions,
                since=min(
                    datetime.fromisoformat(json.loads(row.payload)["since"]) for row in summary_rows
                ),
            )
            if summary_rows
            else {}
        )
        return _Context(
            delegates,
            views,
            {key: tuple(items) for key, items in day_views.items()},
            summaries,
        )

    async def _deliver(self, group: _Group, context: _Context, stats: DrainStats) -> None:
        """One group; whatever goes wrong is recorded, so no row is left leased."""
        async with self._slots:
            try:
                await self._deliver_now(group, context, stats)
            except Exception:
                logger.exception("sending %d outbox rows failed", len(group.rows))
                await self._outcome(
                    group.rows, TransientFailure("internal error"), group, late=False, stats=stats
                )

    async def _deliver_now(self, group: _Group, context: _Context, stats: DrainStats) -> None:
        now = self._clock()
        chat_id, language = group.chat_id, "vi"
        if group.delegate_id is not None:
            delegate = context.delegates.get(group.delegate_id)
            if delegate is None or delegate.telegram_user_id is None or not delegate.active:
                await self._finish(group.rows, OutboxStatus.failed, now, "not linked", stats)
                return
            if not delegate.reachable:
                await self._finish(group.rows, OutboxStatus.failed, now, "unreachable", stats)
                return
            chat_id, language = delegate.telegram_user_id, delegate.language
        expired = [r for r in group.rows if r.expires_at is not None and r.expires_at <= now]
        if expired:
            await self._finish(expired, OutboxStatus.missed, now, "event already started", stats)
        rows = [r for r in group.rows if r not in expired]
        items: list[NoticeItem] = []
        for row in rows:
            item = self._item(row, context)
            if item is not None and item not in items:  # two late reminders of one duty
                items.append(item)
        if not rows:
            return
        if not items or chat_id is None:
            await self._finish(rows, OutboxStatus.cancelled, now, "nothing to say", stats)
            return
        late = any(now - row.due_at > LATE_AFTER for row in rows)
        text, buttons = compose(items, language=language, now=now, late=late)
        result = await self._notifier.send(chat_id, text, buttons)
        await self._outcome(rows, result, group, late=late, stats=stats)

    def _item(self, row: OutboxMessage, context: _Context) -> NoticeItem | None:
        kind = OutboxKind(row.kind)
        if kind is OutboxKind.summary:
            wanted = json.loads(row.payload)["councils"]
            found = tuple(context.summaries[c] for c in wanted if c in context.summaries)
            return NoticeItem(kind, summaries=found) if found else None
        if kind is OutboxKind.digest:
            day = date.fromisoformat(json.loads(row.payload)["day"])
            assert row.delegate_id is not None
            views = context.day_views.get((row.delegate_id, day), ())
            return NoticeItem(kind, day=day, day_views=views) if views else None
        view = context.views.get(row.assignment_id) if row.assignment_id is not None else None
        return NoticeItem(kind, view=view) if view is not None else None

    async def _outcome(
        self,
        rows: list[OutboxMessage],
        result: object,
        group: _Group,
        *,
        late: bool,
        stats: DrainStats,
    ) -> None:
        now = self._clock()
        attempts = max(row.attempts for row in rows)
        match result:
            case Delivered(message_id=message_id):
                outcome = Outcome(OutboxStatus.sent, now, message_id=message_id, late=late)
                stats.sent += len(rows)
                stats.messages += 1
            case Blocked(reason=reason):
                outcome = Outcome(OutboxStatus.failed, now, error=f"blocked: {reason}")
                stats.failed += len(rows)
                if group.delegate_id is not None:
                    await mark_unreachable(
                        session_factory=self._sessions,
                        delegate_id=group.delegate_id,
                        now=now,
                        reason=f"blocked: {reason}",
                    )
            case RateLimited(retry_after=seconds):
                stats.rate_limited += 1
                outcome = Outcome(
                    OutboxStatus.pending,
                    now,
                    error=f"429 retry after {seconds:g}s",
                    retry_at=now + timedelta(seconds=seconds),
                    count_attempt=False,
                )
                await self._pause(seconds)
            case Uncertain(reason=reason) | TransientFailure(reason=reason):
                uncertain = isinstance(result, Uncertain)
                stats.uncertain += int(uncertain)
                if attempts >= MAX_ATTEMPTS:
                    outcome = Outcome(OutboxStatus.failed, now, error=reason, uncertain=uncertain)
                    stats.failed += len(rows)
                else:
                    outcome = Outcome(
                        OutboxStatus.pending,
                        now,
                        error=reason,
                        retry_at=now + backoff(attempts),
                        uncertain=uncertain,
                    )
                    stats.retried += len(rows)
            case Rejected(reason=reason):
                logger.error("Telegram rejected an outbox message: %s", reason)
                outcome = Outcome(OutboxStatus.failed, now, error=f"rejected: {reason}")
                stats.failed += len(rows)
            case _:
                raise TypeError(f"unexpected send result {result!r}")
        await record(session_factory=self._sessions, rows=rows, outcome=outcome, owner=self._owner)

    async def _finish(
        self,
        rows: list[OutboxMessage],
        status: OutboxStatus,
        now: datetime,
        reason: str,
        stats: DrainStats,
    ) -> None:
        if status is OutboxStatus.missed:
            stats.missed += len(rows)
        elif status is OutboxStatus.failed:
            stats.failed += len(rows)
        await record(
            session_factory=self._sessions,
            rows=rows,
            outcome=Outcome(status, now, error=reason),
            owner=self._owner,
        )

    async def _pause(self, seconds: float) -> None:
        """Holds every send of this dispatcher for as long as Telegram asked."""
        if not self._resume.is_set():
            return
        self._resume.clear()
        try:
            await asyncio.sleep(seconds)
        finally:
            self._resume.set()
