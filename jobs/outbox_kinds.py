"""What the dispatcher knows about each kind of outbox row: one registration per kind.

A kind's ``KindSpec`` names its payload model (``bot.services.outbox.payloads``: what
its rows carry, its claim priority and its revive policy, the half that services need
to write rows), says how to load what its texts need (once per batch, for all its
rows, in the batch's session), and either how to turn a row into an item of the merged
notice plus the block that renders the kind's items there (reminders, changes, digests:
everything due for one chat at one moment arrives as one message), or how to render a
row as a message of its own (a report prompt or a broadcast copy has its own keyboard
and is never merged). The order of the registrations is the order of a merged notice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages.availability_texts import attendance_message
from bot.messages.notices import (
    Block,
    NoticeItem,
    addition_blocks,
    cancellation_blocks,
    change_blocks,
    digest_blocks,
    reminder_blocks,
    summary_message,
)
from bot.models import Delegate, OutboxMessage
from bot.models.petitions import Petition
from bot.services.outbox.payloads import (
    AdditionPayload,
    CancellationPayload,
    ChangePayload,
    DigestPayload,
    Payload,
    ReminderPayload,
    Revive,
    SummaryPayload,
)
from bot.services.outbox.rows import OutboxKind, Outgoing, assignments_reminded
from bot.services.outbox.summary import CouncilSummary, council_summaries
from bot.services.petitions.items import meeting_answers
from bot.services.schedule.views import (
    AssignmentView,
    assignments_by_id,
    list_assignments,
)

C = TypeVar("C")


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    language: str
    delegate: Delegate | None


@dataclass(frozen=True)
class KindSpec(Generic[C]):
    payload: type[Payload]
    """The rows' typed payload; its model names the kind, priority and revive policy."""
    load: Callable[[AsyncSession, Sequence[OutboxMessage], ZoneInfo], Awaitable[C]]
    """Reads what the kind's rows of one batch need, in the batch's one session."""
    item: Callable[[OutboxMessage, C], NoticeItem | None] | None = None
    """For kinds merged into one notice per chat and moment: a row's part of it…"""
    block: Block | None = None
    """…and how the kind's parts read in the notice."""
    render: Callable[[OutboxMessage, C, Recipient, datetime], Outgoing | None] | None = None
    """For kinds sent as a message of their own; ``None`` means nothing to say any more."""
    after_sent: (
        Callable[[AsyncSession, Sequence[OutboxMessage], datetime], Awaitable[object]] | None
    ) = None
    """What the kind plans once its rows are recorded as sent, in that same transaction
    (an offer closed while it was being sent gets its edit then, not at the planner's run)."""

    @property
    def kind(self) -> OutboxKind:
        return self.payload.kind

    @property
    def priority(self) -> int:
        """Claimed lowest first among due rows (written on each row when it is planned)."""
        return self.payload.priority

    @property
    def revive(self) -> Revive:
        """Whether a row that could not reach its recipient comes back when they can."""
        return self.payload.revive

    @property
    def mergeable(self) -> bool:
        return self.item is not None


# --- reminders, changes, cancellations: one assignment each ---------------------------------


