"""Ways into a report besides the prompt's buttons: /baocao, a Telegram reply to a prompt,
and figures sent after the report conversation lapsed.

A delegate who answers the prompt with Telegram's "reply" has said "done" and given the
figures in one go; one who sends figures hours after pressing «Đã thực hiện» (the
conversation lasts two hours) while exactly one duty awaits a report means that duty.
Both get the usual "I understood" screen: nothing is final before «Xác nhận». Anything
else falls through to the bot's "not understood" answer.
"""

from __future__ import annotations

from html import escape

from telegram import Message, Update

from bot.domain.dates import format_day_month
from bot.domain.keyboards import Button
from bot.domain.reports import Figures, parse_reply
from bot.i18n import N_
from bot.messages import report_texts as texts
from bot.messages.keyboards import inline_markup
from bot.services.reports.prompts import prompted_assignment
from bot.services.reports.records import ReportTarget, correctable, ended_assignments
from bot.telegram import onboarding
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.reports import _read_figures, _stale_reason, _target
from bot.telegram.scope import Access, requires

LIST_LIMIT = 12
FIGURE_KINDS = frozenset({"reception", "voter_meeting"})
"""Kinds whose reply is figures: any text would read as a supervision note, so a note is
taken outside the conversation only as a reply to the prompt itself."""


async def _replied_target(scope: UpdateScope, message: Message) -> ReportTarget | None:
    """The duty whose prompt this message answers with Telegram's "reply", if any."""
    replied, identity = message.reply_to_message, scope.identity
    if replied is None or identity is None:
        return None
    assignment_id = await prompted_assignment(
        session=scope.session, delegate_ids=identity.delegate_ids, message_id=replied.message_id
    )
    return None if assignment_id is None else await _target(scope, assignment_id)


async def _only_awaited(scope: UpdateScope, text: str) -> ReportTarget | None:
    """The one duty awaiting a report, when there is exactly one and ``text`` fits it."""
    identity = scope.identity
    assert identity is not None
    awaited = await ended_assignments(
        session=scope.session,
        now=scope.now,
        zone=scope.settings.zone,
        delegate_ids=list(identity.delegate_ids),
        reported=False,
        limit=2,
    )
    if len(awaited) != 1 or awaited[0].kind not in FIGURE_KINDS:
        return None
    if not isinstance(parse_reply(awaited[0].kind, text), Figures):
        return None
    target = await _target(scope, awaited[0].assignment_id)
    if target is None or _stale_reason(target, scope) is not None:
        return None
    return target


@requires(Access.anyone)
async def figures_without_conversation(
    update: Update, context: BotContext, scope: UpdateScope
) -> None:
    """A text outside any conversation: a report's figures, or "not understood"."""
    message = update.effective_message
    identity = scope.identity
    text = ((message.text if message is not None else None) or "").strip()
    if message is None or identity is None or not identity.delegates or not text:
        await onboarding.unknown(update, context)
        return
    _ = scope._
    if (target := await _replied_target(scope, message)) is not None:
        if (problem := _stale_reason(target, scope)) is not None:
            await message.reply_text(escape(problem))
            return
        await _read_figures(message, scope, target, text)
        return
    if (target := await _only_awaited(scope, text)) is not None:
        lead = _("This is the only duty waiting for your report; these figures are for it:")
        await _read_figures(message, scope, target, text, lead=lead)
        return
    await onboarding.unknown(update, context)


@requires(
    Access.delegate,
    refusal=N_(
        "Only linked delegates can report. Open the invite link from the council office first."
    ),
)
async def report_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """Lists the user's ended duties without a report, and recent reports to correct."""
    if (message := update.effective_message) is None:
        return
    identity = scope.identity
    assert identity is not None
    _ = scope._
    now = scope.now
    items = await ended_assignments(
        session=scope.session,
        now=now,
        zone=scope.settings.zone,
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
    rows: list[list[Button]] = []
    for item in (open_items + recent)[:LIST_LIMIT]:
        label = (
            f"{'✏️ ' if item.reported else ''}{format_day_month(item.starts_at)} · "
            + texts.short_kind(item.kind, _)
        )
        if several:
            label += f" · {item.council_name}"
        rows.append([Button(label[:60], texts.callback("pick", item.assignment_id))])
    header = _("Duties waiting for your report: {count}.").format(count=len(open_items))
    if recent:
        header += "\n" + _("✏️ marks a report you can still correct (within 7 days).")
    if len(open_items) + len(recent) > LIST_LIMIT:
        header += "\n" + _("The most recent {shown} are shown.").format(shown=LIST_LIMIT)
    await message.reply_text(escape(header), reply_markup=inline_markup(rows))
