"""Availability rules: candidate order, offers, escalation timing, /vang arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.availability import (
    AwayInputError,
    Candidate,
    OfferStatus,
    escalation_due,
    is_rota,
    next_offers,
    order_candidates,
    overlaps,
    parse_away,
)


def cand(delegate_id: int, index: int, load: int, **flags: bool) -> Candidate:
    values = {"linked": True, "reachable": True, "away": False, "busy": False} | flags
    return Candidate(delegate_id=delegate_id, pool_index=index, quarter_load=load, **values)


def test_fewest_assignments_first_then_pool_order() -> None:
    candidates = [cand(1, 0, 3), cand(2, 1, 1), cand(3, 2, 1), cand(4, 3, 0)]
    assert order_candidates(candidates) == [4, 2, 3, 1]


@pytest.mark.parametrize("flag", [{"linked": False}, {"reachable": False}, {"away": True},
                                  {"busy": True}])  # fmt: skip
def test_ineligible_candidates_are_never_asked(flag: dict[str, bool]) -> None:
    assert order_candidates([cand(1, 0, 0, **flag), cand(2, 1, 5)]) == [2]


@pytest.mark.parametrize(
    ("per_occurrence", "pool", "expected"),
    [(None, 5, False), (2, 5, True), (5, 5, False), (1, 1, False), (0, 3, False)],
)
def test_rota(per_occurrence: int | None, pool: int, expected: bool) -> None:
    assert is_rota(per_occurrence, pool) is expected


def test_fanout_then_each_refusal_makes_room_for_the_next() -> None:
    ordered = [10, 11, 12, 13, 14]
    assert next_offers(ordered, {}, 3) == [10, 11, 12]
    offered = {10: OfferStatus.pending, 11: OfferStatus.pending, 12: OfferStatus.pending}
    assert next_offers(ordered, offered, 3) == []
    offered[11] = OfferStatus.declined
    assert next_offers(ordered, offered, 3) == [13]
    offered |= {13: OfferStatus.declined, 14: OfferStatus.declined}
    assert next_offers(ordered, offered, 3) == []  # nobody is asked twice


NOW = datetime(2027, 3, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start_in", "rota", "left", "pending", "expected"),
    [
        (timedelta(days=5), True, 2, 3, False),  # still time, people to ask
        (timedelta(days=2), True, 2, 3, True),  # exactly the window
        (timedelta(days=1), True, 2, 1, True),  # inside the window: at once
        (timedelta(days=5), True, 0, 0, True),  # nobody left and nobody pending
        (timedelta(days=5), True, 0, 1, False),  # someone may still accept
        (timedelta(days=9), False, 0, 0, True),  # not a rota: the office chooses
    ],
)
def test_escalation_timing(
    start_in: timedelta, rota: bool, left: int, pending: int, expected: bool
) -> None:
    assert (
        escalation_due(
            starts_at=NOW + start_in,
            now=NOW,
            escalate_before=timedelta(days=2),
            rota=rota,
            candidates_left=left,
            pending=pending,
        )
        is expected
    )


def test_overlaps() -> None:
    eight = NOW
    assert overlaps(eight, eight + timedelta(hours=3), eight + timedelta(hours=2), None)
    assert not overlaps(eight, eight + timedelta(hours=3), eight + timedelta(hours=3), None)
    assert overlaps(eight, None, eight + timedelta(minutes=30), None)


TODAY = date(2027, 3, 1)


def test_parse_away_one_day_range_and_reason() -> None:
    one = parse_away(["10/03/2027"], TODAY)
    assert (one.starts_on, one.ends_on, one.note) == (date(2027, 3, 10),) * 2 + ("",)
    ranged = parse_away(["10/03/2027", "2027-03-12", "đi", "công", "tác"], TODAY)
    assert (ranged.starts_on, ranged.ends_on, ranged.note) == (
        date(2027, 3, 10), date(2027, 3, 12), "đi công tác",
    )  # fmt: skip
    reason_only = parse_away(["10/03/2027", "ốm"], TODAY)
    assert reason_only.ends_on == date(2027, 3, 10)
    assert reason_only.note == "ốm"


@pytest.mark.parametrize(
    "arguments",
    [[], ["mai"], ["31/02/2027"], ["12/03/2027", "10/03/2027"], ["01/01/2027"],
     ["01/03/2027", "01/06/2028"]],
)  # fmt: skip
def test_parse_away_refuses(arguments: list[str]) -> None:
    with pytest.raises(AwayInputError):
        parse_away(arguments, TODAY)
