"""Steps shared by the e2e tests: a linked delegate, a schedule, the scheduler's loop."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import next_due_at
from bot.services.schedule.imports import import_schedule
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import Harness
from tests.factories import add_delegate, in_session
from tests.fakes import FakeUser

HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 10:00 local


def dispatcher(harness: Harness, owner: str = "test") -> Dispatcher:
    return Dispatcher(
        session_factory=harness.session_factory,
        notifier=TelegramNotifier(
            harness.application.bot,
            webapp_url=harness.settings.WEBAPP_URL,
            secretariat_menu=secretariat_menu,
        ),
        zone=harness.settings.zone,
        clock=harness.clock,
        owner=owner,
        registry=registry_for(
            harness.settings.SECRETARIAT_NAME, harness.settings.ADMIN_TELEGRAM_IDS
        ),
    )


async def linked_delegate(
    harness: Harness, code: str = "ML-001", user_id: int = 1001, **fields: str
) -> FakeUser:
    """A delegate linked to a Telegram user who has started the bot; clock at START."""
    harness.clock.now = START
    await add_delegate(harness.session_factory, code, telegram_user_id=user_id, **fields)  # type: ignore[arg-type]
    user = harness.api.user(user_id)
    user.started = True
    return user


async def schedule(harness: Harness, tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    async with harness.session_factory() as session:
        result = await import_schedule(
            session=session,
            path=path,
            now=harness.clock(),
            zone=harness.settings.zone,
            dry_run=False,
        )
    assert result.problems == []


async def run_until(harness: Harness, policy: ReminderPolicy, end: datetime) -> None:
    """Moves the clock from due time to due time, draining at each, as the scheduler would."""
    worker = dispatcher(harness)
    while True:
        await in_session(harness.session_factory, plan_outbox, policy=policy, now=harness.clock())
        await worker.drain()
        following = await in_session(harness.session_factory, next_due_at)
        if following is None or following > end:
            return
        harness.clock.now = max(following, harness.clock.now)
