"""``/donthu``: the register for whoever asks.

The office (secretaries of a council) sees the forwarded items whose answer is overdue
or due within ``DUE_SOON_DAYS`` days, grouped, each with **Đã có trả lời**; a delegate
sees the items they received and the reports whose items are still to be recorded.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.domain.buttons import PetitionButton, PetitionStep
from bot.domain.keyboards import callback_button
from bot.domain.office import OfficeReach
from bot.i18n import Gettext
from bot.messages import petition_texts as texts
from bot.messages.keyboards import inline_markup
from bot.models.petitions import Petition
from bot.services.delegates.accounts import council_names
from bot.services.petitions.items import (
    awaited,
    pending_entries,
    received_by,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.petitions import PENDING_SINCE
from bot.telegram.scope import NOT_LINKED, Access, requires

ANSWER_BUTTONS = 10
"""``Đã có trả lời`` buttons under the office's list (the most urgent items)."""


@requires(Access.delegate_or_office, refusal=NOT_LINKED)
async def petitions_command(update: Update, context: BotContext, scope: UpdateScope) -> None:
    """The office's follow-up, then the caller's own items."""
    if (message := update.effective_message) is None or scope.identity is None:
        return
    _ = scope._
    office = scope.identity.office
    if office.is_office:
        text, keyboard = await _office(scope, office, _)
        await message.reply_text(text, reply_markup=keyboard)
    # The records where the caller is not the office: their items as a delegate.
    own = [
        d.id
        for d in scope.identity.delegates
        if d.id is not None and d.council_id not in office.own
    ]
    if own or not office.is_office:
        text, keyboard = await _delegate(scope, own, _)
        await message.reply_text(text, reply_markup=keyboard)


async def _office(
    scope: UpdateScope, office: OfficeReach, _: Gettext
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The items awaiting an answer in every council the caller acts on (an admin: all).
    Summaries and ``Đã có trả lời`` only for their own council's register, which only its
    office keeps (DESIGN: personal data); an admin sees the others' due dates."""
    today = scope.now.astimezone(scope.settings.zone).date()
    items = await awaited(session=scope.session, council_ids=office.acts_on_filter, today=today)
    if not items:
        return escape(texts.nothing_awaited(_)), None
    mine = [p for p in items if p.council_id in office.own]
    lines = texts.awaited_lines(mine, today, _)
    # Other councils' items (an admin's), under each council's name: register numbers are
    # unique only within a council.
    others: dict[int, list[Petition]] = {}
    for petition in items:
        if petition.council_id not in office.own:
            others.setdefault(petition.council_id, []).append(petition)
    names = await council_names(session=scope.session, ids=others.keys())
    for council_id, group in sorted(others.items(), key=lambda kv: names.get(kv[0], "")):
        lines += [*([""] if lines else []), "🏛 <b>" + escape(names.get(council_id, "")) + "</b>"]
        lines += texts.awaited_lines(group, today, _, with_summary=False)
    text = texts.fit(lines, _("… and {count} more lines (petitions export gives all)"))
    buttons = [
        [
            callback_button(
                _("Answered: No. {ref}").format(ref=p.ref),
                PetitionButton(PetitionStep.answer, p.id),
            )
        ]
        for p in mine[:ANSWER_BUTTONS]
        if p.id is not None
    ]
    return text, inline_markup(buttons) if buttons else None


async def _delegate(
    scope: UpdateScope, delegate_ids: list[int], _: Gettext
) -> tuple[str, InlineKeyboardMarkup | None]:
    pending = await pending_entries(
        session=scope.session,
        delegate_ids=delegate_ids,
        since=scope.now - PENDING_SINCE,
        zone=scope.settings.zone,
    )
    items = await received_by(session=scope.session, delegate_ids=delegate_ids)
    if not pending and not items:
        return escape(_("You have no petitions or voters' opinions in the register yet.")), None
    lines: list[str] = []
    if items:
        lines.append("<b>" + escape(_("Items you received")) + "</b>")
        lines.extend(texts.received_line(p, _) for p in items)
    if pending:
        lines.append(
            escape(_("Reports with items still to record: {count}").format(count=len(pending)))
        )
    text = texts.fit(lines, _("… and {count} more lines (petitions export gives all)"))
    buttons = [
        [
            callback_button(
                _("Record {left} items of {day}").format(
                    left=p.total - p.recorded, day=texts.day(p.received_on)
                ),
                PetitionButton(PetitionStep.resume, p.report_id),
            )
        ]
        for p in pending[:5]
    ]
    return text, inline_markup(buttons) if buttons else None
