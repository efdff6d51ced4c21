"""``/app/api/…``: the JSON the page reads, from the services the bot's commands use.

The office's endpoints (``office/…``) answer the councils where the user is the office
(and their child councils); a delegate gets 403. ``?council=ID`` narrows them to one of
those councils. ``my/calendar`` is the delegate's own. The office's ``Đơn thư`` is in
``api_petitions``, the delegate's ``Xin vắng`` in ``api_absence`` (both use ``office_scope``
or ``scope_of`` from here).
"""

from __future__ import annotations

import asyncio
import html
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.domain.callbacks import parse_id
from bot.domain.dates import format_month_key
from bot.domain.quarters import Quarter
from bot.domain.stats import Counts, Statistics
from bot.domain.stats_text import quarter_title, summary_text
from bot.messages.broadcast_texts import target_label
from bot.models import Broadcast
from bot.services.broadcasts.drafts import target_of
from bot.services.broadcasts.progress import recent_broadcasts, recipient_lines
from bot.services.stats.chart import chart_png
from bot.services.stats.figures import quarterly_statistics
from bot.services.webapp.views import (
    CalendarEntry,
    council_month,
    missing_reports,
    own_calendar,
)
from bot.web.deps import RequestScope, scope_of

RECENT_BROADCASTS = 20


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _forbidden(error: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=f'{{"error": "{error}"}}', content_type="application/json")


def _bad_request(error: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f'{{"error": "{error}"}}', content_type="application/json")


def office_scope(request: web.Request) -> tuple[RequestScope, frozenset[int]]:
    """The councils whose office views this request may read; 403 for anyone else."""
    scope = scope_of(request)
    councils = scope.user.office_council_ids
    if not councils:
        raise _forbidden("office_only")
    wanted = request.query.get("council")
    if wanted is None:
        return scope, councils
    council_id = parse_id(wanted)
    if council_id is None or council_id not in councils:
        raise _forbidden("council_not_yours")
    return scope, frozenset({council_id})


async def me(request: web.Request) -> web.Response:
    scope = scope_of(request)
    user = scope.user
    return web.json_response(
        {
            "id": user.identity.telegram_user_id,
            "language": scope.language,
            "linked": user.identity.is_linked,
            "office": user.is_office,
            "admin": user.identity.is_admin,
            "councils": [
                {"id": c.id, "code": c.code, "name": c.name, "role": c.role.value}
                for c in user.councils
            ],
        }
    )


# --- calendars ----------------------------------------------------------------------------


def _month(request: web.Request, scope: RequestScope) -> date:
    raw = request.query.get("month")
    today = scope.now.astimezone(scope.settings.zone).date()
    if raw is None:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise _bad_request("month") from None


def _occurrences(entries: Sequence[CalendarEntry]) -> list[dict[str, Any]]:
    """One item per occurrence, its assigned delegates each with their state."""
    found: dict[int, dict[str, Any]] = {}
    for entry in entries:
        view = entry.view
        occurrence = found.setdefault(
            view.occurrence_id,
            {
                "occurrence_id": view.occurrence_id,
                "date": view.starts_at.date().isoformat(),
                "starts_at": _iso(view.starts_at),
                "ends_at": _iso(view.ends_at),
                "kind": view.kind,
                "title": view.title,
                "location": view.location,
                "council": view.council_name,
                "delegates": [],
            },
        )
        occurrence["delegates"].append(
            {
                "assignment_id": view.assignment_id,
                "code": view.delegate_code,
                "name": view.delegate_name,
                "state": entry.state.value,
                "stand_in": entry.stand_in,
                "releasable": entry.releasable,
            }
        )
    return list(found.values())


async def office_calendar(request: web.Request) -> web.Response:
    scope, councils = office_scope(request)
    month = _month(request, scope)
    entries = await council_month(
        session=scope.session,
        council_ids=councils,
        month=month,
        zone=scope.settings.zone,
        now=scope.now,
    )
    return web.json_response(
        {"month": format_month_key(month), "occurrences": _occurrences(entries)}
    )


async def my_calendar(request: web.Request) -> web.Response:
    scope = scope_of(request)
    identity = scope.user.identity
    if not identity.is_linked:
        raise _forbidden("not_linked")
    entries = await own_calendar(
        session=scope.session,
        delegate_ids=identity.delegate_ids,
        zone=scope.settings.zone,
        now=scope.now,
    )
    return web.json_response(
        {
            "now": _iso(scope.now.astimezone(scope.settings.zone)),
            "occurrences": _occurrences(entries),
        }
    )


# --- the missing reports (/chuabaocao) ----------------------------------------------------


