"""Saving a register item: its version bumped and the whole item kept in petition_changes.

Shared by the file import and the bot, so that every change, however made, is kept.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.petitions import Petition, PetitionChange

FIELDS = (
    "ref",
    "source",
    "received_on",
    "delegate_id",
    "report_id",
    "type",
    "summary",
    "citizen",
    "action",
    "agency",
    "forwarded_on",
    "due_on",
    "answered_on",
    "answer",
)
"""What a change may touch (and what a version records)."""


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def content(petition: Petition) -> str:
    return json.dumps(
        {name: _plain(getattr(petition, name)) for name in FIELDS},
        ensure_ascii=False,
        sort_keys=True,
    )


def differs(petition: Petition, values: dict[str, object]) -> bool:
    return any(getattr(petition, name) != value for name, value in values.items())


async def save(
    session: AsyncSession,
    petition: Petition,
    *,
    source: str,
    actor: str,
    now: datetime,
    new: bool,
) -> None:
    """Writes ``petition`` (already changed in memory) and its version, in the caller's
    transaction. An answer given now (none before) is stamped for the follow-up."""
    if not new:
        petition.version += 1
    petition.updated_at = now
    if petition.answered_on is not None and petition.answer_recorded_at is None:
        petition.answer_recorded_at = now
    if petition.answered_on is None:
        petition.answer_recorded_at = None
    session.add(petition)
    await session.flush()
    assert petition.id is not None
    session.add(
        PetitionChange(
            petition_id=petition.id,
            version=petition.version,
            content=content(petition),
            source=source,
            actor=actor[:128],
            recorded_at=now,
        )
    )
