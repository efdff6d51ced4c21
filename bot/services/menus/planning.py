"""A chat's menus (its command menu, the Mini App's button), changed only through the outbox.

Whatever changes what a chat's menus should be (a link, a role, a language, an unlink, a
deactivation) plans a ``menu_reset`` row in its own unit of work; the dispatcher sets the
menus as the records say when the row goes out. The rows given (sent, or on their way)
are the durable memory of what each chat has: a chat is planned only where its records
and that memory disagree, so a restart sends nothing again, and :func:`sync_menus` (the
``MenuSync`` job in ``jobs/menu_sync.py``, now and then and at start) catches up what
other means changed (SQL, a newly set ``WEBAPP_URL``). A failed row is no memory: a
later look plans it again, after a wait that doubles with each failed row
(:meth:`Given.waits`). The views each side reads: :mod:`bot.services.menus`.

Two processes planning the same change write one row: the key names the chat's last row
so far and the state planned, and the outbox's unique index settles the race.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks, insert_ignoring_duplicates
from bot.domain.menus import UNLINKED, CommandMenu, MenuWanted
from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import REVIVABLE, MenuResetPayload
from bot.services.outbox.rows import OUTBOX_TABLE, OutboxKind, OutboxStatus, outbox_row
from bot.services.webapp.access import menu_wanted

GIVEN = (OutboxStatus.pending.value, OutboxStatus.sending.value, OutboxStatus.sent.value)
"""A row in these states gave (or is giving) the chat what it planned; a failed or
cancelled one did not."""

BLOCKED_RETRY = timedelta(days=7)
"""A chat whose last menu row found the bot blocked is left this long by the looks; the
longest a chat whose rows keep failing is left."""
FAILED_RETRY = timedelta(minutes=10)
"""A chat whose last menu row failed otherwise (a lasting 400, a sender without
``WEBAPP_URL``) is left this long by the looks, twice as long for each failed row
before it in a row, up to :data:`BLOCKED_RETRY`."""


@dataclass
class Given:
    """What the outbox remembers of one chat's menus."""

    last_row: int = 0
    """The chat's last menu row, whatever became of it: part of the next row's key."""
    commands: CommandMenu = CommandMenu.delegate
    """Nothing chat-scoped until a row says otherwise (the default menu)."""
    button: MenuWanted = UNLINKED
    failures: int = 0
    """How many of the chat's last rows failed, one after the other."""
    failed_at: datetime | None = None
    """When the last row failed (``None``: it did not)."""
    blocked: bool = False
    """The last row failed because the chat blocked the bot (or never started it)."""

    def waits(self, now: datetime) -> bool:
        """The looks leave this chat alone for now: its last rows failed, and the wait
        (a week when blocked, else doubling per failed row) is not over."""
        if self.failed_at is None:
            return False
        if self.blocked:
            wait = BLOCKED_RETRY
        else:
            wait = min(FAILED_RETRY * 2 ** min(self.failures - 1, 20), BLOCKED_RETRY)
        return self.failed_at > now - wait


async def given_menus(
    session: AsyncSession, chats: Collection[int] | None = None
) -> dict[int, Given]:
    """Each chat's menus as the rows given last planned them."""
    query = select(OutboxMessage).where(
        col(OutboxMessage.kind) == OutboxKind.menu_reset.value,
        col(OutboxMessage.chat_id).is_not(None),
    )
    if chats is not None:
        query = query.where(col(OutboxMessage.chat_id).in_(sorted(chats)))
    given: dict[int, Given] = {}
    rows = (await session.exec(query.order_by(col(OutboxMessage.id)))).all()
    for row in rows:  # by id: the last one wins
        if row.chat_id is None or row.id is None:
            continue
        memory = given.setdefault(row.chat_id, Given())
        memory.last_row = row.id
        failed = row.status == OutboxStatus.failed.value
        memory.failures = memory.failures + 1 if failed else 0
        memory.failed_at = row.updated_at if failed else None
        memory.blocked = failed and row.failure_reason in REVIVABLE
        if row.status not in GIVEN:
            continue
        try:
            planned = MenuResetPayload.unpack(row.payload)
        except ValidationError:  # a row this code never wrote
            continue
        if planned.commands is not None:
            memory.commands = planned.commands
        if planned.button is not None:
            memory.button = planned.button
    return given


