"""The outbox: every message the bot sends on its own is a row here before it goes out.

Row types and the row builder live here; the dispatcher (``jobs/dispatcher.py``) claims
due rows under a lease and records what happened. Telegram stays behind the
:class:`Notifier` protocol so the rules here are tested without it. Every function runs
in the caller's session and leaves the commit to it: the caller decides where a
transaction ends, and none may stay open while Telegram is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, and_, case, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.broadcasts import KeptNotice
from bot.domain.keyboards import Keyboard, KeyboardButton
from bot.domain.menus import CommandMenu
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import OutboxFailure, Payload
from bot.services.outbox.payloads import OutboxKind as OutboxKind

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=15)
LATE_AFTER = timedelta(minutes=10)
"""A row sent this long after its due time says so in its text."""


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"
    missed = "missed"


OUTBOX_TABLE = OutboxMessage.metadata.tables["outbox"]


def outbox_row(
    payload: Payload,
    key: str,
    *,
    now: datetime,
    due_at: datetime,
    delegate_id: int | None = None,
    chat_id: int | None = None,
    assignment_id: int | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """A row for ``insert_ignoring_duplicates``: ``(kind, key)`` makes planning idempotent.

    The payload's model names the kind and its claim priority.
    """
    return {
        "kind": payload.kind.value,
        "dedupe_key": key,
        "delegate_id": delegate_id,
        "chat_id": chat_id,
        "assignment_id": assignment_id,
        "due_at": due_at,
        "expires_at": expires_at,
        "status": OutboxStatus.pending.value,
        "attempts": 0,
        "outcome_uncertain": False,
        "late": False,
        "payload": payload.pack(),
        "priority": payload.priority,
        "created_at": now,
        "updated_at": now,
    }


class Delivered(NamedTuple):
    message_id: int
    note: str | None = None
    """How it was delivered when that is worth recording (e.g. ``SENT_FROM_KEPT``)."""


class Blocked(NamedTuple):
    """403: the user blocked the bot or never started it."""

    reason: str


class RateLimited(NamedTuple):
    retry_after: float


class TransientFailure(NamedTuple):
    """Network trouble or a 5xx before the message could have been delivered."""

    reason: str


class Uncertain(NamedTuple):
    """The request went out but no answer came (timeout): it may have been delivered."""

    reason: str


class Rejected(NamedTuple):
    """400: Telegram refused this message; sending it again would fail the same way."""

    reason: str


SendResult = Delivered | Blocked | RateLimited | TransientFailure | Uncertain | Rejected


@dataclass(frozen=True)
class MenuButtonChange:
    """Not a message: the chat's menu button opens the Mini App under ``text``; with no
    ``text``, Telegram's default button comes back (the chat has no linked record)."""

    text: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One message to one chat: a text with buttons, or a copy of an existing message."""

    text: str = ""
    keyboard: Keyboard = ()
    copy_of: tuple[int, int] | None = None
    """(chat id, message id) of a message to copy as it is (``copyMessage``)."""
    album: tuple[int, ...] = ()
    """With ``copy_of``: the album's other message ids. The whole album is copied with
    ``copyMessages`` (buttons cannot ride on an album), then ``text`` with ``keyboard``
    is sent right after it; that short message is the one the row records."""
    reply_to: int | None = None
    document: tuple[str, bytes] | None = None
    """(file name, content) sent right after the text, e.g. a long list as XLSX."""
    document_builder: tuple[str, Callable[[], bytes]] | None = None
    """(file name, how to build the content): a ``document`` still to build. Building a
    workbook is CPU-bound; the dispatcher runs it in a worker thread (``asyncio.to_thread``)
    so the event loop goes on sending and answering meanwhile. The builder must be pure:
    no database session, no ORM object that could lazy-load."""
    command_menu: CommandMenu | None = None
    """Not a message: the chat's own command menu, the secretariat's (set in the chat's
    scope) or the delegate's (the chat's own deleted: the default list shows)."""
    menu_button: MenuButtonChange | None = None
    """Not a message: the chat's Mini App button (the sender knows the Mini App's address)."""
    kept: KeptNotice | None = None
    """A notice sent as it is: instead of ``copy_of`` when the original is gone (or
    known gone: then ``copy_of`` is ``None``)."""
    edit_of: int | None = None
    """Not a new message: the chat's message with this id gets ``text`` and ``keyboard``
    (an offer closed). "Not modified" counts as delivered, so a retry changes nothing."""

    @classmethod
    def with_buttons(cls, text: str, *buttons: KeyboardButton) -> Outgoing:
        return cls(text=text, keyboard=(tuple(buttons),) if buttons else ())


class Notifier(Protocol):
    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult: ...


async def assignments_reminded(*, session: AsyncSession, ids: Sequence[int]) -> frozenset[int]:
    """Of these assignments, those that already had a reminder sent."""
    if not ids:
        return frozenset()
    found = await session.exec(
        select(OutboxMessage.assignment_id).where(
            col(OutboxMessage.kind) == OutboxKind.reminder.value,
            col(OutboxMessage.status) == OutboxStatus.sent.value,
            col(OutboxMessage.assignment_id).in_(sorted(set(ids))),
        )
    )
    return frozenset(i for i in found.all() if i is not None)


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, 2 min… after the n-th failed attempt."""
    return BACKOFF_BASE * int(2 ** max(0, attempts - 1))


