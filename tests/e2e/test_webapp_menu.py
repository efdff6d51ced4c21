"""A chat's menus (the Mini App's button, the command menu): changed only through the
outbox, in the unit of work of the change (a link, a promotion, a language, an unlink),
and never sent twice for one state: a restart plans nothing, two processes plan one row."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from bot.db import create_engine, create_session_factory
from bot.migrate import upgrade
from bot.models import Council, Delegate, OutboxMessage
from bot.services.delegates.roster import RosterMenus, import_roster
from bot.services.menus import planning
from bot.services.menus.planning import Given, plan_menus
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.retention import purge_delivered
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.menu_sync import MenuSync
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import ADMIN_ID, TOKEN, Harness
from tests.e2e.net import wait_for_log
from tests.e2e.processes import bot_processes, logs
from tests.e2e.steps import dispatcher
from tests.e2e.test_onboarding import invite
from tests.factories import NOW, add_delegate, copy_rows
from tests.fakes import FakeBotApi
from tests.fakes.protocol import BotApiError, check_menu_button

URL = "https://bot.example.vn/app/"
CHAT_1001 = {"type": "chat", "chat_id": 1001}
HEADER = "code,full_name,council,level,unit,constituency,phone,role\n"


def button(api: FakeBotApi, chat_id: int) -> tuple[str, str] | None:
    found = api.menu_buttons.get(chat_id)
    if found is None:
        return None
    return (found.get("text", ""), found.get("web_app", {}).get("url", found["type"]))


async def menu_rows(harness: Harness) -> list[tuple[int | None, str, str | None]]:
    """(chat, status, planned button as stored) of every menu row, oldest first."""
    async with harness.session_factory() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.kind) == "menu_reset")
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [(r.chat_id, r.status, _stored(MenuResetPayload.unpack(r.payload))) for r in rows]


def _stored(payload: MenuResetPayload) -> str | None:
    return None if payload.button is None else payload.button.stored()


async def drain(harness: Harness) -> None:
    stats = await dispatcher(harness).drain()
    assert stats.failed == 0


def sync(harness: Harness) -> MenuSync:
    """The scheduler's job as a fresh process builds it (no memory of its own)."""
    return MenuSync(harness.settings, harness.session_factory, harness.clock)


def roster(tmp_path: Path, role: str) -> Path:
    path = tmp_path / f"roster-{role}.csv"
    path.write_text(
        HEADER + f"ML-001,Nguyễn Thị Hoa,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,{role}\n",
        encoding="utf-8",
    )
    return path


async def import_as(harness: Harness, tmp_path: Path, role: str) -> None:
    async with harness.session_factory() as session:
        result = await import_roster(
            session=session, path=roster(tmp_path, role), now=harness.clock(), dry_run=False,
            menus=RosterMenus(buttons=True, admin_ids=harness.settings.ADMIN_TELEGRAM_IDS),
        )  # fmt: skip
    assert result.problems == []


async def test_set_at_link_changed_at_promotion_and_language_removed_at_unlink(
    harness: Harness, tmp_path: Path
) -> None:
    harness.settings.WEBAPP_URL = URL
    await add_delegate(harness.session_factory, "ML-001")
    user = harness.api.user(1001)
    await user.send_and_wait(f"/start {await invite(harness, 'ML-001')}")
    # Planned with the link, in its transaction; nothing set by the handler itself.
    assert await menu_rows(harness) == [(1001, "pending", "delegate:vi")]
    assert harness.api.calls_to("setChatMenuButton") == []
    await drain(harness)
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)

    await import_as(harness, tmp_path, "secretary")  # a promotion
    await drain(harness)
    assert button(harness.api, 1001) == ("Bảng theo dõi", URL)

    await user.send_and_wait("/ngonngu en")
    await drain(harness)
    assert button(harness.api, 1001) == ("Dashboard", URL)

    await import_as(harness, tmp_path, "delegate")  # demoted: commands and button
    await drain(harness)
    assert button(harness.api, 1001) == ("My calendar", URL)
    assert harness.api.calls_to("deleteMyCommands")

    # Unlinked by other means (SQL): the sync job removes the button.
    async with harness.session_factory() as session, session.begin():
        await session.exec(update(Delegate).values(telegram_user_id=None))
    harness.api.user(ADMIN_ID)
    assert await sync(harness).refresh() == 2  # and the admin's, never given one yet
    await drain(harness)
    assert harness.api.menu_buttons[1001] == {"type": "default"}
    assert button(harness.api, ADMIN_ID) == ("Bảng theo dõi", URL)
    assert [state for chat, _status, state in await menu_rows(harness) if chat == 1001] == [
        "delegate:vi", "office:vi", "office:en", "delegate:en", "none",
    ]  # fmt: skip


