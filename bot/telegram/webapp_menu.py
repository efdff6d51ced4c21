"""The Mini App's menu button: ``setChatMenuButton`` with a ``web_app`` in linked users' chats.

"Bảng điều khiển" (the office's dashboard) for the office, "Lịch của tôi" for delegates,
in the user's language, when ``WEBAPP_URL`` is set. Set when a user links (onboarding),
and by :class:`MenuButtons`, run by the scheduler, for every chat whose role or language
changed since it last looked (a roster import that makes a delegate office staff, from
the command line or another process); the first run sets every linked chat.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import Bot, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from bot.config import Settings
from bot.db import SessionFactory
from bot.i18n import N_, get_translator
from bot.services.webapp.access import MenuWanted, menu_wanted
from bot.telegram.context import UpdateScope

logger = logging.getLogger(__name__)

OFFICE_BUTTON = N_("Dashboard")
DELEGATE_BUTTON = N_("My calendar")
SYNC_INTERVAL = 600.0
"""Seconds between two looks for changed roles."""


def menu_button(settings: Settings, wanted: MenuWanted) -> MenuButtonWebApp | None:
    if settings.WEBAPP_URL is None:
        return None
    _ = get_translator(wanted.language)
    return MenuButtonWebApp(
        text=_(OFFICE_BUTTON if wanted.office else DELEGATE_BUTTON),
        web_app=WebAppInfo(url=settings.WEBAPP_URL),
    )


async def set_menu_button(bot: Bot, chat_id: int, settings: Settings, wanted: MenuWanted) -> bool:
    """Sets it in this chat; a failure is only logged (the next sync tries again)."""
    button = menu_button(settings, wanted)
    if button is None:
        return False
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as error:
        logger.warning("could not set a chat's Mini App button: %s", error)
        return False
    return True


class MenuButtons:
    """What this process last set in each chat, so that only changes are sent again."""

    def __init__(self, bot: Bot, settings: Settings, session_factory: SessionFactory) -> None:
        self._bot = bot
        self._settings = settings
        self._sessions = session_factory
        self._set: dict[int, MenuWanted] = {}

    async def refresh(self, chats: Collection[int] | None = None) -> int:
        """Sets the button where it is not what the records say; how many were set."""
        if self._settings.WEBAPP_URL is None:
            return 0
        async with self._sessions() as session:
            wanted = await menu_wanted(
                session=session, admin_ids=self._settings.ADMIN_TELEGRAM_IDS, chats=chats
            )
        count = 0
        for chat_id, want in sorted(wanted.items()):
            if self._set.get(chat_id) == want:
                continue
            if await set_menu_button(self._bot, chat_id, self._settings, want):
                self._set[chat_id] = want
                count += 1
        if count:
            logger.info("Mini App button set in %d chats", count)
        return count


async def set_menu_buttons(bot: Bot, scope: UpdateScope, chat_id: int) -> None:
    """Right after a link: this chat's button as its records now say (read in the update's
    session, after its commit)."""
    if scope.settings.WEBAPP_URL is None:
        return
    wanted = await menu_wanted(
        session=scope.session, admin_ids=scope.settings.ADMIN_TELEGRAM_IDS, chats=[chat_id]
    )
    if (want := wanted.get(chat_id)) is not None:
        await set_menu_button(bot, chat_id, scope.settings, want)
