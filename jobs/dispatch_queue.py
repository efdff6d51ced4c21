"""What the dispatcher holds between claiming rows and recording them: the claimed
groups waiting for a sender, most urgent first, and what their texts need."""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, TypeVar

from bot.db import SessionFactory
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import OutboxFailure
from bot.services.outbox.rows import (
    LEASE,
    MAX_ATTEMPTS,
    OutboxKind,
    OutboxStatus,
    Outcome,
    backoff,
    renew_leases,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

RENEW_WITHIN = LEASE / 2
"""A row about to be sent gets its lease renewed once less than this is left of it."""


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
class Group:
    delegate_id: int | None
    chat_id: int | None
    rows: list[OutboxMessage] = field(default_factory=list)


ChatKey = tuple[int | None, int | None]


def chat_key(group: Group) -> ChatKey:
    """Where a group goes: its delegate's private chat, or the chat it names."""
    return (group.delegate_id, group.chat_id)


@dataclass
class BatchContext:
    delegates: dict[int, Delegate]
    by_kind: dict[OutboxKind, Any]
    """What each kind's loader returned for its rows of the batch."""
    failed: frozenset[OutboxKind | None] = frozenset()
    """Kinds whose loader failed: their rows are retried later, the others go out."""


@dataclass
class Attempt:
    """How far one group's delivery got, for what to record when it fails midway."""

    rows: list[OutboxMessage]
    """The rows still to record (those found expired are recorded on their own)."""
    sending: bool = False
    """The request to Telegram has been made: from here on, the message may have arrived."""


class SendQueue:
    """Claimed groups waiting for a sender, most urgent first, and how many rows are held."""

    def __init__(self) -> None:
        self.holding: set[int] = set()
        """The ids of the rows claimed and not yet recorded (never claimed again meanwhile)."""
        self._heap: list[tuple[int, datetime, int, Group, BatchContext]] = []
        self._order = itertools.count()
        self._changed = asyncio.Event()
        self._closed = False

    def put(self, group: Group, context: BatchContext) -> None:
        first = min(group.rows, key=lambda row: (row.priority, row.due_at))
        heapq.heappush(
            self._heap, (first.priority, first.due_at, next(self._order), group, context)
        )
        self._notify()

    async def get(self) -> tuple[Group, BatchContext] | None:
        """The most urgent group; ``None`` once closed and empty."""
        await self._until(lambda: bool(self._heap) or self._closed)
        if not self._heap:
            return None
        _priority, _due, _order, group, context = heapq.heappop(self._heap)
        return group, context

    @property
    def held(self) -> int:
        return len(self.holding)

    def hold(self, rows: Iterable[OutboxMessage]) -> None:
        """These rows are claimed: the process holds them until they are recorded."""
        self.holding.update(row.id for row in rows if row.id is not None)

    def release(self, rows: Iterable[OutboxMessage]) -> None:
        """These rows are recorded: the process no longer holds them."""
        self.holding.difference_update(row.id for row in rows)
        self._notify()

    async def wait_for_room(self, held_at_most: int) -> None:
        await self._until(lambda: self.held <= held_at_most)

    def close(self) -> None:
        self._closed = True
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()


class Cut(enum.Enum):
    """What :func:`unless_set` returns when its event came first."""

    CUT = "cut"


CUT: Final = Cut.CUT
"""Not ``None``: work that returns ``None`` must not look as if it had been cut short."""


async def unless_set(event: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | Literal[Cut.CUT]:
    """``work``'s result, or :data:`CUT` once ``event`` is set first: ``work`` is then
    cancelled, and only it (the caller goes on, and records what it must)."""
    if event.is_set():
        work.close()
        return CUT
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # the caller itself is cancelled: so is its work
        _abandon(task)
        raise
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    _abandon(task)
    return CUT


def _abandon(task: asyncio.Future[Any]) -> None:
    """Cancelled and not waited for; whatever it raises while ending is not logged as an
    exception nobody retrieved."""
    task.cancel()
    task.add_done_callback(lambda done: done.cancelled() or done.exception())


async def keep_leases(
    sessions: SessionFactory, rows: list[OutboxMessage], *, owner: str, now: datetime
) -> list[OutboxMessage]:
    """The rows still this process's to send, their leases renewed if they were running out.

    A row that waited in the queue (behind a long 429, a slow batch) may have outlived
    its lease; the renewal keeps another process from taking it while it goes out, and
    a row another process has taken meanwhile is left to that process (not sent here).
    """
    if all(row.lease_until is None or row.lease_until - now > RENEW_WITHIN for row in rows):
        return rows  # the usual case: no database work
    async with sessions() as session, session.begin():
        kept = await renew_leases(
            session=session, ids=[row.id for row in rows if row.id is not None],
            owner=owner, now=now,
        )  # fmt: skip
    lost = sorted(row.id for row in rows if row.id not in kept and row.id is not None)
    if lost:
        logger.warning("outbox rows %s were taken over by another sender: not sent here", lost)
    for row in rows:
        row.lease_until = now + LEASE
    return [row for row in rows if row.id in kept]


def retry_outcome(reason: str, now: datetime, attempts: int, *, uncertain: bool) -> Outcome:
    """Again after a backoff, or failed for good after ``MAX_ATTEMPTS``."""
    failure = OutboxFailure.uncertain if uncertain else OutboxFailure.transient
    if attempts >= MAX_ATTEMPTS:
        return Outcome(OutboxStatus.failed, now, error=reason, uncertain=uncertain, reason=failure)
    return Outcome(
        OutboxStatus.pending,
        now,
        error=reason,
        retry_at=now + backoff(attempts),
        uncertain=uncertain,
        reason=failure,
    )
