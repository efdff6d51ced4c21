"""``/app/api/office/petitions``: the office's ``Đơn thư`` view, what ``/donthu`` lists.

The same query as the bot's office list (``awaited``: forwarded items with no answer,
overdue or due within ``DUE_SOON_DAYS`` days), scoped like the other office views.
``citizen`` and ``summary`` are personal data: they are in an item only when the user is
a secretary of that item's own council (a parent council's office and an admin see the
rest).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import col, select

from bot.domain.petitions import DUE_SOON_DAYS
from bot.i18n import Gettext
from bot.messages.petition_texts import type_name
from bot.models import Delegate
from bot.models.petitions import Petition
from bot.services.petitions.items import awaited
from bot.web.api import office_scope
from bot.web.deps import RequestScope


async def _delegate_names(scope: RequestScope, items: list[Petition]) -> dict[int, Delegate]:
    ids = sorted({p.delegate_id for p in items if p.delegate_id is not None})
    if not ids:
        return {}
    rows = await scope.session.exec(select(Delegate).where(col(Delegate.id).in_(ids)))
    return {d.id: d for d in rows.all() if d.id is not None}


def _item(
    petition: Petition,
    *,
    council: str,
    delegate: Delegate | None,
    personal: bool,
    _: Gettext,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": petition.id,
        "ref": petition.ref,
        "council": council,
        "type": petition.type,
        "type_name": type_name(petition.type, _),
        "agency": petition.agency,
        "forwarded_on": petition.forwarded_on.isoformat() if petition.forwarded_on else None,
        "due_on": petition.due_on.isoformat() if petition.due_on else None,
        "delegate": (
            {"code": delegate.code, "name": delegate.full_name} if delegate is not None else None
        ),
    }
    if personal:
        item["summary"] = petition.summary
        item["citizen"] = petition.citizen
    return item


async def office_petitions(request: web.Request) -> web.Response:
    scope, councils = office_scope(request)
    today = scope.now.astimezone(scope.settings.zone).date()
    items = await awaited(session=scope.session, council_ids=councils, today=today)
    names = {c.id: c.name for c in scope.user.councils}
    delegates = await _delegate_names(scope, items)
    secretary_of = scope.user.identity.office.own
    groups: dict[str, list[dict[str, Any]]] = {"overdue": [], "due_soon": []}
    for petition in items:
        group = "overdue" if petition.due_on is not None and petition.due_on < today else "due_soon"
        groups[group].append(
            _item(
                petition,
                council=names.get(petition.council_id, ""),
                delegate=delegates.get(petition.delegate_id or 0),
                personal=petition.council_id in secretary_of,
                _=scope._,
            )
        )
    return web.json_response(
        {
            "today": today.isoformat(),
            "due_soon_days": DUE_SOON_DAYS,
            "total": len(items),
            "groups": [{"group": name, "items": found} for name, found in groups.items()],
        }
    )


ROUTES = (("office/petitions", office_petitions),)
