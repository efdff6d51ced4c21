"""Who opened the Mini App: their councils and roles, from the same records the bot uses."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.menus import MenuWanted
from bot.domain.office import Seat, office_reach
from bot.domain.webapp import CouncilRole
from bot.i18n import DEFAULT_LANGUAGE
from bot.models import Council, Delegate
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
        return any(c.role is CouncilRole.secretary for c in self.councils)

    @property
    def office_council_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.councils if c.role is CouncilRole.secretary)


async def resolve_user(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    admin_ids: frozenset[int],
    language_code: str | None,
) -> WebUser:
    """The councils this user may open and their role in each (none: not linked): the
    office's views where they act on a council or oversee it (``bot.domain.office``),
    a delegate's where they only hold a delegate record."""
    councils = (await session.exec(select(Council).order_by(col(Council.code)))).all()
    identity = await identify(
        session=session,
        telegram_user_id=telegram_user_id,
        admin_ids=admin_ids,
        fallback_language=language_code,
        councils={c.id: c.parent_id for c in councils if c.id is not None},
    )
    office = identity.office
    found = [
        CouncilAccess(
            id=council.id,
            code=council.code,
            name=council.name,
            role=CouncilRole.secretary if office.may_reach(council.id) else CouncilRole.delegate,
        )
        for council in councils
        if council.id is not None
        and (office.may_reach(council.id) or council.id in office.delegate_of)
    ]
    return WebUser(identity=identity, councils=tuple(found))


async def menu_wanted(
    *, session: AsyncSession, admin_ids: frozenset[int], chats: Collection[int] | None = None
) -> dict[int, MenuWanted]:
    """Each linked account's button (admins': the office's), optionally for some chats only."""
    query = select(
        Delegate.telegram_user_id, Delegate.council_id, Delegate.role, Delegate.language
    ).where(col(Delegate.active).is_(True), col(Delegate.telegram_user_id).is_not(None))
    if chats is not None:
        query = query.where(col(Delegate.telegram_user_id).in_(list(chats)))
    seats: dict[int, list[Seat]] = {}
    language: dict[int, str] = {}
    rows = (await session.exec(query.order_by(col(Delegate.id)))).all()
    for user_id, council_id, role, chosen in rows:
        if user_id is None:
            continue
        seats.setdefault(user_id, []).append(Seat(council_id, role))
        language.setdefault(user_id, chosen)  # the first record's, as ``identify`` reads it
    wanted = {
        user_id: MenuWanted(
            # Being the office does not depend on the council tree: no tree is read.
            office=office_reach(held, {}, admin=user_id in admin_ids).is_office,
            language=language[user_id],
        )
        for user_id, held in seats.items()
    }
    for admin in admin_ids:
        if chats is None or admin in chats:
            wanted.setdefault(admin, MenuWanted(office=True, language=DEFAULT_LANGUAGE))
    return wanted
