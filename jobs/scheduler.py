"""The process's one scheduler: it only wakes the jobs; the database holds the work.

Jobs: dispatch (at the next due time, and every ``SAFETY_INTERVAL`` in case another
process queued rows), plan the outbox (every few minutes), extend the schedule horizon
(daily), and the secretariat's daily summary. Only the elected sender runs them, so
several processes against one PostgreSQL database never exceed Telegram's limit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.config import Settings
from bot.db import SessionFactory
from bot.services.outbox import next_due_at, take_over_leases
from bot.services.reminders import ReminderPolicy, plan_outbox
from bot.services.schedule import extend_horizon
from bot.services.summary import plan_summaries
from jobs.broadcast_progress import BroadcastProgress
from jobs.dispatcher import Dispatcher, DrainStats
from jobs.leader import SenderElection
from jobs.telegram_notifier import TelegramNotifier
from jobs.wakeup import Wakeup

logger = logging.getLogger(__name__)

SAFETY_INTERVAL = timedelta(seconds=10)
PROGRESS_INTERVAL = timedelta(seconds=3)
PLAN_INTERVAL = timedelta(minutes=5)
SUMMARY_TIME = (7, 30)
JOB_DEFAULTS = {
    "coalesce": True,
    "max_instances": 1,
    # Far above APScheduler's 1 s: a wake-up delayed by a busy loop must still run.
    "misfire_grace_time": 3600,
}


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobRunner:
    def __init__(
        self,
        *,
        settings: Settings,
        engine: AsyncEngine,
        session_factory: SessionFactory,
        bot: Bot,
        clock: Callable[[], datetime],
        safety_interval: timedelta = SAFETY_INTERVAL,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._clock = clock
        self._policy = ReminderPolicy.from_settings(settings)
        self._election = SenderElection(engine)
        self._safety_interval = safety_interval
        self._owner = process_name()
        self.dispatcher = Dispatcher(
            session_factory=session_factory,
            notifier=TelegramNotifier(bot),
            zone=settings.zone,
            clock=clock,
            owner=self._owner,
        )
        self.progress = BroadcastProgress(session_factory=session_factory, bot=bot, clock=clock)
        self._scheduler = AsyncIOScheduler(timezone=settings.zone, job_defaults=JOB_DEFAULTS)
        self._wakeup = Wakeup(engine, self._wake_here)
        self._notifying: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._stopping = False
        self.totals = DrainStats()

    def start(self) -> None:
        now = self._clock()
        self._scheduler.add_job(
            self.tick, "interval", seconds=self._safety_interval.total_seconds(), id="dispatch",
            next_run_time=now,
        )  # fmt: skip
        self._scheduler.add_job(
            self.plan, "interval", seconds=PLAN_INTERVAL.total_seconds(), id="plan",
            next_run_time=now,
        )  # fmt: skip
        # Broadcast progress messages and acknowledgement nudges: a cheap query when idle.
        self._scheduler.add_job(
            self.report_progress, "interval", seconds=PROGRESS_INTERVAL.total_seconds(),
            id="progress", next_run_time=now,
        )  # fmt: skip
        self._scheduler.add_job(self.extend, "cron", hour=1, minute=30, id="horizon")
        hour, minute = SUMMARY_TIME
        self._scheduler.add_job(self.summarise, "cron", hour=hour, minute=minute, id="summary")
        self._scheduler.start()
        logger.info("scheduler started")

    async def stop(self) -> None:
        """Stops waking jobs; a drain under way finishes its batch (in-flight sends end)."""
        self._stopping = True
        self.dispatcher.stop()
        self._scheduler.shutdown(wait=False)
        async with self._lock:  # waits for a running tick
            pass
        await self._wakeup.close()
        await self._election.release()

    async def tick(self) -> None:
        """Drain everything due, then sleep until the next due time."""
        if self._stopping:
            return
        await self._wakeup.listen()  # every process: any of them may become the sender
        if not await self._election.is_sender():
            return
        async with self._lock:
            if self._election.newly_elected():
                taken = await take_over_leases(
                    session_factory=self._sessions, owner=self._owner, now=self._clock()
                )
                if taken:
                    logger.warning("took over %d rows another sender was holding", taken)
            stats = await self.dispatcher.drain(still_sender=self._election.is_sender)
        for name in vars(stats):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(stats, name))
        if stats.messages or stats.failed or stats.missed:
            logger.info("dispatch: %s", stats)
        following = await next_due_at(session_factory=self._sessions)
        if following is not None and not self._stopping:
            run_at = max(following, self._clock() + timedelta(milliseconds=200))
            self._scheduler.add_job(
                self.tick, "date", run_date=run_at, id="wake", replace_existing=True
            )

    def wake(self) -> None:
        """Drain now (a broadcast was just confirmed), here or in whichever process sends."""
        self._wake_here()
        task = asyncio.get_running_loop().create_task(self._wakeup.notify())
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)

    def _wake_here(self) -> None:
        if not self._stopping:
            self._scheduler.add_job(
                self.tick, "date", run_date=self._clock(), id="wake", replace_existing=True
            )

    async def report_progress(self) -> None:
        if self._stopping or not await self._election.is_sender():
            return
        stats = await self.progress.tick()
        if stats.nudges:
            logger.info("queued %d acknowledgement reminders", stats.nudges)
            self.wake()

    async def plan(self) -> None:
        if self._stopping or not await self._election.is_sender():
            return
        counts = await plan_outbox(
            session_factory=self._sessions, policy=self._policy, now=self._clock()
        )
        if counts.any:
            logger.info("planned %d outbox rows, cancelled %d", counts.created, counts.cancelled)
            await self.tick()

    async def extend(self) -> None:
        if self._stopping or not await self._election.is_sender():
            return
        await extend_horizon(
            session_factory=self._sessions, now=self._clock(), zone=self._settings.zone
        )
        await self.plan()

    async def summarise(self) -> None:
        if self._stopping or not await self._election.is_sender():
            return
        now = self._clock()
        queued = await plan_summaries(
            session_factory=self._sessions,
            now=now,
            admin_ids=self._settings.ADMIN_TELEGRAM_IDS,
            day_key=now.astimezone(self._settings.zone).date().isoformat(),
            escalate_after=self._settings.REPORT_ESCALATE_AFTER,
        )
        if queued:
            await self.tick()