async def _load_views(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> dict[int, AssignmentView]:
    return await assignments_by_id(
        session=session,
        ids=[row.assignment_id for row in rows if row.assignment_id is not None],
        zone=zone,
    )


@dataclass(frozen=True)
class _Reminders:
    views: dict[int, AssignmentView]
    told: frozenset[int]
    """Assignments with a reminder already sent: this one is not their first."""
    answers: dict[int, list[Petition]]
    """For the first reminder of a voter meeting: the answers to pass on to the voters."""


async def _load_reminders(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> _Reminders:
    views = await _load_views(session, rows, zone)
    ids = [row.assignment_id for row in rows if row.assignment_id is not None]
    told = await assignments_reminded(session=session, ids=ids)
    answers = await meeting_answers(session=session, views=list(views.values()))
    return _Reminders(views, told, answers)


def _reminder_item(row: OutboxMessage, loaded: _Reminders) -> NoticeItem | None:
    """A reminder; the first of its duty offers ``Xin vắng`` (availability), and a voter
    meeting's brings the answers received since the delegate's previous one."""
    item = _assignment_item(row, loaded.views)
    if item is None or row.assignment_id is None:
        return item
    return NoticeItem(
        view=item.view,
        first=row.assignment_id not in loaded.told,
        answers=tuple(loaded.answers.get(row.assignment_id, ())),
    )


def _assignment_item(row: OutboxMessage, views: dict[int, AssignmentView]) -> NoticeItem | None:
    view = views.get(row.assignment_id) if row.assignment_id is not None else None
    return NoticeItem(view=view) if view is not None else None


# --- the 07:00 digest: a delegate's whole day -------------------------------------------------

DayViews = dict[tuple[int, date], tuple[AssignmentView, ...]]


def _digest_day(row: OutboxMessage) -> date:
    return DigestPayload.unpack(row.payload).day


async def _load_days(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> DayViews:
    wanted = {(row.delegate_id, _digest_day(row)) for row in rows if row.delegate_id is not None}
    if not wanted:
        return {}
    first = min(day for _d, day in wanted)
    last = max(day for _d, day in wanted)
    found: dict[tuple[int, date], list[AssignmentView]] = defaultdict(list)
    for view in await list_assignments(
        session=session,
        zone=zone,
        delegate_ids=[d for d, _day in wanted],
        starts_from=datetime.combine(first, time.min, zone),
        starts_before=datetime.combine(last + timedelta(days=1), time.min, zone),
    ):
        found[(view.delegate_id, view.starts_at.date())].append(view)
    return {key: tuple(views) for key, views in found.items()}


def _digest_item(row: OutboxMessage, days: DayViews) -> NoticeItem | None:
    if row.delegate_id is None:
        return None
    day = _digest_day(row)
    views = days.get((row.delegate_id, day), ())
    return NoticeItem(day=day, day_views=views) if views else None


# --- the secretariat's daily summary ----------------------------------------------------------


async def _load_summaries(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> dict[int, CouncilSummary]:
    if not rows:
        return {}
    payloads = [SummaryPayload.unpack(row.payload) for row in rows]
    overdue = [p.overdue_before for p in payloads if p.overdue_before is not None]
    days = [p.sessions_on for p in payloads if p.sessions_on is not None]
    petition_days = [p.petitions_on for p in payloads if p.petitions_on is not None]
    return await council_summaries(
        session=session,
        since=min(p.since for p in payloads),
        overdue_before=min(overdue) if overdue else None,
        zone=zone,
        sessions_on=min(days) if days else None,
        petitions_on=min(petition_days) if petition_days else None,
    )


def _summary_render(
    row: OutboxMessage,
    summaries: dict[int, CouncilSummary],
    recipient: Recipient,
    _now: datetime,
) -> Outgoing | None:
    payload = SummaryPayload.unpack(row.payload)
    found = tuple(summaries[c] for c in payload.councils if c in summaries)
    if payload.attendance_only:  # a Standing Committee member: tomorrow's sessions only
        rolls = [roll for summary in found for roll in summary.attendance]
        return attendance_message(rolls, language=recipient.language) if rolls else None
    return summary_message(found, language=recipient.language) if found else None


NOTICE_KINDS: tuple[KindSpec[Any], ...] = (
    # In the order a merged notice reads: the day first, then what is coming, then news.
    KindSpec(DigestPayload, _load_days, item=_digest_item, block=digest_blocks),
    KindSpec(ReminderPayload, _load_reminders, item=_reminder_item, block=reminder_blocks),
    KindSpec(AdditionPayload, _load_views, item=_assignment_item, block=addition_blocks),
    KindSpec(ChangePayload, _load_views, item=_assignment_item, block=change_blocks),
    KindSpec(CancellationPayload, _load_views, item=_assignment_item, block=cancellation_blocks),
    KindSpec(SummaryPayload, _load_summaries, render=_summary_render),
)


def build_registry(specs: Iterable[KindSpec[Any]]) -> dict[OutboxKind, KindSpec[Any]]:
    """The specs by kind, in the order given; refuses a kind registered twice and a spec
    that lacks what its shape needs."""
    registry: dict[OutboxKind, KindSpec[Any]] = {}
    for spec in specs:
        if spec.kind in registry:
            raise ValueError(f"outbox kind {spec.kind} registered twice")
        if (spec.item is None) == (spec.render is None):
            raise ValueError(f"outbox kind {spec.kind} needs exactly one of item or render")
        if (spec.item is None) != (spec.block is None):
            raise ValueError(f"outbox kind {spec.kind}: a merged kind needs item and block")
        registry[spec.kind] = spec
    return registry
