"""The register in the bot: recording a report's petitions (or voters' opinions) one by
one, ``/donthu``, and the office's ``Đã có trả lời``.

After a confirmed report with petitions, a short optional flow records each item: its
type (buttons; a voter meeting's item is a voters' opinion unless a petition's type is
picked), a one-message summary, what was done (``chuyển`` + the agency, ``hướng dẫn``,
``trả lại``, ``lưu``). ``Để sau`` leaves the rest for ``/donthu``. Summaries are personal
data: they are shown only to the receiving delegate and their council's secretaries
(``services.petitions.items.may_see``).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.domain.buttons import PetitionButton, PetitionStep
from bot.domain.keyboards import callback_button
from bot.domain.petitions import (
    AGENCY_MAX,
    ANSWER_MAX,
    PETITION_TYPES,
    SUMMARY_MAX,
    PetitionAction,
    PetitionSource,
    PetitionType,
)
from bot.i18n import N_, Gettext
from bot.messages import petition_texts as texts
from bot.messages.keyboards import inline_markup
from bot.models import Delegate, Report
from bot.models.petitions import Petition
from bot.services.conversations import (
    ConversationState,
    conversation_kind,
    end_conversation,
    start_conversation,
)
from bot.services.petitions.items import (
    NewItem,
    may_see,
    pending_entries,
    record_answer,
    record_item,
)
from bot.services.reports.records import ReportTarget
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button
from bot.telegram.texts import answer

NOT_YOURS = N_("This item is not in your register.")
PENDING_SINCE = timedelta(days=92)
"""Reports this recent offer their unrecorded items in ``/donthu``."""


# Two hours, as a report: a question left unanswered must not capture tomorrow's messages.
@conversation_kind("petition_entry", ttl=timedelta(hours=2))
class PetitionEntry(ConversationState):
    """Recording a report's items; item ``index`` of ``total`` is being written."""

    report_id: int
    delegate_id: int
    source: PetitionSource
    received_on: date
    total: int
    index: int
    step: str  # type | summary | action | agency
    type: PetitionType | None = None
    summary: str = ""


@conversation_kind("petition_answer", ttl=timedelta(hours=2))
class PetitionAnswer(ConversationState):
    """The office is about to send the agency's answer to one item."""

    petition_id: int


# Any source takes any type (DESIGN's register): a reception's item may be a voters'
# opinion, and voters hand in petitions at a voter meeting. A reception's item asks its
# type, the opinion offered last; a voter meeting's is an opinion unless the delegate
# picks a petition's type on the summary question.
RECEPTION_TYPES = (*PETITION_TYPES, PetitionType.opinion)


def _type_keyboard(
    report_id: int, kinds: tuple[PetitionType, ...], _: Gettext, *, item: int | None = None
) -> InlineKeyboardMarkup:
    """``item``: the buttons belong to this item only (``type-item``), for a question that
    stays on screen once answered by a message: a late press must not type the next item."""
    buttons = [
        callback_button(
            texts.type_name(kind, _).capitalize(),
            PetitionButton(
                PetitionStep.type,
                report_id,
                kind.value if item is None else f"{kind.value}-{item}",
            ),
        )
        for kind in kinds
    ]
    later = callback_button(_("Later"), PetitionButton(PetitionStep.later, report_id))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return inline_markup([*rows, [later]])


def _may_pick_type(state: PetitionEntry) -> bool:
    """The type question, or a voter meeting's summary question still taken as an opinion."""
    return state.step == "type" or (
        state.step == "summary"
        and state.source is PetitionSource.voter_meeting
        and state.type is PetitionType.opinion
    )


def _picked_type(value: str | None, state: PetitionEntry) -> PetitionType | None:
    """The type a press picks for the item being recorded; ``None`` for a press that is
    not for it (another item's question, or a step past the type)."""
    if not _may_pick_type(state) or value is None:
        return None
    kind, _dash, item = value.partition("-")
    if item and item != str(state.index):
        return None
    return PetitionType(kind) if kind in set(PetitionType) else None


