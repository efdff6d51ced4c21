"""A stop while Telegram does not answer: the dispatcher claims nothing more once asked to
stop, and a stop cut short ends the requests to Telegram, never a database write (a write
cancelled halfway left SQLite locked, so the rows could not be handed back: issue 18).

Each case runs with more rows due than a batch (the feeder waits for room) and with fewer
(every row claimed at once, the feeder waits for the held rows to be recorded)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import Bot

from bot.config import Settings
from bot.db import SessionFactory, create_engine, create_session_factory, utcnow
from bot.models import OutboxMessage
from bot.services.outbox.rows import Delivered, OutboxKind, Outgoing, SendResult, release_leases
from bot.telegram.menus import secretariat_menu
from jobs.dispatch_queue import CUT, unless_set
from jobs.dispatcher import BATCH_SIZE, CONCURRENCY, Dispatcher
from jobs.scheduler import JobRunner
from tests.e2e.conftest import TOKEN
from tests.e2e.seeding import owe_reminders
from tests.fakes import FakeBotApi
from tests.jobs.test_dispatch_pipeline import NOW, REGISTRY, ZONE, delegate_ids, queue

ROWS = 60
FEW = 20
"""Fewer rows than a batch: all claimed at once, the next claim comes back empty."""
assert FEW < BATCH_SIZE < ROWS
assert CONCURRENCY < FEW  # some groups are still queued when the senders are cut short
ROW_COUNTS = pytest.mark.parametrize("rows", [ROWS, FEW], ids=["more-than-a-batch", "fewer"])


class StuckTelegram:
    """Sends wait until ``answer`` is set (never, unless a test says so)."""

    def __init__(self) -> None:
        self.answer = asyncio.Event()
        self.waiting = 0
        self.cancelled = 0
        self.sent: list[str] = []
        self._changed = asyncio.Event()

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        self.waiting += 1
        self._changed.set()
        try:
            await self.answer.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.waiting -= 1
        self.sent.append(message.text)
        return Delivered(len(self.sent))

    async def until_waiting(self, count: int) -> None:
        while self.waiting < count:
            self._changed.clear()
            await self._changed.wait()


async def statuses(sessions: SessionFactory) -> Counter[tuple[str, bool, str | None]]:
    """(status, outcome_uncertain, lease_owner) of every row (compared with a ``Counter``, so
    an expected count of 0 matches no row)."""
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return Counter((row.status, row.outcome_uncertain, row.lease_owner) for row in rows)


async def stuck_drain(
    sessions: SessionFactory, rows: int
) -> tuple[Dispatcher, StuckTelegram, asyncio.Task[object]]:
    """A drain of ``rows`` rows (one per delegate) whose every sender waits for Telegram."""
    await queue(sessions, OutboxKind.broadcast, await delegate_ids(sessions, rows), NOW)
    telegram = StuckTelegram()
    dispatcher = Dispatcher(session_factory=sessions, notifier=telegram, zone=ZONE,
                            clock=lambda: NOW, owner="me", registry=REGISTRY)  # fmt: skip
    drain: asyncio.Task[object] = asyncio.create_task(dispatcher.drain())
    await asyncio.wait_for(telegram.until_waiting(CONCURRENCY), 10)
    claimed = min(rows, BATCH_SIZE)
    assert await statuses(sessions) == Counter(
        {
            ("sending", False, "me"): claimed,
            ("pending", False, None): rows - claimed,
        }
    )
    return dispatcher, telegram, drain


@ROW_COUNTS
async def test_a_stop_claims_nothing_more_once_the_sends_free_room(
    session_factory: SessionFactory, rows: int
) -> None:
    dispatcher, telegram, drain = await stuck_drain(session_factory, rows)
    dispatcher.stop()
    telegram.answer.set()  # Telegram answers again: what was claimed goes out, room frees up
    await asyncio.wait_for(drain, 10)
    claimed = min(rows, BATCH_SIZE)
    assert len(telegram.sent) == claimed  # a plain stop sends all it holds
    assert await statuses(session_factory) == Counter(
        {
            ("sent", False, None): claimed,
            ("pending", False, None): rows - claimed,  # never claimed after the stop
        }
    )


@ROW_COUNTS
async def test_a_stop_cut_short_ends_the_requests_and_records_them_as_uncertain(
    session_factory: SessionFactory, rows: int
) -> None:
    dispatcher, telegram, drain = await stuck_drain(session_factory, rows)
    dispatcher.stop()
    await asyncio.sleep(0.05)  # the stop alone does not end a send
    assert not drain.done()
    dispatcher.cut_short()
    await asyncio.wait_for(drain, 5)  # ends by itself: nothing had to be cancelled
    assert not drain.cancelled()
    assert telegram.cancelled == CONCURRENCY
    assert telegram.sent == []
    claimed = min(rows, BATCH_SIZE)
    assert await statuses(session_factory) == Counter(
        {
            # The requests cut short may have arrived: pending again, flagged.
            ("pending", True, None): CONCURRENCY,
            # Claimed, never handed to Telegram: still leased, for the runner to hand back.
            ("sending", False, "me"): claimed - CONCURRENCY,
            ("pending", False, None): rows - claimed,
        }
    )


@ROW_COUNTS
async def test_a_cut_drain_ends_by_itself_and_only_the_cut_sends_are_flagged(
    session_factory: SessionFactory, rows: int
) -> None:
    """Stop and cut at once, as :meth:`JobRunner.stop` does once its bound has passed: the
    drain ends without being cancelled (so the runner hands the rest back as never sent),
    and the rows handed back are not flagged as possibly delivered."""
    dispatcher, telegram, drain = await stuck_drain(session_factory, rows)
    dispatcher.stop()
    dispatcher.cut_short()
    await asyncio.wait_for(drain, 3)  # with fewer rows than a batch it used to hang
    assert not drain.cancelled()
    assert telegram.cancelled == CONCURRENCY
    assert telegram.waiting == 0  # no sender started another request
    async with session_factory() as session, session.begin():  # what the runner does next
        handed_back = await release_leases(session=session, owner="me", now=NOW, uncertain=False)
    claimed = min(rows, BATCH_SIZE)
    assert handed_back == claimed - CONCURRENCY
    assert telegram.sent == []
    assert await statuses(session_factory) == Counter(
        {
            ("pending", True, None): CONCURRENCY,  # only the requests cut short
            ("pending", False, None): rows - CONCURRENCY,  # never given to Telegram
        }
    )


async def test_work_that_returns_none_is_not_taken_for_a_cut() -> None:
    """The dispatcher records a send as cut short only when :func:`unless_set` says the
    event came first, never because the work itself returned ``None``."""

    async def nothing() -> None:
        return None

    event = asyncio.Event()
    assert await unless_set(event, nothing()) is None
    never = asyncio.Event()
    asyncio.get_running_loop().call_soon(event.set)  # once the work is under way
    assert await unless_set(event, never.wait()) is CUT
    assert await unless_set(event, nothing()) is CUT  # already set: not even started


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_test_bot") as server:
        yield server


async def test_the_runner_stop_with_fewer_rows_than_a_batch_hands_back_unflagged(
    tmp_path: Path, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """What the hang cost (:meth:`JobRunner.stop`): the drain had to be cancelled, so the
    stop took its full bound and every row it held was flagged as possibly delivered."""
    database = tmp_path / "bot.db"
    users = await owe_reminders(database, FEW, first_user_id=82_000)
    for user_id in users:
        fake_api.user(user_id).started = True
    fake_api.delay("sendMessage", 60)  # Telegram takes the requests and never answers
    url = f"sqlite+aiosqlite:///{database}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN, DATABASE_URL=url, TELEGRAM_API_URL=fake_api.root, QUIET_HOURS="off",
    )  # fmt: skip
    engine = create_engine(url)
    caplog.set_level(logging.INFO, logger="jobs.scheduler")
    try:
        async with Bot(TOKEN, base_url=f"{fake_api.root}/bot") as bot:
            jobs = JobRunner(settings=settings, engine=engine, bot=bot, clock=utcnow,
                             session_factory=create_session_factory(engine),
                             secretariat_menu=secretariat_menu)  # fmt: skip
            jobs.start()
            await fake_api.wait_until(
                lambda: len(fake_api.calls_to("sendMessage")) >= CONCURRENCY, timeout=30
            )
            await jobs.stop(timeout=0.5)
        sessions = create_session_factory(engine)
        after = await statuses(sessions)
    finally:
        await engine.dispose()
    log = caplog.text
    assert "cutting them short" in log
    assert "cancelling them" not in log  # the drain ended once its sends were cut short
    assert after == Counter(
        {
            ("pending", True, None): CONCURRENCY,  # the requests cut short: flagged
            ("pending", False, None): FEW - CONCURRENCY,  # never given to Telegram
        }
    )
