"""Open conversations (a report being written, a broadcast draft), kept in the database.

One per user: starting a new one replaces the old. Each kind is a typed state (a
pydantic model with named steps) with its own time to live, so a half-written report
from last week never captures today's message. Kept in the database so that a restart,
or another process behind the same webhook, continues it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Conversation

logger = logging.getLogger(__name__)


class ConversationState(BaseModel):
    """Base of every conversation kind: its stored name, its lifetime, its typed fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str]
    ttl: ClassVar[timedelta]


S = TypeVar("S", bound=ConversationState)
_KINDS: dict[str, type[ConversationState]] = {}


def conversation_kind(kind: str, *, ttl: timedelta) -> Callable[[type[S]], type[S]]:
    """Registers a state class under the ``kind`` stored in ``conversations.kind``."""

    def register(cls: type[S]) -> type[S]:
        if kind in _KINDS:
            raise ValueError(f"conversation kind {kind!r} registered twice")
        cls.kind = kind
        cls.ttl = ttl
        _KINDS[kind] = cls
        return cls

    return register


async def open_conversation(
    *, session: AsyncSession, telegram_user_id: int, now: datetime
) -> ConversationState | None:
    """The user's conversation, unless it has lapsed or its stored state is unreadable."""
    row = await session.get(Conversation, telegram_user_id)
    if row is None or row.expires_at <= now:
        return None
    state_type = _KINDS.get(row.kind)
    if state_type is None:
        logger.warning("conversation of an unknown kind %r ignored", row.kind)
        return None
    try:
        return state_type.model_validate_json(row.state)
    except ValidationError:
        # Written by an older release with other fields: the user simply starts again.
        logger.warning("conversation of kind %r with an unreadable state ignored", row.kind)
        return None


async def start_conversation(
    *, session: AsyncSession, telegram_user_id: int, state: ConversationState, now: datetime
) -> None:
    """Begins (or replaces) the user's conversation, in the caller's transaction."""
    row = await session.get(Conversation, telegram_user_id)
    if row is None:
        row = Conversation(
            telegram_user_id=telegram_user_id,
            kind=state.kind,
            expires_at=now + state.ttl,
            updated_at=now,
        )
    row.kind = state.kind
    row.state = state.model_dump_json()
    row.expires_at = now + state.ttl
    row.updated_at = now
    session.add(row)
    await session.flush()


async def end_conversation(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    kind: type[ConversationState] | None = None,
) -> bool:
    """Closes the user's conversation (only one of ``kind`` when given). True if one closed."""
    query = delete(Conversation).where(col(Conversation.telegram_user_id) == telegram_user_id)
    if kind is not None:
        query = query.where(col(Conversation.kind) == kind.kind)
    result = await session.exec(query)
    return result.rowcount > 0
