"""Claims due outbox rows, sends them, records what happened.

Rows for one delegate due at the same moment go out as one message. A row whose event
has begun is ``missed`` instead of sent; one sent well after its due time says it is
late. 403 marks the delegate unreachable (their other pending rows fail at once, so
there is no retry storm); 429 pauses that chat for as long as Telegram asks (every send,
when several chats are refused at once), without counting as an attempt; network errors
retry with exponential backoff up to 5 attempts.

Throughput: sends are paced by the process's rate limiter (``SEND_RATE``), so the
dispatcher's job is never to make it wait. Claiming runs ahead of sending (the next
rows are claimed while the last ones of the previous claim go out) and several senders
share one queue, most urgent first: a long broadcast runs at the limiter's rate, and a
reminder that falls due meanwhile goes out after one claim and one send slot.

Unknown outcomes: when a send times out after the request left, it may or may not have
been delivered (the Bot API has no idempotency key). The policy is at-least-once: the
row is retried, and flagged ``outcome_uncertain`` so possible duplicates are counted,
not guessed. Rows reclaimed from a crashed process get the same flag.

The database going away mid-drain ends the drain, not the sends: what is claimed still
goes out, outcomes wait in memory (``jobs/held_writes.py``) and are written before the
next claim, and rows whose claim was committed but never answered are handed back then.

A stop (:meth:`Dispatcher.stop`) ends the claiming at once; cut short
(:meth:`Dispatcher.cut_short`), the requests to Telegram under way are given up and
recorded as possibly delivered. Only those: a database write is never cancelled halfway.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.db_watch import DatabaseWatch, is_unreachable
from bot.domain.chat_pauses import ChatPauses
from bot.models import OutboxMessage
from bot.services.outbox.payloads import OutboxFailure
from bot.services.outbox.reachability import mark_unreachable
from bot.services.outbox.rows import (
    LATE_AFTER,
    Blocked,
    Delivered,
    Notifier,
    OutboxKind,
    OutboxStatus,
    Outcome,
    RateLimited,
    Rejected,
    SendResult,
    TransientFailure,
    Uncertain,
    claim_due,
    recipients,
    record,
)
from jobs.dispatch_queue import (
    CUT,
    Attempt,
    BatchContext,
    ChatKey,
    DrainStats,
    Group,
    SendQueue,
    chat_key,
    keep_leases,
    retry_outcome,
    unless_set,
)
from jobs.dispatch_render import group_rows, kind_of, readable, render, spec_of, with_document
from jobs.held_writes import HeldWrites
from jobs.outbox_kinds import KindSpec, Recipient

logger = logging.getLogger(__name__)

BATCH_SIZE = 30
"""The most rows this process holds claimed and unrecorded: about one second of sending,
so little is in flight (and flagged uncertain) when the process dies."""
REFILL_AT = 10
"""Claim more once this few rows are left to send: the next claim runs while the last ones
go out, so the rate limiter never waits on the database."""
CONCURRENCY = 8
SENDER_CHECK = 1.0
"""Seconds between two checks that this process still holds the sender lock."""


class Dispatcher:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        notifier: Notifier,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        owner: str,
        registry: Mapping[OutboxKind, KindSpec[Any]],
        batch_size: int = BATCH_SIZE,
        watch: DatabaseWatch | None = None,
    ) -> None:
        self._sessions = session_factory
        self._watch = watch or DatabaseWatch()
        self._writes = HeldWrites(session_factory, self._watch, owner)
        self._notifier = notifier
        self._zone = zone
        self._clock = clock
        self._owner = owner
        self._batch_size = batch_size
        self._registry = registry
        self._resume = asyncio.Event()
        self._resume.set()
        self._stop_requested = asyncio.Event()
        self._cut = asyncio.Event()
        self._chats: ChatPauses[ChatKey] = ChatPauses()
        """Chats a 429 named, and until when (``time.monotonic``) nothing goes to them."""

    def stop(self) -> None:
        """Makes :meth:`drain` claim nothing more (a claim under way ends first) and return
        once what it holds is sent."""
        self._stop_requested.set()

    def cut_short(self) -> None:
        """A stop's time is up: the requests to Telegram under way are given up (recorded
        pending, flagged as possibly delivered), no sender starts another, and the drain
        returns. Database work under way is never interrupted (a write cancelled halfway
        left SQLite locked, and the rows could not be handed back); what is claimed and
        unsent stays leased (the senders empty the queue without sending it), for
        :meth:`JobRunner.stop` to hand back as never sent."""
        self.stop()
        self._cut.set()

    async def drain(self, still_sender: Callable[[], Awaitable[bool]] | None = None) -> DrainStats:
        """Sends everything due now, then returns.

        One feeder claims rows (urgent kinds first) whenever fewer than ``REFILL_AT`` are
        left to send, up to ``BATCH_SIZE`` held; ``CONCURRENCY`` senders take the queued
        groups, most urgent first, so a reminder that falls due during a long broadcast
        waits for one claim and one send slot, not for the broadcast. ``still_sender`` is
        asked before claiming (at most once a second): a process that lost the sender
        election stops claiming at once and only finishes what it holds.
        """
        stats = DrainStats()
        if not await self._writes.resume(self._clock()):
            return stats
        queue = SendQueue()
        senders = [asyncio.create_task(self._send_queued(queue, stats)) for _ in range(CONCURRENCY)]
        try:
            await self._feed(queue, stats, still_sender)
        except BaseException as error:
            queue.close()
            if not isinstance(error, Exception):  # cancelled: the process is going away
                for sender in senders:
                    sender.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
            raise
        queue.close()
        await asyncio.gather(*senders)
        return stats

    async def flush(self) -> bool:
        """Writes the outcomes kept while the database was away; ``True`` once none is."""
        return await self._writes.flush()

    async def _feed(
        self,
        queue: SendQueue,
        stats: DrainStats,
        still_sender: Callable[[], Awaitable[bool]] | None,
    ) -> None:
        checked = -math.inf
        stop = self._stop_requested
        while not stop.is_set():
            # Asked again after each wait: a stop ends the waiting and claims nothing more.
            await unless_set(stop, queue.wait_for_room(max(0, self._batch_size - REFILL_AT)))
            try:
                if still_sender is not None and time.monotonic() >= checked + SENDER_CHECK:
                    if not await still_sender():
                        return
                    checked = time.monotonic()
                if not self._resume.is_set():
                    await unless_set(stop, self._resume.wait())
                if stop.is_set():
                    return
                rows = await self._claim(self._batch_size - queue.held, queue.holding)
            except Exception as error:  # the database is away: send what is held, then end
                self._writes.lost(error, "claiming outbox rows")
                return
            if not rows:
                if queue.held == 0:
                    return
                # What is held may have made more rows due. A stop ends this wait too:
                # nothing is claimed after one, and the senders empty the queue by themselves.
                await unless_set(stop, queue.wait_for_room(0))
                continue
            queue.hold(rows)
            await self._prepare(rows, queue, stats)

    async def _claim(self, limit: int, holding: set[int]) -> list[OutboxMessage]:
        # A short transaction, committed before anything is sent: from here on the
        # lease, not an open transaction, keeps the rows ours while Telegram answers.
        async with self._sessions() as session, session.begin():
            return await claim_due(
                session=session, now=self._clock(), owner=self._owner, limit=limit,
                holding=holding,
            )  # fmt: skip

    async def _prepare(
        self, rows: list[OutboxMessage], queue: SendQueue, stats: DrainStats
    ) -> None:
        """Loads what the claimed rows' texts need and queues them for the senders; rows
        that cannot go out now are recorded at once, and only those."""
        unreadable = [row for row in rows if not readable(self._registry, row)]
        if unreadable:  # sending it again would not make it readable
            await self._finish(unreadable, OutboxStatus.failed, self._clock(),
                               "unreadable payload", stats, OutboxFailure.invalid)  # fmt: skip
            queue.release(unreadable)
            rows = [row for row in rows if row not in unreadable]
        try:
            context = await self._context(rows)
        except Exception as error:
            if is_unreachable(error):  # handed back as they were, no attempt counted
                self._watch.unreachable(error, "loading what outbox rows say")
                back = Outcome(OutboxStatus.pending, self._clock(), error="database unreachable",
                               count_attempt=False)  # fmt: skip
                await self._record(rows, back)
                queue.release(rows)
                return
            logger.exception("could not prepare %d outbox rows; retrying later", len(rows))
            context = BatchContext({}, {}, failed=frozenset(kind_of(row) for row in rows))
        broken = [row for row in rows if kind_of(row) in context.failed]
        if broken:  # only the kinds whose loader failed: the others go out now
            await self._outcome(broken, TransientFailure("internal error"),
                                Group(None, None), late=False, stats=stats)  # fmt: skip
            queue.release(broken)
        ready = [row for row in rows if kind_of(row) not in context.failed]
        for group in group_rows(self._registry, ready, self._clock()):
            queue.put(group, context)

    async def _send_queued(self, queue: SendQueue, stats: DrainStats) -> None:
        while (item := await queue.get()) is not None:
            group, context = item
            try:
                if not self._resume.is_set():  # a 429 holds every sender
                    await unless_set(self._cut, self._resume.wait())
                if self._cut.is_set():
                    continue  # never sent, its rows stay leased: the stop hands them back
                await self._deliver(group, context, stats)
            except Exception:  # a sender that died would leave the feeder waiting for room
                logger.exception("recording the outcome of %d outbox rows failed", len(group.rows))
            finally:
                queue.release(group.rows)

    async def _context(self, rows: Sequence[OutboxMessage]) -> BatchContext:
        """Everything the texts need, in a few queries for the whole batch: one session
        (the batch's unit of work), each kind's loader in a savepoint of its own."""
        delegate_ids = {row.delegate_id for row in rows if row.delegate_id is not None}
        per_kind: dict[OutboxKind, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            if (spec := spec_of(self._registry, row)) is not None:
                per_kind[spec.kind].append(row)
        by_kind: dict[OutboxKind, Any] = {}
        failed: set[OutboxKind] = set()
        # Read only, and closed (rolled back) before the batch's groups are sent.
        async with self._sessions() as session:
            delegates = await recipients(session=session, delegate_ids=delegate_ids)
            for kind, kind_rows in per_kind.items():
                try:
                    # A failed statement would poison the rest of a PostgreSQL transaction.
                    async with session.begin_nested():
                        by_kind[kind] = await self._registry[kind].load(
                            session, kind_rows, self._zone
                        )
                except Exception as error:  # one kind's bug must not hold up the others
                    if is_unreachable(error):
                        raise  # no kind can load: the whole batch waits
                    logger.exception(
                        "could not load %d %s rows; retrying later", len(kind_rows), kind
                    )
                    failed.add(kind)
        return BatchContext(delegates, by_kind, frozenset(failed))

    async def _deliver(self, group: Group, context: BatchContext, stats: DrainStats) -> None:
        """One group; whatever goes wrong is recorded, so no row is left leased."""
        attempt = Attempt(group.rows)
        try:
            await self._deliver_now(group, context, stats, attempt)
        except Exception as error:
            logger.exception("sending %d outbox rows failed", len(attempt.rows))
            # Once the request has left, the message may have arrived (or did, and only
            # writing that down failed): sent again, it is counted as a possible duplicate.
            failure: SendResult = (
                Uncertain(f"internal error after sending: {type(error).__name__}")
                if attempt.sending
                else TransientFailure("internal error")
            )
            await self._outcome(attempt.rows, failure, group, late=False, stats=stats)

    async def _deliver_now(
        self, group: Group, context: BatchContext, stats: DrainStats, attempt: Attempt
    ) -> None:
        now = self._clock()
        recipient = await self._recipient(group, context, now, stats)
        if recipient is None:
            return
        expired = [r for r in group.rows if r.expires_at is not None and r.expires_at <= now]
        if expired:
            await self._finish(expired, OutboxStatus.missed, now, "event already started", stats)
        rows = [r for r in group.rows if r not in expired]
        rows = attempt.rows = await keep_leases(self._sessions, rows, owner=self._owner, now=now)
        if not rows:
            return
        late = any(now - row.due_at > LATE_AFTER for row in rows)
        message = render(self._registry, rows, context, recipient, now, late)
        if message is None:
            await self._finish(rows, OutboxStatus.cancelled, now, "nothing to say", stats)
            return
        if (wait := self._chats.wait(chat_key(group), time.monotonic())) > 0:  # a 429: later
            await self._outcome(rows, RateLimited(wait), group, late=late, stats=stats)
            return
        message = await with_document(message)
        if self._cut.is_set():
            return  # never handed to Telegram: the stop hands the rows back
        attempt.sending = True
        result = await unless_set(self._cut, self._notifier.deliver(recipient.chat_id, message))
        if result is CUT:  # a stop gave it up: it may have arrived
            stats.uncertain += 1
            await self._record(rows, Outcome(OutboxStatus.pending, self._clock(), uncertain=True,
                                             error="cut short by a stop",
                                             reason=OutboxFailure.uncertain))  # fmt: skip
            return
        await self._outcome(rows, result, group, late=late, stats=stats)

    async def _recipient(
        self, group: Group, context: BatchContext, now: datetime, stats: DrainStats
    ) -> Recipient | None:
        """Where the group goes; ``None`` once its rows are recorded as undeliverable."""
        if group.delegate_id is None:
            if group.chat_id is None:
                await self._finish(group.rows, OutboxStatus.failed, now, "no recipient", stats,
                                   OutboxFailure.no_recipient)  # fmt: skip
                return None
            return Recipient(group.chat_id, "vi", None)
        delegate = context.delegates.get(group.delegate_id)
        if delegate is not None and not delegate.active:
            await self._finish(group.rows, OutboxStatus.failed, now, "inactive", stats,
                               OutboxFailure.inactive)  # fmt: skip
            return None
        if delegate is None or delegate.telegram_user_id is None:
            await self._finish(group.rows, OutboxStatus.failed, now, "not linked", stats,
                               OutboxFailure.not_linked)  # fmt: skip
            return None
        if not delegate.reachable:
            await self._finish(group.rows, OutboxStatus.failed, now, "unreachable", stats,
                               OutboxFailure.unreachable)  # fmt: skip
            return None
        return Recipient(delegate.telegram_user_id, delegate.language, delegate)

    async def _outcome(
        self,
        rows: list[OutboxMessage],
        result: object,
        group: Group,
        *,
        late: bool,
        stats: DrainStats,
    ) -> None:
        now = self._clock()
        attempts = max(row.attempts for row in rows)
        match result:
            case Delivered(message_id=message_id, note=note):
                outcome = Outcome(OutboxStatus.sent, now, message_id=message_id, late=late,
                                  error=note)  # fmt: skip
                stats.sent += len(rows)
                stats.messages += 1
            case Blocked(reason=reason):
                outcome = Outcome(OutboxStatus.failed, now, error=f"blocked: {reason}",
                                  reason=OutboxFailure.blocked)  # fmt: skip
                stats.failed += len(rows)
                if group.delegate_id is not None:
                    await self._mark_unreachable(group.delegate_id, f"blocked: {reason}", now)
            case RateLimited(retry_after=seconds):
                stats.rate_limited += 1
                outcome = Outcome(
                    OutboxStatus.pending,
                    now,
                    error=f"429 retry after {seconds:g}s",
                    retry_at=now + timedelta(seconds=seconds),
                    count_attempt=False,
                    reason=OutboxFailure.rate_limited,
                )
                await self._pause(seconds, chat_key(group))
            case Uncertain(reason=reason) | TransientFailure(reason=reason):
                uncertain = isinstance(result, Uncertain)
                stats.uncertain += int(uncertain)
                outcome = retry_outcome(reason, now, attempts, uncertain=uncertain)
                if outcome.status is OutboxStatus.failed:
                    stats.failed += len(rows)
                else:
                    stats.retried += len(rows)
            case Rejected(reason=reason):
                # Telegram's refusal, or this process's (a button without WEBAPP_URL).
                logger.error(
                    "outbox rows %s (%s) cannot be sent: %s",
                    ",".join(str(row.id) for row in rows),
                    ",".join(sorted({row.kind for row in rows})),
                    reason,
                )
                outcome = Outcome(OutboxStatus.failed, now, error=f"rejected: {reason}",
                                  reason=OutboxFailure.rejected)  # fmt: skip
                stats.failed += len(rows)
            case _:
                raise TypeError(f"unexpected send result {result!r}")
        await self._record(rows, outcome)

    async def _mark_unreachable(self, delegate_id: int, reason: str, now: datetime) -> None:
        """Through the held writes: a database away meanwhile loses no such mark."""

        async def mark(session: AsyncSession) -> None:
            await mark_unreachable(session=session, delegate_id=delegate_id, now=now, reason=reason)

        await self._writes.write(mark, "marking a delegate unreachable")

    async def _finish(
        self,
        rows: list[OutboxMessage],
        status: OutboxStatus,
        now: datetime,
        reason: str,
        stats: DrainStats,
        failure: OutboxFailure | None = None,
    ) -> None:
        if status is OutboxStatus.missed:
            stats.missed += len(rows)
        elif status is OutboxStatus.failed:
            stats.failed += len(rows)
        await self._record(rows, Outcome(status, now, error=reason, reason=failure))

    async def _record(self, rows: list[OutboxMessage], outcome: Outcome) -> None:
        """The outcome in a transaction of its own, opened once Telegram has answered (or
        was never asked): no transaction is ever held across a send. Kept for later while
        the database is away."""

        async def write(session: AsyncSession) -> None:
            await record(session=session, rows=rows, outcome=outcome, owner=self._owner)
            if outcome.status is OutboxStatus.sent:
                for kind in sorted({row.kind for row in rows}):
                    spec = spec_of(self._registry, next(r for r in rows if r.kind == kind))
                    if spec is not None and spec.after_sent is not None:
                        await spec.after_sent(session, rows, outcome.now)

        await self._writes.write(write, "recording an outbox outcome")

    async def _pause(self, seconds: float, chat: ChatKey) -> None:
        """Holds the sends to ``chat`` for as long as Telegram asked; every send of this
        dispatcher once several chats are refused at once (``bot/domain/chat_pauses.py``)."""
        if not self._chats.refuse(chat, seconds, time.monotonic()):
            return
        if not self._resume.is_set():
            return
        self._resume.clear()
        try:
            await unless_set(self._cut, asyncio.sleep(seconds))
        finally:
            self._resume.set()
