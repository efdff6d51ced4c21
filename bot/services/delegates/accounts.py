"""Who a Telegram user is to us: linking by invite, role, language."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType

from sqlalchemy import case, func, update
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import atomic
from bot.domain.office import CouncilTree, OfficeReach, Seat, office_reach
from bot.i18n import normalize_language
from bot.models import Council, Delegate, Invite, UserPreference
from bot.services import audit
from bot.services.delegates.invites import hash_token


class LinkOutcome(StrEnum):
    linked = "linked"
    unknown_token = "unknown_token"
    used_token = "used_token"
    revoked_token = "revoked_token"
    expired_token = "expired_token"
    already_linked = "already_linked"  # this account is already linked to this very delegate
    account_linked_elsewhere = "account_linked_elsewhere"  # this account belongs to another one
    delegate_taken = "delegate_taken"  # the delegate is linked to another Telegram account
    delegate_inactive = "delegate_inactive"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    delegate: Delegate | None = None


@dataclass(frozen=True)
class Identity:
    """The caller of a bot command, resolved once per update.

    One person may hold delegate records in several councils (a province and a commune
    council); each record carries its own role, so a secretary of one council who is a
    delegate of another is the office of the first only. Which councils they act on as
    the office, and which they only oversee, is :attr:`office`
    (``bot.domain.office``), decided once from ``councils``, the council tree read with them.
    """

    telegram_user_id: int
    delegates: tuple[Delegate, ...]
    is_admin: bool
    language: str
    councils: CouncilTree = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )
    """Every council's parent (read by :func:`identify` for office accounts only)."""

    @cached_property
    def office(self) -> OfficeReach:
        seats = [Seat(d.council_id, d.role, d.active) for d in self.delegates]
        return office_reach(seats, self.councils, admin=self.is_admin)

    @property
    def delegate(self) -> Delegate | None:
        """The record that speaks for this account: one where it is the office first."""
        own = self.office.own
        ordered = sorted(self.delegates, key=lambda d: d.council_id not in own)
        return ordered[0] if ordered else None

    @property
    def delegate_ids(self) -> tuple[int, ...]:
        return tuple(d.id for d in self.delegates if d.id is not None)

    @property
    def is_linked(self) -> bool:
        return bool(self.delegates)


async def identify(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    admin_ids: frozenset[int],
    fallback_language: str | None = None,
    councils: CouncilTree | None = None,
) -> Identity:
    """Who this Telegram account is. ``councils`` (the council tree) is read here, once,
    for an office account when the caller has not read it already."""
    delegates = tuple(
        (
            await session.exec(
                select(Delegate)
                .where(
                    Delegate.telegram_user_id == telegram_user_id,
                    col(Delegate.active).is_(True),
                )
                .order_by(col(Delegate.id))
            )
        ).all()
    )
    for delegate in delegates:
        # The caller's records outlive a rolled-back step of the same update (``atomic``).
        session.expunge(delegate)
    if delegates:
        language = delegates[0].language
    else:
        preference = await session.get(UserPreference, telegram_user_id)
        language = (
            preference.language if preference is not None else normalize_language(fallback_language)
        )
    identity = Identity(
        telegram_user_id=telegram_user_id,
        delegates=delegates,
        is_admin=telegram_user_id in admin_ids,
        language=normalize_language(language),
    )
    if councils is None and identity.office.is_office:
        councils = await council_tree(session=session)
    if councils:  # a new Identity: the office is decided again, with the tree
        identity = replace(identity, councils=MappingProxyType(dict(councils)))
    return identity


async def council_tree(*, session: AsyncSession) -> dict[int, int | None]:
    """Every council's parent council (``parent_council``), in one query."""
    rows = (await session.exec(select(Council.id, Council.parent_id))).all()
    return {council: parent for council, parent in rows if council is not None}


async def languages_of(
    *, session: AsyncSession, telegram_user_ids: Collection[int]
) -> dict[int, str]:
    """Each user's language as :func:`identify` finds it (their first active delegate
    record, else the language they chose, else the default), two queries for them all."""
    wanted = set(telegram_user_ids)
    if not wanted:
        return {}
    found: dict[int, str] = {}
    records = await session.exec(
        select(Delegate.telegram_user_id, Delegate.language)
        .where(col(Delegate.telegram_user_id).in_(wanted), col(Delegate.active).is_(True))
        .order_by(col(Delegate.id))
    )
    for user_id, language in records.all():
        if user_id is not None:
            found.setdefault(user_id, language)
    if rest := wanted - found.keys():
        chosen = await session.exec(
            select(UserPreference.telegram_user_id, UserPreference.language).where(
                col(UserPreference.telegram_user_id).in_(rest)
            )
        )
        found.update(chosen.all())
    return {user_id: normalize_language(found.get(user_id)) for user_id in wanted}


async def delegate_by_code(*, session: AsyncSession, code: str) -> Delegate | None:
    return (await session.exec(select(Delegate).where(Delegate.code == code))).first()


async def redeem_invite(
    *, session: AsyncSession, token: str, telegram_user_id: int, now: datetime
) -> LinkResult:
    """Links the account and consumes the token atomically; refusals write nothing.

    The caller commits.
    """
    try:
        return await _redeem(session, token=token, telegram_user_id=telegram_user_id, now=now)
    except IntegrityError:
        # Another transaction linked this account or this delegate in the meantime.
        return LinkResult(LinkOutcome.delegate_taken)


