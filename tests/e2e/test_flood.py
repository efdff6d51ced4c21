"""One user's flood: a budget per user, handled before any database work, and other
users served meanwhile (issue 18, item 3)."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.telegram.budget import UserBudget
from bot.telegram.context import DEPS_KEY
from bot.telegram.scope import ScopedUpdateProcessor
from tests.e2e.conftest import Harness
from tests.factories import add_delegate

SLOW_DOWN = "Đồng chí gửi tin nhanh quá"


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_sessions(harness: Harness) -> list[int]:
    """Counts the sessions updates open from now on."""
    opened = [0]
    deps = harness.application.bot_data[DEPS_KEY]
    factory = deps.session_factory

    def counted(*args: Any, **kwargs: Any) -> Any:
        opened[0] += 1
        return factory(*args, **kwargs)

    harness.application.bot_data[DEPS_KEY] = dataclasses.replace(deps, session_factory=counted)
    return opened


def processor(harness: Harness) -> ScopedUpdateProcessor:
    found = harness.application.update_processor
    assert isinstance(found, ScopedUpdateProcessor)
    return found


async def test_a_flood_gets_one_slow_down_then_silence_and_costs_no_database_work(
    harness: Harness,
) -> None:
    seconds = Seconds()
    processor(harness).budget = UserBudget(per_minute=20, burst=5, clock=seconds)
    opened = counting_sessions(harness)
    spammer, other = harness.api.user(5001), harness.api.user(5002)
    for _ in range(12):
        await spammer.send("/trogiup")
    (answered,) = await other.send_and_wait("/trogiup")  # someone else is served meanwhile
    assert "/" in (answered.text or "")
    seconds.now += 15.0  # the spammer's budget has refilled
    await spammer.send("/trogiup")  # handled after every update before it
    texts = [m.text or "" for m in await spammer.wait_for_messages(7, timeout=20)]
    assert sum(SLOW_DOWN in text for text in texts) == 1, texts
    assert sum("/trogiup" in text for text in texts) == 6, texts
    assert opened[0] == 5 + 1 + 1  # the 7 refused updates opened no session


async def test_each_users_updates_are_handled_in_order_and_locks_are_dropped(
    harness: Harness,
) -> None:
    assert processor(harness).max_concurrent_updates > 1
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=6100)
    delegate = harness.api.user(6100)
    for text in ("/lang en", "/help", "/ngonngu vi", "/help"):
        await delegate.send(text)  # all four before any answer
    replies = [m.text or "" for m in await delegate.wait_for_messages(4)]
    assert replies[0] == "Language set to English."
    assert "You are a delegate" in replies[1]
    assert replies[2] == "Đã chuyển sang tiếng Việt."
    assert "You are a delegate" not in replies[3]
    users = [harness.api.user(6000 + n) for n in range(5)]
    for user in users:
        for _ in range(3):
            await user.send("/trogiup")
    for user in users:
        await user.wait_for_messages(3)
    await harness.api.wait_until(lambda: processor(harness).users_in_turn == 0)


async def test_a_429_on_one_chat_does_not_hold_the_replies_to_others(harness: Harness) -> None:
    slow, other = harness.api.user(7101), harness.api.user(7102)
    harness.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    await slow.send("/trogiup")
    await harness.api.wait_until(
        lambda: any(call.status == 429 for call in harness.api.calls_to("sendMessage"))
    )
    (answered,) = await other.send_and_wait("/trogiup")
    assert slow.messages == []  # still waiting out its own chat's pause
    (late,) = await slow.wait_for_messages(1)
    assert late.date >= answered.date
    assert harness.api.internal_errors == []