def _action_keyboard(report_id: int, _: Gettext) -> InlineKeyboardMarkup:
    buttons = [
        callback_button(
            texts.action_name(a, _).capitalize(),
            PetitionButton(PetitionStep.action, report_id, a.value),
        )
        for a in PetitionAction
    ]
    return inline_markup([buttons[:2], buttons[2:]])


def _question(state: PetitionEntry, _: Gettext) -> tuple[str, InlineKeyboardMarkup | None]:
    """What to ask for the item being recorded, and its buttons."""
    where = _("Item {index}/{total}").format(index=state.index, total=state.total)
    if state.step == "type":
        return f"<b>{escape(where)}</b>: " + escape(_("what type is it?")), _type_keyboard(
            state.report_id, RECEPTION_TYPES, _
        )
    if state.step == "summary":
        ask = _(
            "please send a short summary in one message (who, where, what is asked). "
            "Only you and the council office will see it."
        )
        if not _may_pick_type(state):
            return f"<b>{escape(where)}</b>: " + escape(ask), None
        ask += " " + _("If it is a petition handed in at the meeting, pick its type first.")
        keyboard = _type_keyboard(state.report_id, PETITION_TYPES, _, item=state.index)
        return f"<b>{escape(where)}</b>: " + escape(ask), keyboard
    if state.step == "action":
        return f"<b>{escape(where)}</b>: " + escape(_("what was done with it?")), _action_keyboard(
            state.report_id, _
        )
    return f"<b>{escape(where)}</b>: " + escape(_("to which agency was it forwarded?")), None


async def offer_after_report(
    scope: UpdateScope, message: object, target: ReportTarget | None
) -> None:
    """After a confirmed report with petitions or opinions: the first item's question."""
    report = target.report if target is not None else None
    if (
        target is None
        or report is None
        or report.id is None
        or not report.carries_figures
        or not isinstance(message, Message)
    ):
        return
    pending = [
        p
        for p in await pending_entries(
            session=scope.session,
            delegate_ids=[report.delegate_id],
            since=report.reported_at,
            zone=scope.settings.zone,
        )
        if p.report_id == report.id
    ]
    if not pending:
        return
    entry = pending[0]
    state = PetitionEntry(
        report_id=report.id,
        delegate_id=report.delegate_id,
        source=entry.source,
        received_on=target.starts_at.date(),
        total=entry.total,
        index=entry.recorded + 1,
        step="summary" if entry.source is PetitionSource.voter_meeting else "type",
        type=PetitionType.opinion if entry.source is PetitionSource.voter_meeting else None,
    )
    await _ask(scope, message, state, intro=True)


async def _ask(
    scope: UpdateScope, message: Message, state: PetitionEntry, *, intro: bool = False
) -> None:
    assert scope.identity is not None
    await start_conversation(
        session=scope.session,
        telegram_user_id=scope.identity.telegram_user_id,
        state=state,
        now=scope.now,
    )
    await scope.commit()
    _ = scope._
    text, keyboard = _question(state, _)
    if intro:
        head = (
            _("Record the {total} voters' opinions in the register? (optional; /donthu later)")
            if state.source is PetitionSource.voter_meeting
            else _("Record the {total} petitions in the register? (optional; /donthu later)")
        )
        text = escape(head.format(total=state.total)) + "\n" + text
        if keyboard is None:
            later = PetitionButton(PetitionStep.later, state.report_id)
            keyboard = inline_markup([[callback_button(_("Later"), later)]])
    await message.reply_text(text, reply_markup=keyboard)


