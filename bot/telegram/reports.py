"""/baocao and the report conversation: the buttons of a prompt, the reply with figures.

Steps live in the ``conversations`` table (kind ``report``), so a restart between the
button and the reply loses nothing. Every button re-checks the assignment: a stale
button (cancelled, already reported, someone else's) gets a clear answer, and a button
pressed twice records the report once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.domain.dates import format_clock
from bot.domain.reports import MAX_NOTE, Figures, NotHeldReason, ReplyProblem, parse_reply
from bot.domain.reports import figures_summary as summarize
from bot.i18n import Gettext
from bot.messages import report_texts as texts
from bot.services.accounts import Identity
from bot.services.conversations import (
    OpenConversation,
    end_conversation,
    open_conversation,
    start_conversation,
)
from bot.services.outbox import Button
from bot.services.report_prompts import ReportPolicy, snooze_prompt
from bot.services.reports import (
    ReportDraft,
    ReportTarget,
    SaveStatus,
    correctable,
    draft_from_dict,
    draft_to_dict,
    ended_assignments,
    figures_of,
    report_target,
    save_report,
)
from bot.telegram.context import BotContext, current_identity, translator
from bot.telegram.texts import answer

logger = logging.getLogger(__name__)

KIND = "report"
TTL = timedelta(hours=2)
"""An unanswered report stops capturing the user's messages after this long."""


@dataclass(frozen=True)
class Press:
    """A press of one of the report buttons, on an assignment that is the caller's."""

    query: CallbackQuery
    context: BotContext
    identity: Identity
    target: ReportTarget
    extra: str
    _: Gettext


LIST_LIMIT = 12


def markup(keyboard: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
            for row in keyboard
        ]
    )


async def _answer(query: CallbackQuery, text: str, *, keyboard: Any = None) -> None:
    """Replaces the pressed message's text (the prompt becomes the record of the answer)."""
    await answer(query)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=keyboard)
        except BadRequest as error:
            # The same button delivered twice: the screen already shows this answer.
            if "not modified" not in error.message.lower():
                raise


async def _target(
    context: BotContext, identity: Identity | None, assignment_id: int
) -> ReportTarget | None:
    """The assignment, if it is this user's; ``None`` for anything else."""
    if identity is None or not identity.delegates:
        return None
    target = await report_target(
        session_factory=context.deps.session_factory,
        assignment_id=assignment_id,
        zone=context.deps.settings.zone,
    )
    if target is None or target.delegate_id not in identity.delegate_ids:
        return None
    return target


def _stale_reason(target: ReportTarget | None, context: BotContext, _: Gettext) -> str | None:
    if target is None:
        return _("This report is not yours, or it no longer exists.")
    if target.cancelled:
        return _("This duty was cancelled: there is nothing to report.")
    now = context.deps.clock()
    if target.starts_at > now:
        return _("This duty has not taken place yet.")
    if target.report is not None and not correctable(target.ends_at, now):
        return _(
            "This report can no longer be changed (more than 7 days have passed). "
            "Please contact the council office if it needs correcting."
        )
    return None


async def on_button(update: Update, context: BotContext) -> None:
    """Every ``rp:`` button: Done, Not held, Remind me later, a reason, Confirm, Edit."""
    if (query := update.callback_query) is None or query.data is None:
        return
    identity = await current_identity(update, context)
    _ = translator(identity)
    _prefix, action, raw_id, *extra = query.data.split(":")
    target = await _target(context, identity, int(raw_id))
    if (problem := _stale_reason(target, context, _)) is not None:
        await answer(query, problem, show_alert=True)
        return
    assert target is not None
    assert identity is not None
    await _ACTIONS[action](Press(query, context, identity, target, extra[0] if extra else "", _))


async def _held(p: Press) -> None:
    query, identity, target, _ = p.query, p.identity, p.target, p._
    head = "\n".join(texts.describe(target, identity.language, _))
    if target.carrier is not None:
        figures = summarize(target.kind, figures_of(target.carrier), _)
        text = _(
            "{name} has already reported the figures of this meeting: {figures}.\n"
            "Confirm that you attended, or correct the figures."
        ).format(name=target.carrier_name, figures=figures)
        keyboard = (
            (
                Button(_("Confirm"), texts.callback("att", target.assignment_id)),
                Button(_("Edit"), texts.callback("edit", target.assignment_id)),
            ),
        )
        await _answer(query, f"{head}\n\n{escape(text)}", keyboard=markup(keyboard))
        return
    await _ask_figures(p)


