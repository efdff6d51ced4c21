"""The Mini App's menu button: set when a user links, changed when their role changes."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col
from telegram import MenuButtonWebApp, WebAppInfo
from telegram.error import BadRequest

from bot.models import Delegate
from bot.telegram.webapp_menu import MenuButtons
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.test_onboarding import invite
from tests.factories import add_delegate
from tests.fakes import FakeBotApi
from tests.fakes.protocol import BotApiError, check_menu_button

URL = "https://bot.example.vn/app/"


def button(api: FakeBotApi, chat_id: int) -> tuple[str, str] | None:
    found = api.menu_buttons.get(chat_id)
    return (found["text"], found["web_app"]["url"]) if found is not None else None


async def test_linking_sets_the_button_of_the_role(harness: Harness) -> None:
    harness.settings.WEBAPP_URL = URL
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "VP-001", role="secretary")
    for code, user_id in (("ML-001", 1001), ("VP-001", 1002)):
        token = await invite(harness, code)
        await harness.api.user(user_id).send_and_wait(f"/start {token}")
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)
    assert button(harness.api, 1002) == ("Bảng điều khiển", URL)


async def test_without_webapp_url_no_button_is_set(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    token = await invite(harness, "ML-001")
    await harness.api.user(1001).send_and_wait(f"/start {token}")
    assert harness.api.calls_to("setChatMenuButton") == []


async def test_a_role_change_changes_the_button_once(harness: Harness) -> None:
    harness.settings.WEBAPP_URL = URL
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    await add_delegate(harness.session_factory, "ML-002", telegram_user_id=1002)
    harness.api.user(1001)
    harness.api.user(1002)
    harness.api.user(ADMIN_ID)
    buttons = MenuButtons(harness.application.bot, harness.settings, harness.session_factory)
    assert await buttons.refresh() == 3  # both delegates and the admin
    assert button(harness.api, 1002) == ("Lịch của tôi", URL)
    assert button(harness.api, ADMIN_ID) == ("Bảng điều khiển", URL)
    assert await buttons.refresh() == 0  # nothing changed: nothing sent

    async with harness.session_factory() as session, session.begin():
        await session.exec(
            update(Delegate).where(col(Delegate.code) == "ML-002").values(role="secretary")
        )
    assert await buttons.refresh() == 1
    assert button(harness.api, 1002) == ("Bảng điều khiển", URL)
    assert button(harness.api, 1001) == ("Lịch của tôi", URL)


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