async def _save_item(
    scope: UpdateScope, message: Message, state: PetitionEntry, action: PetitionAction, agency: str
) -> None:
    assert scope.identity is not None
    assert state.type is not None
    delegate = await scope.session.get(Delegate, state.delegate_id)
    if delegate is None or delegate.id not in scope.identity.delegate_ids:
        return
    petition = await record_item(
        session=scope.session,
        item=NewItem(
            report_id=state.report_id,
            delegate=delegate,
            source=state.source,
            received_on=state.received_on,
            type=state.type,
            summary=state.summary,
            action=action,
            agency=agency,
        ),
        today=scope.now.astimezone(scope.settings.zone).date(),
        answer_days=scope.settings.PETITION_ANSWER_DAYS,
        actor=f"tg:{scope.identity.telegram_user_id}",
        now=scope.now,
    )
    _ = scope._
    saved = _("Recorded as No. {ref}.").format(ref=petition.ref)
    if petition.due_on is not None:
        saved += " " + _("Answer due {day}.").format(day=texts.day(petition.due_on))
    if state.index >= state.total:
        await end_conversation(
            session=scope.session,
            telegram_user_id=scope.identity.telegram_user_id,
            kind=PetitionEntry,
        )
        await scope.commit()
        await message.reply_text(
            escape(saved + " " + _("All items are in the register. Thank you!"))
        )
        return
    following = state.model_copy(
        update={
            "index": state.index + 1,
            "step": "summary" if state.source is PetitionSource.voter_meeting else "type",
            "type": PetitionType.opinion if state.source is PetitionSource.voter_meeting else None,
            "summary": "",
        }
    )
    await message.reply_text(escape(saved))
    await _ask(scope, message, following)


async def on_entry_message(
    update: Update, context: BotContext, scope: UpdateScope, state: PetitionEntry
) -> bool:
    """The summary or the agency of the item being recorded."""
    if (message := update.effective_message) is None or message.document is not None:
        return False
    if message.reply_to_message is not None:
        # A Telegram reply answers the message it quotes (a report prompt takes figures
        # that way); this flow reads plain messages only.
        return False
    _ = scope._
    text = (message.text or "").strip()
    if state.step in ("type", "action") or not text:
        question, keyboard = _question(state, _)
        await message.reply_text(question, reply_markup=keyboard)
        return True
    if state.step == "summary":
        if len(text) > SUMMARY_MAX:
            await message.reply_text(
                escape(_("Please keep it under {limit} characters.").format(limit=SUMMARY_MAX))
            )
            return True
        await _ask(scope, message, state.model_copy(update={"summary": text, "step": "action"}))
        return True
    await _save_item(scope, message, state, PetitionAction.forwarded, text[:AGENCY_MAX])
    return True


async def on_answer_message(
    update: Update, context: BotContext, scope: UpdateScope, state: PetitionAnswer
) -> bool:
    """The agency's answer: the message's text, or a file (its name and caption)."""
    if (message := update.effective_message) is None or scope.identity is None:
        return False
    _ = scope._
    if message.document is not None:
        name = message.document.file_name or "tệp"
        text = _("File: {name}").format(name=name) + (
            f"\n{message.caption}" if message.caption else ""
        )
    else:
        text = (message.text or "").strip()
    if not text:
        await message.reply_text(escape(_("Please send the answer as a text message or a file.")))
        return True
    petition = await scope.session.get(Petition, state.petition_id)
    await end_conversation(
        session=scope.session, telegram_user_id=scope.identity.telegram_user_id, kind=PetitionAnswer
    )
    if petition is None or petition.council_id not in scope.identity.office.own:
        await scope.commit()
        await message.reply_text(escape(_(NOT_YOURS)))
        return True
    await record_answer(
        session=scope.session,
        petition=petition,
        answer=text[:ANSWER_MAX],
        today=scope.now.astimezone(scope.settings.zone).date(),
        actor=f"tg:{scope.identity.telegram_user_id}",
        now=scope.now,
    )
    await scope.commit()
    context.deps.wake()
    told = (
        _("The delegate who received it will be told.") if petition.delegate_id is not None else ""
    )
    await message.reply_text(
        escape(_("Answer to No. {ref} recorded.").format(ref=petition.ref) + " " + told)
    )
    return True


