"""Command menus per role: every user sees the delegate's menu; a secretary's own chat
shows the secretariat's commands too (``setMyCommands`` with a chat scope)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.db import SessionFactory
from bot.i18n import LANGUAGES, get_translator
from bot.services.delegates.accounts import secretary_chats
from bot.telegram.commands import START, Audience, commands_for

logger = logging.getLogger(__name__)


def menu(audience: Audience, language: str) -> list[BotCommand]:
    """The commands of ``audience`` (without /start, which only links an account)."""
    _ = get_translator(language)
    return [
        BotCommand(command.name, _(command.description))
        for command in commands_for(audience)
        if command is not START
    ]


async def set_default_menus(bot: Bot) -> None:
    await bot.set_my_commands(menu(Audience.delegate, "vi"))
    for language in LANGUAGES:
        await bot.set_my_commands(menu(Audience.delegate, language), language_code=language)


async def set_secretary_menu(bot: Bot, chat_id: int) -> None:
    """The secretariat's menu in this chat, in both languages; a failure is only logged."""
    scope = BotCommandScopeChat(chat_id)
    try:
        await bot.set_my_commands(menu(Audience.secretary, "vi"), scope=scope)
        for language in LANGUAGES:
            await bot.set_my_commands(
                menu(Audience.secretary, language), scope=scope, language_code=language
            )
    except TelegramError as error:
        logger.warning("could not set a secretary's command menu: %s", error)


async def set_all_menus(bot: Bot, session_factory: SessionFactory, admins: Iterable[int]) -> None:
    """At start-up (outside any update): the default menus, then each secretary's chat."""
    await set_default_menus(bot)
    async with session_factory() as session:
        chats = await secretary_chats(session=session, admins=admins)
    for chat_id in sorted(chats):
        await set_secretary_menu(bot, chat_id)
