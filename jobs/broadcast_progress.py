"""Keeps each broadcast's confirmation message up to date, and nudges at the deadline.

Every few seconds while a broadcast is sending, its counts are read from the database
and the confirmation message is edited in place: never sooner than ``EDIT_INTERVAL``
after its last edit (Telegram allows about one edit per second per chat, and every
edit takes a slot of the 30/s budget) and never with the text it already shows
(Telegram answers 400 "message is not modified"). When nothing is left to send, the
final summary goes in and the broadcast is ``done``. What was last shown and when is
stored with the broadcast, so a restarted process carries on where the last one was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.db_watch import is_unreachable
from bot.domain.durations import QuietHours
from bot.i18n import Gettext, get_translator
from bot.messages import broadcast_texts as texts
from bot.models import Broadcast
from bot.services.broadcasts.acks import plan_due_nudges
from bot.services.broadcasts.drafts import target_of
from bot.services.broadcasts.progress import (
    Progress,
    count_progress,
    list_sending,
    save_progress,
)
from bot.services.delegates.accounts import languages_of
from bot.services.outbox.rows import (
    Blocked,
    Delivered,
    Outgoing,
    Rejected,
    SendResult,
    TransientFailure,
)

logger = logging.getLogger(__name__)

EDIT_INTERVAL = timedelta(seconds=3)
HANDOVER = timedelta(seconds=30)
"""The confirming handler shows the first progress itself; until it has (or this long has
passed, if it died), the job keeps off the message, or the handler's "0/N" could land on
top of the job's final line and stay there."""


class Editor(Protocol):
    """Edits a message already sent (``jobs.telegram_notifier.TelegramNotifier``)."""

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> SendResult: ...


@dataclass
class ProgressStats:
    edited: int = 0
    finished: int = 0
    nudges: int = 0


class BroadcastProgress:
    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        editor: Editor,
        clock: Callable[[], datetime],
        quiet: QuietHours | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self._sessions = session_factory
        self._editor = editor
        self._clock = clock
        self._quiet = quiet
        self._zone = zone

    async def tick(self) -> ProgressStats:
        """Plans nudges that fell due, then edits every sending broadcast's message once.

        One session for the tick (its unit of work): the nudges in one transaction, the
        reads in another, each broadcast's progress saved in a short one of its own once
        its message is edited; no transaction is open while Telegram is asked.
        """
        async with self._sessions() as session:
            async with session.begin():
                nudges = await plan_due_nudges(
                    session=session, now=self._clock(), quiet=self._quiet, zone=self._zone
                )
            stats = ProgressStats(nudges=nudges)
            async with session.begin():
                broadcasts = await list_sending(session=session)
                ids = [b.id for b in broadcasts if b.id is not None]
                progress = await count_progress(session=session, broadcast_ids=ids)
                languages = await languages_of(
                    session=session, telegram_user_ids={b.created_by for b in broadcasts}
                )
            # Detached: a failed save rolls back and expires what the session holds, and
            # the other broadcasts must stay readable for the rest of the tick.
            session.expunge_all()
            for broadcast in broadcasts:
                assert broadcast.id is not None
                try:
                    _ = get_translator(languages.get(broadcast.created_by))
                    await self._update(session, broadcast, progress[broadcast.id], _, stats)
                except Exception as error:  # one broken broadcast must not hold up the others
                    if is_unreachable(error):
                        raise  # no broadcast can go on: the job ends (one line per outage)
                    logger.exception("could not update the progress of broadcast %s", broadcast.id)
        return stats

    async def _update(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        progress: Progress,
        _: Gettext,
        stats: ProgressStats,
    ) -> None:
        now = self._clock()
        edited_at = broadcast.progress_edited_at
        if edited_at is None:
            confirmed = broadcast.confirmed_at or now
            if now - confirmed < HANDOVER:
                return
        elif now - edited_at < EDIT_INTERVAL:
            return
        assert broadcast.id is not None
        target = target_of(broadcast)
        label = texts.target_label(target, _)
        text = texts.progress_text(broadcast.id, label, progress, _, target=target)
        if text != broadcast.progress_text and not await self._edit(
            broadcast, text, progress.finished, _
        ):
            return
        async with session.begin():  # after the edit: what the message shows now
            await save_progress(
                session=session,
                broadcast_id=broadcast.id,
                text=text,
                now=now,
                finished=progress.finished,
            )
        stats.edited += int(text != broadcast.progress_text)
        stats.finished += int(progress.finished)
        if progress.finished:
            logger.info("broadcast %s finished: %s", broadcast.id, text.replace("\n", " | "))

    async def _edit(self, broadcast: Broadcast, text: str, finished: bool, _: Gettext) -> bool:
        """True once the message shows ``text`` (or can never be edited again)."""
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return True
        assert broadcast.id is not None
        keyboard = texts.report_keyboard(broadcast.id, _) if finished else ()
        result = await self._editor.edit(
            broadcast.progress_chat_id,
            broadcast.progress_message_id,
            Outgoing(text=text, keyboard=keyboard),
        )
        match result:
            case Rejected(reason=reason):
                # Deleted or too old to edit: the report is still there under /thongbao.
                logger.warning(
                    "broadcast %s: progress message not editable: %s", broadcast.id, reason
                )
                return True
            case Delivered() | Blocked():
                return True  # shown; or the secretary blocked the bot (the copies go out)
            case TransientFailure(reason=reason):
                logger.info("broadcast %s: progress edit failed: %s", broadcast.id, reason)
                return False  # next tick
            case _:
                return False  # 429: next tick
