"""PostgreSQL cut in the middle of a 30-recipient broadcast (issue 18, item 4).

The jobs run as in ``run`` (the real scheduler, sender election, wake-ups, dispatcher and
progress job, the bounded engine) against PostgreSQL behind a TCP proxy the test cuts:
every connection closed, new ones refused, then restored. Every copy must be delivered
once the database is back, none twice, the next runs of the jobs must resume (no job
left hanging), and the log must say it in two lines: one when the outage begins, one
when it ends. Short bounds and a short safety tick stand in for the defaults.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.config import Settings
from bot.db import DatabaseBounds, create_engine, create_session_factory, utcnow
from bot.db_watch import DatabaseWatch, is_unreachable
from bot.domain.broadcasts import Target, TargetKind
from bot.services.broadcasts.drafts import confirm_broadcast, create_draft, resolve_council
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import CONCURRENCY
from jobs.scheduler import JobRunner
from tests.db_proxy import DatabaseProxy
from tests.e2e.conftest import TOKEN
from tests.factories import add_linked_delegates, in_session
from tests.fakes import FakeBotApi

RECIPIENTS = 30
FIRST_USER_ID = 40_000
ADMIN = 49_999
BOUNDS = DatabaseBounds(connect=1.0, statement=2.0, pool=1.0)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="hdnd_test_bot") as server:
        yield server


@pytest.fixture
async def proxy(postgres_database_url: str) -> AsyncIterator[DatabaseProxy]:
    proxy = DatabaseProxy(postgres_database_url)
    await proxy.start()
    yield proxy
    await proxy.close()


async def confirm_broadcast_to_all(pg_engine: AsyncEngine, fake_api: FakeBotApi) -> list[int]:
    """A notice to every delegate of a council of 30, confirmed: 30 copies due now."""
    sessions = create_session_factory(pg_engine)
    users = await add_linked_delegates(sessions, RECIPIENTS, first_user_id=FIRST_USER_ID)
    for user_id in users:
        fake_api.user(user_id).started = True
    notice = await fake_api.user(ADMIN).send("Giấy mời kỳ họp thứ 5 & tài liệu")
    council = await in_session(sessions, resolve_council, reach=None, code="HDND-ML", home=None)
    assert council is not None
    now = utcnow()
    broadcast = await in_session(
        sessions, create_draft, council_id=council.id, created_by=ADMIN,
        target=Target(TargetKind.all), source_chat_id=ADMIN,
        source_message_id=notice["message_id"], deadline=None, now=now,
    )  # fmt: skip
    confirmed = await in_session(
        sessions, confirm_broadcast, broadcast_id=broadcast.id, progress_chat_id=None,
        progress_message_id=None, now=now,
    )  # fmt: skip
    assert confirmed is not None
    assert confirmed.queued == RECIPIENTS
    return users


async def wait_for(what: str, condition: object, timeout: float) -> float:  # noqa: ASYNC109
    """Seconds until ``condition()`` (sync or async) holds; fails after ``timeout``."""
    began = time.monotonic()
    while True:
        result = condition()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("cut_after", [3, 0], ids=["mid-send", "before-the-claim"])
async def test_cut_mid_broadcast_everything_delivered_once(
    pg_engine: AsyncEngine,
    proxy: DatabaseProxy,
    fake_api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    cut_after: int,
) -> None:
    users = await confirm_broadcast_to_all(pg_engine, fake_api)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN, DATABASE_URL=proxy.url(), TELEGRAM_API_URL=fake_api.root,
        QUIET_HOURS="off",
    )  # fmt: skip
    engine = create_engine(proxy.url(), BOUNDS)
    watch = DatabaseWatch()
    watch.observe(engine)
    fake_api.delay("copyMessage", 0.25)  # the sends are under way when the cut comes

    def copies() -> Counter[int]:
        return Counter(m.chat_id for m in fake_api.sent_messages if m.method == "copyMessage")

    async def all_recorded() -> bool:
        unsent = "SELECT count(*) FROM outbox WHERE status <> 'sent'"
        return set(copies()) == set(users) and await _count(pg_engine, unsent) == 0

    caplog.set_level(logging.INFO)
    async with Bot(TOKEN, base_url=f"{fake_api.root}/bot") as bot:
        jobs = JobRunner(
            settings=settings, engine=engine, session_factory=create_session_factory(engine),
            bot=bot, clock=utcnow, safety_interval=timedelta(seconds=2), watch=watch,
            secretariat_menu=secretariat_menu,
        )  # fmt: skip
        if not cut_after:
            await proxy.cut()
        jobs.start()
        try:
            if cut_after:
                await wait_for("the first copies", lambda: len(copies()) >= cut_after, timeout=30)
                await proxy.cut()
            at_cut = len(copies())
            await wait_for("the outage noticed", lambda: not watch.reachable, timeout=30)
            await asyncio.sleep(3)  # the cut lasts a few ticks of the jobs
            await proxy.restore()
            back = await wait_for("every copy delivered and recorded", all_recorded, timeout=60)
        finally:
            await jobs.stop(timeout=5)
            await engine.dispose()
    received = copies()
    uncertain = await _count(pg_engine, "SELECT count(*) FROM outbox WHERE outcome_uncertain")
    # APScheduler says so when a tick is still draining at the next one (2 s here).
    # The bot's own lines: a library's (SQLAlchemy's garbage-collector notice about another
    # test's connection) can land in any test.
    log = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and "skipped" not in r.msg
        and r.name.startswith(("bot.", "jobs."))
    ]
    print(
        f"\ncut after {at_cut} copies; all {len(received)} delivered {back:.1f} s after the "
        f"return; duplicates {sum(received.values()) - len(received)}; uncertain "
        f"{uncertain}; warnings:",
        *(f"  {r.name}: {r.getMessage()}" for r in log),
        sep="\n",
    )
    assert set(received) == set(users)
    assert max(received.values()) == 1  # the outcomes waited in memory: nothing sent twice
    assert uncertain == 0
    messages = [record.getMessage() for record in caplog.records]
    assert sum("database unreachable" in message for message in messages) == 1, messages
    assert sum("database back after" in message for message in messages) == 1, messages
    assert not [r for r in caplog.records if r.exc_info], "no traceback for an outage"
    # The outage, the sender lock lost with its connection, the return: not one per row.
    # Besides, a commit the cut interrupted after the server wrote it (its answer lost) is
    # found written when the kept outcome is written again: said once for that commit,
    # and each of the CONCURRENCY senders may have had one in flight when the cut came.
    lost_answer = [r for r in log if "lost the lease on outbox rows" in r.getMessage()]
    assert len(lost_answer) <= CONCURRENCY, [r.getMessage() for r in log]
    assert all("(0 of 1 written)" in r.getMessage() for r in lost_answer)
    assert len(log) - len(lost_answer) <= 3, [r.getMessage() for r in log]
    assert back < 15


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


async def test_bounded_engine_sets_the_statement_timeout(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url, BOUNDS)
    try:
        async with engine.connect() as connection:
            shown = (await connection.execute(text("SHOW statement_timeout"))).scalar_one()
            with pytest.raises(DBAPIError, match="statement timeout") as raised:
                await connection.execute(text("SELECT pg_sleep(5)"))
    finally:
        await engine.dispose()
    assert shown == "2s"
    assert is_unreachable(raised.value)  # a statement cut short ends the job like an outage
