"""The answer notice as an outbox kind: a message of its own to the receiving delegate.

The row carries only the item's id; its text is read when sending, so personal data is
never copied into the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import get_translator
from bot.messages.petition_texts import answer_notice
from bot.models import OutboxMessage
from bot.models.petitions import Petition
from bot.services.outbox.payloads import PetitionAnswerPayload
from bot.services.outbox.rows import Outgoing
from bot.services.petitions.notices import petitions_by_id
from jobs.outbox_kinds import KindSpec, Recipient


async def _load(
    session: AsyncSession, rows: Sequence[OutboxMessage], _zone: ZoneInfo
) -> dict[int, Petition]:
    ids = {PetitionAnswerPayload.unpack(row.payload).petition for row in rows}
    return await petitions_by_id(session=session, ids=ids)


def _render(
    row: OutboxMessage, petitions: dict[int, Petition], recipient: Recipient, _now: datetime
) -> Outgoing | None:
    payload = PetitionAnswerPayload.unpack(row.payload)
    petition = petitions.get(payload.petition)
    # Gone, no longer answered, or handed to another delegate since: nothing to say.
    if (
        petition is None
        or petition.answered_on is None
        or recipient.delegate is None
        or petition.delegate_id != recipient.delegate.id
    ):
        return None
    _ = get_translator(recipient.language)
    return Outgoing(
        text=answer_notice(
            ref=petition.ref,
            kind=petition.type,
            received_on=petition.received_on,
            summary=petition.summary,
            agency=petition.agency,
            answered_on=petition.answered_on,
            answer=petition.answer,
            _=_,
        )
    )


PETITION_ANSWER: KindSpec[dict[int, Petition]] = KindSpec(
    PetitionAnswerPayload, _load, render=_render
)