def _due(now: datetime, holding: Collection[int] = ()) -> ColumnElement[bool]:
    """Pending and due, or held by a sender whose lease has run out, except the rows the
    claiming process still holds itself (``holding``): those are queued or being sent
    right now, held up by a long 429 perhaps, and claiming them again sends them twice."""
    expired = and_(
        col(OutboxMessage.status) == OutboxStatus.sending.value,
        col(OutboxMessage.lease_until) < now,
    )
    if holding:  # at most one batch: a short list
        expired = and_(expired, col(OutboxMessage.id).not_in(sorted(holding)))
    return or_(
        and_(
            col(OutboxMessage.status) == OutboxStatus.pending.value,
            col(OutboxMessage.due_at) <= now,
        ),
        expired,
    )


async def _give_up_on_poison(session: AsyncSession, now: datetime) -> None:
    """A row whose sender died ``MAX_ATTEMPTS`` times is poison, not bad luck: it fails."""
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.sending.value,
            col(OutboxMessage.lease_until) < now,
            col(OutboxMessage.attempts) >= MAX_ATTEMPTS,
        )
        .values(
            status=OutboxStatus.failed.value,
            last_error="gave up: the sending process stopped during every attempt",
            failure_reason=OutboxFailure.uncertain.value,
            outcome_uncertain=True,
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        )
    )


async def _due_ids(session: AsyncSession, due: ColumnElement[bool], limit: int) -> list[int]:
    """The next due rows' ids, most urgent first, skipping rows another process locks."""
    found = await session.exec(
        select(OutboxMessage.id)
        .where(due)
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [id_ for id_ in found.all() if id_ is not None]


async def claim_due(
    *,
    session: AsyncSession,
    now: datetime,
    owner: str,
    limit: int,
    lease: timedelta = LEASE,
    holding: Collection[int] = (),
) -> list[OutboxMessage]:
    """Takes up to ``limit`` due rows (and rows whose lease expired) for this process.

    ``holding``: the rows this process has claimed and not yet recorded, never taken
    again however long they wait (rows of its own left over from an earlier, failed
    drain are not in it, and come back like any other expired lease).

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several processes claim side by side
    without waiting on or sharing rows; on SQLite the UPDATE re-checks each row under the
    database's write lock. A row reclaimed after its lease expired was being sent by a
    process that died: it may have been delivered, so it is flagged uncertain. The caller
    commits before sending: the lease, not an open transaction, keeps the rows its own.
    """
    due = _due(now, holding)
    await _give_up_on_poison(session, now)
    # Ids first, then the update: as a subquery of the UPDATE, PostgreSQL may re-run
    # the LIMIT for every row of a nested loop and so claim every due row at once.
    candidates = await _due_ids(session, due, limit)
    if not candidates:
        return []
    # `due` again: on SQLite another process may have claimed some of them meanwhile.
    claimed = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(candidates), due)
        .values(
            status=OutboxStatus.sending.value,
            lease_until=now + lease,
            lease_owner=owner,
            attempts=col(OutboxMessage.attempts) + 1,
            outcome_uncertain=case(
                (col(OutboxMessage.status) == OutboxStatus.sending.value, True),
                else_=col(OutboxMessage.outcome_uncertain),
            ),
            updated_at=now,
        )
        .returning(col(OutboxMessage.id))
    )
    ids = [row[0] for row in claimed.all()]
    if not ids:
        return []
    rows = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))).all()
    return sorted(rows, key=lambda row: (row.priority, row.due_at, row.id or 0))


