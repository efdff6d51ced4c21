"""Delegates and assignments are never deleted: the outbox points at both without a
foreign key (migration 0016), and reports and the term's figures keep pointing at them.
A delegate leaves by ``active = false``, an assignment by ``cancelled_at``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEPT = {"Delegate", "Assignment", "delegates", "assignments"}
SQL_DELETE = re.compile(r"\bdelete\s+from\s+(delegates|assignments)\b", re.IGNORECASE)


def _named(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _deletes_a_kept_row(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_DELETE.search(node.value)
        ):
            return True
        if not isinstance(node, ast.Call):
            continue
        # delete(Delegate), sqlalchemy.delete(Assignment), delete(ASSIGNMENT_TABLE)
        if _named(node.func) == "delete" and node.args:
            target = _named(node.args[0]) or ""
            if target in KEPT or target.upper() in {"DELEGATE_TABLE", "ASSIGNMENT_TABLE"}:
                return True
        # ASSIGNMENT_TABLE.delete(), Delegate.__table__.delete()
        if isinstance(node.func, ast.Attribute) and node.func.attr == "delete":
            owner = ast.unparse(node.func.value)
            if any(name in owner for name in ("Delegate", "Assignment", "DELEGATE", "ASSIGNMENT")):
                return True
    return False


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("await session.exec(delete(Delegate).where(x))", True),
        ("sa.delete(Assignment)", True),
        ("delete(ASSIGNMENT_TABLE)", True),
        ("ASSIGNMENT_TABLE.delete().where(x)", True),
        ("Delegate.__table__.delete()", True),
        ("text('DELETE FROM assignments WHERE id = 1')", True),
        ("'delete  from Delegates'", True),
        ("delete(Release).where(x)", False),
        ("await session.delete(preference)", False),
        ("text('DELETE FROM outbox WHERE id = 1')", False),
        ("text('DELETE FROM assignment_releases')", False),
    ],
)
def test_the_guard_sees_a_delete(source: str, caught: bool) -> None:
    assert _deletes_a_kept_row(source) is caught


def test_nothing_deletes_a_delegate_or_an_assignment() -> None:
    files = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
    deleting = [
        str(path.relative_to(ROOT))
        for path in files
        if _deletes_a_kept_row(path.read_text(encoding="utf-8"))
    ]
    assert deleting == [], "deactivate a delegate, cancel an assignment: never delete them"
