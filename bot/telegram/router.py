"""Sends a user's next message to the conversation they are in, before anything else.

A reply such as ``12 3 chuyển UBND xã`` means something only inside an open report; a
document means something only inside a broadcast draft. Conversations are rows (see
``bot/services/conversations.py``); each feature registers a handler for its kind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.services.accounts import identify
from bot.services.conversations import OpenConversation, open_conversation
from bot.services.outbox import mark_reachable
from bot.telegram.context import BotContext

logger = logging.getLogger(__name__)

ConversationStep = Callable[[Update, BotContext, OpenConversation], Awaitable[bool]]
"""Handles a message of the conversation; False lets the usual handlers have it."""


async def resolve_identity(update: Update, context: BotContext) -> None:
    """Once per update: who is writing; a delegate who had blocked the bot is back."""
    if (user := update.effective_user) is None:
        return
    identity = await identify(
        session_factory=context.deps.session_factory,
        telegram_user_id=user.id,
        admin_ids=context.deps.settings.ADMIN_TELEGRAM_IDS,
        fallback_language=user.language_code,
    )
    context.resolved_identity = identity
    # Only a message or a button press proves the chat works again; and only write
    # when something changes, not on every update.
    if update.my_chat_member is None and any(not d.reachable for d in identity.delegates):
        revived = await mark_reachable(
            session_factory=context.deps.session_factory,
            telegram_user_id=user.id,
            now=context.deps.clock(),
        )
        logger.info("a delegate who had blocked the bot is reachable again (%d queued)", revived)


class ConversationRouter:
    def __init__(self, steps: Mapping[str, ConversationStep]) -> None:
        self._steps = dict(steps)

    async def __call__(self, update: Update, context: BotContext) -> None:
        """Hands the message to the open conversation; otherwise the usual handlers run."""
        if (user := update.effective_user) is None:
            return
        conversation = await open_conversation(
            session_factory=context.deps.session_factory,
            telegram_user_id=user.id,
            now=context.deps.clock(),
        )
        if conversation is None or (step := self._steps.get(conversation.kind)) is None:
            return
        if await step(update, context, conversation):
            raise ApplicationHandlerStop
