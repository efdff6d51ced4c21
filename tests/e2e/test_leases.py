"""A row held past its lease by a long 429 is not claimed (and sent) a second time by the
dispatcher that holds it (issue 18, item 6).

The fake server answers the first send with 429. Its ``retry_after`` is one real second,
so that the test does not sleep; the injected clock moves 150 s per 429 answered, which
is what a "retry after 150" does to the claimed rows' leases (2 minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import select

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.payloads import BroadcastPayload
from bot.services.outbox.rows import LEASE, OUTBOX_TABLE, Outgoing, outbox_row
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.outbox_kinds import KindSpec, Recipient, build_registry
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import Harness
from tests.factories import add_linked_delegates

ROWS = 60
WAITED = timedelta(seconds=150)  # longer than LEASE


async def _load(_s: object, _rows: Sequence[OutboxMessage], _z: ZoneInfo) -> None:
    return None


def _render(row: OutboxMessage, _c: None, _r: Recipient, _n: datetime) -> Outgoing:
    return Outgoing(text=f"row {row.id}")


REGISTRY = build_registry([KindSpec(BroadcastPayload, _load, render=_render)])


async def test_a_row_held_past_its_lease_by_a_long_429_is_sent_once(harness: Harness) -> None:
    assert WAITED > LEASE
    sessions, api, start = harness.session_factory, harness.api, harness.clock.now
    await add_linked_delegates(sessions, ROWS, first_user_id=20_000)
    async with sessions() as session, session.begin():
        delegates = (await session.exec(select(Delegate))).all()
        rows = [
            outbox_row(
                BroadcastPayload(broadcast=1),
                f"l:{d.id}",
                now=start,
                due_at=start,
                delegate_id=d.id,
            )
            for d in delegates
        ]
        await session.exec(insert(OUTBOX_TABLE), params=rows)  # type: ignore[call-overload]
    for delegate in delegates:
        assert delegate.telegram_user_id is not None
        api.user(delegate.telegram_user_id).started = True
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    def clock() -> datetime:
        refused = sum(call.status == 429 for call in api.calls_to("sendMessage"))
        return start + WAITED * refused

    dispatcher = Dispatcher(
        session_factory=sessions,
        notifier=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
        zone=harness.settings.zone,
        clock=clock,
        owner="me",
        registry=REGISTRY,
    )
    await dispatcher.drain()

    sent = [m for m in api.sent_messages if (m.text or "").startswith("row ")]
    texts = [m.text for m in sent]
    assert sorted(set(texts)) == sorted(texts), "a row was sent twice"
    assert len(texts) == ROWS
    async with sessions() as session:
        outbox = (await session.exec(select(OutboxMessage))).all()
    assert {row.status for row in outbox} == {"sent"}
    assert not any(row.outcome_uncertain for row in outbox)
    assert all(row.attempts == 1 for row in outbox)
    assert sum(call.status == 429 for call in api.calls_to("sendMessage")) == 1
