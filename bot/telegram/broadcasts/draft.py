"""The preview's buttons: ``Xác nhận``, ``Hủy``, who cannot receive it, the deadline.

``Xác nhận`` turns the preview message into the progress message: its first edit is
made here, the following ones by the scheduler's progress job.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

from telegram import CallbackQuery, Message, Update

from bot.domain.broadcasts import FailureReason, RequestError
from bot.domain.buttons import (
    CancelBroadcastButton,
    ConfirmBroadcastButton,
    DeadlineButton,
    UnreachableButton,
)
from bot.i18n import N_, Gettext
from bot.messages import broadcast_texts as texts
from bot.models import Broadcast
from bot.services.broadcasts.drafts import (
    Audience,
    cancel_draft,
    confirm_broadcast,
    draft_deadline,
    resolve_audience,
    set_draft_deadline,
    target_of,
)
from bot.services.broadcasts.progress import count_progress, save_progress
from bot.telegram.broadcasts.notice import (
    NOT_AVAILABLE,
    has_file,
    managed_broadcast,
    render_error,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import EXPIRED, Access, on_button
from bot.telegram.texts import answer, edit, split_message

logger = logging.getLogger(__name__)

ALREADY_DECIDED = N_("This notice was already confirmed or cancelled; nothing more was sent.")


async def _draft(
    update: Update, scope: UpdateScope, broadcast_id: int
) -> tuple[CallbackQuery, Broadcast] | None:
    """The pressed preview's broadcast, if the caller may act on it; else they are told."""
    query = update.callback_query
    assert query is not None
    broadcast = await managed_broadcast(scope, broadcast_id)
    if broadcast is None:
        await answer(query, scope._(NOT_AVAILABLE), show_alert=True)
        return None
    return query, broadcast


@on_button(ConfirmBroadcastButton, Access.secretary)
async def on_confirm(
    update: Update, context: BotContext, scope: UpdateScope, data: ConfirmBroadcastButton
) -> None:
    """``Xác nhận``: the copies are queued and committed, then the preview shows progress."""
    if (found := await _draft(update, scope, data.broadcast_id)) is None:
        return
    query, _broadcast = found
    _ = scope._
    if query.message is None:
        await answer(query)
        return
    try:
        confirmed = await confirm_broadcast(
            session=scope.session,
            broadcast_id=data.broadcast_id,
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
            now=scope.now,
        )
    except RequestError as error:
        await answer(query, render_error(error, _), show_alert=True)
        return
    if confirmed is None:
        await answer(query, _(ALREADY_DECIDED), show_alert=True)
        return
    await scope.commit()
    await answer(query, _("Sending…"))
    broadcast_id = data.broadcast_id
    progress = (await count_progress(session=scope.session, broadcast_ids=[broadcast_id]))[
        broadcast_id
    ]
    target = target_of(confirmed.broadcast)
    label = texts.target_label(target, _)
    text = texts.progress_text(broadcast_id, label, progress, _, target=target)
    await edit(query, text, None)
    await save_progress(
        session=scope.session, broadcast_id=broadcast_id, text=text, now=scope.now, finished=False
    )
    await scope.commit()
    logger.info("broadcast %s confirmed: %d copies queued", broadcast_id, confirmed.queued)
    context.deps.wake()


@on_button(CancelBroadcastButton, Access.secretary)
async def on_cancel(
    update: Update, context: BotContext, scope: UpdateScope, data: CancelBroadcastButton
) -> None:
    if (found := await _draft(update, scope, data.broadcast_id)) is None:
        return
    query, _broadcast = found
    _ = scope._
    if not await cancel_draft(session=scope.session, broadcast_id=data.broadcast_id, now=scope.now):
        await answer(query, _(ALREADY_DECIDED), show_alert=True)
        return
    await scope.commit()
    await answer(query)
    await edit(query, _("Cancelled: nothing was sent."), None)


@on_button(UnreachableButton, Access.secretary)
async def on_unreachable(
    update: Update, context: BotContext, scope: UpdateScope, data: UnreachableButton
) -> None:
    """Who cannot receive the draft, and why."""
    if (found := await _draft(update, scope, data.broadcast_id)) is None:
        return
    query, broadcast = found
    _ = scope._
    try:
        audience = await resolve_audience(
            session=scope.session, council_id=broadcast.council_id, target=target_of(broadcast)
        )
    except RequestError as error:
        await answer(query, render_error(error, _), show_alert=True)
        return
    await answer(query)
    if not isinstance(query.message, Message):
        return
    for chunk in split_message(cannot_text(audience, _)):
        await query.message.reply_text(chunk)


def cannot_text(audience: Audience, _: Gettext) -> str:
    lines = [_("They cannot receive the notice:")]
    for reason in FailureReason:
        people = [p for p, r in audience.cannot if r is reason]
        if people:
            lines.append(f"<b>{escape(_(texts.REASON_NAMES[reason.value]))}</b>")
            lines += [f"• {escape(p.code)} — {escape(p.full_name)}" for p in people]
    if len(lines) == 1:
        lines.append(_("nobody"))
    return "\n".join(lines)


@on_button(DeadlineButton, Access.secretary)
async def on_deadline(
    update: Update, context: BotContext, scope: UpdateScope, data: DeadlineButton
) -> None:
    """A deadline button of the preview (only those the preview offers: 0 is none)."""
    query = update.callback_query
    assert query is not None
    _ = scope._
    if data.hours not in (0, *texts.DEADLINE_CHOICES):
        await answer(query, _(EXPIRED), show_alert=True)
        return
    if await _draft(update, scope, data.broadcast_id) is None:
        return
    broadcast = await set_draft_deadline(
        session=scope.session,
        broadcast_id=data.broadcast_id,
        deadline=timedelta(hours=data.hours) if data.hours else None,
    )
    if broadcast is None:
        await answer(query, _(ALREADY_DECIDED), show_alert=True)
        return
    try:
        audience = await resolve_audience(
            session=scope.session, council_id=broadcast.council_id, target=target_of(broadcast)
        )
    except RequestError as error:
        # The preview stays as it was, so the deadline must not change behind it.
        await scope.session.rollback()
        await answer(query, render_error(error, _), show_alert=True)
        return
    await scope.commit()
    await answer(query)
    deadline = draft_deadline(broadcast)
    # The preview quotes the notice: whether it carries a file is read from there.
    notice = query.message.reply_to_message if isinstance(query.message, Message) else None
    await edit(
        query,
        texts.preview_text(audience, deadline, _, has_file=has_file(notice)),
        texts.preview_markup(data.broadcast_id, audience, _, deadline),
    )
