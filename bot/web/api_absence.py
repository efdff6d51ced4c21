"""``POST /app/api/my/release``: the delegate's ``Xin vắng`` from the calendar.

The same service as the bot's ``Xin vắng`` button (``release_assignment``, the caller's
own delegate records only), then the same stand-in offers, committed here. The reason is
one of the bot's choices; ``other`` may carry the written reason (the bot asks for it in
a second message, the page in the same request).
"""

from __future__ import annotations

import json
from http import HTTPStatus

from aiohttp import web

from bot.domain.availability import AwayReason
from bot.services.availability.releases import (
    Released,
    ReleaseRefusal,
    SubstitutePolicy,
    release_assignment,
)
from bot.web.deps import DEPS, scope_of

NOTE_LIMIT = 500
MAX_BODY = 4096

_STATUS = {
    ReleaseRefusal.not_found: HTTPStatus.NOT_FOUND,
    ReleaseRefusal.not_yours: HTTPStatus.FORBIDDEN,
    ReleaseRefusal.started: HTTPStatus.CONFLICT,
    ReleaseRefusal.not_releasable: HTTPStatus.CONFLICT,
    ReleaseRefusal.already: HTTPStatus.CONFLICT,
}


def _error(status: HTTPStatus, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def _request(request: web.Request) -> tuple[int, AwayReason, str] | None:
    """``{"assignment_id": 12, "reason": "clash", "note": "…"}``; None when malformed."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    try:
        body = json.loads(await request.text())
        assignment_id = body["assignment_id"]
        reason = AwayReason(body["reason"])
        note = body.get("note", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if type(assignment_id) is not int or not isinstance(note, str):
        return None
    note = note.strip() if reason is AwayReason.other else ""
    return assignment_id, reason, note[:NOTE_LIMIT]


async def my_release(request: web.Request) -> web.Response:
    scope = scope_of(request)
    identity = scope.user.identity
    if not identity.is_linked:
        return _error(HTTPStatus.FORBIDDEN, "not_linked")
    asked = await _request(request)
    if asked is None:
        return _error(HTTPStatus.BAD_REQUEST, "bad_request")
    assignment_id, reason, note = asked
    outcome = await release_assignment(
        session=scope.session,
        assignment_id=assignment_id,
        delegate_ids=identity.delegate_ids,
        reason=reason,
        note=note,
        now=scope.now,
        policy=SubstitutePolicy.from_settings(scope.settings),
    )
    if not isinstance(outcome, Released):
        return _error(_STATUS[outcome], outcome.value)
    await scope.session.commit()
    request.app[DEPS].wake()
    return web.json_response({"released": True, "assignment_id": assignment_id})


POST_ROUTES = (("my/release", my_release),)
