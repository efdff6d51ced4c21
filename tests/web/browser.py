"""Playwright on Debian's Chromium (never a downloaded browser), or a clear skip."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

CHROMIUM_SKIP_REASON = (
    "browser tests need Debian's Chromium on the PATH (apt-get install -y chromium) "
    "and the playwright package"
)


def chromium_path() -> str | None:
    return shutil.which("chromium")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(CHROMIUM_SKIP_REASON)
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        pytest.skip(CHROMIUM_SKIP_REASON)
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium from the system package, launched by Playwright."""
    from playwright.async_api import async_playwright

    path = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox"],
            env={**os.environ, "TZ": "Asia/Ho_Chi_Minh"},
        )
        try:
            yield browser
        finally:
            await browser.close()
