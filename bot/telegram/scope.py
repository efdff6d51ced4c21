"""One unit of work per update: one session, the caller and their conversation, resolved once.

:class:`ScopedUpdateProcessor` opens one database session around each update and
:func:`resolve_scope` (group -2) reads, in that session, who is writing and the
conversation they are in. Handlers take the resulting :class:`UpdateScope` through
:func:`requires`, which also refuses callers without the role a handler needs, so no
handler opens a session, resolves the caller or checks a role by hand.

Handlers commit (``scope.commit()``) what they wrote before they talk to Telegram, so no
transaction spans a network call; whatever is left is committed when the update ends,
and an update that failed is rolled back (``bot/telegram/errors.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from enum import IntEnum
from functools import wraps
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.db import SessionFactory
from bot.domain.callbacks import Callback, decode
from bot.i18n import N_, get_translator
from bot.services.conversations import ConversationState, open_conversation
from bot.services.delegates.accounts import Identity, identify
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.texts import answer

logger = logging.getLogger(__name__)

_SESSION: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)

NOT_LINKED = N_(
    "This command is for delegates whose account is linked. "
    "Open the invite link the council office sent you first."
)
SECRETARIES_ONLY = N_("This command is for the council secretariat only.")
EXPIRED = N_("This button has expired. Please use the command again.")


class ScopedUpdateProcessor(BaseUpdateProcessor):
    """Runs each update inside one database session (updates one at a time, in order)."""

    def __init__(self, sessions: Callable[[], SessionFactory]) -> None:
        super().__init__(max_concurrent_updates=1)
        self._sessions = sessions

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._sessions()() as session:
            token = _SESSION.set(session)
            try:
                await coroutine
                if session.in_transaction():
                    await session.commit()
            except Exception:
                logger.exception("could not finish the unit of work of an update")
            finally:
                _SESSION.reset(token)

    async def initialize(self) -> None:
        """Nothing to set up: sessions are opened per update."""

    async def shutdown(self) -> None:
        """Nothing to release: each update's session is closed when it ends."""


def update_session() -> AsyncSession:
    """The session of the update being processed."""
    session = _SESSION.get()
    if session is None:
        raise RuntimeError("no update is being processed (ScopedUpdateProcessor not installed)")
    return session


async def open_scope(update: Update, context: BotContext) -> UpdateScope:
    """The caller and their conversation, read once in the update's session."""
    session = update_session()
    deps = context.deps
    now = deps.clock()
    identity: Identity | None = None
    conversation: ConversationState | None = None
    if (user := update.effective_user) is not None:
        identity = await identify(
            session=session,
            telegram_user_id=user.id,
            admin_ids=deps.settings.ADMIN_TELEGRAM_IDS,
            fallback_language=user.language_code,
        )
        conversation = await open_conversation(session=session, telegram_user_id=user.id, now=now)
        # Ends the read transaction: a handler's reply must not leave one idle on PostgreSQL.
        await session.commit()
    return UpdateScope(
        session=session,
        identity=identity,
        conversation=conversation,
        _=get_translator(identity.language if identity is not None else None),
        now=now,
        settings=deps.settings,
    )


def scope_of(context: BotContext) -> UpdateScope:
    scope = context.update_scope
    if scope is None:
        raise RuntimeError("the update's scope is resolved in group -2 before any handler")
    return scope


class Access(IntEnum):
    """Who may use a handler; each level includes the ones above it."""

    anyone = 0
    delegate = 1
    """A linked delegate record (a secretary's own records count)."""
    secretary = 2
    """The council office, or an admin."""


def _allowed(identity: Identity | None, role: Access) -> bool:
    if role is Access.anyone:
        return True
    if identity is None:
        return False
    if role is Access.delegate:
        return bool(identity.delegates)
    return identity.is_secretary


_REFUSALS = {Access.delegate: NOT_LINKED, Access.secretary: SECRETARIES_ONLY}

ScopedHandler = Callable[[Update, BotContext, UpdateScope], Coroutine[Any, Any, None]]
PTBHandler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


async def refuse(update: Update, text: str) -> None:
    """A refusal where the user will see it: an alert on a button, a reply to a message."""
    if (query := update.callback_query) is not None:
        await answer(query, text, show_alert=True)
    elif (message := update.effective_message) is not None:
        await message.reply_text(text)


def requires(role: Access, *, refusal: str | None = None) -> Callable[[ScopedHandler], PTBHandler]:
    """A handler for callers of at least ``role``; the others get ``refusal``.

    ``refusal`` is a message id (``N_``); by default the role's usual sentence.
    """

    def decorate(handler: ScopedHandler) -> PTBHandler:
        @wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            scope = scope_of(context)
            if not _allowed(scope.identity, role):
                await refuse(update, scope._(refusal or _REFUSALS[role]))
                return
            await handler(update, context, scope)

        return guarded

    return decorate


D = TypeVar("D", bound=Callback)
ButtonHandler = Callable[[Update, BotContext, UpdateScope, D], Coroutine[Any, Any, None]]


def on_button(
    data_type: type[D], role: Access, *, refusal: str | None = None
) -> Callable[[ButtonHandler[D]], PTBHandler]:
    """A button handler that receives its typed data; forged or stale data is "expired"."""

    def decorate(handler: ButtonHandler[D]) -> PTBHandler:
        @requires(role, refusal=refusal)
        @wraps(handler)
        async def pressed(update: Update, context: BotContext, scope: UpdateScope) -> None:
            query = update.callback_query
            data = decode(query.data) if query is not None else None
            if query is None:
                return
            if not isinstance(data, data_type):
                await answer(query, scope._(EXPIRED), show_alert=True)
                return
            await handler(update, context, scope, data)

        return pressed

    return decorate


async def expired_button(update: Update, context: BotContext) -> None:
    """Any button no handler took: something this bot never issued, or no longer knows."""
    if (query := update.callback_query) is not None:
        await answer(query, scope_of(context)._(EXPIRED), show_alert=True)
