"""The outbox kind that brings a chat's menus in line with its records (no message).

Planned in each change's own unit of work (a link, a role, a language, an unlink; see
``bot/services/menus/``), one row carries what was planned: ``commands``, the command
menu (the secretariat's, set in the chat's scope in each language, or the delegate's: the
chat's own deleted, so the default shows), and ``button``, the Mini App's menu button
(the office's or a delegate's, in the chat's language, or Telegram's default once nothing
is linked). Both are rendered from the database when the row goes out, so two quick
changes both end in the last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.menus import UNLINKED, MenuWanted
from bot.i18n import N_, get_translator
from bot.models import OutboxMessage
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.outbox.rows import MenuButtonChange, Outgoing
from bot.services.webapp.access import menu_wanted
from jobs.outbox_kinds import KindSpec, Recipient

OFFICE_BUTTON = N_("Dashboard")
DELEGATE_BUTTON = N_("My calendar")

Wanted = dict[int, MenuWanted]


def _loader(
    admin_ids: frozenset[int] | None,
) -> Callable[[AsyncSession, Sequence[OutboxMessage], ZoneInfo], Awaitable[Wanted]]:
    async def load(session: AsyncSession, rows: Sequence[OutboxMessage], _zone: ZoneInfo) -> Wanted:
        """Each chat's menus as its records and the admins say now (admins' chats: the
        office's): a removed admin's pending row draws what they are now, as the looks
        compare. Without ``admin_ids`` (a registry built with no settings) the admin flag
        each row was planned with stands in."""
        chats = {row.chat_id for row in rows if row.chat_id is not None}
        if not chats:
            return {}
        admins = admin_ids
        if admins is None:
            admins = frozenset(
                row.chat_id
                for row in rows
                if row.chat_id is not None and MenuResetPayload.unpack(row.payload).admin
            )
        return await menu_wanted(session=session, admin_ids=admins, chats=chats)

    return load


def button_change(wanted: MenuWanted) -> MenuButtonChange:
    if not wanted.linked:
        return MenuButtonChange()  # nothing linked: Telegram's default button
    _ = get_translator(wanted.language)
    return MenuButtonChange(_(OFFICE_BUTTON if wanted.office else DELEGATE_BUTTON))


def _render(row: OutboxMessage, wanted: Wanted, _r: Recipient, _now: datetime) -> Outgoing | None:
    payload = MenuResetPayload.unpack(row.payload)
    if row.chat_id is None:
        return None
    now_wanted = wanted.get(row.chat_id, UNLINKED)
    commands = now_wanted.commands if payload.commands is not None else None
    button = button_change(now_wanted) if payload.button is not None else None
    if commands is None and button is None:
        return None
    return Outgoing(command_menu=commands, menu_button=button)


def menu_reset_kind(admin_ids: frozenset[int] | None = None) -> KindSpec[Wanted]:
    """The kind, drawing the office's menus for ``admin_ids`` (``ADMIN_TELEGRAM_IDS``
    of the sending process) as they are when a row goes out."""
    return KindSpec(MenuResetPayload, _loader(admin_ids), render=_render)


MENU_RESET: KindSpec[Wanted] = menu_reset_kind()
"""Without the settings: each row's admin flag as planned."""
