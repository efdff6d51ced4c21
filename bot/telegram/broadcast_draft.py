"""The preview's buttons: ``Xác nhận``, ``Hủy``, who cannot receive it, the deadline.

``Xác nhận`` turns the preview message into the progress message: its first edit is
made here, the following ones by the scheduler's progress job.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from html import escape

from telegram import Message, Update

from bot.domain.broadcasts import FailureReason, RequestError, Target
from bot.i18n import Gettext
from bot.messages import broadcast_texts as texts
from bot.services.accounts import Identity
from bot.services.broadcast_reports import progress_of, record_progress
from bot.services.broadcasts import (
    Audience,
    cancel_draft,
    confirm_broadcast,
    draft_deadline,
    get_broadcast,
    resolve_audience,
    set_draft_deadline,
    target_of,
)
from bot.telegram.broadcast import (
    NOT_AVAILABLE,
    WAKE_KEY,
    dispatch_button,
    edit,
    render_error,
)
from bot.telegram.context import BotContext
from bot.telegram.texts import answer, split_message

logger = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^bc:(ok|no|who|dl):"


async def on_callback(update: Update, context: BotContext) -> None:
    """``bc:ok``, ``bc:no``, ``bc:who``, ``bc:dl`` on a draft's preview."""
    await dispatch_button(update, context, _draft_button)


async def _draft_button(
    update: Update,
    context: BotContext,
    identity: Identity,
    action: str,
    rest: list[str],
    _: Gettext,
) -> None:
    query = update.callback_query
    assert query is not None
    if not rest or not rest[0].isdigit():
        await answer(query)
        return
    broadcast = await get_broadcast(
        session_factory=context.deps.session_factory, broadcast_id=int(rest[0])
    )
    if broadcast is None or broadcast.id is None or not identity.may_manage(broadcast.council_id):
        await answer(query, _(NOT_AVAILABLE), show_alert=True)
        return
    if action == "ok":
        await _confirm(update, context, broadcast.id, _)
    elif action == "no":
        await _cancel(update, context, broadcast.id, _)
    elif action == "who":
        await _who(update, context, broadcast.council_id, target_of(broadcast), _)
    elif action == "dl" and len(rest) > 1 and rest[1].isdigit():
        await _deadline(update, context, broadcast.id, int(rest[1]), _)


async def _confirm(update: Update, context: BotContext, broadcast_id: int, _: Gettext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    deps = context.deps
    now = deps.clock()
    try:
        confirmed = await confirm_broadcast(
            session_factory=deps.session_factory,
            broadcast_id=broadcast_id,
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
            now=now,
        )
    except RequestError as error:
        await answer(query, render_error(error, _), show_alert=True)
        return
    if confirmed is None:
        await answer(
            query,
            _("This notice was already confirmed or cancelled; nothing more was sent."),
            show_alert=True,
        )
        return
    await answer(query, _("Sending…"))
    progress = (
        await progress_of(session_factory=deps.session_factory, broadcast_ids=[broadcast_id])
    )[broadcast_id]
    label = texts.target_label(target_of(confirmed.broadcast), _)
    text = texts.progress_text(broadcast_id, label, progress, _)
    await edit(query, text, None)
    await record_progress(
        session_factory=deps.session_factory,
        broadcast_id=broadcast_id,
        text=text,
        now=now,
        finished=False,
    )
    logger.info("broadcast %s confirmed: %d copies queued", broadcast_id, confirmed.queued)
    wake = context.application.bot_data.get(WAKE_KEY)
    if callable(wake):
        wake()


async def _cancel(update: Update, context: BotContext, broadcast_id: int, _: Gettext) -> None:
    query = update.callback_query
    assert query is not None
    cancelled = await cancel_draft(
        session_factory=context.deps.session_factory,
        broadcast_id=broadcast_id,
        now=context.deps.clock(),
    )
    if not cancelled:
        await answer(
            query,
            _("This notice was already confirmed or cancelled; nothing more was sent."),
            show_alert=True,
        )
        return
    await answer(query)
    await edit(query, _("Cancelled: nothing was sent."), None)


async def _who(
    update: Update, context: BotContext, council_id: int, target: Target, _: Gettext
) -> None:
    query = update.callback_query
    assert query is not None
    try:
        audience = await resolve_audience(
            session_factory=context.deps.session_factory, council_id=council_id, target=target
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


async def _deadline(
    update: Update, context: BotContext, broadcast_id: int, hours: int, _: Gettext
) -> None:
    query = update.callback_query
    assert query is not None
    deps = context.deps
    broadcast = await set_draft_deadline(
        session_factory=deps.session_factory,
        broadcast_id=broadcast_id,
        deadline=timedelta(hours=hours) if hours else None,
    )
    if broadcast is None:
        await answer(
            query,
            _("This notice was already confirmed or cancelled; nothing more was sent."),
            show_alert=True,
        )
        return
    try:
        audience = await resolve_audience(
            session_factory=deps.session_factory,
            council_id=broadcast.council_id,
            target=target_of(broadcast),
        )
    except RequestError as error:
        await answer(query, render_error(error, _), show_alert=True)
        return
    await answer(query)
    await edit(
        query,
        texts.preview_text(audience, draft_deadline(broadcast), _),
        texts.preview_markup(broadcast_id, audience, _),
    )
