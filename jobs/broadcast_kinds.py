"""Outbox kinds of secretariat broadcasts: each delegate's copy, and the deadline nudge.

A copy is ``copyMessage`` of the secretary's original (formatting and files arrive as
written) with a ``Đã nhận`` button (once the original is deleted, the notice kept at its
arrival is sent instead); a correction's copy replies to the delegate's copy
of the broadcast it corrects. A nudge replies to the copy, and says nothing at all
(the row is cancelled) when the delegate acknowledged in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.dates import format_moment
from bot.domain.keyboards import Button
from bot.i18n import get_translator
from bot.messages.broadcast_texts import ack_button
from bot.messages.office import capitalized, office_name
from bot.models import OutboxMessage
from bot.services.broadcasts.copies import Copies, Key, broadcast_copies
from bot.services.outbox.payloads import BroadcastNudgePayload, BroadcastPayload
from bot.services.outbox.rows import Outgoing
from jobs.outbox_kinds import KindSpec, Recipient


def _key(row: OutboxMessage) -> Key:
    """Copies and nudges alike carry their broadcast (the nudge's model extends the copy's)."""
    return BroadcastPayload.unpack(row.payload).broadcast, row.delegate_id or 0


async def _load_copies(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> Copies:
    keys = {_key(row) for row in rows}
    return await broadcast_copies(session=session, keys=keys, zone=zone, nudge=False)


async def _load_nudges(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> Copies:
    keys = {_key(row) for row in rows}
    return await broadcast_copies(session=session, keys=keys, zone=zone, nudge=True)


def _ack_keyboard(recipient_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
    return ((ack_button(recipient_id, get_translator(language)),),)


def _render_copy(
    row: OutboxMessage, copies: Copies, recipient: Recipient, _now: datetime
) -> Outgoing | None:
    key = _key(row)
    source = copies.sources.get(key[0])
    recipient_id = copies.recipients.get(key)
    if source is None or recipient_id is None:
        return None
    album = copies.albums.get(key[0], ())
    if album:
        _ = get_translator(recipient.language)
        return Outgoing(
            copy_of=source,
            album=album,
            text=_("📎 The notice above has {count} files and photos.").format(
                count=len(album) + 1
            ),
            keyboard=_ack_keyboard(recipient_id, recipient.language),
        )
    kept = copies.kept.get(key[0])
    return Outgoing(
        # Known deleted: the kept notice at once, not one failed copy per delegate.
        copy_of=None if kept is not None and key[0] in copies.gone else source,
        kept=kept,
        keyboard=_ack_keyboard(recipient_id, recipient.language),
        reply_to=copies.copies.get(key),
    )


Render = Callable[[OutboxMessage, Copies, Recipient, datetime], Outgoing | None]


def _nudge_renderer(secretariat_name: str) -> Render:
    """The nudge names the office as every other screen does: ``SECRETARIAT_NAME`` when it
    is set, else the office of the broadcast's council (``bot.messages.office``)."""

    def render(
        row: OutboxMessage, copies: Copies, recipient: Recipient, now: datetime
    ) -> Outgoing | None:
        return _render_nudge(row, copies, recipient, now, secretariat_name=secretariat_name)

    return render


def _render_nudge(
    row: OutboxMessage,
    copies: Copies,
    recipient: Recipient,
    _now: datetime,
    *,
    secretariat_name: str = "",
) -> Outgoing | None:
    key = _key(row)
    recipient_id = copies.recipients.get(key)
    copy_id = copies.copies.get(key)
    if recipient_id is None or copy_id is None or copies.acknowledged.get(key, False):
        return None  # acknowledged meanwhile, or there is no copy to point at
    _ = get_translator(recipient.language)
    sent_at = copies.sent_at.get(key[0])
    office = office_name(_, copies.councils.get(key[0]), override=secretariat_name)
    text = _(
        "{office} has not yet had your confirmation of the notice sent at {time}. "
        "Please read it and press «Received» under it."
    ).format(
        office=escape(capitalized(office)),
        time=format_moment(sent_at, recipient.language) if sent_at is not None else "",
    )
    return Outgoing(
        text=text, keyboard=_ack_keyboard(recipient_id, recipient.language), reply_to=copy_id
    )


def broadcast_kinds(secretariat_name: str = "") -> tuple[KindSpec[Copies], ...]:
    """The copy and the nudge; ``secretariat_name`` is ``Settings.SECRETARIAT_NAME``."""
    return (
        KindSpec(BroadcastPayload, _load_copies, render=_render_copy),
        KindSpec(BroadcastNudgePayload, _load_nudges, render=_nudge_renderer(secretariat_name)),
    )
