"""The dispatcher's writes, kept in memory while the database is away and made once it answers.

A message Telegram has accepted is sent, whether or not the database can say so yet: if
its outcome were lost with the connection, the row would stay ``sending`` until its lease
ran out and then go out a second time. So an outcome that cannot be written is kept, in
order, and written before the next claim (:meth:`HeldWrites.flush`). Only if the process
dies meanwhile do those rows go out again, flagged ``outcome_uncertain`` like any other
possible duplicate. A claim whose commit went through unanswered leaves rows leased to
this process that it never saw: :meth:`HeldWrites.resume` hands them back. (An outcome
whose commit went through unanswered is written again and changes nothing; ``record``
then logs that it found fewer rows to write.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory, begin_for_savepoints
from bot.db_watch import DatabaseWatch, describe, is_unreachable
from bot.services.outbox.rows import release_leases

logger = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[object]]


class HeldWrites:
    def __init__(self, sessions: SessionFactory, watch: DatabaseWatch, owner: str) -> None:
        self._sessions = sessions
        self._watch = watch
        self._owner = owner
        self._held: list[Write] = []
        self._orphans = False
        """A claim may have been committed unanswered: rows may be leased to us, unseen."""

    @property
    def held(self) -> int:
        return len(self._held)

    async def write(self, write: Write, doing: str) -> None:
        """``write`` in a transaction of its own, or kept for later when the database is away
        (or while earlier writes are kept: a later outcome must not overtake them)."""
        if self._held:
            self._held.append(write)
            return
        try:
            async with self._sessions() as session, session.begin():
                await write(session)
        except Exception as error:
            if not is_unreachable(error):
                raise
            self._watch.unreachable(error, doing)
            self._held.append(write)

    def lost(self, error: Exception, doing: str) -> None:
        """A read or a claim failed: raised again unless the database is away (noted once)."""
        if not is_unreachable(error):
            raise error
        self._orphans = True
        self._watch.unreachable(error, doing)

    async def resume(self, now: datetime) -> bool:
        """Before a drain claims: the kept outcomes written, and the rows of a claim whose
        answer was lost handed back (nothing is in flight between two drains, so every row
        still leased to us then is such a row, never sent). ``False`` while still away."""
        if not await self.flush():
            return False
        if not self._orphans:
            return True
        try:
            async with self._sessions() as session, session.begin():
                await release_leases(session=session, owner=self._owner, now=now, uncertain=False)
        except Exception as error:
            if not is_unreachable(error):
                raise
            self._watch.unreachable(error, "handing back outbox rows")
            return False
        self._orphans = False
        return True

    async def flush(self) -> bool:
        """Writes what was kept, in order, in one transaction; ``True`` once nothing is kept.

        Each write has a savepoint of its own: one that fails for a reason other than an
        outage (a bug) is rolled back alone, logged once with its reason and given up (its
        rows' leases run out and they go out again, flagged as possible duplicates); the
        others are still written. The database going away meanwhile rolls the whole
        transaction back: all of them are kept, in order, for the next flush.
        """
        if not self._held:
            return True
        writes, count = list(self._held), len(self._held)
        failed: list[tuple[int, Exception]] = []
        try:
            async with self._sessions() as session, session.begin():
                await begin_for_savepoints(session)
                for number, write in enumerate(writes, start=1):
                    try:
                        async with session.begin_nested():
                            await write(session)
                    except Exception as error:
                        if is_unreachable(error):
                            raise
                        failed.append((number, error))
        except Exception as error:
            if is_unreachable(error):
                self._watch.unreachable(error, "recording outbox outcomes")
                return False
            # The transaction itself, not one write (its commit): a bug. Keeping them would
            # block every later claim; their leases run out and the rows go out again,
            # flagged as possible duplicates.
            logger.exception("could not record %d kept outbox outcomes; dropped", count)
            failed = []
            count_written = 0
        else:
            count_written = count - len(failed)
        del self._held[:count]
        for number, bad in failed:
            logger.error(
                "could not record kept outbox outcome %d of %d; given up (%s)",
                number, count, describe(bad), exc_info=bad,
            )  # fmt: skip
        if count_written:
            logger.info(
                "recorded %d outbox outcomes kept while the database was away", count_written
            )
        return not self._held
