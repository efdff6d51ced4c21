"""What the dispatcher makes of claimed rows: their kind's registration, whether their
payload reads, which of them go out as one message, and that message's text."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bot.messages.notices import NoticeItem, Section, availability_rows, compose
from bot.models import OutboxMessage
from bot.services.outbox.rows import LATE_AFTER, OutboxKind, Outgoing
from jobs.dispatch_queue import BatchContext, Group
from jobs.outbox_kinds import KindSpec, Recipient

logger = logging.getLogger(__name__)

Registry = Mapping[OutboxKind, KindSpec[Any]]


def kind_of(row: OutboxMessage) -> OutboxKind | None:
    try:
        return OutboxKind(row.kind)
    except ValueError:
        return None


def spec_of(registry: Registry, row: OutboxMessage) -> KindSpec[Any] | None:
    kind = kind_of(row)
    return registry.get(kind) if kind is not None else None


def readable(registry: Registry, row: OutboxMessage) -> bool:
    """Its payload reads as its kind's model (an unknown kind is dealt with later)."""
    spec = spec_of(registry, row)
    try:
        if spec is not None:
            spec.payload.unpack(row.payload)
    except ValidationError:
        logger.error("outbox row %s has an unreadable %s payload", row.id, row.kind)
        return False
    return True


def group_rows(registry: Registry, rows: Sequence[OutboxMessage], now: datetime) -> list[Group]:
    """One message per recipient and due moment (everything overdue goes together),
    except kinds that are never merged: one message per row."""
    groups: dict[tuple[int | None, int | None, datetime | None, int | None], Group] = {}
    for row in rows:
        overdue = now - row.due_at > LATE_AFTER
        spec = spec_of(registry, row)
        alone = row.id if spec is None or not spec.mergeable else None
        key = (row.delegate_id, row.chat_id, None if overdue else row.due_at, alone)
        groups.setdefault(key, Group(row.delegate_id, row.chat_id)).rows.append(row)
    return list(groups.values())


def render(
    registry: Registry,
    rows: list[OutboxMessage],
    context: BatchContext,
    recipient: Recipient,
    now: datetime,
    late: bool,
) -> Outgoing | None:
    """One group's message: its kind's own, or a notice of one section per kind."""
    first = rows[0]
    spec = spec_of(registry, first)
    if spec is None:
        logger.error("no registration for outbox kind %r", first.kind)
        return None
    if spec.render is not None:
        return spec.render(first, context.by_kind.get(spec.kind), recipient, now)
    sections: list[Section] = []
    for kind, kind_spec in registry.items():  # in the order a notice reads
        if kind_spec.item is None or kind_spec.block is None:
            continue
        items: list[NoticeItem] = []
        for row in rows:
            if kind_of(row) is kind:
                item = kind_spec.item(row, context.by_kind.get(kind))
                if item is not None and item not in items:  # two late reminders of one duty
                    items.append(item)
        if items:
            sections.append(Section(kind_spec.block, items))
    if not sections:
        return None
    text, buttons = compose(sections, language=recipient.language, now=now, late=late)
    extra = availability_rows(sections, recipient.language)
    return Outgoing(text=text, keyboard=tuple(tuple(r) for r in (*extra, buttons)))


async def with_document(message: Outgoing) -> Outgoing:
    """The message with its document built, in a worker thread: a workbook of thousands of
    rows takes most of a CPU second, and the event loop must go on sending meanwhile."""
    if message.document_builder is None:
        return message
    name, build = message.document_builder
    content = await asyncio.to_thread(build)
    return replace(message, document=(name, content), document_builder=None)
