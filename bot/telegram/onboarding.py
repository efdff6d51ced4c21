"""/start with an invite token, /help, /ngonngu: what every user can do."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.config import Settings
from bot.domain.dates import format_lead_time
from bot.domain.schedule import KIND_LABELS
from bot.i18n import LANGUAGES, N_, Gettext, get_translator
from bot.models import Council
from bot.services.delegates.accounts import LinkOutcome, redeem_invite, set_language
from bot.services.outbox.reminders import ReminderPolicy, plan_for_delegates
from bot.telegram.commands import HELP, START, Command, audience_of, commands_for
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.menus import plan_chat_menus
from bot.telegram.scope import Access, requires
from bot.telegram.texts import contact_line

logger = logging.getLogger(__name__)

_REFUSALS: dict[LinkOutcome, str] = {
    LinkOutcome.unknown_token: N_(
        "This invite link is not valid. Check that you opened the whole link, "
        "or ask the council office (Văn phòng HĐND) for a new one."
    ),
    LinkOutcome.used_token: N_(
        "This invite link has already been used. Each link works only once; "
        "ask the council office for a new one if you need it."
    ),
    LinkOutcome.revoked_token: N_(
        "This invite link has been replaced by a newer one. "
        "Please use the latest link the council office sent you."
    ),
    LinkOutcome.expired_token: N_(
        "This invite link has expired (links are valid for 30 days). "
        "Please ask the council office for a new one."
    ),
    LinkOutcome.account_linked_elsewhere: N_(
        "This Telegram account is already linked to another delegate of the same council. "
        "Each delegate of a council needs their own account; contact the council office."
    ),
    LinkOutcome.delegate_taken: N_(
        "This delegate is already linked to another Telegram account. "
        "If that is not you, contact the council office at once."
    ),
    LinkOutcome.delegate_inactive: N_(
        "This delegate record is no longer active. Please contact the council office."
    ),
}


def command_lines(commands: tuple[Command, ...], _: Gettext) -> str:
    lines = []
    for command in commands:
        names = " · ".join(f"/{name}" for name in command.names)
        usage = f" {escape(command.usage)}" if command.usage else ""
        lines.append(f"{names}{usage} — {escape(_(command.description))}")
    return "\n".join(lines)


def _greeting(scope: UpdateScope) -> str:
    """``/start`` without a link: hello to a linked delegate, how to link to anyone else."""
    identity, _ = scope.identity, scope._
    if identity is not None and identity.delegate is not None:
        return _("Hello {name}! Your account is linked. Send /help to see what you can do.").format(
            name=escape(identity.delegate.full_name)
        )
    return _(
        "Hello! This bot reminds People's Council delegates of their duties.\n\n"
        "To start, open the personal invite link the council office "
        "(Văn phòng HĐND) sent you. If you have not received one, "
        "please contact the office."
    )


@requires(Access.anyone)
async def start(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Links the account when a token is given; otherwise explains how to get one."""
    if (message := update.effective_message) is None or (user := update.effective_user) is None:
        return
    _ = scope._
    if not context.args:
        await message.reply_text(_greeting(scope))
        return
    result = await redeem_invite(
        session=scope.session, token=context.args[0], telegram_user_id=user.id, now=scope.now
    )
    planned = 0
    if result.outcome is LinkOutcome.linked and result.delegate is not None:
        assert result.delegate.id is not None
        # What they are owed from now on, written with the link itself.
        planned = await plan_for_delegates(
            session=scope.session,
            policy=ReminderPolicy.from_settings(scope.settings),
            now=scope.now,
            delegate_ids=[result.delegate.id],
        )
        planned += await plan_chat_menus(scope, [user.id])
    await scope.commit()
    if planned:
        context.deps.wake()
    if result.outcome in (LinkOutcome.linked, LinkOutcome.already_linked):
        assert result.delegate is not None
        _ = get_translator(result.delegate.language)
        if result.outcome is LinkOutcome.linked:
            logger.info("delegate %s linked a Telegram account", result.delegate.code)
            text = _(
                "Welcome, {name}, delegate of {council}! Your duties and reminders will "
                "come here from now on.\n\nSend /trogiup to see what you can do."
            )
        else:
            text = _("Your account is already linked to delegate {code} ({name}).")
        # A code means nothing to a delegate: the council's name does.
        council = await scope.session.get(Council, result.delegate.council_id)
        await message.reply_text(
            text.format(
                name=escape(result.delegate.full_name),
                code=escape(result.delegate.code),
                council=escape(council.name if council is not None else result.delegate.code),
            )
        )
        return
    logger.info("invite refused: %s", result.outcome.value)
    await message.reply_text(
        _(_REFUSALS[result.outcome]) + "\n\n" + contact_line(context.deps.settings, _)
    )


