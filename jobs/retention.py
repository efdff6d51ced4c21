"""The nightly purge: old schedule uploads and delivered outbox rows, batch by batch
(``bot/services/retention.py`` says what goes and what is kept)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.db import SessionFactory
from bot.services.retention import BATCH, purge_delivered, purge_uploads


@dataclass(frozen=True)
class Purged:
    uploads: int
    outbox: int

    @property
    def any(self) -> bool:
        return bool(self.uploads or self.outbox)


async def purge(
    session_factory: SessionFactory,
    clock: Callable[[], datetime],
    *,
    batch: int = BATCH,
    still: Callable[[], bool] = lambda: True,
) -> Purged:
    """Deletes what is past keeping, one committed batch at a time; stops between
    batches once ``still()`` is false (the process is stopping)."""
    now = clock()
    counts = [0, 0]
    for index, step in enumerate((purge_uploads, purge_delivered)):
        while still():
            async with session_factory() as session, session.begin():
                deleted = await step(session=session, now=now, batch=batch)
            counts[index] += deleted
            if deleted < batch:
                break
    return Purged(uploads=counts[0], outbox=counts[1])