async def test_a_restart_sends_nothing_again(harness: Harness) -> None:
    harness.settings.WEBAPP_URL = URL
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    await add_delegate(harness.session_factory, "ML-002", telegram_user_id=1002)
    await add_delegate(harness.session_factory, "ML-003", active=False, telegram_user_id=1003)
    for chat in (1001, 1002, 1003, ADMIN_ID):
        harness.api.user(chat)
    # The first run of a deployment: every linked chat and the admin, once.
    assert await sync(harness).refresh() == 3
    await drain(harness)
    assert button(harness.api, 1002) == ("Lịch của tôi", URL)
    assert button(harness.api, ADMIN_ID) == ("Bảng theo dõi", URL)
    assert button(harness.api, 1003) is None  # deactivated: never given one
    sets = len(harness.api.calls_to("setChatMenuButton"))

    for _restart in range(2):  # each a new process: no memory but the database's
        assert await sync(harness).refresh() == 0
        await drain(harness)
    assert len(harness.api.calls_to("setChatMenuButton")) == sets

    # Deactivated by other means: the button goes, once.
    async with harness.session_factory() as session, session.begin():
        await session.exec(
            update(Delegate).where(col(Delegate.code) == "ML-002").values(active=False)
        )
    assert await sync(harness).refresh() == 1
    assert await sync(harness).refresh() == 0
    await drain(harness)
    assert harness.api.menu_buttons[1002] == {"type": "default"}
    assert len(harness.api.calls_to("setChatMenuButton")) == sets + 1


async def test_without_webapp_url_no_button_is_set(harness: Harness, tmp_path: Path) -> None:
    """Only the command menus: the admin's at the first look, the promoted secretary's."""
    await add_delegate(harness.session_factory, "ML-001")
    await harness.api.user(1001).send_and_wait(f"/start {await invite(harness, 'ML-001')}")
    assert await menu_rows(harness) == []  # a delegate's link: the default menus
    harness.api.user(ADMIN_ID)
    assert await sync(harness).refresh() == 1
    assert await sync(harness).refresh() == 0
    async with harness.session_factory() as session:
        result = await import_roster(
            session=session, path=roster(tmp_path, "secretary"), now=harness.clock(),
            dry_run=False,
        )  # fmt: skip
    assert result.problems == []
    await drain(harness)
    assert await menu_rows(harness) == [(ADMIN_ID, "sent", None), (1001, "sent", None)]
    assert harness.api.calls_to("setChatMenuButton") == []
    assert "thongbao" in {c["command"] for c in harness.api.commands(CHAT_1001, "vi")}


@pytest.mark.parametrize(
    ("menu_button", "error"),
    [
        ({"type": "web_app", "text": "X", "web_app": {"url": "http://bot.example.vn/"}},
         "WEB_APP_URL_INVALID"),
        ({"type": "web_app", "text": " ", "web_app": {"url": URL}}, "BUTTON_TEXT_INVALID"),
        ({"type": "web_app", "text": "X"}, "web_app is required"),
        ({"type": "link", "text": "X"}, "can't parse menu button"),
    ],
)  # fmt: skip
async def test_the_fake_refuses_what_telegram_refuses(
    fake_api: FakeBotApi, menu_button: dict[str, object], error: str
) -> None:
    with pytest.raises(BotApiError) as refused:
        check_menu_button(menu_button, fake_api.spec)
    assert error in refused.value.description


async def test_an_http_mini_app_is_refused_over_the_wire(harness: Harness) -> None:
    harness.api.user(1001)
    with pytest.raises(BadRequest, match="Web_app_url_invalid"):
        await harness.application.bot.set_chat_menu_button(
            chat_id=1001,
            menu_button=MenuButtonWebApp("Lịch", WebAppInfo("http://bot.example.vn/app/")),
        )
    assert harness.api.menu_buttons == {}


