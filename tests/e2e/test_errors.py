"""A handler that fails: its writes are rolled back, the user gets one apology, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.outbox.reminders import ReminderPolicy
from bot.telegram import reports as report_handlers
from tests.e2e.conftest import Harness
from tests.e2e.steps import linked_delegate, run_until, schedule
from tests.e2e.test_reports import RECEPTION, press, prompt_of

APOLOGY = "Xin lỗi"
NOT_UNDERSTOOD = "chưa hiểu"


async def test_a_failing_step_apologises_once_and_no_later_handler_answers(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await linked_delegate(harness)
    await schedule(harness, tmp_path, RECEPTION.format(who="ML-001"))
    await run_until(harness, ReminderPolicy.from_settings(harness.settings), harness.clock.now)
    await press(harness, user, prompt_of(user), "Đã thực hiện")

    def broken(*_args: object) -> object:
        raise RuntimeError("a bug in reading the figures")

    monkeypatch.setattr(report_handlers, "parse_reply", broken)
    before = len(user.messages)
    await user.send("12 3")
    await user.wait_for_messages(before + 1)
    # Each user's updates are handled in order: whatever "12 3" got is here before the help.
    await user.send_and_wait("/trogiup")
    replies = [m.text or "" for m in user.messages[before:]]
    assert sum(APOLOGY in text for text in replies) == 1, replies
    assert not any(NOT_UNDERSTOOD in text for text in replies), replies
