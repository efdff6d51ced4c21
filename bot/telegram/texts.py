"""Replies' helpers: the office's contact line, answering a button press.

``split_message`` and ``MAX_MESSAGE_LENGTH`` live in :mod:`bot.messages.texts`.
"""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.config import Settings
from bot.i18n import Gettext
from bot.messages.office import NamedCouncil, capitalized, office_name
from bot.messages.texts import MAX_MESSAGE_LENGTH as MAX_MESSAGE_LENGTH
from bot.messages.texts import split_message as split_message


def contact_line(settings: Settings, _: Gettext, council: NamedCouncil | None = None) -> str:
    """Whom to ask when the bot cannot help: the office's name and contact, if configured."""
    office = capitalized(office_name(_, council, override=settings.SECRETARIAT_NAME))
    if settings.SECRETARIAT_CONTACT.strip():
        return _("Contact: {office} — {contact}").format(
            office=escape(office), contact=escape(settings.SECRETARIAT_CONTACT.strip())
        )
    return _("Contact: {office}").format(office=escape(office))


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answers a button press; one handled late (after a restart, Telegram's answer window
    is a few minutes) has nobody waiting, and that is no reason to apologise."""
    try:
        await query.answer(text, show_alert=show_alert or None)
    except BadRequest as error:
        message = error.message.lower()
        if "query is too old" not in message and "query id is invalid" not in message:
            raise


async def edit(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edits the button's message; the same button pressed twice edits nothing, and
    Telegram's "message is not modified" for it is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as error:
        if not not_modified(error):
            raise


async def edit_buttons(message: Message, reply_markup: InlineKeyboardMarkup | None) -> None:
    """Replaces the message's buttons. Callers skip an edit they know changes nothing; the
    buttons put there meanwhile by another process are Telegram's "message is not
    modified", and that is not an error either."""
    try:
        await message.edit_reply_markup(reply_markup)
    except BadRequest as error:
        if not not_modified(error):
            raise


def not_modified(error: BadRequest) -> bool:
    """Telegram's refusal of an edit that changes nothing."""
    return "not modified" in error.message.lower()
