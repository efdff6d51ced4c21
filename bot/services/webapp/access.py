"""Who opened the Mini App: their councils and roles, from the same records the bot uses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roster import Role
from bot.domain.webapp import CouncilRole, Membership, office_councils
from bot.models import Council
from bot.services.delegates.accounts import Identity, identify


@dataclass(frozen=True)
class CouncilAccess:
    id: int
    code: str
    name: str
    role: CouncilRole


@dataclass(frozen=True)
class WebUser:
    """The user of one request: the bot's :class:`Identity` and what it opens here."""

    identity: Identity
    councils: tuple[CouncilAccess, ...]
    """Every council the user sees, with the role held there (an office sees its children)."""

    @property
    def is_office(self) -> bool:
        return any(c.role is CouncilRole.office for c in self.councils)

    @property
    def office_council_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.councils if c.role is CouncilRole.office)


async def council_children(*, session: AsyncSession) -> dict[int, list[int]]:
    """Each council's child councils.

    MERGE POINT (issue 17): the councils table gets its parent council there; until then
    no council has children, and this is the one place that reads the link.
    """
    parent = getattr(Council, "parent_id", None)
    if parent is None:
        return {}
    children: dict[int, list[int]] = defaultdict(list)
    rows = (await session.exec(select(Council.id, parent).where(parent.is_not(None)))).all()
    for child, of in rows:
        if child is not None:
            children[int(of)].append(child)
    return children


async def resolve_user(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    admin_ids: frozenset[int],
    language_code: str | None,
) -> WebUser:
    """The councils this user may open and their role in each (none: not linked)."""
    identity = await identify(
        session=session,
        telegram_user_id=telegram_user_id,
        admin_ids=admin_ids,
        fallback_language=language_code,
    )
    memberships = [
        Membership(
            d.council_id,
            CouncilRole.office if d.role == Role.secretary.value else CouncilRole.delegate,
        )
        for d in identity.delegates
    ]
    councils = (await session.exec(select(Council).order_by(col(Council.code)))).all()
    if identity.is_admin:
        offices = frozenset(c.id for c in councils if c.id is not None)
    else:
        offices = office_councils(memberships, await council_children(session=session))
    delegate_of = {m.council_id for m in memberships}
    found = [
        CouncilAccess(
            id=council.id,
            code=council.code,
            name=council.name,
            role=CouncilRole.office if council.id in offices else CouncilRole.delegate,
        )
        for council in councils
        if council.id is not None and (council.id in offices or council.id in delegate_of)
    ]
    return WebUser(identity=identity, councils=tuple(found))
