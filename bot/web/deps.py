"""What the web handlers share: the dependencies built at start-up, and each request's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import SessionFactory
from bot.i18n import Gettext
from bot.services.webapp.access import WebUser
from bot.telegram.budget import UserBudget

REQUESTS_PER_MINUTE = 60.0
REQUEST_BURST = 20


@dataclass(frozen=True)
class WebDeps:
    settings: Settings
    session_factory: SessionFactory
    clock: Callable[[], datetime]
    budget: UserBudget = field(
        default_factory=lambda: UserBudget(per_minute=REQUESTS_PER_MINUTE, burst=REQUEST_BURST)
    )
    """Requests each Telegram user may make: the bot's token bucket (``bot/telegram/budget``),
    sized for a page that reads one or two answers a tab."""
    wake: Callable[[], None] = lambda: None
    """Wakes this process's outbox dispatcher (the runner's), so that the stand-in offers a
    ``Xin vắng`` plans go now rather than at its next poll."""


@dataclass
class RequestScope:
    """One API request's unit of work: its session, who asks, the moment, the language."""

    session: AsyncSession
    user: WebUser
    now: datetime
    settings: Settings
    language: str
    _: Gettext


DEPS = web.AppKey("deps", WebDeps)
_SCOPE = web.RequestKey("scope", RequestScope)


def set_scope(request: web.Request, scope: RequestScope) -> None:
    request[_SCOPE] = scope


def scope_of(request: web.Request) -> RequestScope:
    return request[_SCOPE]
