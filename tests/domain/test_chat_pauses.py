"""The one 429 rule of the rate limiter and the dispatcher."""

from __future__ import annotations

from bot.domain.chat_pauses import ChatPauses


def test_a_refused_chat_waits_and_the_others_do_not() -> None:
    pauses: ChatPauses[int] = ChatPauses()
    assert not pauses.refuse(1, 5.0, now=100.0)
    assert pauses.wait(1, now=101.0) == 4.0
    assert pauses.wait(2, now=101.0) == 0.0


def test_a_pause_that_has_ended_is_forgotten() -> None:
    pauses: ChatPauses[int] = ChatPauses()
    pauses.refuse(1, 5.0, now=100.0)
    assert pauses.wait(1, now=105.0) == 0.0
    assert len(pauses) == 0


def test_several_chats_refused_within_a_period_are_everyones_pause() -> None:
    pauses: ChatPauses[int] = ChatPauses(period=1.0, several=3)
    assert not pauses.refuse(1, 1.0, now=10.0)
    assert not pauses.refuse(1, 1.0, now=10.2)  # the same chat twice is still one chat
    assert not pauses.refuse(2, 1.0, now=10.5)
    assert pauses.refuse(3, 1.0, now=10.9)
    assert not pauses.refuse(4, 1.0, now=12.0)  # the earlier refusals are a period old


def test_a_longer_pause_is_not_shortened_by_a_shorter_one() -> None:
    pauses: ChatPauses[int] = ChatPauses()
    pauses.refuse(1, 30.0, now=0.0)
    pauses.refuse(1, 1.0, now=1.0)
    assert pauses.wait(1, now=2.0) == 28.0
