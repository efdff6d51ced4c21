"""The application factory: routes in one table, the security headers, ``/healthz``.

``/app/`` is the page (static files shipped in the package), ``/app/strings.json`` its
texts, ``/app/api/…`` the JSON it reads (``bot/web/api.py``, behind the initData check
of ``bot/web/auth.py``), ``/healthz`` the health answer (``bot/health.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from http import HTTPStatus
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.health import MAX_CONCURRENT_CHECKS, HealthState, check
from bot.web import api, api_absence, api_petitions
from bot.web.auth import authenticate
from bot.web.deps import DEPS, WebDeps
from bot.web.strings import page_strings

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

# Telegram's web clients frame the Mini App; nobody else may.
FRAME_ANCESTORS = (
    "https://web.telegram.org https://webk.telegram.org https://webz.telegram.org "
    "https://*.telegram.org"
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' https://telegram.org; "  # telegram-web-app.js, nothing inline
    "style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; "
    f"frame-ancestors 'self' {FRAME_ANCESTORS}"
)


HEALTH = web.AppKey("health", HealthState)
Clock = Callable[[], datetime]
HEALTH_CLOCK: web.AppKey[Clock] = web.AppKey("health_clock")
CHECKS = web.AppKey("checks", asyncio.Semaphore)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An exception in a handler: logged here (no initData in it), 500 to the client."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("%s %s failed", request.method, request.path)
        return web.json_response({"error": "internal"}, status=HTTPStatus.INTERNAL_SERVER_ERROR)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response: web.StreamResponse
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = _as_json(error)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(("/app/api/", "/healthz")):
        headers["Cache-Control"] = "no-store"
    else:
        headers.setdefault("Cache-Control", "no-cache")
    return response


def _as_json(error: web.HTTPException) -> web.StreamResponse:
    """aiohttp's raised answers as plain responses (headers can then be added), its
    plain-text errors as JSON (``{"error": "not found"}``), like the API's own."""
    if error.content_type == "application/json" or error.status < HTTPStatus.BAD_REQUEST:
        return web.Response(status=error.status, body=error.body, headers=error.headers)
    response = web.json_response({"error": (error.reason or "").lower()}, status=error.status)
    if (allow := error.headers.get("Allow")) is not None:
        response.headers["Allow"] = allow
    return response


async def _no_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """No "Server: Python/3.11 aiohttp/3.x" for a scanner to match against advisories."""
    response.headers.pop("Server", None)


def _application(*middlewares: Middleware) -> web.Application:
    app = web.Application(middlewares=[security_headers, errors, *middlewares])
    app.on_response_prepare.append(_no_server_header)
    return app


async def healthz(request: web.Request) -> web.Response:
    """200 when healthy, 503 otherwise; the report as JSON (no body for HEAD)."""
    app = request.app
    async with app[CHECKS]:
        healthy, report = await check(app[HEALTH], app[HEALTH_CLOCK]())
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return web.json_response(report, status=status)


def _add_health(app: web.Application, state: HealthState, clock: Callable[[], datetime]) -> None:
    app[HEALTH] = state
    app[HEALTH_CLOCK] = clock
    app[CHECKS] = asyncio.Semaphore(MAX_CONCURRENT_CHECKS)
    app.router.add_get("/healthz", healthz)  # HEAD too; other methods: 405


def health_app(state: HealthState, clock: Callable[[], datetime]) -> web.Application:
    """Only ``/healthz`` (``HEALTH_PORT``)."""
    app = _application()
    _add_health(app, state, clock)
    return app


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def strings(request: web.Request) -> web.Response:
    """The page's texts; public (they are the bot's own), so the page can say "401" well."""
    return web.json_response(page_strings(request.query.get("lang")))


async def to_page(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/app/")


def webapp(deps: WebDeps, state: HealthState | None = None) -> web.Application:
    """The Mini App with ``/healthz`` (``WEBAPP_PORT``)."""
    app = _application(authenticate)
    app[DEPS] = deps
    if state is not None:
        _add_health(app, state, deps.clock)
    app.router.add_get("/app", to_page)
    app.router.add_get("/app/", page)
    app.router.add_get("/app/strings.json", strings)
    app.router.add_static("/app/static/", STATIC, append_version=False)
    for path, handler in (*api.ROUTES, *api_petitions.ROUTES):
        app.router.add_get(f"/app/api/{path}", handler)
    for path, handler in api_absence.POST_ROUTES:
        app.router.add_post(f"/app/api/{path}", handler)
    return app
