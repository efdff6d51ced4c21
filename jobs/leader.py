"""One active sender per bot token: a PostgreSQL advisory lock elects it.

Telegram counts 30 messages/second per token, and a rate limiter only knows its own
process, so only the lock holder dispatches. The lock lives on a connection of its own;
when the holder dies, PostgreSQL drops the connection and the lock, and another process
takes over at its next attempt. SQLite runs a single process: it is always the sender.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

# Any constant shared by every process of this application: "HDND" in ASCII.
LOCK_KEY = 0x48444E44


class SenderElection:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._single_process = engine.dialect.name != "postgresql"
        self._elected_once = False
        # Jobs ask concurrently; one connection must not run two checks at once.
        self._lock = asyncio.Lock()

    @property
    def single_process(self) -> bool:
        """SQLite: no election, this process is the only one."""
        return self._single_process

    @property
    def holding(self) -> bool:
        """Whether this process is the sender as of its last check (no database access)."""
        return self._single_process or self._connection is not None

    def newly_elected(self) -> bool:
        """True once, right after this process first became the sender."""
        if self._elected_once:
            return False
        self._elected_once = True
        return True

    async def is_sender(self) -> bool:
        """Holds the lock, or tries to take it now. Cheap to call on every tick."""
        if self._single_process:
            return True
        async with self._lock:
            return await self._check()

    async def _check(self) -> bool:
        if self._connection is not None:
            if await self._still_held():
                return True
            await self._drop()
        connection = await self._engine.connect()
        try:
            taken = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
                )
            ).scalar_one()
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        self._elected_once = False
        logger.info("this process is now the active sender")
        return True

    async def _still_held(self) -> bool:
        assert self._connection is not None
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:  # a broken connection means the lock is gone
            logger.warning("lost the sender lock's connection")
            return False
        return True

    async def _drop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            # Invalidated first: the lock's connection never goes back to the pool, and a
            # broken one whose close fails is still checked in, not left for the garbage
            # collector to find ("non-checked-in connection") long after the outage.
            try:
                await connection.invalidate()
            except Exception:
                logger.debug("invalidating the lock connection failed", exc_info=True)
            try:
                await connection.close()
            except Exception:  # closing a broken connection may fail too
                logger.debug("closing the lock connection failed", exc_info=True)

    async def release(self) -> None:
        async with self._lock:
            await self._release()

    async def _release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
                )
                await self._connection.commit()
            except Exception:  # the connection closing releases it anyway
                logger.debug("explicit unlock failed", exc_info=True)
            await self._drop()