async def plan_menus(
    *,
    session: AsyncSession,
    chats: Iterable[int],
    now: datetime,
    admin_ids: frozenset[int] = frozenset(),
    buttons: bool = True,
    commands_changed: Collection[int] = (),
) -> int:
    """Rows for these chats whose menus should now differ from those given, in the
    caller's transaction; how many were planned. Without ``buttons`` (no ``WEBAPP_URL``)
    only the command menus. ``commands_changed``: chats whose command menu goes out even
    if the outbox remembers none (a secretary's menu set before it was kept here)."""
    chats = sorted(set(chats) | set(commands_changed))
    wanted: dict[int, MenuWanted] = {}
    given: dict[int, Given] = {}
    for batch in chunks(chats):  # asyncpg takes at most 32,767 parameters
        wanted |= await menu_wanted(session=session, admin_ids=admin_ids, chats=batch)
        given |= await given_menus(session, batch)
    return await _plan(
        session,
        chats,
        wanted,
        given,
        now=now,
        admin_ids=admin_ids,
        buttons=buttons,
        commands_changed=commands_changed,
    )


async def _plan(
    session: AsyncSession,
    chats: Iterable[int],
    wanted: dict[int, MenuWanted],
    given: dict[int, Given],
    *,
    now: datetime,
    admin_ids: frozenset[int],
    buttons: bool,
    commands_changed: Collection[int],
) -> int:
    """The rows for ``chats`` whose ``wanted`` menus differ from those ``given``."""
    rows = []
    for chat in sorted(chats):
        menus = wanted.get(chat, UNLINKED)
        memory = given.get(chat, Given())
        button_changed = buttons and menus != memory.button
        commands_differ = menus.commands != memory.commands or chat in commands_changed
        if not (button_changed or commands_differ):
            continue
        # The whole state, not only what changed: the last row given is all the memory.
        payload = MenuResetPayload(
            commands=menus.commands,
            button=menus if buttons else None,
            admin=chat in admin_ids,
        )
        key = f"{chat}:after:{memory.last_row}:{payload.commands}:{menus.stored()}"
        rows.append(outbox_row(payload, key, now=now, due_at=now, chat_id=chat))
    return await insert_ignoring_duplicates(
        session, OUTBOX_TABLE, rows, unique=["kind", "dedupe_key"]
    )


async def sync_menus(
    *,
    session: AsyncSession,
    now: datetime,
    admin_ids: frozenset[int] = frozenset(),
    buttons: bool = True,
) -> int:
    """Every chat whose records and given menus disagree: the linked, the admins, and
    those given menus once but linked no more; how many rows were planned. A chat whose
    last rows failed is not tried at every look but after a wait (:meth:`Given.waits`:
    a week when it blocked the bot, else 10 minutes doubling per failed row), or with
    its next link, language or role (those plan through :func:`plan_menus`)."""
    linked = (
        await session.exec(
            select(Delegate.telegram_user_id).where(col(Delegate.telegram_user_id).is_not(None))
        )
    ).all()
    given = await given_menus(session)
    once = {
        chat
        for chat, memory in given.items()
        if memory.button.linked or memory.commands is not CommandMenu.delegate
    }
    chats = {chat for chat in linked if chat is not None} | set(admin_ids) | once
    waiting = {chat for chat, memory in given.items() if memory.waits(now)}
    # Every chat: the records and the rows read whole, no chat named in a query.
    wanted = await menu_wanted(session=session, admin_ids=admin_ids)
    return await _plan(
        session,
        chats - waiting,
        wanted,
        given,
        now=now,
        admin_ids=admin_ids,
        buttons=buttons,
        commands_changed=(),
    )
