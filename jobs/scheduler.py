"""The process's one scheduler: it only wakes the jobs; the database holds the work.

Jobs: dispatch (at the next due time, and every ``SAFETY_INTERVAL`` in case another
process queued rows), plan the outbox and, once it is due, the secretariat's daily
summary (every few minutes, and at 07:30 sharp), broadcasts' progress messages and
acknowledgement nudges (every ``PROGRESS_INTERVAL``), extend the schedule horizon
(01:30) and purge old uploads and delivered outbox rows (02:45); the runtime adds the
chats' menus (:meth:`JobRunner.every`). Only the elected sender sends, so several
processes against one PostgreSQL database never exceed Telegram's limit.

Until Telegram has answered (``start(sending=False)``, then :meth:`JobRunner.enable_sending`)
only the jobs that need no network run: planning and the horizon write the outbox, and
the rows wait in the database. A stop lets the running jobs finish within a bound (a
drain sends what it has claimed and claims no more), then cuts short the requests to
Telegram still under way (never a database write: one cancelled halfway left SQLite
locked, so nothing could be handed back), and hands back every row this process still
holds, so none is left ``sending``.

While the database is away a job ends at its first failed call (each is bounded, see
``bot.db.DatabaseBounds``) and tells the process's :class:`~bot.db_watch.DatabaseWatch`,
which logs the outage once; the next run of each job (the dispatch tick every
``SAFETY_INTERVAL``) resumes once the database answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.config import Settings
from bot.db import SessionFactory
from bot.db_watch import DatabaseWatch, is_unreachable
from bot.domain.reminders import SUMMARY_TIME, summary_day
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import next_due_at, release_leases, take_over_leases
from bot.services.outbox.summary import plan_daily_summary
from bot.services.schedule.sync import extend_horizon
from jobs.broadcast_progress import BroadcastProgress
from jobs.dispatch_queue import DrainStats
from jobs.dispatcher import Dispatcher
from jobs.leader import SenderElection
from jobs.registry import registry_for
from jobs.retention import purge
from jobs.telegram_notifier import SecretariatMenu, TelegramNotifier
from jobs.wakeup import Wakeup

logger = logging.getLogger(__name__)

SAFETY_INTERVAL = timedelta(seconds=10)
PROGRESS_INTERVAL = timedelta(seconds=3)
PLAN_INTERVAL = timedelta(minutes=5)
STOP_TIMEOUT = 10.0
"""Seconds a stop waits for running jobs (in-flight sends) before cutting them short."""
CANCEL_TIMEOUT = 2.0
"""Seconds the jobs then have to end once their requests to Telegram are cut short."""
FORCE_TIMEOUT = 1.0
"""Seconds a job still running after that is given once cancelled (a last resort)."""
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
        watch: DatabaseWatch | None = None,
        secretariat_menu: SecretariatMenu,
    ) -> None:
        self._settings = settings
        self.watch = watch or DatabaseWatch()
        self._sessions = session_factory
        self._clock = clock
        self._policy = ReminderPolicy.from_settings(settings)
        self._election = SenderElection(engine)
        self._safety_interval = safety_interval
        self._owner = process_name()
        notifier = TelegramNotifier(
            bot, webapp_url=settings.WEBAPP_URL, secretariat_menu=secretariat_menu
        )
        self.dispatcher = Dispatcher(
            session_factory=session_factory,
            notifier=notifier,
            zone=settings.zone,
            clock=clock,
            owner=self._owner,
            watch=self.watch,
            registry=registry_for(settings.SECRETARIAT_NAME, settings.ADMIN_TELEGRAM_IDS),
        )
        self.progress = BroadcastProgress(
            session_factory=session_factory,
            editor=notifier,
            clock=clock,
            quiet=settings.QUIET_HOURS,
            zone=settings.zone,
        )
        self._scheduler = AsyncIOScheduler(timezone=settings.zone, job_defaults=JOB_DEFAULTS)
        self._wakeup = Wakeup(engine, self._wake_here, self.watch)
        self._notifying: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._sending = True
        self._started = False
        self._running_jobs: set[asyncio.Task[object]] = set()
        self.totals = DrainStats()
        self.last_dispatch_at: datetime | None = None
        self._summary_day: date | None = None
        """When a drain last ended here (this process being the sender)."""

    def start(self, *, sending: bool = True) -> None:
        """Starts the jobs; without ``sending`` only those that need no Telegram run."""
        self._sending = sending
        self._started = True
        now = self._clock()
        self._scheduler.add_job(
            self._job(self.tick), "interval", seconds=self._safety_interval.total_seconds(),
            id="dispatch", next_run_time=now,
        )  # fmt: skip
        self._scheduler.add_job(
            self._job(self.plan), "interval", seconds=PLAN_INTERVAL.total_seconds(), id="plan",
            next_run_time=now,
        )  # fmt: skip
        # Broadcast progress messages and acknowledgement nudges: a cheap query when idle.
        self._scheduler.add_job(
            self._job(self.report_progress), "interval",
            seconds=PROGRESS_INTERVAL.total_seconds(), id="progress", next_run_time=now,
        )  # fmt: skip
        self._scheduler.add_job(self._job(self.extend), "cron", hour=1, minute=30, id="horizon")
        self._scheduler.add_job(self._job(self.purge), "cron", hour=2, minute=45, id="purge")
        # Only a prompt wake-up: the planner queues the summary on its first run past
        # 07:30 whenever that is (a process down or failing over at 07:30 included).
        self._scheduler.add_job(
            self._job(self.plan), "cron", hour=SUMMARY_TIME.hour, minute=SUMMARY_TIME.minute,
            id="summary",
        )  # fmt: skip
        self._scheduler.start()
        logger.info("scheduler started%s", "" if sending else "; sending waits for Telegram")

    def every(self, seconds: float, work: Callable[[], Awaitable[object]], *, name: str) -> None:
        """One more job run now and then every ``seconds`` (tracked like the others, so
        :meth:`stop` waits for it); for work the runtime adds, such as the chats' menus."""

        async def run() -> None:
            await work()

        self._scheduler.add_job(
            self._job(run), "interval", seconds=seconds, id=name, next_run_time=self._clock()
        )

    def enable_sending(self) -> None:
        """Telegram answers: dispatch (and campaign to be the sender) from now on."""
        if not self._sending:
            self._sending = True
            logger.info("Telegram is reachable: sending what is due")
            self._wake_here()

    @property
    def running(self) -> bool:
        """The scheduler wakes jobs (started, not stopping)."""
        return self._scheduler.running and not self._stopping

    @property
    def sender(self) -> bool:
        """This process sends (it may, and it holds the sender role as last checked)."""
        return self._sending and self._election.holding

    def _job(self, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """The job as the scheduler runs it: tracked, so that :meth:`stop` can wait for it,
        and ended quietly (one line per outage) when the database is away."""
        name = getattr(work, "__name__", "a")

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running_jobs.add(task)
            try:
                await work()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
                # Cut short by stop(): it hands back the rows; nothing more to report.
            except Exception as error:
                if not is_unreachable(error):
                    raise  # a bug: the scheduler logs it with its traceback
                self.watch.unreachable(error, f"running the {name} job")
            finally:
                if task is not None:
                    self._running_jobs.discard(task)

        return run

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:  # noqa: ASYNC109
        """Stops waking jobs. A drain under way sends what it has claimed and claims no
        more; after ``timeout`` seconds its requests to Telegram are cut short (recorded as
        possibly delivered), and a job still running ``CANCEL_TIMEOUT`` seconds later is
        cancelled. Every row this process still holds is then handed back (pending, due at
        once). At most ``timeout + CANCEL_TIMEOUT + FORCE_TIMEOUT`` seconds and the hand-back."""
        self._stopping = True
        if not self._started:  # stopped while waiting for the database: nothing to hand back
            return
        self.dispatcher.stop()
        if self._scheduler.running:
            self._scheduler.pause()  # running jobs go on; no new ones start
        forced = await self._wait_for_jobs(timeout)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await self.dispatcher.flush()  # outcomes kept while the database was away
        # Rows whose send was cut short are recorded by the drain itself; those handed back
        # here were never given to Telegram, unless a job had to be cancelled mid-send.
        await self._release(uncertain=forced)
        await self._wakeup.close()
        await self._election.release()

    async def _wait_for_jobs(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Waits for the running jobs, cutting their sends short after ``timeout`` seconds;
        ``True`` if one still had to be cancelled."""
        pending = {task for task in self._running_jobs if task is not asyncio.current_task()}
        if not pending:
            return False
        _done, pending = await asyncio.wait(pending, timeout=timeout)
        if not pending:
            return False
        logger.warning("jobs still running after %g s: cutting them short", timeout)
        self.dispatcher.cut_short()
        _done, pending = await asyncio.wait(pending, timeout=CANCEL_TIMEOUT)
        if not pending:
            return False
        logger.warning("jobs still running %g s after that: cancelling them", CANCEL_TIMEOUT)
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=FORCE_TIMEOUT)
        return True

    async def _release(self, *, uncertain: bool) -> None:
        try:
            async with self._sessions() as session, session.begin():
                released = await release_leases(
                    session=session, owner=self._owner, now=self._clock(), uncertain=uncertain
                )
        except Exception as error:  # their lease runs out and another sender takes them then
            if not is_unreachable(error):
                logger.exception("could not hand back the outbox rows in flight")
                return
            logger.warning(
                "could not hand back the outbox rows in flight (the database is unreachable): "
                "they go out again once their lease runs out"
            )
            return
        if released:
            logger.warning("handed back %d outbox rows that were being sent", released)

    async def _is_sender(self) -> bool:
        """Holds, or takes, the sender role. Before Telegram answers a process does not
        campaign on PostgreSQL (another one may be able to send); SQLite's only process
        still plans."""
        if not self._sending and not self._election.single_process:
            return False
        return await self._claim()

    async def _claim(self) -> bool:
        """``is_sender``; when this very call made this process the sender (a standby that
        wins the lock in the planning or progress job), a drain at once, not at the next
        safety tick (up to ``DISPATCH_INTERVAL`` later)."""
        before = self._election.holding
        sender = await self._election.is_sender()
        if sender and not before and self._sending:
            self._wake_here()
        return sender

    async def tick(self) -> None:
        """Drain everything due, then sleep until the next due time."""
        if self._stopping or not self._sending:
            return
        await self._wakeup.listen()  # every process: any of them may become the sender
        if not await self._election.is_sender():
            return
        async with self._lock:
            if self._stopping:  # waited for the lock while a stop began
                return
            if self._election.newly_elected():
                async with self._sessions() as session, session.begin():
                    taken = await take_over_leases(
                        session=session, owner=self._owner, now=self._clock()
                    )
                if taken:
                    logger.warning("took over %d rows another sender was holding", taken)
            stats = await self.dispatcher.drain(still_sender=self._election.is_sender)
            self.last_dispatch_at = self._clock()
        for name in vars(stats):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(stats, name))
        if stats.messages or stats.failed or stats.missed:
            logger.info("dispatch: %s", stats)
        async with self._sessions() as session:
            following = await next_due_at(session=session)
        if following is not None and not self._stopping:
            run_at = max(following, self._clock() + timedelta(milliseconds=200))
            self._scheduler.add_job(
                self._job(self.tick), "date", run_date=run_at, id="wake", replace_existing=True
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
                self._job(self.tick), "date", run_date=self._clock(), id="wake",
                replace_existing=True,
            )  # fmt: skip

    async def report_progress(self) -> None:
        if self._stopping or not self._sending or not await self._claim():
            return
        stats = await self.progress.tick()
        if stats.nudges:
            logger.info("queued %d acknowledgement reminders", stats.nudges)
            self.wake()

    async def plan(self) -> None:
        if self._stopping or not await self._is_sender():
            return
        # Committed before the drain below: the rows it plans are then the dispatcher's.
        async with self._sessions() as session, session.begin():
            counts = await plan_outbox(session=session, policy=self._policy, now=self._clock())
        if counts.any:
            logger.info("planned %d outbox rows, cancelled %d", counts.created, counts.cancelled)
        summaries = await self._plan_summary()
        if summaries:
            logger.info("queued %d daily summaries", summaries)
        if counts.any or summaries:
            await self.tick()

    async def extend(self) -> None:
        if self._stopping or not await self._is_sender():
            return
        async with self._sessions() as session:
            await extend_horizon(session=session, now=self._clock(), zone=self._settings.zone)
        await self.plan()

    async def purge(self) -> None:
        """Nightly: old uploads and delivered outbox rows go (``jobs/retention.py``)."""
        if self._stopping or not await self._is_sender():
            return
        purged = await purge(self._sessions, self._clock, still=lambda: not self._stopping)
        if purged.any:
            logger.info("purged %d old uploads and %d delivered outbox rows",
                        purged.uploads, purged.outbox)  # fmt: skip

    async def _plan_summary(self) -> int:
        """The day's secretariat summary, once it is due (see ``plan_daily_summary``).

        ``_summary_day`` only spares this process the summary's queries on every run
        after the first of the day; a restarted or newly elected process plans again,
        and the dedupe key makes that add nothing.
        """
        settings = self._settings
        now = self._clock()
        day = summary_day(now, quiet=settings.QUIET_HOURS, zone=settings.zone)
        if day is None or day == self._summary_day:
            return 0
        async with self._sessions() as session, session.begin():
            queued = await plan_daily_summary(
                session=session,
                now=now,
                zone=settings.zone,
                quiet=settings.QUIET_HOURS,
                admin_ids=settings.ADMIN_TELEGRAM_IDS,
                escalate_after=settings.REPORT_ESCALATE_AFTER,
            )
        self._summary_day = day
        return queued or 0