async def renew_leases(
    *,
    session: AsyncSession,
    ids: Collection[int],
    owner: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> set[int]:
    """Extends this process's lease on rows it still holds; returns those it still holds.

    Called before a row that has waited (behind a 429, a slow batch) is sent: a row
    missing from the answer was taken over by another process and must not go out here.
    """
    if not ids:
        return set()
    ours = and_(
        col(OutboxMessage.id).in_(sorted(ids)),
        col(OutboxMessage.status) == OutboxStatus.sending.value,
        col(OutboxMessage.lease_owner) == owner,
    )
    # The count, not RETURNING, as in `record` (a cancelled drain and SQLite's lock).
    renewed = await session.exec(update(OutboxMessage).where(ours).values(lease_until=now + lease))
    if renewed.rowcount == len(ids):
        return set(ids)
    still = (await session.exec(select(OutboxMessage.id).where(ours))).all()
    return {row_id for row_id in still if row_id is not None}


async def recipients(
    *, session: AsyncSession, delegate_ids: Collection[int]
) -> dict[int, Delegate]:
    """The delegates claimed rows go to, as they are now (linked, reachable, active)."""
    if not delegate_ids:
        return {}
    found = await session.exec(select(Delegate).where(col(Delegate.id).in_(list(delegate_ids))))
    return {delegate.id: delegate for delegate in found.all() if delegate.id is not None}


async def take_over_leases(*, session: AsyncSession, owner: str, now: datetime) -> int:
    """Expires the leases of other processes: called by a process that has just become the
    only sender, so rows a dead sender was holding go out now, not when its lease runs out.
    (They are then reclaimed as uncertain: the dead process may have sent them.)"""
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.sending.value,
            or_(
                col(OutboxMessage.lease_owner).is_(None),
                col(OutboxMessage.lease_owner) != owner,
            ),
        )
        .values(lease_until=now - timedelta(seconds=1))
    )
    return max(result.rowcount, 0)


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """The earliest moment something needs sending (a pending row or an expiring lease)."""
    pending = (
        await session.exec(
            select(func.min(OutboxMessage.due_at)).where(
                OutboxMessage.status == OutboxStatus.pending.value
            )
        )
    ).one()
    leased = (
        await session.exec(
            select(func.min(OutboxMessage.lease_until)).where(
                OutboxMessage.status == OutboxStatus.sending.value
            )
        )
    ).one()
    moments = [m for m in (pending, leased) if m is not None]
    return min(moments) if moments else None


@dataclass
class Outcome:
    """What to write for a group of rows after one send (or a decision not to send)."""

    status: OutboxStatus
    now: datetime
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    count_attempt: bool = True
    uncertain: bool = False
    late: bool = False
    reason: OutboxFailure | None = None
    """The class of ``error``, for the rules that act on it (revival after an unblock)."""


async def record(
    *, session: AsyncSession, rows: Sequence[OutboxMessage], outcome: Outcome, owner: str
) -> int:
    """Writes the outcome for rows this process still holds; returns how many it wrote.

    A row whose lease ran out (a send held up past ``LEASE``) may have been claimed by
    another process meanwhile: its outcome is not written, and that is logged.
    """
    ids = [row.id for row in rows if row.id is not None]
    if not ids:
        return 0
    values: dict[str, object] = {
        "status": outcome.status.value,
        "lease_until": None,
        "lease_owner": None,
        "updated_at": outcome.now,
    }
    if outcome.status is OutboxStatus.sent:
        values.update(
            sent_at=outcome.now, telegram_message_id=outcome.message_id, late=outcome.late
        )
    if outcome.error is not None:
        values["last_error"] = outcome.error[:1000]
    if outcome.reason is not None:
        values["failure_reason"] = outcome.reason.value
    if outcome.retry_at is not None:
        values["due_at"] = outcome.retry_at
    if not outcome.count_attempt:
        values["attempts"] = col(OutboxMessage.attempts) - 1
    if outcome.uncertain:
        values["outcome_uncertain"] = True
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.status) == OutboxStatus.sending.value,
            col(OutboxMessage.lease_owner) == owner,
        )
        .values(**values)
    )
    # The count, not RETURNING: with RETURNING here, a drain cancelled while recording
    # left SQLite locked for the next process (test_cancelling_a_drain_stops_…).
    written = max(result.rowcount, 0)
    if written < len(ids):
        logger.warning(
            "lost the lease on outbox rows %s (%d of %d written) before recording them as %s",
            sorted(ids),
            written,
            len(ids),
            outcome.status.value,
        )
    return written


async def release_leases(
    *, session: AsyncSession, owner: str, now: datetime, uncertain: bool
) -> int:
    """Hands back the rows this process still holds, at a stop: pending again and due at
    once, for whichever process sends next. ``uncertain`` when a send was cut short (it
    may have been delivered): the rows are then flagged like any possible duplicate."""
    values: dict[str, object] = {
        "status": OutboxStatus.pending.value,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
    }
    if uncertain:
        values["outcome_uncertain"] = True
    released = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.sending.value,
            col(OutboxMessage.lease_owner) == owner,
        )
        .values(**values)
        .returning(col(OutboxMessage.id))
    )
    return len(released.all())
