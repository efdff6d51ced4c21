"""After a broadcast: a delegate's ``Đã nhận``, and the secretariat's report on it.

The report shows delivered, failed by reason, acknowledged and not acknowledged; the
names behind each count on request; everything per recipient as an XLSX; and a
``correction`` that goes to the same recipients as a reply to their copy.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Message, Update
from telegram.error import BadRequest

from bot.domain.broadcasts import Target, TargetKind
from bot.i18n import N_, Gettext
from bot.messages import broadcast_texts as texts
from bot.models import Broadcast
from bot.services.accounts import Identity
from bot.services.broadcast_acks import AckOutcome, acknowledge
from bot.services.broadcast_reports import (
    RecipientLine,
    progress_of,
    recipient_lines,
    report_xlsx,
)
from bot.services.broadcasts import (
    BroadcastStatus,
    CouncilRef,
    draft_deadline,
    get_broadcast,
    resolve_council,
    target_of,
)
from bot.services.outbox import Button
from bot.telegram.broadcast import NOT_AVAILABLE, ask_for_notice, require_secretary
from bot.telegram.context import BotContext, current_identity, translator
from bot.telegram.texts import answer, split_message

CALLBACK_PATTERN = r"^bc:(ack|rep|nm|xl|fix):"

XLSX_HEADERS = (
    N_("Code"),
    N_("Full name"),
    N_("Unit"),
    N_("Delivery"),
    N_("Sent at"),
    N_("Acknowledged at"),
    N_("Reminded at"),
)


async def on_ack(update: Update, context: BotContext) -> None:
    """``Đã nhận`` on a copy (or on a nudge): recorded once, the button shows the time."""
    query = update.callback_query
    if query is None or query.data is None or (user := update.effective_user) is None:
        return
    identity = await current_identity(update, context)
    _ = translator(identity)
    raw = query.data.removeprefix(texts.ACK)
    if not raw.isdigit():
        await answer(query)
        return
    deps = context.deps
    ack = await acknowledge(
        session_factory=deps.session_factory,
        recipient_id=int(raw),
        telegram_user_id=user.id,
        now=deps.clock(),
    )
    if ack.outcome is AckOutcome.not_yours or ack.at is None:
        await answer(query, _("This button is not for you."), show_alert=True)
        return
    label = texts.acknowledged_label(ack.at, deps.settings.zone, _)
    if ack.outcome is AckOutcome.recorded:
        await answer(query, _("Thank you: the council office can see you have received it."))
    else:
        await answer(query, label)
    message = query.message
    shown = message.reply_markup if isinstance(message, Message) else None
    labels = [b.text for row in shown.inline_keyboard for b in row] if shown else []
    if label in labels:
        return
    try:
        await query.edit_message_reply_markup(
            texts.markup((Button(label, texts.ack_data(int(raw))),))
        )
    except BadRequest as error:  # two quick presses: the other one edited it already
        if "not modified" not in error.message.lower():
            raise


async def on_callback(update: Update, context: BotContext) -> None:
    """The secretariat's report buttons: counts, names, XLSX, correction."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    if query.data.startswith(texts.ACK):
        await on_ack(update, context)
        return
    if (found := await require_secretary(update, context)) is None:
        return
    identity, _ = found
    _prefix, action, raw_id, *rest = [*query.data.split(":"), ""]
    broadcast = (
        await get_broadcast(session_factory=context.deps.session_factory, broadcast_id=int(raw_id))
        if raw_id.isdigit()
        else None
    )
    if (
        broadcast is None
        or broadcast.id is None
        or not identity.may_manage(broadcast.council_id)
        or broadcast.status in {BroadcastStatus.draft.value, BroadcastStatus.cancelled.value}
    ):
        await answer(query, _(NOT_AVAILABLE), show_alert=True)
        return
    await answer(query)
    if not isinstance(query.message, Message):
        return
    message = query.message
    if action == "rep":
        await _report(message, context, broadcast, _)
    elif action == "nm":
        await _names(message, context, broadcast, rest[0] if rest else "", _)
    elif action == "xl":
        await _xlsx(message, context, broadcast, _)
    elif action == "fix":
        await _correction(message, context, identity, broadcast, _)


async def _report(message: Message, context: BotContext, broadcast: Broadcast, _: Gettext) -> None:
    assert broadcast.id is not None
    progress = (
        await progress_of(
            session_factory=context.deps.session_factory, broadcast_ids=[broadcast.id]
        )
    )[broadcast.id]
    label = texts.target_label(target_of(broadcast), _)
    await message.reply_text(
        texts.report_text(broadcast, label, progress, context.deps.settings.zone, _),
        reply_markup=texts.report_detail_markup(broadcast.id, _),
    )


def _person(line: RecipientLine) -> str:
    unit = f" ({escape(line.unit)})" if line.unit else ""
    return f"• {escape(line.code)} — {escape(line.full_name)}{unit}"


async def _names(
    message: Message, context: BotContext, broadcast: Broadcast, which: str, _: Gettext
) -> None:
    assert broadcast.id is not None
    lines = await recipient_lines(
        session_factory=context.deps.session_factory, broadcast_id=broadcast.id
    )
    if which == "a":
        chosen = [line for line in lines if line.acknowledged_at is not None]
        title = _("Acknowledged notice #{number}:")
    elif which == "f":
        chosen = [line for line in lines if line.failed]
        title = _("Could not receive notice #{number}:")
    else:
        chosen = [line for line in lines if line.delivered and line.acknowledged_at is None]
        title = _("Received notice #{number} but have not acknowledged it:")
    text = [title.format(number=broadcast.id)]
    for line in chosen:
        entry = _person(line)
        if which == "f":
            entry += f" — {escape(_(texts.REASON_NAMES[line.state]))}"
        text.append(entry)
    if not chosen:
        text.append(_("nobody"))
    for chunk in split_message("\n".join(text)):
        await message.reply_text(chunk)


async def _xlsx(message: Message, context: BotContext, broadcast: Broadcast, _: Gettext) -> None:
    assert broadcast.id is not None
    lines = await recipient_lines(
        session_factory=context.deps.session_factory, broadcast_id=broadcast.id
    )
    content = report_xlsx(
        lines,
        headers=[_(header) for header in XLSX_HEADERS],
        state_label=lambda state: _(texts.REASON_NAMES.get(state, state)),
        zone=context.deps.settings.zone,
    )
    await message.reply_document(
        content,
        filename=f"thong-bao-{broadcast.id}.xlsx",
        caption=_("Notice #{number}: every recipient, delivery and acknowledgement.").format(
            number=broadcast.id
        ),
    )


async def _correction(
    message: Message,
    context: BotContext,
    identity: Identity,
    broadcast: Broadcast,
    _: Gettext,
) -> None:
    """A correction goes to the same delegates, as a reply to their copy."""
    council = await resolve_council(
        session_factory=context.deps.session_factory,
        managed=identity.managed_councils,
        code=None,
        home=broadcast.council_id,
    )
    if council is None:
        await message.reply_text(_(NOT_AVAILABLE))
        return
    original = _original(broadcast)
    deadline = draft_deadline(broadcast)
    await ask_for_notice(
        message,
        context,
        identity,
        CouncilRef(council.id, council.code, council.name),
        Target(TargetKind.correction, corrects_id=original),
        deadline if deadline is None or deadline > timedelta(0) else None,
        _,
    )


def _original(broadcast: Broadcast) -> int:
    """A correction of a correction still replies to the first broadcast's copies."""
    assert broadcast.id is not None
    return broadcast.corrects_id if broadcast.corrects_id is not None else broadcast.id
