"""Serving an aiohttp application on one address, inside the bot's event loop."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

logger = logging.getLogger(__name__)


class _BadClientFilter(logging.Filter):
    """A request aiohttp cannot parse (garbage, a 10 KB header) is the client's fault: one
    line, not an error with a traceback. The handlers' own failures are logged by the
    ``errors`` middleware (``bot/web/app.py``) and never reach this logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "refused a malformed request: %s", (error.message,)
            record.exc_info = None
        return True


logging.getLogger("aiohttp.server").addFilter(_BadClientFilter())

SHUTDOWN_TIMEOUT = 2.0
"""Seconds requests in flight get at a stop."""


class WebServer:
    """``app`` on ``host:port`` until :meth:`close` (port 0: any free port, see :attr:`port`)."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The port listened on (the real one when started with port 0)."""
        server = self._site._server if self._site is not None else None
        sockets = getattr(server, "sockets", None)
        if not sockets:
            return self._port
        return int(sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listens; ``OSError`` when the address is taken or not this machine's."""
        # No access log: request lines carry initData in nothing but headers, yet a log
        # line per request of every clerk's dashboard is noise, not information.
        runner = web.AppRunner(
            self._app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT, handle_signals=False
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        logger.info("serving http://%s:%d/", self._host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._site = None
