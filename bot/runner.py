"""``delegate-bot run`` and ``worker``: migrate, connect to Telegram, serve, stop cleanly.

Start-up: the stop signals are handled first (SIGTERM or SIGINT at any moment means a
clean stop and exit code 0), then the web server (``/healthz`` on ``HEALTH_PORT``, 503
until the jobs run; the Mini App and ``/healthz`` on ``WEBAPP_PORT``; both on
``WEBAPP_LISTEN``), the database (connecting and migrating are retried 2, 4, 8 … 60 seconds apart,
one log line per attempt, so a PostgreSQL still starting or failing over is waited out),
the scheduler (planning needs no network), and Telegram: ``getMe``, the command menus and
the webhook (set for webhook mode, removed for polling) are retried the same way while the
jobs that need no network run. Only then does the dispatcher send. A token Telegram
rejects ends the process with exit code 1.

Running: every database call is bounded (``DB_*_TIMEOUT``, :class:`bot.db.DatabaseBounds`),
so while the database is away each job ends, one line says so (``bot.db_watch``), and the
next run resumes when it answers.

Stop: updates are no longer taken (the long poll is cancelled, the webhook server
closed); then, side by side and each within ``STOP_TIMEOUT``, the updates already
received are handled and the dispatcher sends what it has claimed. Rows still held after
that are handed back to the outbox (``pending``), and the database is closed last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Coroutine
from datetime import timedelta
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError

from bot.config import Settings
from bot.db import DatabaseBounds, create_engine, create_session_factory, utcnow
from bot.db_watch import DatabaseWatch, describe, is_unreachable
from bot.domain.durations import retry_after_seconds
from bot.errors import BadInputError
from bot.health import HealthState
from bot.i18n import N_
from bot.migrate import upgrade
from bot.polling import Poller, backoff
from bot.telegram.app import ALLOWED_UPDATES, build_application, post_init
from bot.telegram.context import Deps
from bot.telegram.menus import secretariat_menu
from jobs.menu_sync import SYNC_INTERVAL, MenuSync
from jobs.scheduler import STOP_TIMEOUT, JobRunner

logger = logging.getLogger(__name__)

Mode = Literal["polling", "webhook", "worker"]
T = TypeVar("T")

CONFIRM_TIMEOUT = 2.0
"""Seconds for telling Telegram, at a stop, which polled updates were handled."""
CLOSE_TIMEOUT = 1.0
"""Seconds for closing the connections to Telegram, last."""


def run_bot(settings: Settings) -> None:
    """Until SIGINT or SIGTERM; ``BadInputError`` (exit 1) for a rejected token."""
    asyncio.run(_main(settings, "webhook" if settings.WEBHOOK_URL else "polling"))


def run_worker(settings: Settings) -> None:
    """The scheduler jobs without Telegram updates, until SIGINT or SIGTERM."""
    asyncio.run(_main(settings, "worker"))


def masked_token(settings: Settings) -> str:
    """``123456:***``: the bot's id (public) without the secret part."""
    bot_id = settings.token().split(":", 1)[0]
    return f"{bot_id}:***" if bot_id.isdigit() else "***"


async def _main(settings: Settings, mode: Mode) -> None:
    stop = asyncio.Event()
    _stop_on_signals(stop)
    for warning in settings.startup_warnings():
        logger.warning(warning)
    engine = create_engine(settings.DATABASE_URL, database_bounds(settings))
    try:
        await _Process(settings, mode, engine, stop).run()
    finally:
        await engine.dispose()


def database_bounds(settings: Settings) -> DatabaseBounds:
    return DatabaseBounds(
        connect=settings.DB_CONNECT_TIMEOUT,
        statement=settings.DB_STATEMENT_TIMEOUT,
        pool=settings.DB_POOL_TIMEOUT,
    )


def masked_database_url(url: str) -> str:
    """``DATABASE_URL`` without its password, for log lines."""
    return make_url(url).render_as_string(hide_password=True)


