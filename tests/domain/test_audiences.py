"""Who a schedule row is for: pools and refusals, from plain roster data."""

from __future__ import annotations

from typing import Any

from bot.domain.audiences import Member, Roster, resolve_pools
from bot.domain.schedule import DelegateSelection, RowAudience

ML, NT = 1, 2
ROSTER = Roster(
    councils={"HDND-ML": ML, "HDND-NT": NT},
    members={
        ML: [
            Member("ML-001", "Xã Mỹ Lộc"),
            Member("ML-002", "Thị trấn Quang Minh"),
            Member("ML-003", "Xã Mỹ Lộc"),
        ],
        NT: [],
    },
    known_codes=frozenset({"ML-001", "ML-002", "ML-003", "NT-001", "ML-009"}),
)


def row(number: int, council: str = "HDND-ML", **selection: Any) -> RowAudience:
    return RowAudience(number, council, DelegateSelection(**selection))


def messages(audiences: list[RowAudience], allowed: frozenset[int] | None = None) -> list[str]:
    _pools, problems = resolve_pools(audiences, ROSTER, allowed)
    return [problem.message.format(**problem.params) for problem in problems]


def test_everyone_is_every_active_member_in_code_order() -> None:
    pools, problems = resolve_pools([row(2, everyone=True)], ROSTER)
    assert pools == {2: ("ML-001", "ML-002", "ML-003")}
    assert problems == []


def test_a_unit_matches_without_case_or_diacritics() -> None:
    pools, problems = resolve_pools([row(3, unit="xa my loc")], ROSTER)
    assert pools == {3: ("ML-001", "ML-003")}
    assert problems == []


def test_a_unit_with_nobody_in_it_is_refused() -> None:
    pools, problems = resolve_pools([row(4, unit="Xã Mỹ Hưng")], ROSTER)
    assert pools == {}
    assert [(p.row, p.column) for p in problems] == [(4, "delegates")]
    assert problems[0].params == {"council": "HDND-ML", "unit": "Xã Mỹ Hưng"}


def test_listed_codes_keep_their_order_and_unknown_ones_are_named() -> None:
    pools, problems = resolve_pools([row(5, codes=("ML-003", "ML-001"))], ROSTER)
    assert pools == {5: ("ML-003", "ML-001")}
    assert problems == []
    assert messages([row(5, codes=("ML-001", "ML-404", "NT-001", "ML-009"))]) == [
        "Unknown delegate code: ML-404",
        "Delegate NT-001 is not an active delegate of council HDND-ML",
        "Delegate ML-009 is not an active delegate of council HDND-ML",
    ]


def test_a_secretary_learns_nothing_about_other_councils() -> None:
    own = frozenset({ML})
    assert messages([row(6, codes=("NT-001", "ML-404"))], own) == [
        "Unknown delegate code: NT-001",
        "Unknown delegate code: ML-404",
    ]
    refusal = "You may only change the schedule of your own council ({code} is not)"
    assert messages([row(7, "HDND-NT", everyone=True)], own) == [refusal.format(code="HDND-NT")]
    assert messages([row(8, "HDND-XX", everyone=True)], own) == [refusal.format(code="HDND-XX")]


def test_an_unknown_council_and_an_empty_one() -> None:
    assert messages([row(9, "HDND-XX", everyone=True)]) == ["Unknown council code: HDND-XX"]
    assert messages([row(10, "HDND-NT", everyone=True)]) == [
        "Council HDND-NT has no active delegates"
    ]


def test_every_row_is_checked_and_keyed_by_its_number() -> None:
    pools, problems = resolve_pools(
        [row(2, everyone=True), row(3, "HDND-XX", everyone=True), row(4, codes=("ML-002",))],
        ROSTER,
    )
    assert pools == {2: ("ML-001", "ML-002", "ML-003"), 4: ("ML-002",)}
    assert [p.row for p in problems] == [3]
