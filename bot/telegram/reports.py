"""/baocao and the report conversation: the buttons of a prompt, the reply with figures.

Steps live in the ``conversations`` table (:class:`ReportConversation`), so a restart
between the button and the reply loses nothing. Every button re-checks the assignment:
a stale button (cancelled, already reported, someone else's) gets a clear answer, and a
button pressed twice records the report once. Each update is one unit of work
(``bot/telegram/scope.py``): what a step writes is committed before the bot answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.domain.buttons import ReportAction, ReportButton
from bot.domain.dates import format_clock, format_date
from bot.domain.keyboards import Button
from bot.domain.reports import MAX_NOTE, Figures, NotHeldReason, ReplyProblem, parse_reply
from bot.domain.reports import figures_summary as summarize
from bot.i18n import N_, Gettext
from bot.messages import report_texts as texts
from bot.messages.keyboards import inline_markup
from bot.services.conversations import (
    ConversationState,
    conversation_kind,
    end_conversation,
    start_conversation,
)
from bot.services.delegates.accounts import Identity
from bot.services.reports.prompts import ReportPolicy, prompted_assignment, snooze_prompt
from bot.services.reports.records import (
    ReportDraft,
    ReportTarget,
    SaveStatus,
    correctable,
    figures_of,
    save_report,
)
from bot.services.reports.targets import report_target
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.petitions import offer_after_report
from bot.telegram.scope import Access, on_button
from bot.telegram.texts import answer, edit

logger = logging.getLogger(__name__)

NOT_YOURS = N_("This report is not yours, or it no longer exists.")


class ReportStep(StrEnum):
    figures = "figures"
    """Waiting for the reply with the figures."""
    reason = "reason"
    """Waiting for the reason in words ("other")."""
    confirm = "confirm"
    """The figures were read; waiting for Xác nhận or Sửa."""


@conversation_kind("report", ttl=timedelta(hours=2))
class ReportConversation(ConversationState):
    """A report being written; it stops capturing the user's messages after two hours."""

    step: ReportStep
    assignment_id: int
    draft: ReportDraft | None = None


@dataclass(frozen=True)
class Press:
    """A press of one of the report buttons, on an assignment that is the caller's."""

    query: CallbackQuery
    context: BotContext
    scope: UpdateScope
    identity: Identity
    target: ReportTarget
    reason: NotHeldReason | None

    @property
    def _(self) -> Gettext:
        return self.scope._


LIST_LIMIT = 12


async def _answer(
    query: CallbackQuery, text: str, *, keyboard: InlineKeyboardMarkup | None = None
) -> None:
    """Replaces the pressed message's text (the prompt becomes the record of the answer).
    The same button pressed again finds the screen showing this answer already: no edit
    is sent (Telegram refuses one that changes nothing; :func:`edit` takes that refusal
    when the shown text differs only in how its HTML is written)."""
    await answer(query)
    message = query.message
    if not isinstance(message, Message):
        return
    if text == message.text_html and keyboard == message.reply_markup:
        return
    await edit(query, text, keyboard)


async def _target(scope: UpdateScope, assignment_id: int) -> ReportTarget | None:
    """The assignment, if it is this user's; ``None`` for anything else."""
    identity = scope.identity
    if identity is None or not identity.delegates:
        return None
    target = await report_target(
        session=scope.session, assignment_id=assignment_id, zone=scope.settings.zone
    )
    if target is None or target.delegate_id not in identity.delegate_ids:
        return None
    return target


def _stale_reason(target: ReportTarget | None, scope: UpdateScope) -> str | None:
    _ = scope._
    if target is None:
        return _(NOT_YOURS)
    if target.cancelled:
        return _("This duty was cancelled: there is nothing to report.")
    if target.starts_at > scope.now:
        return _("This duty has not taken place yet.")
    if target.report is not None and not correctable(target.ends_at, scope.now):
        return _(
            "This report can no longer be changed (more than 7 days have passed). "
            "Please contact the council office if it needs correcting."
        )
    return None


