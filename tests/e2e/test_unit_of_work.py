"""One update is one unit of work: one database session, however many steps it takes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from bot.db import SessionFactory
from bot.services.outbox.reminders import ReminderPolicy
from bot.telegram.context import DEPS_KEY, Deps
from tests.e2e.conftest import Harness
from tests.e2e.steps import linked_delegate, run_until, schedule
from tests.e2e.test_broadcasts import copies, dispatcher
from tests.e2e.test_reports import RECEPTION, press, prompt_of, reports
from tests.factories import add_delegate


class CountingFactory:
    """The application's session factory, counting the sessions it opens."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory
        self.opened = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.opened += 1
        return self._factory(*args, **kwargs)


@contextmanager
def counted(harness: Harness) -> Iterator[CountingFactory]:
    """Counts the sessions the bot opens for updates (jobs are not running here)."""
    deps = harness.application.bot_data[DEPS_KEY]
    assert isinstance(deps, Deps)
    counter = CountingFactory(deps.session_factory)
    harness.application.bot_data[DEPS_KEY] = dataclasses.replace(
        deps, session_factory=cast(SessionFactory, counter)
    )
    try:
        yield counter
    finally:
        harness.application.bot_data[DEPS_KEY] = deps


async def test_confirming_a_report_uses_one_session(harness: Harness, tmp_path: Path) -> None:
    policy = ReminderPolicy.from_settings(harness.settings)
    user = await linked_delegate(harness)
    await schedule(harness, tmp_path, RECEPTION.format(who="ML-001"))
    await run_until(harness, policy, harness.clock.now)
    asked = await press(harness, user, prompt_of(user), "Đã thực hiện")
    assert "số lượt công dân" in asked
    with counted(harness) as figures:
        (understood,) = await user.send_and_wait("12 3 1 chuyển UBND xã")
    with counted(harness) as confirm:
        done = await press(harness, user, understood, "Xác nhận")
    assert "Đã lưu báo cáo" in done
    (report,) = await reports(harness)
    assert (report.citizens, report.petitions, report.forwarded) == (12, 3, 1)
    assert figures.opened == 1
    assert confirm.opened == 1


async def test_a_broadcast_notice_uses_one_session(harness: Harness) -> None:
    """The notice ends the conversation and makes the draft in one session; Xác nhận and
    a delegate's Đã nhận too."""
    secretary = harness.api.user(7001)
    await add_delegate(harness.session_factory, "ML-TK", role="secretary", telegram_user_id=7001)
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=8001)
    for user_id in (7001, 8001):
        harness.api.user(user_id).started = True
    (prompt,) = await secretary.send_and_wait("/thongbao all")
    assert "gửi nội dung thông báo" in (prompt.text or ""), prompt.text
    with counted(harness) as notice:
        (preview,) = await secretary.send_and_wait("Họp tổ đại biểu lúc 14:00")
    assert "Sẽ nhận: 1 đại biểu" in (preview.text or "")  # the office's account is not one
    with counted(harness) as confirm:
        query = await secretary.press(preview, "Gửi cho 1 đại biểu")
        await harness.api.wait_for_callback_answer(query)
        await harness.api.wait_until(lambda: "0/1" in (preview.text or ""))
    assert notice.opened == 1
    assert confirm.opened == 1

    # The delegate's Đã nhận on the copy: recorded and answered in one session too.
    await dispatcher(harness).drain()
    delegate = harness.api.user(8001)
    (copy,) = copies(harness, delegate.user_id)
    with counted(harness) as ack:
        answered = await harness.api.wait_for_callback_answer(await delegate.press(copy, "Đã nhận"))
    assert "đã ghi nhận" in answered.get("text", ""), answered
    assert ack.opened == 1
