"""The last line of defence: log the failure, tell the user, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationHandlerStop

from bot.db_watch import describe, is_unreachable
from bot.i18n import get_translator
from bot.telegram.context import BotContext

logger = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Rolls the update's writes back, logs the exception (never the update's text),
    apologises to the user once, and stops the update there: the handlers of later groups
    (the catch-all "I did not understand" among them) must not answer it too."""
    await _report(update, context)
    if isinstance(update, Update):
        raise ApplicationHandlerStop


async def _report(update: object, context: BotContext) -> None:
    if context.update_scope is not None:
        try:
            await context.update_scope.session.rollback()
        except Exception:  # the database itself may be what failed
            logger.warning("could not roll back the failed update's writes")
    error = context.error
    # BadRequest and Forbidden subclass NetworkError in PTB 22, but a rejected request is
    # a bug of ours and needs its traceback.
    if isinstance(error, (RetryAfter, NetworkError)) and not isinstance(
        error, (Forbidden, BadRequest)
    ):
        logger.warning("Telegram API trouble: %s", error)
    elif error is not None and is_unreachable(error):  # an outage, not a bug: no traceback
        logger.warning("database unreachable, an update was not handled: %s", describe(error))
    else:
        logger.error("unhandled error while processing an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return
    if isinstance(error, BadRequest) and "query is too old" in error.message.lower():
        return  # a button press answered too late: the action itself was done
    user = update.effective_user
    _ = get_translator(user.language_code if user is not None else None)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("Sorry, something went wrong on our side. Please try again in a moment."),
        )
    except Exception:
        logger.warning("could not tell the user about the error")
