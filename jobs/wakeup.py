"""Wakes the sending process when another one has queued work (PostgreSQL LISTEN/NOTIFY).

With ``run`` and ``worker`` on one database, a broadcast is confirmed in ``run`` (it
receives the button press) while ``worker`` may hold the sender lock: without a signal
the copies would wait for the sender's next safety tick (10 s). ``notify`` costs one
statement; every process listens on a connection of its own and wakes its dispatcher,
which does nothing unless it is the sender. SQLite runs a single process: nothing to do.
If the listening connection breaks, the safety tick still sends everything and
:meth:`Wakeup.listen` (called on each tick) connects again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db_watch import DatabaseWatch, is_unreachable

logger = logging.getLogger(__name__)

CHANNEL = "delegate_bot_outbox"


class Wakeup:
    def __init__(
        self,
        engine: AsyncEngine,
        on_wake: Callable[[], None],
        watch: DatabaseWatch | None = None,
    ) -> None:
        self._engine = engine
        self._watch = watch or DatabaseWatch()
        self._on_wake = on_wake
        self._enabled = engine.dialect.name == "postgresql"
        self._connection: AsyncConnection | None = None
        self._driver: Any = None

    async def listen(self) -> None:
        """Listens for wake-ups (again, if the connection was lost)."""
        if not self._enabled:
            return
        if self._driver is not None and not self._driver.is_closed():
            return
        await self.close()
        try:
            connection = await self._engine.connect()
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.add_listener(CHANNEL, self._notified)
        except Exception as error:  # the safety tick covers for it; try again on the next one
            if is_unreachable(error):
                self._watch.unreachable(error, "listening for outbox wake-ups")
            else:
                logger.warning("cannot listen for outbox wake-ups", exc_info=True)
            return
        self._connection, self._driver = connection, driver

    async def notify(self) -> None:
        """Tells every process (the sender among them) that something is due now."""
        if not self._enabled:
            return
        try:
            async with self._engine.connect() as connection:
                await connection.execute(
                    text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL}
                )
                await connection.commit()
        except Exception as error:
            if is_unreachable(error):
                self._watch.unreachable(error, "sending an outbox wake-up")
            else:
                logger.warning("cannot send an outbox wake-up", exc_info=True)

    def _notified(self, *_args: object) -> None:
        self._on_wake()

    async def close(self) -> None:
        if self._driver is not None and not self._driver.is_closed():
            try:
                await self._driver.remove_listener(CHANNEL, self._notified)
            except Exception:  # closing a broken connection may fail too
                logger.debug("removing the wake-up listener failed", exc_info=True)
        if self._connection is not None:
            try:
                await self._connection.close()
            except Exception:
                logger.debug("closing the wake-up connection failed", exc_info=True)
        self._connection, self._driver = None, None
