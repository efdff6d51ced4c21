"""What goes wrong inside the dispatcher stays with the rows it concerns: a kind whose
loader fails fails only its own rows, and a message delivered but not recorded is
flagged as possibly sent twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.models import OutboxMessage
from bot.services.outbox.payloads import BroadcastNudgePayload
from bot.services.outbox.rows import (
    OUTBOX_TABLE,
    OutboxKind,
    OutboxStatus,
    Outcome,
    claim_due,
    outbox_row,
    record,
)
from jobs import dispatcher as dispatcher_module
from jobs.dispatcher import Dispatcher
from jobs.outbox_kinds import KindSpec, build_registry
from jobs.registry import REGISTRY
from tests.factories import add_delegate, in_session
from tests.jobs.test_dispatcher import NOW, ZONE, Clock, ScriptedNotifier, one_due_row

__all__ = ["one_due_row"]  # the fixture, used by name


async def rows(session_factory: SessionFactory) -> dict[str, OutboxMessage]:
    async with session_factory() as session:
        found = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return {row.kind: row for row in found}


async def queue_nudge(session_factory: SessionFactory) -> None:
    delegate = await add_delegate(session_factory, "ML-002", telegram_user_id=1002)
    row = outbox_row(
        BroadcastNudgePayload(broadcast=1), "1:2", now=NOW, due_at=NOW, delegate_id=delegate.id
    )
    async with session_factory() as session, session.begin():
        await session.exec(insert(OUTBOX_TABLE), params=[row])  # type: ignore[call-overload]


async def poison(*_args: Any) -> None:
    raise RuntimeError("a loader bug")


def poisoned(kind: OutboxKind) -> dict[OutboxKind, KindSpec[Any]]:
    good = [spec for spec in REGISTRY.values() if spec.kind is not kind]
    bad = REGISTRY[kind]
    poisoned = KindSpec(bad.payload, poison, item=bad.item, block=bad.block, render=bad.render)
    return build_registry([*good, poisoned])


def dispatcher(
    session_factory: SessionFactory,
    notifier: ScriptedNotifier,
    registry: dict[OutboxKind, KindSpec[Any]] | None = None,
    zone: ZoneInfo = ZONE,
) -> Dispatcher:
    return Dispatcher(
        session_factory=session_factory,
        notifier=notifier,
        zone=zone,
        clock=Clock(),
        owner="me",
        registry=registry or REGISTRY,
    )


async def test_a_failing_loader_fails_only_its_own_kind(
    session_factory: SessionFactory, one_due_row: None
) -> None:
    await queue_nudge(session_factory)
    notifier = ScriptedNotifier()
    registry = poisoned(OutboxKind.broadcast_nudge)
    stats = await dispatcher(session_factory, notifier, registry).drain()

    found = await rows(session_factory)
    reminder, nudge = found["reminder"], found["broadcast_nudge"]
    assert reminder.status == "sent"  # claimed in the same batch, sent all the same
    assert reminder.last_error is None
    assert [chat for chat, _text in notifier.sent] == [1001]
    assert nudge.status == "pending"  # retried later, with an attempt counted
    assert nudge.attempts == 1
    assert nudge.lease_owner is None
    assert "internal error" in (nudge.last_error or "")
    assert stats.sent == 1
    assert stats.retried == 1


async def test_a_message_delivered_but_not_recorded_is_flagged_uncertain(
    session_factory: SessionFactory, one_due_row: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_record = dispatcher_module.record
    failures = [OperationalError("UPDATE outbox", {}, Exception("database is locked"))]

    async def flaky_record(**kwargs: Any) -> int:
        if kwargs["outcome"].status is OutboxStatus.sent and failures:
            raise failures.pop()
        return await real_record(**kwargs)

    monkeypatch.setattr(dispatcher_module, "record", flaky_record)
    notifier = ScriptedNotifier()
    clock = Clock()
    sender = Dispatcher(
        session_factory=session_factory, notifier=notifier, zone=ZONE, clock=clock, owner="me",
        registry=REGISTRY,
    )  # fmt: skip
    stats = await sender.drain()

    reminder = (await rows(session_factory))["reminder"]
    assert len(notifier.sent) == 1  # it went out…
    assert reminder.status == "pending"  # …but nothing says so: sent again, and counted
    assert reminder.outcome_uncertain is True
    assert reminder.lease_owner is None
    assert stats.uncertain == 1
    clock.now += timedelta(minutes=5)
    await sender.drain()
    sent = (await rows(session_factory))["reminder"]
    assert sent.status == "sent"
    assert sent.outcome_uncertain is True
    assert len(notifier.sent) == 2


async def test_recording_after_the_lease_was_lost_writes_nothing_and_says_so(
    session_factory: SessionFactory, one_due_row: None, caplog: pytest.LogCaptureFixture
) -> None:
    (claimed,) = await in_session(session_factory, claim_due, now=NOW, owner="me", limit=5)
    later = NOW + timedelta(minutes=3)  # the lease ran out; another process took the row
    (taken,) = await in_session(session_factory, claim_due, now=later, owner="other", limit=5)
    outcome = Outcome(OutboxStatus.sent, later, message_id=7)

    with caplog.at_level(logging.WARNING, logger="bot.services.outbox.rows"):
        written = await in_session(
            session_factory, record, rows=[claimed], outcome=outcome, owner="me"
        )
    assert written == 0
    assert f"[{claimed.id}]" in caplog.text
    assert "lease" in caplog.text
    still = (await rows(session_factory))["reminder"]
    assert (still.status, still.lease_owner) == ("sending", "other")

    written = await in_session(
        session_factory, record, rows=[taken], outcome=outcome, owner="other"
    )
    assert written == 1
    assert (await rows(session_factory))["reminder"].status == "sent"