@on_button(PetitionButton, Access.anyone)
async def on_button_press(
    update: Update, context: BotContext, scope: UpdateScope, data: PetitionButton
) -> None:
    """Every button of the register: type, action, later, resume, answer."""
    query = update.callback_query
    assert query is not None
    if scope.identity is None or not (scope.identity.delegates or scope.identity.is_admin):
        await answer(query, scope._(NOT_YOURS), show_alert=True)
        return
    if data.step is PetitionStep.answer:
        await _start_answer(scope, query, data.id)
    elif data.step is PetitionStep.resume:
        await _resume(scope, query, data.id)
    else:
        await _entry_button(scope, query, data)


async def _entry_button(scope: UpdateScope, query: CallbackQuery, data: PetitionButton) -> None:
    _ = scope._
    state = scope.conversation
    if not isinstance(state, PetitionEntry) or state.report_id != data.id:
        await answer(
            query, _("This question has expired. Use /donthu to continue."), show_alert=True
        )
        return
    await answer(query)
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    if data.step is PetitionStep.later:
        assert scope.identity is not None
        await end_conversation(
            session=scope.session,
            telegram_user_id=scope.identity.telegram_user_id,
            kind=PetitionEntry,
        )
        await scope.commit()
        await message.edit_text(
            escape(_("Fine: the remaining items can be recorded later with /donthu."))
        )
        return
    if data.step is PetitionStep.type and (picked := _picked_type(data.value, state)):
        await message.edit_reply_markup(None)
        await _ask(scope, message, state.model_copy(update={"type": picked, "step": "summary"}))
        return
    if (
        data.step is PetitionStep.action
        and state.step == "action"
        and data.value in set(PetitionAction)
    ):
        await message.edit_reply_markup(None)
        action = PetitionAction(data.value)
        if action is PetitionAction.forwarded:
            await _ask(scope, message, state.model_copy(update={"step": "agency"}))
        else:
            await _save_item(scope, message, state, action, "")


async def _resume(scope: UpdateScope, query: CallbackQuery, report_id: int) -> None:
    """From /donthu: record the remaining items of one of the delegate's reports."""
    assert scope.identity is not None
    _ = scope._
    report = await scope.session.get(Report, report_id)
    message = query.message if isinstance(query.message, Message) else None
    if report is None or report.delegate_id not in scope.identity.delegate_ids or message is None:
        await answer(query, _(NOT_YOURS), show_alert=True)
        return
    await answer(query)
    pending = [
        p
        for p in await pending_entries(
            session=scope.session,
            delegate_ids=[report.delegate_id],
            since=report.reported_at,
            zone=scope.settings.zone,
        )
        if p.report_id == report_id
    ]
    if not pending:
        await message.reply_text(escape(_("All items of this report are in the register.")))
        return
    entry = pending[0]
    opinion = entry.source is PetitionSource.voter_meeting
    await _ask(
        scope,
        message,
        PetitionEntry(
            report_id=report_id,
            delegate_id=report.delegate_id,
            source=entry.source,
            received_on=entry.received_on,
            total=entry.total,
            index=entry.recorded + 1,
            step="summary" if opinion else "type",
            type=PetitionType.opinion if opinion else None,
        ),
    )


async def _start_answer(scope: UpdateScope, query: CallbackQuery, petition_id: int) -> None:
    assert scope.identity is not None
    _ = scope._
    petition = await scope.session.get(Petition, petition_id)
    message = query.message if isinstance(query.message, Message) else None
    if (
        petition is None
        or petition.council_id not in scope.identity.office.own
        or not may_see(scope.identity, petition)
        or message is None
    ):
        await answer(query, _(NOT_YOURS), show_alert=True)
        return
    await answer(query)
    await start_conversation(
        session=scope.session,
        telegram_user_id=scope.identity.telegram_user_id,
        state=PetitionAnswer(petition_id=petition_id),
        now=scope.now,
    )
    await scope.commit()
    await message.reply_text(
        escape(
            _("No. {ref}: send the agency's answer in your next message (text or a file).").format(
                ref=petition.ref
            )
        )
    )