@on_button(ReportButton, Access.delegate, refusal=NOT_YOURS)
async def on_report_button(
    update: Update, context: BotContext, scope: UpdateScope, data: ReportButton
) -> None:
    """Every ``rp:`` button: Done, Not held, Remind me later, a reason, Confirm, Edit."""
    query = update.callback_query
    assert query is not None
    target = await _target(scope, data.assignment_id)
    if (problem := _stale_reason(target, scope)) is not None:
        await answer(query, problem, show_alert=True)
        return
    assert target is not None
    assert scope.identity is not None
    press = Press(query, context, scope, scope.identity, target, data.reason)
    await _ACTIONS[data.action](press)


async def _held(p: Press) -> None:
    query, identity, target, _ = p.query, p.identity, p.target, p._
    head = "\n".join(texts.describe(target, identity.language, _))
    if target.carrier is not None:
        figures = summarize(target.kind, figures_of(target.carrier), _)
        text = _(
            "{name} has already reported the figures of this meeting: {figures}.\n"
            "If you attended too, press «I attended too»; if the figures are wrong, press «Edit»."
        ).format(name=target.carrier_name, figures=figures)
        keyboard = texts.attend_keyboard(target.assignment_id, _)
        await _answer(query, f"{head}\n\n{escape(text)}", keyboard=inline_markup(keyboard))
        return
    await _ask_figures(p)


async def _begin(p: Press, step: ReportStep, draft: ReportDraft | None = None) -> None:
    """Opens (or moves) the report conversation and commits it before the bot answers."""
    await start_conversation(
        session=p.scope.session,
        telegram_user_id=p.identity.telegram_user_id,
        state=ReportConversation(step=step, assignment_id=p.target.assignment_id, draft=draft),
        now=p.scope.now,
    )
    await p.scope.commit()


async def _ask_figures(p: Press) -> None:
    query, identity, target, _ = p.query, p.identity, p.target, p._
    await _begin(p, ReportStep.figures)
    head = "\n".join(texts.describe(target, identity.language, _))
    await _answer(
        query,
        f"{head}\n\n{texts.ask_figures(target.kind, _)}",
        keyboard=inline_markup(texts.cancel_keyboard(target.assignment_id, _)),
    )


async def _cancel(p: Press) -> None:
    """Leaves the report for later: the prompt's buttons come back, nothing is saved."""
    await end_conversation(
        session=p.scope.session,
        telegram_user_id=p.identity.telegram_user_id,
        kind=ReportConversation,
    )
    await p.scope.commit()
    outgoing = texts.prompt(p.target, language=p.identity.language, _=p._, again=False)
    await _answer(p.query, outgoing.text, keyboard=inline_markup(outgoing.keyboard))


async def _not_held(p: Press) -> None:
    query, identity, target, _ = p.query, p.identity, p.target, p._
    head = "\n".join(texts.describe(target, identity.language, _))
    await _answer(
        query,
        f"{head}\n\n" + escape(_("Why did it not take place?")),
        keyboard=inline_markup(texts.reason_keyboard(target.assignment_id, _)),
    )


async def _reason(p: Press) -> None:
    if p.reason is None:
        await answer(p.query)
        return
    if p.reason is NotHeldReason.other:
        await _begin(p, ReportStep.reason)
        await _answer(p.query, escape(p._("Please write the reason in a few words.")))
        return
    await _save_and_tell(
        p.scope, p.query.message, p.target, ReportDraft(False, p.reason.value), query=p.query
    )


