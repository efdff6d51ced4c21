"""Open conversations (a report being written, a broadcast draft), kept in the database.

One per user: starting a new one replaces the old. Each lapses at its expiry, so a
half-written report from last week never captures today's message. Kept in the
database so that a restart, or another process behind the same webhook, continues it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col

from bot.db import SessionFactory
from bot.models import Conversation

DEFAULT_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class OpenConversation:
    telegram_user_id: int
    kind: str
    state: dict[str, Any]


async def open_conversation(
    *,
    session_factory: SessionFactory,
    telegram_user_id: int,
    now: datetime,
) -> OpenConversation | None:
    """The user's conversation, unless it has lapsed."""
    async with session_factory() as session:
        row = await session.get(Conversation, telegram_user_id)
        if row is None or row.expires_at <= now:
            return None
        return OpenConversation(row.telegram_user_id, row.kind, json.loads(row.state))


async def start_conversation(
    *,
    session_factory: SessionFactory,
    telegram_user_id: int,
    kind: str,
    state: dict[str, Any],
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    """Begins (or replaces) the user's conversation."""
    async with session_factory() as session, session.begin():
        row = await session.get(Conversation, telegram_user_id)
        if row is None:
            row = Conversation(
                telegram_user_id=telegram_user_id,
                kind=kind,
                expires_at=now + ttl,
                updated_at=now,
            )
        row.kind = kind
        row.state = json.dumps(state, ensure_ascii=False, sort_keys=True)
        row.expires_at = now + ttl
        row.updated_at = now
        session.add(row)


async def end_conversation(
    *, session_factory: SessionFactory, telegram_user_id: int, kind: str | None = None
) -> bool:
    """Closes the user's conversation (only one of ``kind`` when given). True if one closed."""
    async with session_factory() as session, session.begin():
        query = delete(Conversation).where(col(Conversation.telegram_user_id) == telegram_user_id)
        if kind is not None:
            query = query.where(col(Conversation.kind) == kind)
        result = await session.exec(query)
        return result.rowcount > 0
