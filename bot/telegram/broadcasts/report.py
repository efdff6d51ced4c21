"""After a broadcast: a delegate's ``Đã nhận``, and the secretariat's report on it.

The report shows delivered, failed by reason, acknowledged and not acknowledged; the
names behind each count on request; everything per recipient as an XLSX; and a
``correction`` that goes to the same recipients as a reply to their copy.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import timedelta
from functools import partial
from html import escape

from telegram import Message, Update

from bot.domain.broadcasts import Target, TargetKind
from bot.domain.buttons import (
    AcknowledgeButton,
    BroadcastReportButton,
    BroadcastWorkbookButton,
    CorrectionButton,
    NameList,
    NamesButton,
)
from bot.domain.keyboards import Button
from bot.i18n import N_
from bot.messages import broadcast_texts as texts
from bot.messages.keyboards import inline_markup
from bot.messages.office import office_name
from bot.models import Broadcast, Council
from bot.services.broadcasts.acks import AckOutcome, acknowledge
from bot.services.broadcasts.drafts import (
    BroadcastStatus,
    draft_deadline,
    resolve_council,
    target_of,
)
from bot.services.broadcasts.progress import (
    RecipientLine,
    count_progress,
    recipient_lines,
    report_xlsx,
)
from bot.telegram.broadcasts.notice import (
    NOT_AVAILABLE,
    ask_for_notice,
    managed_broadcast,
    secretary,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button
from bot.telegram.texts import answer, edit_buttons, split_message

NOT_FOR_YOU = N_("This button is not for you.")
XLSX_HEADERS = (
    N_("Code"),
    N_("Full name"),
    N_("Unit"),
    N_("Delivery"),
    N_("Sent at"),
    N_("Acknowledged at"),
    N_("Reminded at"),
)


@on_button(AcknowledgeButton, Access.delegate, refusal=NOT_FOR_YOU)
async def on_ack(
    update: Update, context: BotContext, scope: UpdateScope, data: AcknowledgeButton
) -> None:
    """``Đã nhận`` on a copy (or on a nudge): recorded once, the button shows the time.

    Only the delegate the copy went to may press it; anyone else's press changes nothing.
    """
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    ack = await acknowledge(
        session=scope.session,
        recipient_id=data.recipient_id,
        telegram_user_id=scope.identity.telegram_user_id,
        now=scope.now,
    )
    await scope.commit()  # recorded before the delegate is thanked for it
    if ack.outcome is AckOutcome.not_yours or ack.at is None:
        await answer(query, _(NOT_FOR_YOU), show_alert=True)
        return
    label = texts.acknowledged_label(ack.at, scope.settings.zone, _, scope.language)
    if ack.outcome is AckOutcome.recorded:
        council = await scope.session.get(Council, ack.council_id) if ack.council_id else None
        office = office_name(_, council, override=scope.settings.SECRETARIAT_NAME)
        await answer(
            query,
            _("Thank you: {office} can see you have received it.").format(office=office),
        )
    else:
        await answer(query, label)
    await _show_acknowledged(query.message, label, data.recipient_id, context)


class ShownLabels:
    """The ack label this process last put on each message (the most recent ``size``).

    A press carries the message as it was when pressed: the second of two quick taps
    still shows ``Đã nhận`` after the first one's edit, and editing again would change
    nothing (Telegram refuses it: "message is not modified"). Updates of one user are
    handled in order, so the first tap's edit is known here before the second is handled.
    """

    KEY = "broadcast_ack_labels"

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._labels: OrderedDict[tuple[int, int], str] = OrderedDict()

    @classmethod
    def of(cls, context: BotContext) -> ShownLabels:
        shown = context.bot_data.setdefault(cls.KEY, cls())
        assert isinstance(shown, cls)
        return shown

    def get(self, chat_id: int, message_id: int) -> str | None:
        return self._labels.get((chat_id, message_id))

    def put(self, chat_id: int, message_id: int, label: str | None) -> None:
        key = (chat_id, message_id)
        self._labels.pop(key, None)
        if label is not None:
            self._labels[key] = label
            while len(self._labels) > self._size:
                self._labels.popitem(last=False)


async def _show_acknowledged(
    message: object, label: str, recipient_id: int, context: BotContext
) -> None:
    """The button of the pressed message becomes ``label``, unless it already is."""
    if not isinstance(message, Message):
        return
    shown = message.reply_markup
    labels = [b.text for row in shown.inline_keyboard for b in row] if shown else []
    registry = ShownLabels.of(context)
    if label in labels or registry.get(message.chat_id, message.message_id) == label:
        return
    registry.put(message.chat_id, message.message_id, label)
    try:
        await edit_buttons(message, inline_markup([[Button(label, texts.ack_data(recipient_id))]]))
    except Exception:
        registry.put(message.chat_id, message.message_id, None)
        raise


async def _sent(
    update: Update, scope: UpdateScope, broadcast_id: int
) -> tuple[Message, Broadcast] | None:
    """A confirmed broadcast the caller may act on, and the message to answer under."""
    query = update.callback_query
    assert query is not None
    broadcast = await managed_broadcast(scope, broadcast_id)
    if broadcast is None or broadcast.status in {
        BroadcastStatus.draft.value,
        BroadcastStatus.cancelled.value,
    }:
        await answer(query, scope._(NOT_AVAILABLE), show_alert=True)
        return None
    await answer(query)
    if not isinstance(query.message, Message):
        return None
    return query.message, broadcast


@on_button(BroadcastReportButton, Access.secretary)
async def on_report(
    update: Update, context: BotContext, scope: UpdateScope, data: BroadcastReportButton
) -> None:
    """Delivered, failed by reason, acknowledged: the counts, with buttons for the names."""
    if (found := await _sent(update, scope, data.broadcast_id)) is None:
        return
    message, broadcast = found
    _ = scope._
    progress = (await count_progress(session=scope.session, broadcast_ids=[data.broadcast_id]))[
        data.broadcast_id
    ]
    label = texts.target_label(target_of(broadcast), _)
    await message.reply_text(
        texts.report_text(broadcast, label, progress, scope.settings.zone, _, scope.language),
        reply_markup=texts.report_detail_markup(data.broadcast_id, _),
    )


def _person(line: RecipientLine) -> str:
    unit = f" ({escape(line.unit)})" if line.unit else ""
    return f"• {escape(line.code)} — {escape(line.full_name)}{unit}"


_NAME_TITLES = {
    NameList.acknowledged: N_("Acknowledged notice #{number}:"),
    NameList.failed: N_("Could not receive notice #{number}:"),
    NameList.not_acknowledged: N_("Received notice #{number} but have not acknowledged it:"),
}


def _chosen(lines: list[RecipientLine], which: NameList) -> list[RecipientLine]:
    match which:
        case NameList.acknowledged:
            return [line for line in lines if line.acknowledged_at is not None]
        case NameList.failed:
            return [line for line in lines if line.failed]
        case NameList.not_acknowledged:
            return [line for line in lines if line.delivered and line.acknowledged_at is None]


@on_button(NamesButton, Access.secretary)
async def on_names(
    update: Update, context: BotContext, scope: UpdateScope, data: NamesButton
) -> None:
    """The names behind one of the report's counts."""
    if (found := await _sent(update, scope, data.broadcast_id)) is None:
        return
    message, broadcast = found
    _ = scope._
    lines = await recipient_lines(session=scope.session, broadcast_id=data.broadcast_id)
    chosen = _chosen(lines, data.names)
    text = [_(_NAME_TITLES[data.names]).format(number=broadcast.id)]
    for line in chosen:
        entry = _person(line)
        if data.names is NameList.failed:
            entry += f" — {escape(_(texts.REASON_NAMES[line.state]))}"
        text.append(entry)
    if not chosen:
        text.append(_("nobody"))
    for chunk in split_message("\n".join(text)):
        await message.reply_text(chunk)


