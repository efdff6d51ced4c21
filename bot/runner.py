"""``delegate-bot run`` and ``worker``: migrate, then serve until a stop signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from urllib.parse import urlparse

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.db import create_engine, create_session_factory, utcnow
from bot.migrate import upgrade
from bot.telegram.app import ALLOWED_UPDATES, build_application, post_init
from bot.telegram.broadcast import WAKE_KEY
from bot.telegram.context import BotApplication, Deps
from jobs.scheduler import JobRunner

logger = logging.getLogger(__name__)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _attach_jobs(application: BotApplication, deps: Deps, engine: AsyncEngine) -> None:
    """Starts the scheduler once the bot is initialised; stops it before the bot stops."""
    runner: list[JobRunner] = []

    async def start(app: BotApplication) -> None:
        await post_init(app)
        jobs = JobRunner(
            settings=deps.settings,
            engine=engine,
            session_factory=deps.session_factory,
            bot=app.bot,
            clock=deps.clock,
        )
        jobs.start()
        runner.append(jobs)
        app.bot_data[WAKE_KEY] = jobs.wake  # a confirmed broadcast starts at once

    async def stop(_app: BotApplication) -> None:
        for jobs in runner:
            await jobs.stop()

    async def dispose(_app: BotApplication) -> None:
        await engine.dispose()

    application.post_init = start
    application.post_stop = stop
    application.post_shutdown = dispose


def run_bot(settings: Settings) -> None:
    asyncio.run(_migrate(settings.DATABASE_URL))
    engine = create_engine(settings.DATABASE_URL)
    deps = Deps(settings=settings, session_factory=create_session_factory(engine), clock=utcnow)
    application = build_application(deps)
    _attach_jobs(application, deps, engine)
    if settings.WEBHOOK_URL:
        url_path = urlparse(settings.WEBHOOK_URL).path.strip("/")
        logger.info("receiving updates by webhook on port %s", settings.WEBHOOK_PORT)
        application.run_webhook(
            listen=settings.WEBHOOK_LISTEN,
            port=settings.WEBHOOK_PORT,
            url_path=url_path,
            webhook_url=settings.WEBHOOK_URL,
            secret_token=(
                settings.WEBHOOK_SECRET.get_secret_value() if settings.WEBHOOK_SECRET else None
            ),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        logger.info("receiving updates by long polling")
        application.run_polling(allowed_updates=ALLOWED_UPDATES)


def run_worker(settings: Settings) -> None:
    """The scheduler jobs without Telegram updates, until SIGINT or SIGTERM."""
    asyncio.run(_migrate(settings.DATABASE_URL))
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    engine = create_engine(settings.DATABASE_URL)
    deps = Deps(settings=settings, session_factory=create_session_factory(engine), clock=utcnow)
    application = build_application(deps, receive_updates=False)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(name, stopped.set)
    await application.initialize()
    await application.start()
    jobs = JobRunner(
        settings=settings,
        engine=engine,
        session_factory=deps.session_factory,
        bot=application.bot,
        clock=deps.clock,
    )
    jobs.start()
    logger.info("worker running")
    try:
        await stopped.wait()
    finally:
        await jobs.stop()
        await application.stop()
        await application.shutdown()
        await engine.dispose()
        logger.info("worker stopped")
