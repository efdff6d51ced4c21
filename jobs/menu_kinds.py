"""The outbox kind that brings a chat's menus in line with its records (no message).

``commands``: the chat's own command menu is deleted, so it shows the delegate's default
menu (a roster import made a secretary a delegate). ``button``: the Mini App's menu
button is set as the records say when the row goes out — the office's or a delegate's,
in the chat's language, or Telegram's default once nothing is linked to the chat (see
``bot/services/webapp/menus.py``, which plans these rows in each change's own unit of
work). The row is rendered from the database, so two quick changes both end in the last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_, get_translator
from bot.models import OutboxMessage
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.outbox.rows import MenuButtonChange, Outgoing
from bot.services.webapp.access import MenuWanted, menu_wanted
from jobs.outbox_kinds import KindSpec, Recipient

OFFICE_BUTTON = N_("Dashboard")
DELEGATE_BUTTON = N_("My calendar")

Wanted = dict[int, MenuWanted]


async def _load(session: AsyncSession, rows: Sequence[OutboxMessage], _zone: ZoneInfo) -> Wanted:
    """Each chat's button as its records say now (admins' chats: the office's)."""
    chats: set[int] = set()
    admins: set[int] = set()
    for row in rows:
        payload = MenuResetPayload.unpack(row.payload)
        if row.chat_id is None or payload.button is None:
            continue
        chats.add(row.chat_id)
        if payload.admin:
            admins.add(row.chat_id)
    if not chats:
        return {}
    return await menu_wanted(session=session, admin_ids=frozenset(admins), chats=chats)


def button_change(wanted: MenuWanted | None) -> MenuButtonChange:
    if wanted is None:
        return MenuButtonChange()  # nothing linked: Telegram's default button
    _ = get_translator(wanted.language)
    return MenuButtonChange(_(OFFICE_BUTTON if wanted.office else DELEGATE_BUTTON))


def _render(row: OutboxMessage, wanted: Wanted, _r: Recipient, _now: datetime) -> Outgoing | None:
    payload = MenuResetPayload.unpack(row.payload)
    change = None
    if payload.button is not None and row.chat_id is not None:
        change = button_change(wanted.get(row.chat_id))
    if not payload.commands and change is None:
        return None
    return Outgoing(reset_menu=payload.commands, menu_button=change)


MENU_RESET: KindSpec[Wanted] = KindSpec(MenuResetPayload, _load, render=_render)
