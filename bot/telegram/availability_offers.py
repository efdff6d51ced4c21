"""The candidate's buttons on a stand-in offer: ``Nhận thay`` (the first press wins) and
``Không nhận`` (the next candidate is asked); a press on an offer already closed."""

from __future__ import annotations

from html import escape

from telegram import MaybeInaccessibleMessage, Update

from bot.domain.availability import OfferStatus
from bot.domain.buttons import OfferAnswer, StandInButton
from bot.i18n import N_
from bot.messages.availability_texts import closed_offer_message, duty_lines
from bot.services.availability.candidates import release_views
from bot.services.availability.offers import edited_by_outbox
from bot.services.availability.releases import SubstitutePolicy
from bot.services.availability.standins import (
    TakeOutcome,
    TakeResult,
    decline_offer,
    take_place,
)
from bot.telegram.context import BotContext, UpdateScope
from bot.telegram.scope import Access, on_button
from bot.telegram.texts import answer, edit

_TAKE_TEXTS = {
    TakeOutcome.taken: N_("Thank you: another delegate has already taken this place."),
    TakeOutcome.late: N_("This duty has already begun or was cancelled."),
    TakeOutcome.answered: N_("You have already answered this offer."),
    TakeOutcome.not_yours: N_("This offer was not sent to you."),
    TakeOutcome.not_found: N_("This offer no longer exists."),
}


@on_button(StandInButton, Access.delegate)
async def on_stand_in(
    update: Update, context: BotContext, scope: UpdateScope, data: StandInButton
) -> None:
    """``Nhận thay`` (the first press wins) or ``Không nhận`` (the next candidate)."""
    query = update.callback_query
    assert query is not None
    assert scope.identity is not None
    _ = scope._
    result = await _answer_offer(scope, data)
    item = None
    if result.context is not None and result.context.release.id is not None:
        views = await release_views(
            session=scope.session,
            release_ids=[result.context.release.id],
            zone=scope.settings.zone,
            with_candidates=False,
        )
        item = views.get(result.context.release.id)
    closed = await _closed_here(scope, data.offer_id, query.message, result.outcome)
    await scope.commit()
    context.deps.wake()
    lines = duty_lines(item.view, scope.language, _) if item is not None else []
    if result.outcome is TakeOutcome.won:
        await answer(query)
        await edit(
            query,
            "\n".join(
                [
                    "🙋 <b>" + escape(_("Thank you: you stand in for this duty")) + "</b>",
                    *lines,
                    escape(_("You will get its reminders and, afterwards, its report prompt.")),
                ]
            ),
        )
        return
    if result.outcome is TakeOutcome.declined:
        await answer(query)
        await edit(query, "\n".join([escape(_("Noted: you cannot stand in.")), *lines]))
        return
    # A place taken, or a duty begun: the offer's own message is edited through the
    # outbox (``offer_closed``), once, so the press gets only the answer; a copy the
    # outbox never learnt of (its send's outcome unknown) is edited here.
    await answer(query, _(_TAKE_TEXTS[result.outcome]), show_alert=True)
    if closed is not None and item is not None:
        await edit(query, closed_offer_message(item, closed, scope.language, _).text)


async def _answer_offer(scope: UpdateScope, data: StandInButton) -> TakeResult:
    assert scope.identity is not None
    if data.answer is OfferAnswer.take:
        return await take_place(
            session=scope.session,
            offer_id=data.offer_id,
            delegate_ids=scope.identity.delegate_ids,
            now=scope.now,
        )
    return await decline_offer(
        session=scope.session,
        offer_id=data.offer_id,
        delegate_ids=scope.identity.delegate_ids,
        now=scope.now,
        policy=SubstitutePolicy.from_settings(scope.settings),
    )


_CLOSED_BY = {TakeOutcome.taken: OfferStatus.lost, TakeOutcome.late: OfferStatus.withdrawn}


async def _closed_here(
    scope: UpdateScope,
    offer_id: int,
    message: MaybeInaccessibleMessage | None,
    outcome: TakeOutcome,
) -> OfferStatus | None:
    """How the pressed message reads closed, when this press must edit it: the outbox
    edits only the copy whose send it recorded."""
    closed = _CLOSED_BY.get(outcome)
    if closed is None or message is None:
        return None
    if await edited_by_outbox(
        session=scope.session, offer_id=offer_id, message_id=message.message_id
    ):
        return None
    return closed