async def open_database(settings: Settings, watch: DatabaseWatch, stop: asyncio.Event) -> bool:
    """Migrates the database, retrying 2, 4, 8 … 60 s apart while it cannot be reached.

    One log line per attempt. ``False`` when a stop came first: connecting is given up at
    once, a migration under way is let finish (it is one transaction). Anything else than
    an unreachable database is raised, as retrying would not mend it: a refused password
    or a missing database as ``BadInputError`` (exit 1, one clear line), a failing
    migration with its traceback.
    """
    # Migrations get no statement bound (a big table may take a while); connecting does.
    bounds = DatabaseBounds(connect=settings.DB_CONNECT_TIMEOUT, statement=None)
    watch.starting = True
    while not stop.is_set():
        engine = create_engine(settings.DATABASE_URL, bounds)
        try:
            try:
                if not await _unless_stopped(_reach(engine), stop):
                    return False  # connecting can be given up at once, migrating cannot
            except Exception as error:
                if not is_unreachable(error):  # a refused password, no such database…
                    raise _cannot_open(settings, error) from None
                raise
            await upgrade(engine)
            watch.opened()
            return True
        except Exception as error:
            if not is_unreachable(error):
                raise
            reason = watch.failed_to_open(error)
        finally:
            await engine.dispose()
        wait = backoff(watch.attempts)
        logger.warning(
            "database is not reachable at %s (%s); attempt %d, next in %g s",
            masked_database_url(settings.DATABASE_URL),
            reason,
            watch.attempts,
            wait,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
    return False


def _cannot_open(settings: Settings, error: Exception) -> BadInputError:
    url, reason = masked_database_url(settings.DATABASE_URL), describe(error)
    logger.error("cannot open the database at %s: %s", url, reason)
    return BadInputError(N_("Cannot open the database at {url}: {reason}"), url=url, reason=reason)


async def _reach(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Runs ``work``; ``False`` (``work`` cancelled) if ``stop`` is set first."""
    task = asyncio.create_task(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()
    return True


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def received(name: str) -> None:
        if not stop.is_set():
            logger.info("%s received: stopping", name)
        stop.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(number, received, number.name)


async def _bounded(work: Awaitable[object], seconds: float, what: str) -> None:
    """Awaits ``work`` for at most ``seconds``: a stop must end, whatever hangs."""
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        logger.warning("%s took more than %g s: going on without it", what, seconds)
    except Exception:
        logger.exception("%s failed", what)


def _left(deadline: float) -> float:
    """Seconds until ``deadline`` (``time.monotonic()``), never negative."""
    return max(0.0, deadline - time.monotonic())


class _Process:
    def __init__(self, settings: Settings, mode: Mode, engine: AsyncEngine, stop: asyncio.Event):
        self.settings = settings
        self.mode = mode
        self.stop = stop
        self.database = DatabaseWatch()
        self.database.observe(engine)
        self.deps = deps = Deps(
            settings=settings,
            session_factory=create_session_factory(engine),
            clock=utcnow,
            wake=self._wake_dispatcher,
        )
        self.application = build_application(deps, receive_updates=mode != "worker")
        self.jobs = JobRunner(
            settings=settings,
            engine=engine,
            session_factory=deps.session_factory,
            bot=self.application.bot,
            clock=utcnow,
            safety_interval=timedelta(seconds=settings.DISPATCH_INTERVAL),
            watch=self.database,
            secretariat_menu=secretariat_menu,
        )
        self.health_state = HealthState(
            engine=engine, mode=mode, jobs=self.jobs, database=self.database
        )
        self.menu_sync = MenuSync(
            settings, deps.session_factory, clock=utcnow, wake=self._wake_dispatcher
        )
        self.web_servers: list[Any] = []  # bot.web.server.WebServer
        self.poller: Poller | None = None
        self._menus_set = False

    def _wake_dispatcher(self) -> None:
        """A confirmed broadcast starts now, not at the dispatcher's next tick."""
        self.jobs.wake()

    async def run(self) -> None:
        try:
            await self._start_web()
            if not await open_database(self.settings, self.database, self.stop):
                return
            self.jobs.start(sending=False)
            if await self._until_stopped(self._connect()):
                self.health_state.telegram = "connected"
                self.jobs.enable_sending()
                if self.mode != "worker":  # chats' menus changed by other means
                    self.jobs.every(SYNC_INTERVAL, self.menu_sync.refresh, name="menu_sync")
                await self._until_stopped(self._receive())
        except InvalidToken:
            raise self._token_rejected() from None
        finally:
            await self._shutdown()

    async def _until_stopped(self, work: Coroutine[Any, Any, T]) -> T | None:
        """The result of ``work``, or ``None`` once a stop signal has cancelled it."""
        task = asyncio.create_task(work)
        stopping = asyncio.create_task(self.stop.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if task.cancelled():
            return None
        return task.result()

    async def _start_web(self) -> None:
        """``/healthz`` alone on ``HEALTH_PORT``; the Mini App with it on ``WEBAPP_PORT``."""
        settings = self.settings
        if settings.WEBAPP_PORT is None and settings.HEALTH_PORT is None:
            return
        # Imported here: aiohttp.web costs half a second of start-up to processes without it.
        from aiohttp import web

        from bot.web.app import health_app, webapp
        from bot.web.deps import WebDeps
        from bot.web.server import WebServer

        wanted: list[tuple[int, web.Application]] = []
        if settings.WEBAPP_PORT is not None:
            deps = WebDeps(
                settings, self.deps.session_factory, self.deps.clock, wake=self._wake_dispatcher
            )
            wanted.append((settings.WEBAPP_PORT, webapp(deps, self.health_state)))
        if settings.HEALTH_PORT is not None and settings.HEALTH_PORT != settings.WEBAPP_PORT:
            wanted.append((settings.HEALTH_PORT, health_app(self.health_state, self.deps.clock)))
        for port, app in wanted:
            server = WebServer(app, host=settings.WEBAPP_LISTEN, port=port)
            try:
                await server.start()
            except OSError as error:
                raise self._cannot_listen(settings.WEBAPP_LISTEN, port, error) from None
            self.web_servers.append(server)

    async def _connect(self) -> bool:
        """Until Telegram answers every start-up call; a rejected token raises."""
        attempt = 0
        while True:
            attempt += 1
            step = "getMe"
            try:
                await self.application.initialize()
                if self.mode != "worker" and not self._menus_set:
                    step = "setMyCommands"
                    await post_init(self.application)
                    self._menus_set = True
                if not self.application.running:
                    await self.application.start()
                if self.mode == "webhook":
                    step = "setWebhook"
                    await self._start_webhook()
                elif self.mode == "polling":
                    step = "deleteWebhook"
                    await self._start_polling()
                else:
                    logger.info("worker running")
                if attempt > 1:
                    logger.info("Telegram answered after %d attempts", attempt)
                return True
            except BadRequest as error:  # a webhook URL Telegram refuses: fix, not retry
                logger.error("Telegram refused %s: %s", step, error.message)
                raise BadInputError(
                    N_("Telegram refused {method}: {reason}"), method=step, reason=error.message
                ) from None
            except RetryAfter as error:
                wait = retry_after_seconds(error.retry_after)
                logger.warning("Telegram asks to wait %g s before %s", wait, step)
            except InvalidToken:
                raise
            except TelegramError as error:
                wait = backoff(attempt)
                logger.warning(
                    "Telegram is not reachable at %s: %s failed (%s); attempt %d, next in %g s",
                    self.settings.TELEGRAM_API_URL,
                    step,
                    error.message,
                    attempt,
                    wait,
                )
            await asyncio.sleep(wait)

    async def _start_polling(self) -> None:
        await self.application.bot.delete_webhook()  # polling gets nothing while one is set
        self.poller = Poller(
            self.application.bot,
            self.application.update_queue,
            allowed_updates=ALLOWED_UPDATES,
            api_url=self.settings.TELEGRAM_API_URL,
        )
        logger.info("receiving updates by long polling")

    async def _start_webhook(self) -> None:
        settings = self.settings
        updater = self.application.updater
        assert updater is not None
        assert settings.WEBHOOK_URL
        assert settings.WEBHOOK_SECRET is not None
        secret = settings.WEBHOOK_SECRET.get_secret_value()
        # Set here first, so that a failure is retried and logged like any other start-up
        # call; PTB sets it once more below (its own failure would log a traceback).
        await self.application.bot.set_webhook(
            settings.WEBHOOK_URL, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        try:
            await updater.start_webhook(
                listen=settings.WEBHOOK_LISTEN,
                port=settings.WEBHOOK_PORT,
                url_path=urlparse(settings.WEBHOOK_URL).path.strip("/"),
                webhook_url=settings.WEBHOOK_URL,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        except OSError as error:
            listen, port = settings.WEBHOOK_LISTEN, settings.WEBHOOK_PORT
            raise self._cannot_listen(listen, port, error) from None
        logger.info(
            "receiving updates by webhook on %s:%s",
            settings.WEBHOOK_LISTEN,
            settings.WEBHOOK_PORT,
        )

    async def _receive(self) -> None:
        if self.poller is not None:
            await self.poller.run()
        else:  # the webhook server and the scheduler work in the background
            await self.stop.wait()

    async def _shutdown(self) -> None:
        """About 13 s at most: the jobs' STOP_TIMEOUT + CANCEL_TIMEOUT (the updates' CONFIRM_TIMEOUT
        runs beside them) + CLOSE_TIMEOUT; FORCE_TIMEOUT more when a job must be cancelled."""
        began = time.monotonic()
        deadline = began + STOP_TIMEOUT  # for everything in flight, webhook server included
        self.health_state.telegram = "stopping"
        updater = self.application.updater
        if updater is not None and updater.running:
            await _bounded(updater.stop(), _left(deadline), "closing the webhook server")
        await asyncio.gather(self.jobs.stop(_left(deadline)), self._finish_updates(deadline))
        await _bounded(self.application.shutdown(), CLOSE_TIMEOUT, "closing Telegram connections")
        for server in self.web_servers:
            await server.close()
        logger.info("stopped in %.1f s", time.monotonic() - began)

    async def _finish_updates(self, deadline: float) -> None:
        """Handles the updates already received, then confirms them to Telegram."""
        if self.application.running:
            await _bounded(self.application.stop(), _left(deadline), "handling the last updates")
        if self.poller is not None:
            await _bounded(self.poller.confirm(), CONFIRM_TIMEOUT, "confirming handled updates")

    def _token_rejected(self) -> BadInputError:
        token = masked_token(self.settings)
        logger.error(
            "Telegram at %s rejected the bot token %s (401 Unauthorized): check BOT_TOKEN",
            self.settings.TELEGRAM_API_URL,
            token,
        )
        return BadInputError(
            N_("Telegram rejected the bot token {token}: check BOT_TOKEN (@BotFather gives it)."),
            token=token,
        )

    def _cannot_listen(self, host: str, port: int, error: OSError) -> BadInputError:
        address = f"{host}:{port}"
        reason = error.strerror or str(error)
        logger.error("cannot listen on %s: %s", address, reason)
        return BadInputError(
            N_("Cannot listen on {address}: {reason}"), address=address, reason=reason
        )
