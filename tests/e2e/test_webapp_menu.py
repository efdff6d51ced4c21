"""A chat's menus (the Mini App's button, the command menu): changed only through the
outbox, in the unit of work of the change (a link, a promotion, a language, an unlink),
and never sent twice for one state: a restart plans nothing, two processes plan one row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from telegram import MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from bot.db import create_engine, create_session_factory
from bot.migrate import upgrade
from bot.models import Delegate, OutboxMessage
from bot.services.delegates.roster import RosterMenus, import_roster
from bot.services.menus.planning import MenuSync
from bot.services.outbox.payloads import MenuResetPayload
from tests.e2e.conftest import ADMIN_ID, TOKEN, Harness
from tests.e2e.net import wait_for_log
from tests.e2e.processes import bot_processes, logs
from tests.e2e.steps import dispatcher
from tests.e2e.test_onboarding import invite
from tests.factories import add_delegate
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
