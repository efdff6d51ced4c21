"""Builds the PTB Application: API root, rate limiter, defaults, handlers, command menus."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.messages import report_texts
from bot.telegram import (
    agenda,
    broadcast,
    broadcast_draft,
    broadcast_report,
    missing,
    onboarding,
    profile,
    reports,
    router,
    schedule_upload,
    stats,
)
from bot.telegram.commands import (
    AGENDA,
    BROADCAST,
    HELP,
    LANGUAGE,
    LINKS,
    MISSING,
    PROFILE,
    REPORT,
    START,
    STATS,
    Command,
)
from bot.telegram.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.telegram.errors import on_error
from bot.telegram.menus import set_all_menus
from bot.telegram.rate_limit import SlidingWindowRateLimiter
from bot.telegram.router import ConversationRouter

logger = logging.getLogger(__name__)

# The limiter re-sends after a 429 this many times; AIORateLimiter's default (0) raises.
RATE_LIMIT_RETRIES = 5


def build_application(deps: Deps, *, receive_updates: bool = True) -> BotApplication:
    """The bot; without ``receive_updates`` (the worker) it only sends."""
    root = deps.settings.TELEGRAM_API_URL
    builder = ApplicationBuilder()
    if not receive_updates:
        builder = builder.updater(None)
    application: BotApplication = (
        builder.token(deps.settings.token())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .rate_limiter(
            SlidingWindowRateLimiter(
                per_second=deps.settings.SEND_RATE, max_retries=RATE_LIMIT_RETRIES
            )
        )
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=deps.settings.zone))
        .context_types(ContextTypes(context=BotContext))
        .post_init(post_init)
        .build()
    )
    application.bot_data[DEPS_KEY] = deps
    register_handlers(application)
    return application


def _command(command: Command, callback: object) -> CommandHandler[BotContext, None]:
    # Private chats only: a delegate's schedule must not be shown to a whole group.
    return CommandHandler(
        list(command.names),
        callback,  # type: ignore[arg-type]
        filters=filters.ChatType.PRIVATE,
    )


def register_handlers(application: BotApplication) -> None:
    """Every handler, in order. The catch-all must stay last."""
    # Group -2, for every update: who is writing (kept on the context for the others).
    application.add_handler(TypeHandler(Update, router.resolve_identity), group=-2)
    # Group -1: a plain message inside an open conversation (a report, a broadcast draft)
    # belongs to it; commands always reach their own handlers.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND,
            ConversationRouter(
                {reports.KIND: reports.on_message, broadcast.CONVERSATION: broadcast.on_message}
            ),
        ),
        group=-1,
    )
    application.add_handler(_command(START, onboarding.start))
    application.add_handler(_command(HELP, onboarding.help_command))
    application.add_handler(_command(LANGUAGE, onboarding.language))
    application.add_handler(_command(AGENDA, agenda.agenda))
    application.add_handler(_command(PROFILE, profile.profile))
    application.add_handler(_command(LINKS, profile.links))
    application.add_handler(_command(REPORT, reports.report_command))
    application.add_handler(_command(MISSING, missing.missing_command))
    application.add_handler(_command(STATS, stats.stats_command))
    application.add_handler(
        CallbackQueryHandler(stats.stats_button, pattern=stats.CALLBACK_PATTERN)
    )
    application.add_handler(_command(BROADCAST, broadcast.broadcast_command))
    for module in (broadcast, broadcast_draft, broadcast_report):
        application.add_handler(
            CallbackQueryHandler(module.on_callback, pattern=module.CALLBACK_PATTERN)
        )
    application.add_handler(
        CallbackQueryHandler(reports.on_button, pattern=report_texts.CALLBACK_PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(agenda.send_ics, pattern=f"^{agenda.ICS_CALLBACK}$")
    )
    application.add_handler(
        CallbackQueryHandler(agenda.agenda_button, pattern=f"^{agenda.AGENDA_CALLBACK}$")
    )
    application.add_handler(
        CallbackQueryHandler(schedule_upload.decide, pattern=schedule_upload.CALLBACK_PATTERN)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.Document.ALL, schedule_upload.receive_file
        )
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & ~filters.ChatType.PRIVATE, onboarding.private_only)
    )
    # Last: anything not handled above in a private chat gets a pointer to /help.
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, onboarding.unknown))
    application.add_error_handler(on_error)


async def post_init(application: BotApplication) -> None:
    bot = application.bot
    deps = application.bot_data[DEPS_KEY]
    assert isinstance(deps, Deps)
    await set_all_menus(bot, deps.session_factory, deps.settings.ADMIN_TELEGRAM_IDS)
    logger.info("bot @%s is ready", bot.username)


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
