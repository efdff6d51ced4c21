"""Command menus per role: every user sees the delegate's menu (the default list, set at
start-up); a secretary's own chat shows the secretariat's commands too, set through the
outbox (``bot/services/menus/``) with the chat's Mini App button."""

from __future__ import annotations

from collections.abc import Collection

from telegram import Bot, BotCommand

from bot.i18n import LANGUAGES, get_translator
from bot.services.menus.planning import plan_menus
from bot.telegram.commands import START, Audience, commands_for
from bot.telegram.context import UpdateScope


def menu(audience: Audience, language: str) -> list[BotCommand]:
    """The commands of ``audience`` (without /start, which only links an account)."""
    _ = get_translator(language)
    return [
        BotCommand(command.name, _(command.description))
        for command in commands_for(audience)
        if command is not START
    ]


async def set_default_menus(bot: Bot) -> None:
    """At start-up: the list every chat without one of its own shows (no chat scope)."""
    await bot.set_my_commands(menu(Audience.delegate, "vi"))
    for language in LANGUAGES:
        await bot.set_my_commands(menu(Audience.delegate, language), language_code=language)


def secretariat_menu() -> list[tuple[str | None, list[BotCommand]]]:
    """The secretariat's lists, for the sender to set in a secretary's chat (the one shown
    when no language matches, in Vietnamese, then each language's)."""
    return [
        (None, menu(Audience.secretary, "vi")),
        *((language, menu(Audience.secretary, language)) for language in LANGUAGES),
    ]


async def plan_chat_menus(scope: UpdateScope, chats: Collection[int]) -> int:
    """In the update's unit of work, before its commit: these chats' menus as their
    records now say (a link, a language). The caller wakes the sender after the commit."""
    return await plan_menus(
        session=scope.session,
        chats=chats,
        now=scope.now,
        admin_ids=scope.settings.ADMIN_TELEGRAM_IDS,
        buttons=scope.settings.WEBAPP_URL is not None,
    )
