"""What handlers share: services built once at start-up and a typed callback context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.db import SessionFactory
from bot.i18n import Gettext, get_translator
from bot.services.accounts import Identity, identify

DEPS_KEY = "deps"


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: SessionFactory
    clock: Callable[[], datetime]


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Context whose ``deps`` are typed, so handlers need no casts.

    PTB builds one context per update and hands it to every group's handler, so the
    caller's identity is resolved once (group -2) and read from here afterwards.
    """

    resolved_identity: Identity | None = None

    @property
    def deps(self) -> Deps:
        deps = self.bot_data[DEPS_KEY]
        assert isinstance(deps, Deps)
        return deps


BotApplication = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


async def current_identity(update: Update, context: BotContext) -> Identity | None:
    """The caller of this update, or ``None`` for updates without a user (channel posts)."""
    if (user := update.effective_user) is None:
        return None
    if context.resolved_identity is not None:
        return context.resolved_identity
    return await identify(
        session_factory=context.deps.session_factory,
        telegram_user_id=user.id,
        admin_ids=context.deps.settings.ADMIN_TELEGRAM_IDS,
        fallback_language=user.language_code,
    )


def translator(identity: Identity | None) -> Gettext:
    return get_translator(identity.language if identity is not None else None)
