"""The Mini App in a real browser (Debian's Chromium through Playwright): the office's
views, a delegate's calendar, a 360-pixel phone without horizontal scrolling, forged and
expired initData, and the page working when Telegram's script cannot be loaded.

``UPDATE_SCREENSHOTS=1`` writes the README's screenshots into ``docs/``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from bot.db import SessionFactory
from tests.factories import NOW
from tests.web.browser import chromium, require_chromium
from tests.web.conftest import OTHER_TOKEN, init_data
from tests.web.seed import DELEGATE_A1, OFFICE_A, Seeded
from tests.web.test_api_petitions import add_petitions

DOCS = Path(__file__).resolve().parents[2] / "docs"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
        "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#232e3c"}  # fmt: skip


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    async with chromium() as launched:
        yield launched


def _stub(init: str, theme: dict[str, str] | None = None) -> str:
    """What telegram-web-app.js gives the page: initData, the theme, ready() and expand()."""
    webapp = {"initData": init, "themeParams": theme or {}}
    variables = "".join(
        f"document.documentElement.style.setProperty('--tg-theme-{k.replace('_', '-')}', '{v}');"
        for k, v in (theme or {}).items()
    )
    return (
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(webapp)}, "
        "{ready: function () {}, expand: function () {}})};" + variables
    )


async def open_app(
    browser: Any,
    client: TestClient[Any, Any],
    init: str,
    *,
    viewport: dict[str, int],
    telegram_script: bool = True,
    theme: dict[str, str] | None = None,
) -> Any:
    """The page as a Telegram client opens it: with Telegram's script (played by a stub),
    or with that script unreachable and initData in the URL's fragment."""
    page = await browser.new_page(viewport=viewport)
    outside: list[str] = []

    async def telegram(route: Any) -> None:
        if telegram_script:
            await route.fulfill(body=_stub(init, theme), content_type="application/javascript")
        else:
            await route.abort()

    async def elsewhere(route: Any) -> None:
        outside.append(route.request.url)
        await route.abort()

    await page.route("https://telegram.org/**", telegram)
    await page.route(
        lambda url: not url.startswith(("http://127.0.0.1", "https://telegram.org")), elsewhere
    )
    url = str(client.server.make_url("/app/"))
    if not telegram_script:
        url += "#tgWebAppData=" + quote(init, safe="") + "&tgWebAppVersion=8.0"
        if theme:
            url += "&tgWebAppThemeParams=" + quote(json.dumps(theme), safe="")
    await page.goto(url)
    page.outside_requests = outside
    return page


async def no_horizontal_scroll(page: Any) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


async def shoot(page: Any, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    await page.screenshot(path=str(path), full_page=False)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / name)


async def tab(page: Any, label: str) -> None:
    await page.get_by_role("tab", name=label).click()
    await page.wait_for_selector("#status", state="detached")