@requires(Access.anyone)
async def help_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Lists the commands this user's role may use."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    audience = audience_of(identity)
    commands = commands_for(audience)
    if identity is None or audience == 0:
        header = _("You have not linked your account yet. You can use:")
    else:
        # A linked user has no use for /start: it only links an account.
        commands = tuple(command for command in commands if command is not START)
        header = (
            _("You are council secretariat staff. You can use:")
            if identity.office.is_office
            else _("You are a delegate. You can use:")
        )
    parts = [f"{header}\n\n{command_lines(commands, _)}"]
    if identity is not None and identity.is_linked:
        parts.append(reminder_schedule(context.deps.settings, identity.language, _))
    delegate = identity.delegate if identity is not None else None
    council = await scope.session.get(Council, delegate.council_id) if delegate else None
    parts.append(contact_line(context.deps.settings, _, council))
    await message.reply_text("\n\n".join(parts))


def reminder_schedule(settings: Settings, language: str, _: Gettext) -> str:
    """Which reminders arrive when, from the settings in force."""
    lines = [escape(_("Reminders arrive:"))]
    for kind, leads in settings.REMINDER_OFFSETS.items():
        if not leads or kind not in KIND_LABELS:
            continue
        before = ", ".join(format_lead_time(lead, language) for lead in leads)
        lines.append(
            "• "
            + escape(_("{kind}: {before} before").format(kind=_(KIND_LABELS[kind]), before=before))
        )
    lines.append("• " + escape(_("every morning at 7h00: the day's duties")))
    lines.append(
        "• "
        + escape(_("after a citizen reception, voter meeting or supervision: a request to report"))
    )
    return "\n".join(lines)


@requires(Access.anyone)
async def language(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Switches the user's language between Vietnamese and English."""
    if (message := update.effective_message) is None:
        return
    identity, _ = scope.identity, scope._
    if identity is None:
        return
    choice = context.args[0].lower() if context.args else ""
    if choice not in LANGUAGES:
        await message.reply_text(
            _("Choose a language: /ngonngu vi (Tiếng Việt) or /ngonngu en (English).")
        )
        return
    await set_language(session=scope.session, identity=identity, language=choice)
    menus = await plan_chat_menus(scope, [identity.telegram_user_id])
    await scope.commit()
    if menus:
        context.deps.wake()
    _ = get_translator(choice)
    # Each language its own message: one id for both would read right only by accident.
    done = N_("Language set to English.") if choice == "en" else N_("Language set to Vietnamese.")
    await message.reply_text(_(done))


@requires(Access.anyone)
async def private_only(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Commands in a group get a pointer to the private chat, and no one's data."""
    if (message := update.effective_message) is None or message.text is None:
        return
    command = message.text.split()[0]
    if "@" in command and command.split("@", 1)[1].lower() != context.bot.username.lower():
        return  # addressed to another bot in the group
    _ = scope._
    await message.reply_text(
        _("Please write to me in a private chat: @{bot}").format(bot=context.bot.username)
    )


@requires(Access.anyone)
async def unknown(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Anything the bot does not understand gets a pointer to /help, never silence."""
    if (message := update.effective_message) is None:
        return
    _ = scope._
    await message.reply_text(
        _("Sorry, I did not understand that. Send /{help} to see what you can do.").format(
            help=HELP.name
        )
    )
