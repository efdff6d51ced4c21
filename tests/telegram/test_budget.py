"""The per-user update budget: a token bucket with an injected clock."""

from __future__ import annotations

import pytest

from bot.telegram.budget import UserBudget, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_burst_of_five_then_one_answer_then_silence(clock: Clock) -> None:
    budget = UserBudget(per_minute=20, burst=5, clock=clock)
    verdicts = [budget.admit(1) for _ in range(9)]
    assert verdicts == [Verdict.admitted] * 5 + [Verdict.refused] + [Verdict.silenced] * 3


def test_users_have_budgets_of_their_own(clock: Clock) -> None:
    budget = UserBudget(per_minute=20, burst=5, clock=clock)
    for _ in range(7):
        budget.admit(1)
    assert budget.admit(2) is Verdict.admitted


def test_twenty_a_minute_once_the_burst_is_spent(clock: Clock) -> None:
    budget = UserBudget(per_minute=20, burst=5, clock=clock)
    for _ in range(6):
        budget.admit(1)
    admitted = 0
    for _ in range(600):  # ten minutes, a press every second
        clock.now += 1.0
        admitted += budget.admit(1) is Verdict.admitted
    assert admitted in (199, 200, 201)


def test_a_steady_flood_is_told_once_until_the_bucket_refills(clock: Clock) -> None:
    budget = UserBudget(per_minute=20, burst=5, clock=clock)
    told = 0
    for _ in range(300):
        clock.now += 0.5
        told += budget.admit(1) is Verdict.refused
    assert told == 1
    clock.now += 15.0  # full again
    assert [budget.admit(1) for _ in range(6)][-1] is Verdict.refused


def test_idle_buckets_are_dropped(clock: Clock) -> None:
    budget = UserBudget(per_minute=20, burst=5, clock=clock)
    for user_id in range(1000):
        budget.admit(user_id)
    assert len(budget) == 1000
    clock.now += 16.0  # every bucket has refilled
    budget.admit(5000)
    assert len(budget) == 1


def test_the_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        UserBudget(per_minute=0)
    with pytest.raises(ValueError, match="positive"):
        UserBudget(burst=0)
