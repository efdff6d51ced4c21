"""Every ``/app/api/`` request: Telegram's signed initData, the user's budget, one session.

``Authorization: tma <initData>`` (the scheme Telegram's own Mini App examples use). A
missing, forged, foreign (another bot's) or expired initData is answered 401 with the
reason; a user over their budget 429. Then one database session is opened for the
request (the unit of work, as for an update), the user's councils and roles are read
from the records the bot uses, and the handler runs inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from bot.domain.init_data import InvalidInitData, validate
from bot.i18n import get_translator, normalize_language
from bot.services.webapp.access import resolve_user
from bot.telegram.budget import Verdict
from bot.web.deps import DEPS, RequestScope, set_scope

logger = logging.getLogger(__name__)

API = "/app/api/"
SCHEME = "tma "

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _init_data(header: str | None) -> str | None:
    if header is None or not header.startswith(SCHEME):
        return None
    return header[len(SCHEME) :].strip() or None


def refusal(status: HTTPStatus, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API):
        return await handler(request)
    deps = request.app[DEPS]
    now = deps.clock()
    try:
        signed = validate(
            _init_data(request.headers.get("Authorization")), token=deps.settings.token(), now=now
        )
    except InvalidInitData as error:
        logger.info("Mini App request refused: %s", error.reason.value)
        return refusal(HTTPStatus.UNAUTHORIZED, error.reason.value)
    if deps.budget.admit(signed.id) is not Verdict.admitted:
        response = refusal(HTTPStatus.TOO_MANY_REQUESTS, "slow_down")
        response.headers["Retry-After"] = "60"
        return response
    language = normalize_language(signed.language_code)
    async with deps.session_factory() as session:
        user = await resolve_user(
            session=session,
            telegram_user_id=signed.id,
            admin_ids=deps.settings.ADMIN_TELEGRAM_IDS,
            language_code=signed.language_code,
        )
        set_scope(
            request,
            RequestScope(session, user, now, deps.settings, language, get_translator(language)),
        )
        return await handler(request)
