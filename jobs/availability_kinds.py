"""The availability flow's outbox kinds: each a message of its own, never merged.

An offer carries ``Nhận thay`` / ``Không nhận``; the office's escalation a button per
candidate; news says who stands in; a closed offer is an edit of the offer's message.
Each is rendered from the database at send time, so an offer whose place was taken
meanwhile is not sent at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.availability import OfferStatus
from bot.i18n import get_translator
from bot.messages.availability_texts import (
    closed_offer_message,
    escalation_message,
    news_message,
    offer_message,
)
from bot.models import OutboxMessage, SubstituteOffer
from bot.services.availability.candidates import ReleaseView, release_views
from bot.services.availability.offers import (
    CLOSED,
    offers_by_candidate,
    offers_by_id,
    plan_late_edits,
    sent_offer_messages,
)
from bot.services.outbox.payloads import (
    OfferClosedPayload,
    OutboxKind,
    SubstituteEscalationPayload,
    SubstituteNewsPayload,
    SubstituteOfferPayload,
)
from bot.services.outbox.rows import Outgoing
from jobs.outbox_kinds import KindSpec, Recipient


class _Offers:
    def __init__(self, offers: dict[int, SubstituteOffer], views: dict[int, ReleaseView]) -> None:
        self.offers = offers
        self.views = views


async def _load_offers(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> _Offers:
    ids = [SubstituteOfferPayload.unpack(row.payload).offer for row in rows]
    offers = await offers_by_id(session=session, ids=ids)
    views = await release_views(
        session=session,
        release_ids=sorted({o.release_id for o in offers.values()}),
        zone=zone,
        with_candidates=False,
    )
    return _Offers(offers, views)


async def _after_offers_sent(
    session: AsyncSession, rows: Sequence[OutboxMessage], now: datetime
) -> None:
    """An offer whose place was taken while it was being sent is edited as soon as its
    message id is known."""
    ids = [
        SubstituteOfferPayload.unpack(row.payload).offer
        for row in rows
        if row.kind == OutboxKind.substitute_offer.value
    ]
    await plan_late_edits(session=session, now=now, offer_ids=ids)


def _render_offer(
    row: OutboxMessage, loaded: _Offers, recipient: Recipient, _now: datetime
) -> Outgoing | None:
    offer = loaded.offers.get(SubstituteOfferPayload.unpack(row.payload).offer)
    if offer is None or offer.status != OfferStatus.pending.value or offer.id is None:
        return None  # answered, or the place was taken before it went out
    item = loaded.views.get(offer.release_id)
    if item is None or item.release.taken_by is not None:
        return None
    language = recipient.language
    return offer_message(item, offer.id, language, get_translator(language))


async def _load_escalations(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> dict[int, ReleaseView]:
    ids = sorted({SubstituteEscalationPayload.unpack(row.payload).release for row in rows})
    return await release_views(session=session, release_ids=ids, zone=zone, with_candidates=True)


def _render_escalation(
    row: OutboxMessage, views: dict[int, ReleaseView], recipient: Recipient, _now: datetime
) -> Outgoing | None:
    item = views.get(SubstituteEscalationPayload.unpack(row.payload).release)
    if item is None or item.release.taken_by is not None:
        return None
    language = recipient.language
    return escalation_message(item, language, get_translator(language))


async def _load_news(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> tuple[dict[int, ReleaseView], dict[tuple[int, int], int]]:
    ids = sorted({SubstituteNewsPayload.unpack(row.payload).release for row in rows})
    views = await release_views(session=session, release_ids=ids, zone=zone, with_candidates=False)
    return views, await offers_by_candidate(session=session, release_ids=ids)


_News = tuple[dict[int, ReleaseView], dict[tuple[int, int], int]]


def _news_renderer(secretariat_name: str) -> Callable[..., Outgoing | None]:
    """The office asking a stand-in is named as ``SECRETARIAT_NAME`` says, when it is set."""

    def render(
        row: OutboxMessage, loaded: _News, recipient: Recipient, now: datetime
    ) -> Outgoing | None:
        return _render_news(row, loaded, recipient, now, secretariat_name=secretariat_name)

    return render


def _render_news(
    row: OutboxMessage,
    loaded: _News,
    recipient: Recipient,
    _now: datetime,
    *,
    secretariat_name: str = "",
) -> Outgoing | None:
    views, offers = loaded
    payload = SubstituteNewsPayload.unpack(row.payload)
    item = views.get(payload.release)
    if item is None:
        return None
    if payload.news == "assigned" and item.release.taken_by != row.delegate_id:
        return None  # the choice was undone before the message went out
    offer_id = offers.get((payload.release, row.delegate_id or 0))
    language = recipient.language
    return news_message(
        item,
        payload.news,
        offer_id=offer_id,
        language=language,
        _=get_translator(language),
        office=secretariat_name,
    )


@dataclass(frozen=True)
class _Closed:
    offers: dict[int, SubstituteOffer]
    messages: dict[int, int]
    """The offer's message id in its candidate's chat, by offer id."""
    views: dict[int, ReleaseView]


async def _load_closed(
    session: AsyncSession, rows: Sequence[OutboxMessage], zone: ZoneInfo
) -> _Closed:
    ids = sorted({OfferClosedPayload.unpack(row.payload).offer for row in rows})
    offers = await offers_by_id(session=session, ids=ids)
    messages = await sent_offer_messages(session=session, offer_ids=ids)
    views = await release_views(
        session=session,
        release_ids=sorted({o.release_id for o in offers.values()}),
        zone=zone,
        with_candidates=False,
    )
    return _Closed(offers, messages, views)


def _render_closed(
    row: OutboxMessage, loaded: _Closed, recipient: Recipient, _now: datetime
) -> Outgoing | None:
    """The offer's message edited once, in its candidate's language. Planned only once
    the offer's send is recorded as sent (``bot.services.availability.offers``), so the
    message is known; nothing when the offer did not close (its candidate answered)."""
    offer_id = OfferClosedPayload.unpack(row.payload).offer
    offer = loaded.offers.get(offer_id)
    message_id = loaded.messages.get(offer_id)
    if offer is None or message_id is None or offer.status not in CLOSED:
        return None
    item = loaded.views.get(offer.release_id)
    if item is None:
        return None
    language = recipient.language
    closed = closed_offer_message(
        item, OfferStatus(offer.status), language, get_translator(language)
    )
    return replace(closed, edit_of=message_id)


def availability_kinds(secretariat_name: str = "") -> tuple[KindSpec[Any], ...]:
    """The four kinds; ``secretariat_name`` is ``Settings.SECRETARIAT_NAME``."""
    return (
        KindSpec(
            SubstituteOfferPayload,
            _load_offers,
            render=_render_offer,
            after_sent=_after_offers_sent,
        ),
        KindSpec(SubstituteEscalationPayload, _load_escalations, render=_render_escalation),
        KindSpec(SubstituteNewsPayload, _load_news, render=_news_renderer(secretariat_name)),
        KindSpec(OfferClosedPayload, _load_closed, render=_render_closed),
    )
