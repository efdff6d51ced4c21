"""What the dispatcher holds between claiming rows and recording them: the claimed
groups waiting for a sender, most urgent first, and what their texts need."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import OutboxFailure
from bot.services.outbox.rows import MAX_ATTEMPTS, OutboxKind, OutboxStatus, Outcome, backoff


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
        self.held = 0
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

    def release(self, rows: int) -> None:
        """These rows are recorded: the process no longer holds them."""
        self.held -= rows
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
