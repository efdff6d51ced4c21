"""One unit of work per update: one session, the caller and their conversation, resolved once.

:class:`ScopedUpdateProcessor` opens one database session around each update and
:func:`open_scope` (called in group -2 by ``bot/telegram/router.py``) reads, in that
session, who is writing and the conversation they are in. Handlers take the resulting
:class:`UpdateScope` through :func:`requires` or :func:`on_button`, which also refuse
callers without the access a handler needs, so no handler opens a session, resolves the
caller or checks a role by hand.

Handlers commit (``scope.commit()``) what they wrote before they talk to Telegram, so no
transaction spans a network call; whatever is left is committed when the update ends,
and an update that failed is rolled back and handled no further (``bot/telegram/errors.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from functools import wraps
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.db import SessionFactory
from bot.domain.callbacks import Callback, decode
from bot.i18n import N_, get_translator
from bot.services.conversations import ConversationState, open_conversation
from bot.services.delegates.accounts import Identity, identify
from bot.telegram.budget import UserBudget, Verdict
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


MAX_CONCURRENT_UPDATES = 16
SLOW_DOWN = N_("You are sending too fast. Please wait a few minutes, then try again.")


class ScopedUpdateProcessor(BaseUpdateProcessor):
    """Runs each update inside one database session; several users at once, each user's
    updates one at a time and in order, within the user's budget (:mod:`budget`)."""

    def __init__(
        self,
        sessions: Callable[[], SessionFactory],
        *,
        budget: UserBudget | None = None,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    ) -> None:
        super().__init__(max_concurrent_updates=max_concurrent_updates)
        self._sessions = sessions
        self.budget = budget if budget is not None else UserBudget()
        self._turns: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user_id = _user_id(update)
        if user_id is not None and (verdict := self.budget.admit(user_id)) is not Verdict.admitted:
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # refused before anything of it ran: no session, no write
            if verdict is Verdict.refused and isinstance(update, Update):
                await _slow_down(update)
            return
        async with self._turn(user_id):
            await self._run(coroutine)

    async def _run(self, coroutine: Awaitable[Any]) -> None:
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

    @asynccontextmanager
    async def _turn(self, user_id: int | None) -> AsyncIterator[None]:
        """One update of a user at a time, in the order they came; the lock of a user with
        nothing waiting is dropped, so there is one per user who is being served."""
        if user_id is None:
            yield
            return
        turn = self._turns.setdefault(user_id, _Turn())
        turn.holders += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.holders -= 1
            if turn.holders == 0:
                del self._turns[user_id]

    @property
    def users_in_turn(self) -> int:
        """Users with an update being handled or waiting (their locks in memory)."""
        return len(self._turns)

    async def initialize(self) -> None:
        """Nothing to set up: sessions are opened per update."""

    async def shutdown(self) -> None:
        """Nothing to release: each update's session is closed when it ends."""


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


def _user_id(update: object) -> int | None:
    if isinstance(update, Update) and (user := update.effective_user) is not None:
        return user.id
    return None


async def _slow_down(update: Update) -> None:
    """The one answer to a user over their budget (in Vietnamese: nothing is read to know
    their language)."""
    text = get_translator("vi")(SLOW_DOWN)
    try:
        if (query := update.callback_query) is not None:
            await answer(query, text, show_alert=True)
        elif (message := update.message) is not None:
            await message.reply_text(text)
    except TelegramError as error:
        logger.warning("could not tell a user to slow down: %s", error)


async def end_update_transaction() -> None:
    """Commits the current update's open transaction, if any, before a Bot API request.

    Every request passes the rate limiter, which calls this: so no update ever holds a
    transaction (an idle one on PostgreSQL, SQLite's write lock) across a network call,
    even where a handler reads, then replies, then reads again. Handlers still commit
    their writes themselves before saying they are saved; this only closes what is left.
    """
    session = _SESSION.get()
    if session is not None and session.in_transaction():
        await session.commit()


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


class Access(Enum):
    """Who may use a handler. Not a ladder: an admin without a delegate record passes
    ``secretary`` but not ``delegate`` (they have no duties of their own)."""

    anyone = 0
    delegate = 1
    """A linked delegate record (a secretary's own records count)."""
    secretary = 2
    """The council office, or an admin."""
    delegate_or_office = 3
    """Either: a linked delegate record, or the office (an admin with no record too)."""


def _allowed(identity: Identity | None, role: Access) -> bool:
    if role is Access.anyone:
        return True
    if identity is None:
        return False
    if role is Access.delegate:
        return bool(identity.delegates)
    if role is Access.delegate_or_office:
        return bool(identity.delegates) or identity.office.is_office
    return identity.office.is_office


_REFUSALS = {
    Access.delegate: NOT_LINKED,
    Access.secretary: SECRETARIES_ONLY,
    Access.delegate_or_office: NOT_LINKED,
}

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
