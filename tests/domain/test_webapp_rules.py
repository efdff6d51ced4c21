"""Each assignment's state on the Mini App's calendar (who sees which council:
``test_office_reach``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.webapp import AssignmentState, assignment_state

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("kind", "ended_at", "held", "state"),
    [
        ("reception", FUTURE, None, AssignmentState.waiting),
        ("reception", PAST, None, AssignmentState.unreported),
        ("reception", PAST, True, AssignmentState.reported),
        ("voter_meeting", PAST, False, AssignmentState.not_held),
        ("session", PAST, None, AssignmentState.past),
        ("deadline", FUTURE, None, AssignmentState.waiting),
    ],
)
def test_assignment_state(
    kind: str, ended_at: datetime, held: bool | None, state: AssignmentState
) -> None:
    assert assignment_state(kind=kind, ended_at=ended_at, now=NOW, held=held) is state


@pytest.mark.parametrize(
    ("ended_at", "held", "released", "stand_in", "state"),
    [
        (FUTURE, None, True, False, AssignmentState.released),
        (PAST, None, True, False, AssignmentState.released),
        (FUTURE, None, False, True, AssignmentState.stand_in),
        (PAST, None, False, True, AssignmentState.unreported),
        (PAST, True, False, True, AssignmentState.reported),
    ],
    ids=["released ahead", "released past", "stand-in ahead", "stand-in unreported", "reported"],
)
def test_xin_vang_and_nguoi_thay(
    ended_at: datetime, held: bool | None, released: bool, stand_in: bool, state: AssignmentState
) -> None:
    found = assignment_state(
        kind="reception", ended_at=ended_at, now=NOW, held=held,
        released=released, stand_in=stand_in,
    )  # fmt: skip
    assert found is state
