"""Who is the office of which council (``bot.domain.office``), as one table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.domain.office import OfficeReach, Seat, office_reach

# A province P over communes X and Y (depth 1); X over W (depth 2, as an older district
# over its communes); another province Q over its commune Q1.
P, X, Y, W, Q, Q1 = 1, 2, 3, 4, 5, 6
TREE = {P: None, X: P, Y: P, W: X, Q: None, Q1: Q}
ALL = frozenset(TREE)


def secretary(council: int, active: bool = True) -> Seat:
    return Seat(council, "secretary", active)


def delegate(council: int, active: bool = True) -> Seat:
    return Seat(council, "delegate", active)


NONE: frozenset[int] = frozenset()


def case(
    seats: list[Seat],
    *,
    admin: bool = False,
    own: frozenset[int] | set[int] = NONE,
    acts_on: frozenset[int] | set[int] = NONE,
    oversees: frozenset[int] | set[int] = NONE,
    delegate_of: frozenset[int] | set[int] = NONE,
    id: str,
) -> object:
    expected = (frozenset(own), frozenset(acts_on), frozenset(oversees), frozenset(delegate_of))
    return pytest.param(seats, admin, expected, id=id)


CASES = [
    case([secretary(Y)], own={Y}, acts_on={Y}, id="secretary of own council"),
    case(
        [secretary(P)],
        own={P},
        acts_on={P},
        oversees={X, Y},
        id="secretary of the province: its children (depth 1), not depth 2",
    ),
    case(
        [secretary(X)],
        own={X},
        acts_on={X},
        oversees={W},
        id="secretary of a council with a parent: its child, not its parent",
    ),
    case(
        [secretary(P), delegate(X)],
        own={P},
        acts_on={P},
        oversees={X, Y},
        id="secretary of the province who is a commune delegate",
    ),
    case(
        [secretary(Q)],
        admin=True,
        own={Q},
        acts_on=ALL,
        id="admin and secretary of another council",
    ),
    case([], admin=True, acts_on=ALL, id="admin without a record"),
    case([delegate(P)], delegate_of={P}, id="delegate"),
    case(
        [delegate(P), secretary(Q1)],
        own={Q1},
        acts_on={Q1},
        delegate_of={P},
        id="delegate of one council, secretary of another",
    ),
    case([], id="stranger"),
    case(
        [secretary(P, active=False), delegate(X, active=False)],
        id="deactivated records",
    ),
]


@pytest.mark.parametrize(("seats", "admin", "expected"), CASES)
def test_office_reach(
    seats: list[Seat],
    admin: bool,
    expected: tuple[frozenset[int], frozenset[int], frozenset[int], frozenset[int]],
) -> None:
    reach = office_reach(seats, TREE, admin=admin)
    assert (reach.own, reach.acts_on, reach.oversees, reach.delegate_of) == expected
    _own, acts_on, oversees, _delegate_of = expected
    assert reach.everywhere is admin
    assert reach.is_office is (admin or bool(reach.own))
    # As a query's filter: ``None`` (no filter) for an admin, else the same councils.
    assert reach.acts_on_filter == (None if admin else acts_on)
    assert reach.reaches_filter == (None if admin else acts_on | oversees)
    for council in ALL:
        assert reach.may_act(council) is (council in acts_on)
        assert reach.may_reach(council) is (council in acts_on | oversees)


# who, council → may act on it as the office, may reach it (read its views, notify it)
DECISIONS = [
    pytest.param([secretary(P)], X, False, True, id="province office over a commune"),
    pytest.param([secretary(P)], W, False, False, id="province office, depth 2: refused"),
    pytest.param([secretary(X)], Y, False, False, id="sibling council refused"),
    pytest.param([secretary(X)], P, False, False, id="the parent council refused"),
    pytest.param([secretary(Q)], P, False, False, id="another province refused"),
    pytest.param([delegate(X)], X, False, False, id="a delegate is nobody's office"),
    pytest.param([secretary(X, active=False)], X, False, False, id="deactivated"),
]


@pytest.mark.parametrize(("seats", "council", "acts", "reaches"), DECISIONS)
def test_who_may_act_and_who_may_only_read(
    seats: list[Seat], council: int, acts: bool, reaches: bool
) -> None:
    reach = office_reach(seats, TREE)
    assert (reach.may_act(council), reach.may_reach(council)) == (acts, reaches)


def test_an_admin_reaches_a_council_created_after_the_tree_was_read() -> None:
    reach: OfficeReach = office_reach([], TREE, admin=True)
    assert reach.may_act(99)
    assert reach.may_reach(99)


def test_a_secretary_of_a_council_missing_from_the_tree_is_still_its_office() -> None:
    assert office_reach([secretary(99)], {}).acts_on == {99}


def test_a_cycle_in_the_parents_gives_each_its_children_only() -> None:
    reach = office_reach([secretary(1)], {1: 2, 2: 1})
    assert (reach.acts_on, reach.oversees) == ({1}, {2})


def _is_office_literal(node: ast.AST) -> bool:
    """``"secretary"``, or a tuple, list or set literal holding it."""
    if isinstance(node, ast.Constant):
        return node.value == "secretary"
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_office_literal(element) for element in node.elts)
    return False


def _reads_the_office_role(source: str) -> bool:
    """``Role.secretary`` (whatever ``Role`` is imported as), ``Role("secretary")``,
    ``"secretary"`` compared with something or matched in a ``case``, or SQL naming it."""
    tree = ast.parse(source)
    roles = {"Role"} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == "Role" and alias.asname
    }
    for node in ast.walk(tree):
        match node:
            case ast.Attribute(value=ast.Name(id=name), attr="secretary") if name in roles:
                return True
            case ast.Call(func=ast.Name(id=name), args=[ast.Constant(value="secretary")]) if (
                name in roles
            ):
                return True
            case ast.Compare(left=left, comparators=comparators) if any(
                _is_office_literal(part) for part in (left, *comparators)
            ):
                return True
            case ast.MatchValue(value=value) if _is_office_literal(value):
                return True
            case ast.Constant(value=str(text)) if re.search(r"role\s*=\s*'secretary'", text):
                return True
    return False


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("delegate.role == Role.secretary.value", True),
        ("x = Role.secretary", True),
        ("if row.role != 'secretary': pass", True),
        ("holds_office(delegate.role)", False),
        ("col(Delegate.role) == OFFICE_ROLE", False),
        ("role = 'secretary'", False),
        ("@requires(Access.secretary)\ndef f(): pass", False),
        ("if role in ('delegate', 'secretary'): pass", True),
        ("match role:\n    case 'secretary': pass", True),
        ("Role('secretary')", True),
        ("from bot.domain.roster import Role as R\nR.secretary", True),
        ("text(\"SELECT id FROM delegates WHERE role = 'secretary'\")", True),
        ("Access.secretary", False),
    ],
)
def test_the_guard_sees_a_role_read(source: str, caught: bool) -> None:
    assert _reads_the_office_role(source) is caught


def test_only_the_office_rule_reads_the_office_role() -> None:
    """Everything else asks ``holds_office`` or ``OFFICE_ROLE`` (``bot/domain/office.py``);
    the roster's own vocabulary (``bot/domain/roster.py``) defines the role."""
    root = Path(__file__).resolve().parents[2]
    files = sorted([*(root / "bot").rglob("*.py"), *(root / "jobs").rglob("*.py")])
    readers = {
        str(path.relative_to(root))
        for path in files
        if _reads_the_office_role(path.read_text(encoding="utf-8"))
    }
    assert "bot/domain/office.py" in readers  # the check sees the rule's own reading
    assert readers <= {"bot/domain/office.py", "bot/domain/roster.py"}