@on_button(BroadcastWorkbookButton, Access.secretary)
async def on_workbook(
    update: Update, context: BotContext, scope: UpdateScope, data: BroadcastWorkbookButton
) -> None:
    """Every recipient, their delivery and acknowledgement, as an XLSX file."""
    if (found := await _sent(update, scope, data.broadcast_id)) is None:
        return
    message, broadcast = found
    _ = scope._
    lines = await recipient_lines(session=scope.session, broadcast_id=data.broadcast_id)
    await scope.commit()  # read: no transaction stays open while the workbook is built
    # Plain rows, gathered above: the building alone runs in a worker thread.
    labels = {state: _(name) for state, name in texts.REASON_NAMES.items()}
    content = await asyncio.to_thread(
        partial(
            report_xlsx,
            lines,
            headers=[_(header) for header in XLSX_HEADERS],
            state_label=lambda state: labels.get(state, state),
            zone=scope.settings.zone,
        )
    )
    await message.reply_document(
        content,
        filename=f"thong-bao-{broadcast.id}.xlsx",
        caption=_("Notice #{number}: every recipient, delivery and acknowledgement.").format(
            number=broadcast.id
        ),
    )


@on_button(CorrectionButton, Access.secretary)
async def on_correction(
    update: Update, context: BotContext, scope: UpdateScope, data: CorrectionButton
) -> None:
    """A correction goes to the same delegates, as a reply to their copy."""
    if (found := await _sent(update, scope, data.broadcast_id)) is None:
        return
    message, broadcast = found
    council = await resolve_council(
        session=scope.session,
        reach=secretary(scope).office.reaches_filter,
        code=None,
        home=broadcast.council_id,
    )
    if council is None:
        await message.reply_text(scope._(NOT_AVAILABLE))
        return
    deadline = draft_deadline(broadcast)
    await ask_for_notice(
        message,
        scope,
        council,
        Target(TargetKind.correction, corrects_id=_original(broadcast)),
        deadline if deadline is None or deadline > timedelta(0) else None,
    )


def _original(broadcast: Broadcast) -> int:
    """A correction of a correction still replies to the first broadcast's copies."""
    assert broadcast.id is not None
    return broadcast.corrects_id if broadcast.corrects_id is not None else broadcast.id