async def office_missing(request: web.Request) -> web.Response:
    scope, councils = office_scope(request)
    entries = await missing_reports(
        session=scope.session,
        council_ids=councils,
        now=scope.now,
        zone=scope.settings.zone,
        escalate_after=scope.settings.REPORT_ESCALATE_AFTER,
    )
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        item = entry.item
        units[item.unit].append(
            {
                "code": item.delegate_code,
                "name": item.delegate_name,
                "council": item.council_name,
                "kind": item.kind,
                "title": item.title,
                "date": item.starts_at.date().isoformat(),
                "overdue": entry.overdue,
            }
        )
    return web.json_response(
        {
            "escalate_after_days": scope.settings.REPORT_ESCALATE_AFTER.days,
            "total": len(entries),
            "overdue": sum(entry.overdue for entry in entries),
            "units": [{"unit": unit, "items": units[unit]} for unit in sorted(units)],
        }
    )


# --- broadcasts (/thongbao) ---------------------------------------------------------------


async def office_broadcasts(request: web.Request) -> web.Response:
    scope, councils = office_scope(request)
    recent = await recent_broadcasts(
        session=scope.session, council_ids=councils, limit=RECENT_BROADCASTS
    )
    return web.json_response(
        {
            "broadcasts": [
                {
                    "id": broadcast.id,
                    "audience": html.unescape(target_label(target_of(broadcast), scope._)),
                    "confirmed_at": _iso(
                        broadcast.confirmed_at.astimezone(scope.settings.zone)
                        if broadcast.confirmed_at
                        else None
                    ),
                    "total": progress.total,
                    "delivered": progress.delivered,
                    "pending": progress.pending,
                    "failed": sum(progress.not_delivered.values()),
                    "acknowledged": progress.acknowledged,
                }
                for broadcast, progress in recent
            ]
        }
    )


async def office_broadcast(request: web.Request) -> web.Response:
    """Who has not acknowledged one broadcast (and why, when it never reached them)."""
    scope, councils = office_scope(request)
    raw = request.match_info["broadcast_id"]
    # parse_id: ASCII digits within the column's range, never a 500 from the database.
    broadcast_id = parse_id(raw)
    broadcast = None if broadcast_id is None else await scope.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.council_id not in councils or broadcast.id is None:
        raise web.HTTPNotFound(text='{"error": "not_found"}', content_type="application/json")
    lines = await recipient_lines(session=scope.session, broadcast_id=broadcast.id)
    return web.json_response(
        {
            "id": broadcast.id,
            "not_acknowledged": [
                {"code": line.code, "name": line.full_name, "unit": line.unit, "state": line.state}
                for line in lines
                if line.acknowledged_at is None
            ],
        }
    )


# --- statistics (/thongke) ----------------------------------------------------------------


def _quarter(request: web.Request, scope: RequestScope) -> Quarter:
    raw = request.query.get("quarter")
    if raw is None:
        return Quarter.containing(scope.now.astimezone(scope.settings.zone).date())
    try:
        year, number = (int(part) for part in raw.split("-"))
        if not 2000 <= year <= 2100 or not 1 <= number <= 4:
            raise ValueError(raw)
    except ValueError:
        raise _bad_request("quarter") from None
    return Quarter(year, number)


async def _statistics(request: web.Request) -> tuple[RequestScope, Statistics]:
    scope, councils = office_scope(request)
    stats = await quarterly_statistics(
        session=scope.session,
        quarter=_quarter(request, scope),
        zone=scope.settings.zone,
        now=scope.now,
        council_ids=councils,
    )
    return scope, stats


def _counts(counts: Counts) -> dict[str, int]:
    return {
        "assigned": counts.assigned,
        "held": counts.held,
        "not_held": counts.not_held_postponed
        + counts.not_held_clash
        + counts.not_held_personal
        + counts.not_held_other,
        "unreported": counts.unreported,
        "upcoming": counts.upcoming,
        "citizens": counts.citizens,
        "petitions": counts.petitions,
        "voters": counts.voters,
        "opinions": counts.opinions,
    }


async def office_stats(request: web.Request) -> web.Response:
    scope, stats = await _statistics(request)
    quarter = stats.quarter
    return web.json_response(
        {
            "quarter": f"{quarter.year}-{quarter.number}",
            "previous": f"{quarter.previous().year}-{quarter.previous().number}",
            "title": quarter_title(quarter, scope._),
            "summary": summary_text(stats, scope.language),
            "units": [{"unit": u.unit, **_counts(u.counts)} for u in stats.units],
            "total": _counts(stats.overall.counts),
            "empty": len(stats.lines) <= 1,
        }
    )


async def office_stats_chart(request: web.Request) -> web.Response:
    """The chart /thongke sends, as the same PNG."""
    scope, stats = await _statistics(request)
    await scope.session.close()  # the figures are read; the drawing needs no connection
    chart = await asyncio.to_thread(chart_png, stats)
    return web.Response(body=chart, content_type="image/png")


ROUTES: tuple[tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]], ...] = (
    ("me", me),
    ("my/calendar", my_calendar),
    ("office/calendar", office_calendar),
    ("office/missing", office_missing),
    ("office/broadcasts", office_broadcasts),
    ("office/broadcasts/{broadcast_id}", office_broadcast),
    ("office/stats", office_stats),
    ("office/stats/chart.png", office_stats_chart),
)
