"""Resolves each update's scope, and sends a user's next message to their conversation.

A reply such as ``12 3 chuyển UBND xã`` means something only inside an open report; a
document means something only inside a broadcast draft. Conversations are typed rows
(see ``bot/services/conversations.py``); each feature registers a step for its state type.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.services.conversations import ConversationState
from bot.services.outbox.reachability import mark_reachable
from bot.services.outbox.reminders import ReminderPolicy, plan_for_delegates
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import open_scope, scope_of

logger = logging.getLogger(__name__)

ConversationStep = Callable[[Update, BotContext, UpdateScope, Any], Awaitable[bool]]
"""Handles a message of the conversation; False lets the usual handlers have it."""


async def resolve_scope(update: Update, context: BotContext) -> None:
    """Once per update: who is writing and their conversation; a blocked delegate is back."""
    scope = await open_scope(update, context)
    context.update_scope = scope
    identity = scope.identity
    # Only a message or a button press proves the chat works again; and only write
    # when something changes, not on every update.
    if (
        identity is not None
        and update.my_chat_member is None
        and any(not d.reachable for d in identity.delegates)
    ):
        back = [d.id for d in identity.delegates if not d.reachable and d.id is not None]
        revived = await mark_reachable(
            session=scope.session, telegram_user_id=identity.telegram_user_id, now=scope.now
        )
        # What the planner skipped while they could not be reached, planned with the change.
        revived += await plan_for_delegates(
            session=scope.session,
            policy=ReminderPolicy.from_settings(scope.settings),
            now=scope.now,
            delegate_ids=back,
        )
        # Durable before any handler answers, and kept if the handler's own step fails.
        await scope.commit()
        logger.info("a delegate who had blocked the bot is reachable again (%d queued)", revived)
        if revived:
            context.deps.wake()


class ConversationRouter:
    def __init__(self, steps: Mapping[type[ConversationState], ConversationStep]) -> None:
        self._steps = dict(steps)

    async def __call__(self, update: Update, context: BotContext) -> None:
        """Hands the message to the open conversation; otherwise the usual handlers run."""
        scope = scope_of(context)
        conversation = scope.conversation
        if conversation is None or (step := self._steps.get(type(conversation))) is None:
            return
        if await step(update, context, scope, conversation):
            raise ApplicationHandlerStop