async def _ask_figures(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    await start_conversation(
        session_factory=context.deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        kind=KIND,
        state={"assignment_id": target.assignment_id, "step": "figures"},
        now=context.deps.clock(),
        ttl=TTL,
    )
    head = "\n".join(texts.describe(target, identity.language, _))
    await _answer(
        query,
        f"{head}\n\n{texts.ask_figures(target.kind, _)}",
        keyboard=markup(texts.cancel_keyboard(target.assignment_id, _)),
    )


async def _cancel(p: Press) -> None:
    """Leaves the report for later: the prompt's buttons come back, nothing is saved."""
    await end_conversation(
        session_factory=p.context.deps.session_factory,
        telegram_user_id=p.identity.telegram_user_id,
        kind=KIND,
    )
    outgoing = texts.prompt(p.target, language=p.identity.language, _=p._, again=False)
    await _answer(p.query, outgoing.text, keyboard=markup(outgoing.keyboard))


async def _not_held(p: Press) -> None:
    query, identity, target, _ = p.query, p.identity, p.target, p._
    head = "\n".join(texts.describe(target, identity.language, _))
    await _answer(
        query,
        f"{head}\n\n" + escape(_("Why did it not take place?")),
        keyboard=markup(texts.reason_keyboard(target.assignment_id, _)),
    )


async def _reason(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    reason = p.extra
    if reason not in {r.value for r in NotHeldReason}:
        await answer(query)
        return
    if reason == NotHeldReason.other.value:
        await start_conversation(
            session_factory=context.deps.session_factory,
            telegram_user_id=identity.telegram_user_id,
            kind=KIND,
            state={"assignment_id": target.assignment_id, "step": "reason"},
            now=context.deps.clock(),
            ttl=TTL,
        )
        await _answer(query, escape(_("Please write the reason in a few words.")))
        return
    draft = ReportDraft(held=False, reason=reason)
    await _save_and_tell(query.message, context, identity, target, draft, _, query=query)


async def _later(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    if target.report is not None:
        await answer(query, _("This duty has already been reported."), show_alert=True)
        return
    due = await snooze_prompt(
        session_factory=context.deps.session_factory,
        assignment_id=target.assignment_id,
        delegate_id=target.delegate_id,
        ends_at=target.ends_at,
        policy=ReportPolicy.from_settings(context.deps.settings),
        now=context.deps.clock(),
    )
    local = due.astimezone(context.deps.settings.zone)
    head = "\n".join(texts.describe(target, identity.language, _))
    note = _("I will ask again at {time} on {day}.").format(
        time=format_clock(local, identity.language), day=local.strftime("%d/%m/%Y")
    )
    await _answer(query, f"{head}\n\n⏰ {escape(note)}")


async def _confirm(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    conversation = await open_conversation(
        session_factory=context.deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        now=context.deps.clock(),
    )
    state = conversation.state if conversation is not None and conversation.kind == KIND else {}
    if state.get("assignment_id") != target.assignment_id or state.get("step") != "confirm":
        # A second press of the same button, or a screen from an earlier attempt.
        if target.report is not None:
            await answer(query, _("This report has already been saved."), show_alert=True)
        else:
            await answer(query, _("Please start again from /baocao."), show_alert=True)
        return
    draft = draft_from_dict(state["draft"])
    await _save_and_tell(query.message, context, identity, target, draft, _, query=query)


async def _attend(p: Press) -> None:
    query, context, identity, target, _ = p.query, p.context, p.identity, p.target, p._
    draft = ReportDraft(held=True)
    await _save_and_tell(query.message, context, identity, target, draft, _, query=query)


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
        keyboard = texts.prompt_keyboard(target.assignment_id, _, snooze=False)
    if isinstance(query.message, Message):
        await query.message.reply_text(text, reply_markup=markup(keyboard))


_ACTIONS = {
    "held": _held,
    "edit": _ask_figures,
    "no": _not_held,
    "why": _reason,
    "later": _later,
    "ok": _confirm,
    "att": _attend,
    "pick": _pick,
    "cancel": _cancel,
}


async def _save_and_tell(
    message: object,
    context: BotContext,
    identity: Identity,
    target: ReportTarget,
    draft: ReportDraft,
    _: Gettext,
    *,
    query: CallbackQuery | None = None,
) -> None:
    result = await save_report(
        session_factory=context.deps.session_factory,
        assignment_id=target.assignment_id,
        delegate_ids=identity.delegate_ids,
        draft=draft,
        actor=f"tg:{identity.telegram_user_id}",
        now=context.deps.clock(),
    )
    await end_conversation(
        session_factory=context.deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        kind=KIND,
    )
    if result.status is SaveStatus.unchanged:
        text = _("This report has already been saved.")
    elif result.status is SaveStatus.saved:
        text = _("✅ Report saved. Thank you!")
    else:
        text = _("This report could not be saved: the duty was cancelled or is not yours.")
    refreshed = await report_target(
        session_factory=context.deps.session_factory,
        assignment_id=target.assignment_id,
        zone=context.deps.settings.zone,
    )
    lines = texts.describe(target, identity.language, _)
    if refreshed is not None and refreshed.report is not None:
        lines.append(texts.report_line(refreshed.report, target.kind, _))
    body = "\n".join(lines) + f"\n\n{escape(text)}"
    if query is not None:
        await _answer(query, body)
    elif isinstance(message, Message):
        await message.reply_text(body)


async def on_message(update: Update, context: BotContext, conversation: OpenConversation) -> bool:
    """The reply inside an open report: figures, or the reason for "other".

    A file is not a reply: it goes on to the schedule upload.
    """
    if (message := update.effective_message) is None or message.document is not None:
        return False
    identity = await current_identity(update, context)
    _ = translator(identity)
    assignment_id = int(conversation.state.get("assignment_id", 0))
    target = await _target(context, identity, assignment_id)
    if (problem := _stale_reason(target, context, _)) is not None:
        await end_conversation(
            session_factory=context.deps.session_factory,
            telegram_user_id=conversation.telegram_user_id,
            kind=KIND,
        )
        await message.reply_text(escape(problem))
        return True
    assert target is not None
    assert identity is not None
    text = (message.text or "").strip()
    step = conversation.state.get("step")
    if not text:
        await message.reply_text(
            escape(_("Please answer with a text message."))
            + "\n\n"
            + texts.ask_figures(target.kind, _)
            if step != "reason"
            else escape(_("Please write the reason in a few words."))
        )
        return True
    if step == "reason":
        draft = ReportDraft(held=False, reason=NotHeldReason.other.value, note=text[:MAX_NOTE])
        await _save_and_tell(message, context, identity, target, draft, _)
        return True
    await _read_figures(message, context, identity, target, text, _)
    return True


async def _read_figures(
    message: Message,
    context: BotContext,
    identity: Identity,
    target: ReportTarget,
    text: str,
    _: Gettext,
) -> None:
    parsed = parse_reply(target.kind, text)
    if isinstance(parsed, ReplyProblem):
        problem = _(parsed.message).format(**parsed.params)
        await message.reply_text(
            escape(problem) + "\n\n" + escape(_("Please send the figures again."))
        )
        return
    draft = ReportDraft(held=True, figures=parsed)
    await start_conversation(
        session_factory=context.deps.session_factory,
        telegram_user_id=identity.telegram_user_id,
        kind=KIND,
        state={
            "assignment_id": target.assignment_id,
            "step": "confirm",
            "draft": draft_to_dict(draft),
        },
        now=context.deps.clock(),
        ttl=TTL,
    )
    await message.reply_text(
        _understood(target, parsed, identity.language, _),
        reply_markup=markup(texts.confirm_keyboard(target.assignment_id, _)),
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


async def report_command(update: Update, context: BotContext) -> None:
    """Lists the user's ended duties without a report, and recent reports to correct."""
    if (message := update.effective_message) is None:
        return
    identity = await current_identity(update, context)
    _ = translator(identity)
    if identity is None or not identity.delegates:
        await message.reply_text(
            escape(
                _(
                    "Only linked delegates can report. "
                    "Open the invite link from the council office first."
                )
            )
        )
        return
    now = context.deps.clock()
    items = await ended_assignments(
        session_factory=context.deps.session_factory,
        now=now,
        zone=context.deps.settings.zone,
        delegate_ids=list(identity.delegate_ids),
        reported=None,
        limit=200,
    )
    open_items = [i for i in items if not i.reported]
    recent = [i for i in items if i.reported and correctable(i.ends_at, now)]
    if not open_items and not recent:
        await message.reply_text(escape(_("You have no duties waiting for a report. Thank you!")))
        return
    several = len({i.council_id for i in items}) > 1
    rows: list[list[InlineKeyboardButton]] = []
    for item in (open_items + recent)[:LIST_LIMIT]:
        label = f"{'✏️ ' if item.reported else ''}{item.starts_at:%d/%m} · " + texts.short_kind(
            item.kind, _
        )
        if several:
            label += f" · {item.council_name}"
        rows.append(
            [
                InlineKeyboardButton(
                    label[:60], callback_data=texts.callback("pick", item.assignment_id)
                )
            ]
        )
    header = _("Duties waiting for your report: {count}.").format(count=len(open_items))
    if recent:
        header += "\n" + _("✏️ marks a report you can still correct (within 7 days).")
    if len(open_items) + len(recent) > LIST_LIMIT:
        header += "\n" + _("The most recent {shown} are shown.").format(shown=LIST_LIMIT)
    await message.reply_text(escape(header), reply_markup=InlineKeyboardMarkup(rows))
