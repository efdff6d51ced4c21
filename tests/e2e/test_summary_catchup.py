"""The secretariat's daily summary is planned in the database by the 5-minute planner,
not by an in-memory 07:30 job: a process that was down (or failing over) at 07:30 still
sends the day's summary once, and a day that passed entirely is folded into the next."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from bot.telegram.menus import secretariat_menu
from jobs.scheduler import JobRunner
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.factories import add_delegate
from tests.fakes import FakeUser

SECRETARY_ID = 5001


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in Hà Nội (UTC+7)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
async def runners(harness: Harness, engine: AsyncEngine) -> AsyncIterator[Callable[[], JobRunner]]:
    """Makes job runners (one per "process start") on the harness's clock and bot."""
    made: list[JobRunner] = []

    def make() -> JobRunner:
        runner = JobRunner(
            settings=harness.settings,
            engine=engine,
            session_factory=harness.session_factory,
            bot=harness.application.bot,
            clock=harness.clock,
            secretariat_menu=secretariat_menu,
        )
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop(timeout=1)


async def secretary(harness: Harness) -> FakeUser:
    await add_delegate(
        harness.session_factory, "VP-1", role="secretary", telegram_user_id=SECRETARY_ID
    )
    harness.api.user(ADMIN_ID).started = True
    user = harness.api.user(SECRETARY_ID)
    user.started = True
    return user


async def failure(harness: Harness, at: datetime, code: str) -> None:
    """A message to delegate ``code`` that could not be delivered at ``at``."""
    delegate = await add_delegate(harness.session_factory, code, telegram_user_id=None)
    async with harness.session_factory() as session, session.begin():
        session.add(
            OutboxMessage(
                kind=OutboxKind.reminder.value,
                dedupe_key=f"failed:{code}",
                delegate_id=delegate.id,
                due_at=at,
                status=OutboxStatus.failed.value,
                last_error="not linked",
                payload="{}",
                created_at=at,
                updated_at=at,
            )
        )


async def summaries(harness: Harness) -> list[OutboxMessage]:
    async with harness.session_factory() as session:
        return list(
            (
                await session.exec(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.kind) == OutboxKind.summary.value)
                    .order_by(col(OutboxMessage.id))
                )
            ).all()
        )


async def secretary_row_key(harness: Harness, day: str) -> str:
    async with harness.session_factory() as session:
        found = (await session.exec(select(Delegate).where(Delegate.code == "VP-1"))).one()
    return f"s{found.id}:{day}"


async def test_a_process_started_after_0730_sends_the_days_summary_once(
    harness: Harness, runners: Callable[[], JobRunner]
) -> None:
    user = await secretary(harness)
    await failure(harness, local(1, 15), "ML-001")
    harness.clock.now = local(2, 9, 10)  # down at 07:30, up again at 09:10

    await runners().plan()

    rows = await summaries(harness)
    assert {row.dedupe_key for row in rows} == {
        await secretary_row_key(harness, "2026-12-02"),
        f"admin{ADMIN_ID}:2026-12-02",
    }
    assert {row.status for row in rows} == {OutboxStatus.sent.value}
    (message,) = user.messages
    assert "1 tin không gửi được" in (message.text or "")

    harness.clock.advance(timedelta(minutes=5))
    await runners().plan()  # the next run, and a restarted process: nothing more
    assert len(await summaries(harness)) == 2
    assert len(user.messages) == 1
    assert len(harness.api.user(ADMIN_ID).messages) == 1


async def test_no_summary_before_0730_nor_once_quiet_hours_begin(
    harness: Harness, runners: Callable[[], JobRunner]
) -> None:
    user = await secretary(harness)
    await failure(harness, local(1, 15), "ML-001")
    runner = runners()
    for moment in (local(2, 7, 25), local(2, 21, 5), local(2, 23, 55)):
        harness.clock.now = moment
        await runner.plan()
    assert await summaries(harness) == []
    assert user.messages == []


async def test_a_day_passed_while_down_is_folded_into_the_next_summary(
    harness: Harness, runners: Callable[[], JobRunner]
) -> None:
    user = await secretary(harness)
    await failure(harness, local(1, 15), "ML-001")
    harness.clock.now = local(2, 7, 30)
    await runners().plan()
    assert len(user.messages) == 1

    await failure(harness, local(2, 20), "ML-002")  # then down until the 4th, 08:00
    harness.clock.now = local(4, 8)
    await runners().plan()

    keys = {row.dedupe_key for row in await summaries(harness)}
    secretary_keys = {key for key in keys if key.startswith("s")}
    assert secretary_keys == {
        await secretary_row_key(harness, "2026-12-02"),
        await secretary_row_key(harness, "2026-12-04"),
    }  # nothing for the 3rd, which passed while no process ran
    first, second = (message.text or "" for message in user.messages)
    assert "1 tin không gửi được" in first
    # The evening's failure is not lost, and the one already told is not told again.
    assert "1 tin không gửi được" in second
