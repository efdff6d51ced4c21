"""What handlers share: services built once at start-up and a typed callback context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.db import SessionFactory

if TYPE_CHECKING:
    from bot.telegram.scope import UpdateScope

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
