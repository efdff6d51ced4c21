"""The Mini App's menu button in each chat, changed only through the outbox.

Whatever changes what a chat's button should be (a link, a role, a language, an unlink,
a deactivation) plans a ``menu_reset`` row in its own unit of work; the dispatcher sets
the button as the records say when the row goes out. The last row planned for a chat is
the durable memory of what the chat was given: :func:`sync_menus` (run now and then, and
at start) plans only where the records and that memory disagree, so a restart sends
nothing again and a change made by other means (SQL, a newly set ``WEBAPP_URL``) is
still caught up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus, outbox_row
from bot.services.webapp.access import MenuWanted, menu_wanted

NO_BUTTON = "none"


def button_state(wanted: MenuWanted | None) -> str:
    """``office:vi``, ``delegate:en``, or ``none`` (the chat has no linked record)."""
    if wanted is None:
        return NO_BUTTON
    return f"{'office' if wanted.office else 'delegate'}:{wanted.language}"


async def planned_buttons(
    session: AsyncSession, chats: Collection[int] | None = None
) -> dict[int, str]:
    """The button state each chat was last planned (the outbox's memory of it)."""
    query = select(OutboxMessage.chat_id, OutboxMessage.payload).where(
        col(OutboxMessage.kind) == OutboxKind.menu_reset.value,
        col(OutboxMessage.chat_id).is_not(None),
        col(OutboxMessage.status) != OutboxStatus.cancelled.value,
    )
    if chats is not None:
        query = query.where(col(OutboxMessage.chat_id).in_(sorted(chats)))
    planned: dict[int, str] = {}
    for chat_id, payload in (await session.exec(query.order_by(col(OutboxMessage.id)))).all():
        try:
            button = MenuResetPayload.unpack(payload).button
        except ValidationError:  # a row this code never wrote
            continue
        if chat_id is not None and button is not None:
            planned[chat_id] = button  # ordered by id: the last one wins
    return planned


async def plan_menus(
    *,
    session: AsyncSession,
    chats: Iterable[int],
    now: datetime,
    admin_ids: frozenset[int] = frozenset(),
    reset_commands: Collection[int] = (),
    buttons: bool = True,
) -> int:
    """Rows for these chats whose button should now differ from the last one planned
    (and for ``reset_commands``, whose command menu goes); in the caller's transaction.
    Without ``buttons`` (no ``WEBAPP_URL``) only the command menus. Returns how many rows
    were planned."""
    chats = sorted((set(chats) if buttons else set()) | set(reset_commands))
    if not chats:
        return 0
    wanted = await menu_wanted(session=session, admin_ids=admin_ids, chats=chats)
    planned = await planned_buttons(session, chats)
    rows = []
    for chat in chats:
        state = button_state(wanted.get(chat)) if buttons else None
        reset = chat in reset_commands
        if state == planned.get(chat, NO_BUTTON) and not reset:
            continue
        payload = MenuResetPayload(commands=reset, button=state, admin=chat in admin_ids)
        key = f"{chat}:{state or 'commands'}:{now.isoformat()}"
        rows.append(outbox_row(payload, key, now=now, due_at=now, chat_id=chat))
    if rows:
        await session.exec(insert(OUTBOX_TABLE), params=rows)
    return len(rows)


async def sync_menus(
    *, session: AsyncSession, now: datetime, admin_ids: frozenset[int] = frozenset()
) -> int:
    """Every chat whose records and last planned button disagree: the linked, the admins,
    and those given a button once but linked no more; how many rows were planned."""
    linked = (
        await session.exec(
            select(Delegate.telegram_user_id).where(col(Delegate.telegram_user_id).is_not(None))
        )
    ).all()
    given = [chat for chat, state in (await planned_buttons(session)).items() if state != NO_BUTTON]
    chats = {chat for chat in linked if chat is not None} | set(admin_ids) | set(given)
    return await plan_menus(session=session, chats=chats, now=now, admin_ids=admin_ids)
