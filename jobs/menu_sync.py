"""The scheduler's look for chats whose menus were changed by other means (SQL, a newly
set ``WEBAPP_URL``, an admin added): ``bot/services/menus/planning.py`` plans them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.db import SessionFactory
from bot.services.menus.planning import sync_menus

logger = logging.getLogger(__name__)

SYNC_INTERVAL = 600.0
"""Seconds between two looks for changes made by other means."""


class MenuSync:
    """The scheduler's job: plans the menus the records and the outbox disagree about
    (changed by other means); wakes the sender."""

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
        async with self._sessions() as session, session.begin():
            planned = await sync_menus(
                session=session,
                now=self._clock(),
                admin_ids=self._settings.ADMIN_TELEGRAM_IDS,
                buttons=self._settings.WEBAPP_URL is not None,
            )
        if planned or not self._looked:  # the first look is logged even when it plans none
            logger.info("menus planned for %d chats", planned)
        self._looked = True
        if planned and self._wake is not None:
            self._wake()
        return planned
