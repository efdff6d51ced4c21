"""The outbox kind that resets a demoted secretary's command menu (no message is sent).

A roster import that turns a secretary into a delegate plans one row per linked chat in
its own transaction; the dispatcher then deletes that chat's menus, so the chat shows
the delegate's default menu. Its commands already refuse a delegate; the menu no longer
offers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import OutboxMessage
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.outbox.rows import Outgoing
from jobs.outbox_kinds import KindSpec, Recipient


async def _load_nothing(
    _session: AsyncSession, _rows: Sequence[OutboxMessage], _zone: ZoneInfo
) -> None:
    return None


def _render(_row: OutboxMessage, _c: None, _r: Recipient, _now: datetime) -> Outgoing:
    return Outgoing(reset_menu=True)


MENU_RESET: KindSpec[None] = KindSpec(MenuResetPayload, _load_nothing, render=_render)
