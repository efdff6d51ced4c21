"""``delegate-bot run``: migrate, then serve Telegram updates until a stop signal."""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.db import create_engine, create_session_factory, utcnow
from bot.migrate import upgrade
from bot.telegram.app import ALLOWED_UPDATES, build_application
from bot.telegram.context import Deps

logger = logging.getLogger(__name__)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def run_bot(settings: Settings) -> None:
    asyncio.run(_migrate(settings.DATABASE_URL))
    engine = create_engine(settings.DATABASE_URL)
    deps = Deps(settings=settings, session_factory=create_session_factory(engine), clock=utcnow)
    application = build_application(deps)

    async def dispose_engine(_: object) -> None:
        await engine.dispose()

    application.post_shutdown = dispose_engine
    if settings.WEBHOOK_URL:
        url_path = settings.WEBHOOK_URL.rstrip("/").rsplit("/", 1)[-1]
        logger.info(
            "receiving updates by webhook on %s:%s", settings.WEBHOOK_LISTEN, settings.WEBHOOK_PORT
        )
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
