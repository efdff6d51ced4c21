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

from bot.domain.buttons import (
    AcknowledgeButton,
    AgendaButton,
    BroadcastReportButton,
    BroadcastWorkbookButton,
    CancelBroadcastButton,
    ChooseStandInButton,
    ConfirmBroadcastButton,
    CorrectionButton,
    CouncilButton,
    DeadlineButton,
    LevelButton,
    NamesButton,
    NudgeMissingButton,
    PetitionButton,
    RecipientsButton,
    ReleaseButton,
    ReportButton,
    SessionAnswerButton,
    StandInButton,
    StatsCouncilButton,
    StatsQuarterButton,
    StopComposingButton,
    UnitButton,
    UnreachableButton,
    UploadButton,
    WithdrawAbsenceButton,
)
from bot.domain.callbacks import Callback, matches
from bot.telegram import (
    agenda,
    availability,
    availability_reason,
    missing,
    onboarding,
    petitions,
    petitions_command,
    profile,
    report_entry,
    reports,
    router,
    schedule_upload,
    stats,
)
from bot.telegram.broadcasts import draft, menu, notice
from bot.telegram.broadcasts import report as broadcast_report
from bot.telegram.budget import UserBudget
from bot.telegram.commands import (
    AGENDA,
    ATTENDANCE,
    AWAY,
    BROADCAST,
    HELP,
    LANGUAGE,
    LINKS,
    MISSING,
    PETITIONS,
    PROFILE,
    REPORT,
    START,
    STATS,
    Command,
)
from bot.telegram.context import DEPS_KEY, BotApplication, BotContext, Deps
from bot.telegram.errors import on_error
from bot.telegram.menus import set_default_menus
from bot.telegram.rate_limit import SlidingWindowRateLimiter
from bot.telegram.router import ConversationRouter
from bot.telegram.scope import ScopedUpdateProcessor, end_update_transaction, expired_button

logger = logging.getLogger(__name__)

# The limiter re-sends after a 429 this many times; AIORateLimiter's default (0) raises.
RATE_LIMIT_RETRIES = 5


def build_application(deps: Deps, *, receive_updates: bool = True) -> BotApplication:
    """The bot; without ``receive_updates`` (the worker) it only sends."""
    root = deps.settings.TELEGRAM_API_URL
    builder = ApplicationBuilder()
    if not receive_updates:
        builder = builder.updater(None)
    holder: list[BotApplication] = []
    # The processor reads the factory at each update, so a test may swap the deps.
    processor = ScopedUpdateProcessor(
        lambda: _deps_of(holder[0]).session_factory,
        budget=UserBudget(
            per_minute=deps.settings.USER_UPDATES_PER_MINUTE,
            burst=deps.settings.USER_UPDATE_BURST,
        ),
    )
    application: BotApplication = (
        builder.token(deps.settings.token())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .rate_limiter(
            SlidingWindowRateLimiter(
                per_second=deps.settings.SEND_RATE,
                max_retries=RATE_LIMIT_RETRIES,
                before_request=end_update_transaction,
            )
        )
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=deps.settings.zone))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor)
        .post_init(post_init)
        .build()
    )
    holder.append(application)
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


BUTTONS: tuple[tuple[type[Callback], object], ...] = (
    (StatsCouncilButton, stats.council_chosen),
    (StatsQuarterButton, stats.quarter_chosen),
    (RecipientsButton, menu.on_recipients),
    (LevelButton, menu.on_level),
    (UnitButton, menu.on_unit),
    (CouncilButton, menu.on_council),
    (StopComposingButton, menu.on_stop),
    (ConfirmBroadcastButton, draft.on_confirm),
    (CancelBroadcastButton, draft.on_cancel),
    (UnreachableButton, draft.on_unreachable),
    (DeadlineButton, draft.on_deadline),
    (AcknowledgeButton, broadcast_report.on_ack),
    (BroadcastReportButton, broadcast_report.on_report),
    (NamesButton, broadcast_report.on_names),
    (BroadcastWorkbookButton, broadcast_report.on_workbook),
    (CorrectionButton, broadcast_report.on_correction),
    (ReportButton, reports.on_report_button),
    (AgendaButton, agenda.agenda_button),
    (UploadButton, schedule_upload.decide),
    (ReleaseButton, availability.on_release),
    (StandInButton, availability.on_stand_in),
    (ChooseStandInButton, availability.on_choose),
    (SessionAnswerButton, availability.on_session_answer),
    (WithdrawAbsenceButton, availability.on_withdraw),
    (PetitionButton, petitions.on_button_press),
    (NudgeMissingButton, missing.on_nudge),
)
"""Every button type and its one handler (``bot/domain/buttons.py``)."""


def register_handlers(application: BotApplication) -> None:
    """Every handler, in order. The catch-all must stay last."""
    # Group -2, for every update: who is writing and their conversation, read once in the
    # update's session and kept on the context for the other groups.
    application.add_handler(TypeHandler(Update, router.resolve_scope), group=-2)
    # Group -1: a plain message inside an open conversation (a report, a broadcast draft)
    # belongs to it; commands always reach their own handlers.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND,
            ConversationRouter(
                {
                    reports.ReportConversation: reports.on_message,
                    notice.BroadcastConversation: notice.on_message,
                    availability_reason.AwayReasonConversation: availability_reason.on_message,
                    petitions.PetitionEntry: petitions.on_entry_message,
                    petitions.PetitionAnswer: petitions.on_answer_message,
                }
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
    application.add_handler(_command(REPORT, report_entry.report_command))
    application.add_handler(_command(MISSING, missing.missing_command))
    application.add_handler(_command(STATS, stats.stats_command))
    application.add_handler(_command(PETITIONS, petitions_command.petitions_command))
    application.add_handler(_command(BROADCAST, menu.broadcast_command))
    application.add_handler(_command(AWAY, availability.away_command))
    application.add_handler(_command(ATTENDANCE, availability.attendance_command))
    for data_type, callback in BUTTONS:
        application.add_handler(
            CallbackQueryHandler(callback, pattern=matches(data_type))  # type: ignore[arg-type]
        )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.Document.ALL, schedule_upload.receive_file
        )
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & ~filters.ChatType.PRIVATE, onboarding.private_only)
    )
    # A text outside any conversation may still be a report's figures (a reply to a prompt,
    # or after the conversation lapsed); the rest gets the "not understood" answer there.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            report_entry.figures_without_conversation,
        )
    )
    # Last: anything not handled above in a private chat gets a pointer to /help, and a
    # button nobody took (forged, or from a release that no longer issues it) has expired.
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, onboarding.unknown))
    application.add_handler(CallbackQueryHandler(expired_button))
    application.add_error_handler(on_error)


def _deps_of(application: BotApplication) -> Deps:
    deps = application.bot_data[DEPS_KEY]
    assert isinstance(deps, Deps)
    return deps


async def post_init(application: BotApplication) -> None:
    bot = application.bot
    # Only the default list: each chat's own (a secretary's) goes through the outbox,
    # planned with the change and caught up by the menu sync's first look.
    await set_default_menus(bot)
    logger.info("bot @%s is ready", bot.username)


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
