"""Invite tokens: issued fresh, stored hashed, consumed once, refused in every bad case."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.models import AuditEntry, Delegate, Invite
from bot.services.delegates.accounts import LinkOutcome, identify, redeem_invite
from bot.services.delegates.invites import (
    IssuedInvite,
    UnknownCouncilError,
    hash_token,
    invite_link,
    issue_invites,
)
from tests.factories import NOW, add_delegate, in_session


async def issue(session_factory: SessionFactory, **options: Any) -> list[IssuedInvite]:
    """One command's worth: a session of its own, committed by the service."""
    async with session_factory() as session:
        return await issue_invites(session=session, **options)


async def test_issues_one_token_per_unlinked_active_delegate(
    session_factory: SessionFactory,
) -> None:
    await add_delegate(session_factory, "ML-001")
    await add_delegate(session_factory, "ML-002", telegram_user_id=555)
    await add_delegate(session_factory, "ML-003", active=False)
    await add_delegate(session_factory, "NT-001", council="HDND-NT")
    issued = await issue(session_factory, now=NOW)
    assert [i.code for i in issued] == ["ML-001", "NT-001"]
    only_ml = await issue(session_factory, now=NOW, council_code="HDND-ML")
    assert [i.code for i in only_ml] == ["ML-001"]
    async with session_factory() as session:
        invites = (await session.exec(select(Invite))).all()
        stored = {i.token_hash for i in invites}
    assert all(i.token not in stored for i in issued)  # only hashes are stored
    assert hash_token(only_ml[0].token) in stored
    assert all(i.expires_at - i.created_at == timedelta(days=30) for i in invites)


async def test_unknown_council_is_refused(session_factory: SessionFactory) -> None:
    with pytest.raises(UnknownCouncilError):
        await issue(session_factory, now=NOW, council_code="NOPE")


async def test_a_newer_invite_replaces_the_older_one(session_factory: SessionFactory) -> None:
    await add_delegate(session_factory, "ML-001")
    (first,) = await issue(session_factory, now=NOW)
    (second,) = await issue(session_factory, now=NOW)
    old = await in_session(
        session_factory, redeem_invite, token=first.token, telegram_user_id=1, now=NOW
    )
    assert old.outcome is LinkOutcome.revoked_token
    new = await in_session(
        session_factory, redeem_invite, token=second.token, telegram_user_id=1, now=NOW
    )
    assert new.outcome is LinkOutcome.linked


async def test_link_consumes_token_and_records_audit(session_factory: SessionFactory) -> None:
    await add_delegate(session_factory, "ML-001")
    (invite,) = await issue(session_factory, now=NOW)
    result = await in_session(
        session_factory, redeem_invite, token=invite.token, telegram_user_id=7001, now=NOW
    )
    assert result.outcome is LinkOutcome.linked
    identity = await in_session(
        session_factory, identify, telegram_user_id=7001, admin_ids=frozenset()
    )
    assert identity.delegate is not None
    assert identity.delegate.code == "ML-001"
    async with session_factory() as session:
        stored = (await session.exec(select(Invite))).one()
        assert stored.used_at == NOW
        assert stored.used_by_telegram_id == 7001
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert "delegate.link" in actions
    again = await in_session(
        session_factory, redeem_invite, token=invite.token, telegram_user_id=7002, now=NOW
    )
    assert again.outcome is LinkOutcome.used_token


@pytest.mark.parametrize(
    ("setup", "outcome"),
    [
        ("expired", LinkOutcome.expired_token),
        ("unknown", LinkOutcome.unknown_token),
        ("account_taken", LinkOutcome.account_linked_elsewhere),
        ("inactive", LinkOutcome.delegate_inactive),
    ],
)
async def test_refusals_write_nothing(
    session_factory: SessionFactory, setup: str, outcome: LinkOutcome
) -> None:
    await add_delegate(session_factory, "ML-001")
    await add_delegate(session_factory, "ML-002", telegram_user_id=42)
    (invite,) = await issue(session_factory, now=NOW)
    token, now, user = invite.token, NOW, 7001
    if setup == "expired":
        now = NOW + timedelta(days=30)
    elif setup == "unknown":
        token = "not-a-token"
    elif setup == "account_taken":
        user = 42
    elif setup == "inactive":
        async with session_factory() as session, session.begin():
            delegate = (await session.exec(select(Delegate).where(Delegate.code == "ML-001"))).one()
            delegate.active = False
    result = await in_session(
        session_factory, redeem_invite, token=token, telegram_user_id=user, now=now
    )
    assert result.outcome is outcome
    async with session_factory() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code == "ML-001"))).one()
        assert delegate.telegram_user_id is None
        assert (
            await session.exec(select(Invite).where(col(Invite.used_at).is_not(None)))
        ).all() == []


async def test_two_simultaneous_redemptions_link_once(session_factory: SessionFactory) -> None:
    await add_delegate(session_factory, "ML-001")
    (invite,) = await issue(session_factory, now=NOW)
    results = await asyncio.gather(
        *(
            in_session(
                session_factory, redeem_invite, token=invite.token, telegram_user_id=uid, now=NOW
            )
            for uid in (1, 2)
        )
    )
    assert sorted(r.outcome.value for r in results) == sorted(["linked", "used_token"])


def test_invite_link_is_a_telegram_deep_link() -> None:
    assert invite_link("@hdnd_bot", "abc") == "https://t.me/hdnd_bot?start=abc"


async def test_one_account_links_a_delegate_record_in_each_of_two_councils(
    session_factory: SessionFactory,
) -> None:
    """A person on a province and a commune council: each invite adds one record."""
    await add_delegate(session_factory, "T-001", council="HDND-TINH", role="delegate")
    await add_delegate(session_factory, "ML-001", council="HDND-ML", role="secretary")
    invites = await issue(session_factory, now=NOW)
    for invite in invites:
        result = await in_session(
            session_factory, redeem_invite, token=invite.token, telegram_user_id=77, now=NOW
        )
        assert result.outcome is LinkOutcome.linked
    identity = await in_session(
        session_factory, identify, telegram_user_id=77, admin_ids=frozenset()
    )
    assert sorted(d.code for d in identity.delegates) == ["ML-001", "T-001"]
    # a secretary of one council and a delegate of the other: manages only the first
    assert identity.delegate is not None
    assert identity.delegate.code == "ML-001"
    ml, tinh = (
        next(d.council_id for d in identity.delegates if d.code == code)
        for code in ("ML-001", "T-001")
    )
    assert identity.office.may_act(ml)
    assert not identity.office.may_act(tinh)
