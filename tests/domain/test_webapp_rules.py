"""Who sees which council in the Mini App, and each assignment's state on its calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.webapp import (
    AssignmentState,
    CouncilRole,
    Membership,
    assignment_state,
    office_councils,
)

PROVINCE, COMMUNE_1, COMMUNE_2, WARD = 1, 2, 3, 4
CHILDREN = {PROVINCE: [COMMUNE_1, COMMUNE_2], COMMUNE_2: [WARD]}


@pytest.mark.parametrize(
    ("memberships", "expected"),
    [
        ([Membership(PROVINCE, CouncilRole.office)], {PROVINCE, COMMUNE_1, COMMUNE_2, WARD}),
        ([Membership(COMMUNE_1, CouncilRole.office)], {COMMUNE_1}),
        ([Membership(PROVINCE, CouncilRole.delegate)], set()),
        (
            [Membership(PROVINCE, CouncilRole.delegate), Membership(COMMUNE_2, CouncilRole.office)],
            {COMMUNE_2, WARD},
        ),
        ([], set()),
    ],
)
def test_an_office_sees_its_council_and_the_children(
    memberships: list[Membership], expected: set[int]
) -> None:
    assert office_councils(memberships, CHILDREN) == expected


def test_a_cycle_in_the_parents_does_not_loop() -> None:
    assert office_councils([Membership(1, CouncilRole.office)], {1: [2], 2: [1]}) == {1, 2}


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
