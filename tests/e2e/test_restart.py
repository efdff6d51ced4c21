"""A dispatcher killed in the middle of 500 due reminders: nothing lost after a restart."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, func, select

from bot.models import OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import take_over_leases
from bot.services.schedule.imports import import_schedule
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import Harness
from tests.factories import add_linked_delegates, in_session

REMINDERS = 500
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def count(harness: Harness, status: str) -> int:
    async with harness.session_factory() as session:
        return (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == status)
            )
        ).one()


async def test_crash_mid_dispatch_then_restart_delivers_everything(
    harness: Harness, tmp_path: Path
) -> None:
    harness.clock.now = START
    users = await add_linked_delegates(harness.session_factory, REMINDERS, first_user_id=50_000)
    for user_id in users:
        harness.api.user(user_id).started = True
    path = tmp_path / "s.csv"
    path.write_text(
        "kind,title,starts_at,ends_at,location,council,delegates\n"
        "other,Hội nghị,2026-12-01 14:00,2026-12-01 16:00,Hội trường,HDND-ML,all\n",
        encoding="utf-8",
    )
    async with harness.session_factory() as session:
        await import_schedule(
            session=session,
            path=path,
            now=START,
            zone=harness.settings.zone,
            dry_run=False,
        )
    policy = ReminderPolicy(
        offsets={"other": (timedelta(days=1),)}, quiet=None, zone=harness.settings.zone
    )
    await in_session(harness.session_factory, plan_outbox, policy=policy, now=START)
    assert await count(harness, "pending") == REMINDERS

    def dispatcher(owner: str) -> Dispatcher:
        return Dispatcher(
            session_factory=harness.session_factory,
            notifier=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
            zone=harness.settings.zone,
            clock=harness.clock,
            owner=owner,
            registry=registry_for(harness.settings.SECRETARIAT_NAME),
        )

    first = asyncio.create_task(dispatcher("first-process").drain())
    await harness.api.wait_until(lambda: len(harness.api.sent_messages) >= 150, timeout=30)
    first.cancel()  # the process dies: no cleanup, leases stay with it
    await asyncio.gather(first, return_exceptions=True)
    in_flight = await count(harness, "sending")
    delivered_before = len(harness.api.sent_messages)

    # the restarted process takes over the dead one's leases, then drains
    await in_session(harness.session_factory, take_over_leases, owner="second", now=START)
    stats = await dispatcher("second-process").drain()

    received = Counter(m.chat_id for m in harness.api.sent_messages)
    duplicates = sum(n - 1 for n in received.values())
    async with harness.session_factory() as session:
        uncertain = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.outcome_uncertain).is_(True))
            )
        ).one()
    print(
        f"\n{delivered_before} delivered before the crash, {in_flight} in flight, "
        f"{stats.messages} after the restart, {duplicates} duplicates, {uncertain} uncertain"
    )
    assert set(received) == set(users)  # every reminder was delivered
    assert await count(harness, "sent") == REMINDERS
    assert duplicates <= in_flight
    assert uncertain == in_flight  # every possible duplicate is flagged
    assert harness.api.max_sends_in_window(1.0) <= 30
