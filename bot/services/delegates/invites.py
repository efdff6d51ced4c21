"""One-time invite links that let a delegate link their Telegram account."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.models import Council, Delegate, Invite
from bot.services import audit

INVITE_TTL = timedelta(days=30)


class UnknownCouncilError(LookupError):
    """``--council`` names a council that is not in the database."""


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    full_name: str
    token: str
    phone: str | None = None
    """For the printed sheet and the message pasted into Zalo or SMS (personal data)."""
    unit: str = ""
    council_name: str = ""
    expires_at: datetime | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """32 URL-safe characters: fits Telegram's 64-character ``start`` parameter alphabet."""
    return secrets.token_urlsafe(24)


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


async def _revoke_unused(session: AsyncSession, delegate_ids: list[int], now: datetime) -> None:
    """Their links not used yet stop working. In chunks: a first issue for every council
    names every delegate of the installation."""
    for ids in chunks(delegate_ids):
        await session.exec(
            update(Invite)
            .where(
                col(Invite.delegate_id).in_(ids),
                col(Invite.used_at).is_(None),
                col(Invite.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )


async def issue_invites(
    *,
    session: AsyncSession,
    now: datetime,
    council_code: str | None = None,
    ttl: timedelta = INVITE_TTL,
    deliver: Callable[[list[IssuedInvite]], None] | None = None,
) -> list[IssuedInvite]:
    """A fresh token for every active delegate not linked yet; older unused tokens stop working.

    Revoking the older tokens means a lost or forwarded invite sheet can be replaced by
    issuing a new one, without leaving the old links usable for the rest of their 30 days.
    ``deliver`` (writing the sheet) runs before the commit: if it fails, nothing changes,
    so old links are never revoked without new ones in someone's hands. Commits the
    caller's ``session`` (on any error nothing is committed).
    """
    delegates = await _not_linked(session, council_code)
    await _revoke_unused(session, [d.id for d in delegates if d.id is not None], now)
    issued: list[IssuedInvite] = []
    councils = await _council_names(session, {d.council_id for d in delegates})
    for delegate in delegates:
        assert delegate.id is not None
        token = new_token()
        session.add(
            Invite(
                delegate_id=delegate.id,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + ttl,
            )
        )
        issued.append(
            IssuedInvite(
                delegate.code,
                delegate.full_name,
                token,
                phone=delegate.phone,
                unit=delegate.unit or "",
                council_name=councils.get(delegate.council_id, ""),
                expires_at=now + ttl,
            )
        )
    audit.record(
        session,
        actor="cli",
        action="invites.issue",
        at=now,
        council=council_code,
        count=len(issued),
    )
    if deliver is not None:
        deliver(issued)
    await session.commit()
    return issued


async def _council_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    found = await session.exec(select(Council).where(col(Council.id).in_(list(ids))))
    return {council.id: council.name for council in found if council.id is not None}


async def _not_linked(session: AsyncSession, council_code: str | None) -> list[Delegate]:
    """Active delegates without a Telegram account, of ``council_code`` when given."""
    query = select(Delegate).where(
        col(Delegate.telegram_user_id).is_(None), col(Delegate.active).is_(True)
    )
    if council_code is not None:
        council = (await session.exec(select(Council).where(Council.code == council_code))).first()
        if council is None:
            raise UnknownCouncilError(council_code)
        query = query.where(Delegate.council_id == council.id)
    return list((await session.exec(query.order_by(col(Delegate.code)))).all())