@pytest.mark.slow  # starts python -m bot twice
async def test_restarting_run_sets_no_button_again(fake_api: FakeBotApi, tmp_path: Path) -> None:
    """Two `run`s one after the other: the first sets each linked chat's button once (its
    first look plans it), the second finds it planned in the outbox and sends nothing."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(database)
    await upgrade(engine)
    for number in range(3):
        await add_delegate(
            create_session_factory(engine), f"ML-00{number}", telegram_user_id=501 + number
        )
    await engine.dispose()
    for number in range(3):
        fake_api.user(501 + number)
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database,
        "TELEGRAM_API_URL": fake_api.root,
        "WEBAPP_URL": URL,
    }
    async with bot_processes(["run"], env=env, cwd=tmp_path) as (first,):
        await wait_for_log(first, "menus planned for 3 chats")
        await fake_api.wait_until(lambda: len(fake_api.menu_buttons) == 3, timeout=30)
        assert await first.terminate() == 0, logs([first])
    assert len(fake_api.calls_to("setChatMenuButton")) == 3
    (tmp_path / "again").mkdir()
    async with bot_processes(["run"], env=env, cwd=tmp_path / "again") as (second,):
        await wait_for_log(second, "menus planned for 0 chats")
        assert await second.terminate() == 0, logs([second])
    assert len(fake_api.calls_to("setChatMenuButton")) == 3


async def one_linked(harness: Harness, *, url: str | None = URL) -> None:
    harness.settings.WEBAPP_URL = url
    harness.settings.ADMIN_TELEGRAM_IDS = frozenset()
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    harness.api.user(1001)


async def test_a_button_that_failed_is_planned_again(harness: Harness) -> None:
    await one_linked(harness)
    harness.api.fail_next("setChatMenuButton", 400, "Bad Request: BUTTON_TEXT_INVALID")
    assert await sync(harness).refresh() == 1
    assert (await dispatcher(harness).drain()).failed == 1
    assert await menu_rows(harness) == [(1001, "failed", "delegate:vi")]
    assert await sync(harness).refresh() == 0  # not at once: the first wait is 10 minutes
    harness.clock.advance(planning.FAILED_RETRY)
    assert await sync(harness).refresh() == 1  # the failed row gave nothing
    await drain(harness)
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)
    assert await sync(harness).refresh() == 0


async def test_a_chat_that_blocked_the_bot_is_tried_again_a_week_later(harness: Harness) -> None:
    await one_linked(harness)
    harness.api.fail_next("setChatMenuButton", 403, "Forbidden: bot was blocked by the user")
    assert await sync(harness).refresh() == 1
    assert (await dispatcher(harness).drain()).failed == 1
    assert await sync(harness).refresh() == 0
    harness.clock.advance(timedelta(days=6))
    assert await sync(harness).refresh() == 0
    assert len(await menu_rows(harness)) == 1
    harness.clock.advance(timedelta(days=1, minutes=1))  # a week on: tried again
    assert await sync(harness).refresh() == 1
    await drain(harness)
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)


async def test_two_processes_planning_one_change_write_one_row(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``run`` processes see the same change: the second looked before the first
    committed (its view of the outbox is stale), and the outbox's unique key settles it."""
    await one_linked(harness)
    async with harness.session_factory() as first:
        assert await plan_menus(session=first, chats=[1001], now=harness.clock()) == 1
        await first.commit()

    async def stale(session: AsyncSession, chats: object = None) -> dict[int, Given]:
        return {}  # what the second process read before the first committed

    monkeypatch.setattr(planning, "given_menus", stale)
    harness.clock.advance(timedelta(seconds=1))  # another instant: the same key still
    async with harness.session_factory() as second:
        assert await plan_menus(session=second, chats=[1001], now=harness.clock()) == 0
        await second.commit()
    assert await menu_rows(harness) == [(1001, "pending", "delegate:vi")]


async def test_two_planners_racing_on_postgresql_write_one_row(pg_engine: AsyncEngine) -> None:
    """Both look before either commits; the second's insert waits for the first, then
    finds its key taken."""
    sessions = create_session_factory(pg_engine)
    await add_delegate(sessions, "ML-001", telegram_user_id=1001)
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    async with sessions() as first, sessions() as second:
        assert await plan_menus(session=first, chats=[1001], now=now) == 1
        late = asyncio.create_task(plan_menus(session=second, chats=[1001], now=now))
        async with sessions() as watch:  # until the second waits on the first's row
            for _ in range(500):
                waiting = await watch.exec(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                )
                if waiting.scalar_one():
                    break
                await watch.rollback()
                await asyncio.sleep(0.01)
            else:
                pytest.fail("the second planner never waited for the first")
        await first.commit()
        assert await late == 0
        await second.commit()
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert [(row.chat_id, row.kind) for row in rows] == [(1001, "menu_reset")]