async def _later(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    if target.report is not None:
        await answer(query, _("This duty has already been reported."), show_alert=True)
        return
    due = await snooze_prompt(
        session=p.scope.session,
        assignment_id=target.assignment_id,
        delegate_id=target.delegate_id,
        ends_at=target.ends_at,
        policy=ReportPolicy.from_settings(context.deps.settings),
        now=p.scope.now,
    )
    await p.scope.commit()  # the new prompt is queued before the delegate is told when
    local = due.astimezone(context.deps.settings.zone)
    head = "\n".join(texts.describe(target, identity.language, _))
    note = _("I will ask again at {time} on {day}.").format(
        time=format_clock(local, identity.language), day=format_date(local)
    )
    await _answer(query, f"{head}\n\n⏰ {escape(note)}")


async def _confirm(p: Press) -> None:
    query, target, _ = p.query, p.target, p._
    state = p.scope.conversation
    if (
        not isinstance(state, ReportConversation)
        or state.assignment_id != target.assignment_id
        or state.step is not ReportStep.confirm
        or state.draft is None
    ):
        # A second press of the same button, or a screen from an earlier attempt.
        if target.report is not None:
            await answer(query, _("This report has already been saved."), show_alert=True)
        else:
            await answer(query, _("Please start again from /baocao."), show_alert=True)
        return
    await _save_and_tell(p.scope, query.message, target, state.draft, query=query)


async def _attend(p: Press) -> None:
    if p.target.carrier is None:  # a stale or forged button: nobody carries the figures
        await _ask_figures(p)
        return
    await _save_and_tell(p.scope, p.query.message, p.target, ReportDraft(held=True), query=p.query)


async def _nobody(p: Press) -> None:
    """ "No citizens came": held with 0 and 0 at once; "Edit" stays offered."""
    if p.target.kind != "reception" or p.target.carrier is not None:
        await _held(p)  # someone already gave this occurrence's figures: attend or correct
        return
    draft = ReportDraft(held=True, figures=Figures(citizens=0, petitions=0, forwarded=0))
    await _save_and_tell(
        p.scope,
        p.query.message,
        p.target,
        draft,
        query=p.query,
        saved_note=p._("Saved as: no citizens came, no petitions. If that is wrong, press «Edit»."),
        keyboard=texts.edit_keyboard(p.target.assignment_id, p._),
    )


async def _pick(p: Press) -> None:
    """From the /baocao list: the prompt again, with the current report if there is one."""
    query, identity, target, _ = p.query, p.identity, p.target, p._
    await answer(query)
    outgoing = texts.prompt(target, language=identity.language, _=_, again=False)
    text = outgoing.text
    keyboard = outgoing.keyboard
    if target.report is not None:
        current = texts.report_line(target.report, target.kind, _)
        text += "\n\n" + escape(_("Current report:")) + f" {current}"
        keyboard = texts.prompt_keyboard(target.assignment_id, _, snooze=False, kind=target.kind)
    if isinstance(query.message, Message):
        await query.message.reply_text(text, reply_markup=inline_markup(keyboard))


_ACTIONS = {
    ReportAction.held: _held,
    ReportAction.edit: _ask_figures,
    ReportAction.not_held: _not_held,
    ReportAction.reason: _reason,
    ReportAction.later: _later,
    ReportAction.confirm: _confirm,
    ReportAction.attend: _attend,
    ReportAction.pick: _pick,
    ReportAction.cancel: _cancel,
    ReportAction.nobody: _nobody,
}


_SAVED = {
    SaveStatus.unchanged: N_("This report has already been saved."),
    SaveStatus.saved: N_("✅ Report saved. Thank you!"),
}


async def _save_and_tell(
    scope: UpdateScope,
    message: object,
    target: ReportTarget,
    draft: ReportDraft,
    *,
    query: CallbackQuery | None = None,
    saved_note: str = "",
    keyboard: tuple[tuple[Button, ...], ...] | None = None,
) -> None:
    """Saves the report and ends the conversation in one transaction, then says so."""
    identity = scope.identity
    assert identity is not None
    _ = scope._
    result = await save_report(
        session=scope.session,
        assignment_id=target.assignment_id,
        delegate_ids=identity.delegate_ids,
        draft=draft,
        actor=f"tg:{identity.telegram_user_id}",
        now=scope.now,
    )
    await end_conversation(
        session=scope.session, telegram_user_id=identity.telegram_user_id, kind=ReportConversation
    )
    refreshed = await report_target(
        session=scope.session, assignment_id=target.assignment_id, zone=scope.settings.zone
    )
    await scope.commit()
    text = _(
        _SAVED.get(
            result.status,
            N_("This report could not be saved: the duty was cancelled or is not yours."),
        )
    )
    lines = texts.describe(target, identity.language, _)
    if refreshed is not None and refreshed.report is not None:
        lines.append(texts.report_line(refreshed.report, target.kind, _))
    if saved_note and result.status is SaveStatus.saved:
        text += "\n" + saved_note
    body = "\n".join(lines) + f"\n\n{escape(text)}"
    found = result.status is not SaveStatus.not_found
    shown = inline_markup(keyboard) if keyboard is not None and found else None
    if query is not None:
        await _answer(query, body, keyboard=shown)
    elif isinstance(message, Message):
        await message.reply_text(body, reply_markup=shown)
    if result.status is SaveStatus.saved:  # its petitions or opinions into the register
        await offer_after_report(scope, query.message if query else message, refreshed)


async def on_message(
    update: Update, context: BotContext, scope: UpdateScope, state: ReportConversation
) -> bool:
    """The reply inside an open report: figures, or the reason for "other".

    A file is not a reply: it goes on to the schedule upload.
    """
    if (message := update.effective_message) is None or message.document is not None:
        return False
    _ = scope._
    target = await _target(scope, state.assignment_id)
    if (problem := _stale_reason(target, scope)) is not None:
        await end_conversation(
            session=scope.session,
            telegram_user_id=state_owner(scope),
            kind=ReportConversation,
        )
        await scope.commit()
        await message.reply_text(escape(problem))
        return True
    assert target is not None
    if (replied := message.reply_to_message) is not None and scope.identity is not None:
        answered = await prompted_assignment(
            session=scope.session,
            delegate_ids=scope.identity.delegate_ids,
            message_id=replied.message_id,
        )
        if answered is not None and answered != state.assignment_id:
            return False  # an answer to another duty's prompt: report_entry takes it
    text = (message.text or "").strip()
    if not text:
        await message.reply_text(
            escape(_("Please answer with a text message."))
            + "\n\n"
            + texts.ask_figures(target.kind, _)
            if state.step is not ReportStep.reason
            else escape(_("Please write the reason in a few words."))
        )
        return True
    if state.step is ReportStep.reason:
        draft = ReportDraft(held=False, reason=NotHeldReason.other.value, note=text[:MAX_NOTE])
        await _save_and_tell(scope, message, target, draft)
        return True
    await _read_figures(message, scope, target, text)
    return True


def state_owner(scope: UpdateScope) -> int:
    assert scope.identity is not None
    return scope.identity.telegram_user_id


async def _read_figures(
    message: Message, scope: UpdateScope, target: ReportTarget, text: str, *, lead: str = ""
) -> None:
    """The figures read back with Confirm / Edit; a reply it cannot read is explained and
    the conversation waits for the figures of this duty again."""
    _ = scope._
    parsed = parse_reply(target.kind, text)
    if isinstance(parsed, ReplyProblem):
        problem = _(parsed.message).format(**parsed.params)
        await start_conversation(
            session=scope.session,
            telegram_user_id=state_owner(scope),
            state=ReportConversation(step=ReportStep.figures, assignment_id=target.assignment_id),
            now=scope.now,
        )
        await scope.commit()
        await message.reply_text(
            escape(problem) + "\n\n" + escape(_("Please send the figures again."))
        )
        return
    await start_conversation(
        session=scope.session,
        telegram_user_id=state_owner(scope),
        state=ReportConversation(
            step=ReportStep.confirm,
            assignment_id=target.assignment_id,
            draft=ReportDraft(held=True, figures=parsed),
        ),
        now=scope.now,
    )
    await scope.commit()
    understood = _understood(target, parsed, scope.language, _)
    await message.reply_text(
        f"{escape(lead)}\n{understood}" if lead else understood,
        reply_markup=inline_markup(texts.confirm_keyboard(target.assignment_id, _)),
    )


def _understood(target: ReportTarget, figures: Figures, language: str, _: Gettext) -> str:
    # Which duty, first: a delegate may have answered several prompts in a row.
    lines = [
        *texts.describe(target, language, _),
        "",
        escape(_("I understood:")),
        "<b>" + escape(summarize(target.kind, figures, _)) + "</b>",
    ]
    lines.append(escape(_("Press Confirm to save, or Edit to write it again.")))
    return "\n".join(lines)
