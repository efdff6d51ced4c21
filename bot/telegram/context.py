"""What handlers share: the dependencies built at start-up, the update's scope, a typed context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.db import SessionFactory
from bot.i18n import DEFAULT_LANGUAGE, Gettext
from bot.services.conversations import ConversationState
from bot.services.delegates.accounts import Identity

DEPS_KEY = "deps"


def _nothing_to_wake() -> None:
    """No dispatcher runs in this process (tests, tools): the next tick sends."""


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    clock: Callable[[], datetime]
    wake: Callable[[], None] = _nothing_to_wake
    """Wakes this process's dispatcher: a confirmed broadcast starts now (set by the runner)."""


@dataclass
class UpdateScope:
    """What every handler of one update shares."""

    session: AsyncSession
    identity: Identity | None
    conversation: ConversationState | None
    _: Gettext
    now: datetime
    """The clock, read once: every step of one update sees the same moment."""
    settings: Settings

    @property
    def language(self) -> str:
        return self.identity.language if self.identity is not None else DEFAULT_LANGUAGE

    async def commit(self) -> None:
        """Makes this update's writes durable; call it before telling the user they are."""
        await self.session.commit()


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Context whose ``deps`` are typed, so handlers need no casts.

    PTB builds one context per update and hands it to every group's handler, so the
    update's scope (session, caller, conversation) is resolved once (group -2) and read
    from here afterwards (``bot/telegram/scope.py``).
    """

    update_scope: UpdateScope | None = None

    @property
    def deps(self) -> Deps:
        deps = self.bot_data[DEPS_KEY]
        assert isinstance(deps, Deps)
        return deps


BotApplication = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