async def test_a_process_without_webapp_url_fails_the_button_and_it_is_planned_again(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A sender without ``WEBAPP_URL`` fails the row (so the button is not taken for
    given), warns once, and the looks wait longer each time until a sender has it."""
    await one_linked(harness)
    await add_delegate(harness.session_factory, "ML-002", telegram_user_id=1002)
    harness.api.user(1002)
    sender = Dispatcher(
        session_factory=harness.session_factory,
        # No WEBAPP_URL in this process:
        notifier=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
        zone=harness.settings.zone, clock=harness.clock, owner="other",
        registry=registry_for(harness.settings.SECRETARIAT_NAME),
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="jobs.telegram_notifier"):
        for wait in (10, 20, 40):  # minutes, after the first failed row, the second …
            assert await sync(harness).refresh() == 2
            assert (await sender.drain()).failed == 2
            harness.clock.advance(timedelta(minutes=wait - 1))
            assert await sync(harness).refresh() == 0  # not yet
            harness.clock.advance(timedelta(minutes=1))
    warnings = [r for r in caplog.records if "WEBAPP_URL is not set" in r.getMessage()]
    assert len(warnings) == 1  # one a process, not one a row
    assert harness.api.calls_to("setChatMenuButton") == []
    assert [status for _chat, status, _state in await menu_rows(harness)] == ["failed"] * 6
    assert await sync(harness).refresh() == 2
    await drain(harness)  # a sender with WEBAPP_URL
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)
    assert button(harness.api, 1002) == ("Lịch của tôi", URL)


async def test_the_purge_keeps_each_chats_last_menu_row(harness: Harness) -> None:
    """Sent rows go after 400 days, but not the one that says what a chat's menus are:
    a year later, a look plans nothing again."""
    await one_linked(harness)
    assert await sync(harness).refresh() == 1
    await drain(harness)
    async with harness.session_factory() as session, session.begin():
        await session.exec(update(Delegate).values(language="en"))
    assert await sync(harness).refresh() == 1
    await drain(harness)
    later = harness.clock() + timedelta(days=800)
    async with harness.session_factory() as session, session.begin():
        assert await purge_delivered(session=session, now=later) == 1
    assert await menu_rows(harness) == [(1001, "sent", "delegate:en")]
    harness.clock.advance(timedelta(days=800))
    assert await sync(harness).refresh() == 0


async def test_the_sync_plans_more_linked_chats_than_postgres_takes_parameters(
    pg_engine: AsyncEngine,
) -> None:
    """asyncpg takes at most 32,767 parameters: a look over every linked chat names none."""
    many = 33_500
    async with pg_engine.begin() as connection:
        council_id = (
            await connection.execute(
                insert(Council.__table__).returning(Council.__table__.c.id),  # type: ignore[attr-defined]
                {"code": "HDND-ML", "name": "HĐND ML", "created_at": NOW},
            )
        ).scalar_one()
    await copy_rows(
        pg_engine,
        Delegate.__table__,  # type: ignore[attr-defined]
        [
            {
                "code": f"ML-{n:05d}",
                "full_name": f"Đại biểu {n}",
                "council_id": council_id,
                "level": "commune",
                "role": "delegate",
                "active": True,
                "reachable": True,
                "telegram_user_id": 10_000 + n,
                "language": "vi",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(many)
        ],
    )
    factory = create_session_factory(pg_engine)
    admins = frozenset({ADMIN_ID})
    async with factory() as session, session.begin():
        assert await planning.sync_menus(session=session, now=NOW, admin_ids=admins) == many + 1
    async with factory() as session, session.begin():
        assert await planning.sync_menus(session=session, now=NOW, admin_ids=admins) == 0


async def test_a_removed_admins_pending_row_draws_what_they_are_now(harness: Harness) -> None:
    """The sender reads the admins from its settings, as the looks do, not from the
    row: an admin removed before the row goes out gets a delegate's menus."""
    harness.settings.WEBAPP_URL = URL
    harness.settings.ADMIN_TELEGRAM_IDS = frozenset({ADMIN_ID})
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=ADMIN_ID)
    harness.api.user(ADMIN_ID)
    assert await sync(harness).refresh() == 1
    assert await menu_rows(harness) == [(ADMIN_ID, "pending", "office:vi")]
    harness.settings.ADMIN_TELEGRAM_IDS = frozenset()  # removed before it goes out
    await drain(harness)
    assert button(harness.api, ADMIN_ID) == ("Lịch của tôi", URL)
    assert harness.api.commands({"type": "chat", "chat_id": ADMIN_ID}, "vi") == []
    # The row remembers what was planned: the next look plans what is drawn already.
    assert await sync(harness).refresh() == 1
    await drain(harness)
    assert button(harness.api, ADMIN_ID) == ("Lịch của tôi", URL)
    assert await sync(harness).refresh() == 0
