"""A standby that wins the sender role in another job drains at once, not at the next
safety tick (which is ``DISPATCH_INTERVAL`` away, 10 s by default)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from telegram import Bot

from bot.config import Settings
from bot.telegram.menus import secretariat_menu
from jobs.scheduler import JobRunner

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


class _Election:
    """The PostgreSQL election as the runner sees it: the lock held or not."""

    single_process = False

    def __init__(self, wins: bool) -> None:
        self.holding = False
        self._wins = wins

    async def is_sender(self) -> bool:
        self.holding = self.holding or self._wins
        return self.holding


async def _runner_with(election: _Election) -> tuple[JobRunner, object]:
    engine = create_async_engine("sqlite+aiosqlite://")
    runner = JobRunner(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        engine=engine,
        session_factory=async_sessionmaker(engine, class_=AsyncSession),
        bot=Bot("123:ABC"),
        clock=lambda: NOW,
        secretariat_menu=secretariat_menu,
    )
    runner._election = election  # type: ignore[assignment]
    runner._sending = True
    return runner, engine


async def test_winning_the_lock_outside_the_tick_wakes_the_dispatcher() -> None:
    runner, engine = await _runner_with(_Election(wins=True))
    try:
        assert runner._scheduler.get_job("wake") is None
        assert await runner._is_sender()
        assert runner._scheduler.get_job("wake") is not None
        runner._scheduler.remove_job("wake")
        assert await runner._is_sender()  # held already: no second wake
        assert runner._scheduler.get_job("wake") is None
    finally:
        await engine.dispose()  # type: ignore[attr-defined]


async def test_losing_the_campaign_wakes_nothing() -> None:
    runner, engine = await _runner_with(_Election(wins=False))
    try:
        assert not await runner._is_sender()
        assert runner._scheduler.get_job("wake") is None
    finally:
        await engine.dispose()  # type: ignore[attr-defined]