def _refusal(
    invite: Invite, delegate: Delegate, telegram_user_id: int, now: datetime
) -> LinkOutcome | None:
    """Why this invite cannot link this account, judged on the invite and its delegate."""
    if delegate.telegram_user_id == telegram_user_id:
        return LinkOutcome.already_linked
    if invite.used_at is not None:
        return LinkOutcome.used_token
    if invite.revoked_at is not None:
        return LinkOutcome.revoked_token
    if invite.expires_at <= now:
        return LinkOutcome.expired_token
    if not delegate.active:
        return LinkOutcome.delegate_inactive
    if delegate.telegram_user_id is not None:
        return LinkOutcome.delegate_taken
    return None


async def _redeem(
    session: AsyncSession, *, token: str, telegram_user_id: int, now: datetime
) -> LinkResult:
    async with atomic(session):
        invite = (
            await session.exec(select(Invite).where(Invite.token_hash == hash_token(token)))
        ).first()
        if invite is None:
            return LinkResult(LinkOutcome.unknown_token)
        delegate = await session.get(Delegate, invite.delegate_id)
        assert delegate is not None
        if (refused := _refusal(invite, delegate, telegram_user_id, now)) is not None:
            return LinkResult(refused, delegate if refused is LinkOutcome.already_linked else None)
        # A second record is welcome from another council (a person on two councils),
        # never from the same one: that would be two delegates sharing one phone.
        other = (
            await session.exec(
                select(Delegate).where(
                    Delegate.telegram_user_id == telegram_user_id,
                    Delegate.council_id == delegate.council_id,
                )
            )
        ).first()
        if other is not None:
            return LinkResult(LinkOutcome.account_linked_elsewhere, other)
        linked_before = (
            await session.exec(
                select(Delegate).where(Delegate.telegram_user_id == telegram_user_id)
            )
        ).first()
        # The conditional update is the guard against two simultaneous /start with one token.
        consumed = await session.exec(
            update(Invite)
            .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
            .values(used_at=now, used_by_telegram_id=telegram_user_id)
        )
        if consumed.rowcount != 1:
            return LinkResult(LinkOutcome.used_token)
        preference = await session.get(UserPreference, telegram_user_id)
        if preference is not None:
            delegate.language = preference.language
            await session.delete(preference)
        elif linked_before is not None:
            delegate.language = linked_before.language
        delegate.telegram_user_id = telegram_user_id
        delegate.reachable = True
        delegate.updated_at = now
        session.add(delegate)
        audit.record(
            session,
            actor=f"tg:{telegram_user_id}",
            action="delegate.link",
            at=now,
            delegate=delegate.code,
        )
        await session.flush()
    return LinkResult(LinkOutcome.linked, delegate)


async def set_language(*, session: AsyncSession, identity: Identity, language: str) -> None:
    if identity.delegates:
        await session.exec(
            update(Delegate)
            .where(col(Delegate.id).in_(identity.delegate_ids))
            .values(language=language)
        )
    else:
        preference = await session.get(UserPreference, identity.telegram_user_id)
        if preference is None:
            preference = UserPreference(
                telegram_user_id=identity.telegram_user_id, language=language
            )
        preference.language = language
        session.add(preference)


@dataclass(frozen=True)
class CouncilLinkStatus:
    council_code: str
    council_name: str
    delegates: int
    linked: int
    unreachable: int
    unlinked: tuple[str, ...]
    """"CODE Full name" of each delegate who has not linked yet."""


async def link_status(*, session: AsyncSession, identity: Identity) -> list[CouncilLinkStatus]:
    """How many delegates of each council the caller manages have linked their account."""
    if not identity.office.is_office:
        raise PermissionError("link status is for secretaries")
    active: list[ColumnElement[bool]] = [col(Delegate.active).is_(True)]
    managed = identity.office.acts_on_filter
    if managed is not None:
        active.append(col(Delegate.council_id).in_(managed))
    connection = await session.connection()
    rows = (
        await connection.execute(
            sql_select(
                col(Council.code),
                col(Council.name),
                func.count(),
                func.count(col(Delegate.telegram_user_id)),
                func.sum(case((col(Delegate.reachable).is_(False), 1), else_=0)),
            )
            .select_from(Delegate)
            .join(Council, col(Council.id) == col(Delegate.council_id))
            .where(*active)
            .group_by(col(Council.code), col(Council.name))
            .order_by(col(Council.code))
        )
    ).all()
    unlinked = (
        await connection.execute(
            sql_select(col(Council.code), col(Delegate.code), col(Delegate.full_name))
            .select_from(Delegate)
            .join(Council, col(Council.id) == col(Delegate.council_id))
            .where(*active, col(Delegate.telegram_user_id).is_(None))
            .order_by(col(Delegate.code))
        )
    ).all()
    unlinked_by_council: dict[str, list[str]] = {}
    for council_code, delegate_code, name in unlinked:
        unlinked_by_council.setdefault(council_code, []).append(f"{delegate_code} {name}")
    return [
        CouncilLinkStatus(
            council_code=code,
            council_name=name,
            delegates=int(total),
            linked=int(linked),
            unreachable=int(unreachable or 0),
            unlinked=tuple(unlinked_by_council.get(code, ())),
        )
        for code, name, total, linked, unreachable in rows
    ]


async def council_names(*, session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    councils = (await session.exec(select(Council).where(col(Council.id).in_(ids)))).all()
    return {c.id: c.name for c in councils if c.id is not None}