async def test_the_office_sees_its_dashboard(
    browser: Any, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    page = await open_app(browser, client, init_data(OFFICE_A), viewport=DESKTOP)
    await page.wait_for_selector("#month-grid")
    assert await page.title() == "Bảng theo dõi"
    assert await page.inner_text("#month-title") == "11/2026"
    tabs = await page.locator("#tabs button").all_inner_texts()
    assert tabs == ["Lịch", "Chưa báo cáo", "Thông báo", "Thống kê", "Đơn thư"]
    text = await page.inner_text("main")
    assert "Nguyễn Thị Hoa" in text
    assert "Lê Văn Bình" in text
    assert "Phạm Thu Hà" not in text  # council B's delegate
    chips = set(await page.locator(".occurrence .chip").all_inner_texts())
    assert {"đã báo cáo", "chưa báo cáo", "không thực hiện"} <= chips
    await shoot(page, "miniapp-office-desktop.png", tmp_path)

    await page.get_by_role("button", name="Tháng sau").click()
    await page.wait_for_selector("#month-title >> text=12/2026")
    assert set(await page.locator(".occurrence .chip").all_inner_texts()) == {"chờ"}

    await tab(page, "Chưa báo cáo")
    units = await page.locator(".unit h2").all_inner_texts()
    assert units == ["Phường Hà Đông (2)", "Xã Mỹ Lộc (1)"]
    assert await page.locator(".missing-item .overdue").count() == 2

    await tab(page, "Thông báo")
    assert "2/2 đã gửi" in await page.inner_text(".broadcast .counts")
    await page.get_by_role("button", name="Chưa bấm «Đã nhận» (1)").click()
    await page.wait_for_selector(".broadcast .people li")
    assert "A2 Lê Văn Bình" in await page.inner_text(".broadcast .people")

    await tab(page, "Thống kê")
    assert await page.inner_text("#quarter-title") == "Quý IV/2026"
    assert "HĐND xã Mỹ Lộc" in await page.inner_text("#summary")
    await page.wait_for_selector("#chart[data-loaded='1']")
    assert page.outside_requests == []


async def test_a_delegate_sees_their_calendar_on_a_phone_without_telegram_s_script(
    browser: Any, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    page = await open_app(
        browser, client, init_data(DELEGATE_A1), viewport=PHONE, telegram_script=False, theme=DARK
    )
    await page.wait_for_selector("#upcoming")
    assert await page.title() == "Lịch của tôi"
    assert await page.locator("#tabs button").all_inner_texts() == ["Lịch của tôi"]
    upcoming = await page.locator("#upcoming .chip").all_inner_texts()
    past = await page.locator("#past .chip").all_inner_texts()
    assert upcoming == ["chờ"]
    assert past == ["chưa báo cáo", "không thực hiện", "đã báo cáo"]
    assert "Lê Văn Bình" not in await page.inner_text("main")  # another delegate
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"  # the theme from the URL, as Telegram passes it
    await no_horizontal_scroll(page)
    await shoot(page, "miniapp-delegate-phone.png", tmp_path)


async def test_the_office_s_petitions_tab(
    browser: Any, client: TestClient[Any, Any], session_factory: SessionFactory, seeded: Seeded
) -> None:
    await add_petitions(session_factory, seeded)
    page = await open_app(browser, client, init_data(OFFICE_A), viewport=PHONE)
    await page.wait_for_selector("#month-grid")
    await tab(page, "Đơn thư")
    titles = await page.locator(".petitions h2").all_inner_texts()
    assert titles == ["Quá hạn trả lời: 1", "Đến hạn trả lời trong 3 ngày tới: 1"]
    first = await page.inner_text(".petition >> nth=0")
    assert "1/2026 · khiếu nại" in first
    assert "hạn 24/11/2026" in first
    assert "Ông Nguyễn Văn Dân" in first  # the council's own secretary
    await no_horizontal_scroll(page)


async def test_a_delegate_asks_for_leave_from_the_calendar(
    browser: Any, client: TestClient[Any, Any]
) -> None:
    page = await open_app(browser, client, init_data(DELEGATE_A1), viewport=PHONE)
    await page.wait_for_selector("#upcoming")
    assert await page.locator("#past .release-open").count() == 0
    await page.get_by_role("button", name="Xin vắng").click()
    assert await page.inner_text("#upcoming .release strong") == "Đồng chí cho biết lý do xin vắng:"
    await page.get_by_role("button", name="Trùng lịch công tác").click()
    await page.wait_for_selector(".release-done")
    assert "Đã ghi nhận đồng chí xin vắng" in await page.inner_text(".release-done")
    assert await page.locator("#upcoming .chip").all_inner_texts() == ["xin vắng"]
    await no_horizontal_scroll(page)
    await page.reload()
    await page.wait_for_selector("#upcoming")
    assert await page.locator("#upcoming .chip").all_inner_texts() == ["xin vắng"]
    assert await page.locator(".release-open").count() == 0


async def test_every_office_view_fits_a_360_pixel_phone(
    browser: Any, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    page = await open_app(browser, client, init_data(OFFICE_A), viewport=PHONE)
    await page.wait_for_selector("#month-grid")
    await no_horizontal_scroll(page)
    await shoot(page, "miniapp-office-phone.png", tmp_path)
    for label in ("Chưa báo cáo", "Thông báo", "Thống kê", "Đơn thư"):
        await tab(page, label)
        if label == "Thống kê":
            await page.wait_for_selector("#chart[data-loaded='1']")
        await no_horizontal_scroll(page)


async def test_a_delegate_on_a_desktop_in_english(
    browser: Any, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    page = await open_app(browser, client, init_data(DELEGATE_A1, language="en"), viewport=DESKTOP)
    await page.wait_for_selector("#upcoming")
    assert await page.title() == "My calendar"
    assert await page.locator("#past .chip").all_inner_texts() == [
        "not reported", "not held", "reported",
    ]  # fmt: skip
    page_en = page
    page = await open_app(browser, client, init_data(DELEGATE_A1), viewport=DESKTOP)
    await page.wait_for_selector("#upcoming")
    await shoot(page, "miniapp-delegate-desktop.png", tmp_path)
    await page_en.close()


@pytest.mark.parametrize(
    "init",
    [
        init_data(OFFICE_A, token=OTHER_TOKEN),
        init_data(OFFICE_A).replace("hash=", "hash=0"),
        init_data(OFFICE_A, auth_date=NOW - timedelta(days=2)),
        "",
    ],
    ids=["forged", "tampered", "expired", "none"],
)
async def test_forged_or_expired_init_data_shows_no_data(
    browser: Any, client: TestClient[Any, Any], init: str
) -> None:
    page = await open_app(browser, client, init, viewport=PHONE, telegram_script=False)
    error = await page.wait_for_selector("#error")
    assert await error.get_attribute("data-status") == "401"
    assert "nút menu của bot" in await error.inner_text()
    assert await page.locator("#tabs button").count() == 0
    assert "Nguyễn" not in await page.inner_text("body")
