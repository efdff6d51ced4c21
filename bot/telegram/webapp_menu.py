"""The Mini App's menu button (``setChatMenuButton`` with a ``web_app``) in linked chats.

"Bảng theo dõi" (the office's dashboard) for the office, "Lịch của tôi" for delegates,
in the user's language, when ``WEBAPP_URL`` is set. Never sent from here: a change is
planned as an outbox row in the unit of work that makes it (a link, ``/ngonngu``, a
roster import; see ``bot/services/webapp/menus.py``) and the dispatcher sets it.
:class:`MenuSync`, run by the scheduler, plans what other means changed (SQL, a newly set
``WEBAPP_URL``); it compares with the rows already planned, so a restart plans nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from bot.config import Settings
from bot.db import SessionFactory
from bot.services.webapp.menus import plan_menus, sync_menus
from bot.telegram.context import UpdateScope

logger = logging.getLogger(__name__)

SYNC_INTERVAL = 600.0
"""Seconds between two looks for changes made by other means."""


class MenuSync:
    """Plans the buttons the records and the outbox disagree about; wakes the sender."""

    def __init__(
        self,
        settings: Settings,
        session_factory: SessionFactory,
        clock: Callable[[], datetime],
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._clock = clock
        self._wake = wake
        self._looked = False

    async def refresh(self) -> int:
        """How many rows were planned (none when every chat has what its records say)."""
        if self._settings.WEBAPP_URL is None:
            return 0
        async with self._sessions() as session, session.begin():
            planned = await sync_menus(
                session=session, now=self._clock(), admin_ids=self._settings.ADMIN_TELEGRAM_IDS
            )
        if planned or not self._looked:  # the first look is logged even when it plans none
            logger.info("Mini App button planned for %d chats", planned)
        self._looked = True
        if planned and self._wake is not None:
            self._wake()
        return planned


async def plan_menu_buttons(scope: UpdateScope, chats: Collection[int]) -> int:
    """In the update's unit of work, before its commit: these chats' buttons as their
    records now say (a link, a language). The caller wakes the sender after the commit."""
    if scope.settings.WEBAPP_URL is None:
        return 0
    return await plan_menus(
        session=scope.session,
        chats=chats,
        now=scope.now,
        admin_ids=scope.settings.ADMIN_TELEGRAM_IDS,
    )
