"""Dependency direction: domain and services never reach for Telegram or the scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("telegram", "apscheduler")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "bot" / "domain").rglob("*.py"), *(ROOT / "bot" / "services").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pure_layers_do_not_import_telegram_or_scheduler(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in FORBIDDEN}
    bad |= {name for name in _imports(path) if name.startswith(("bot.telegram", "jobs"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot" / "domain").rglob("*.py")), ids=lambda p: p.name
)
def test_domain_does_not_touch_the_database(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in {"sqlalchemy", "sqlmodel"}}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for p in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")]
        if (ROOT / "bot" / "cli") not in p.parents and p != ROOT / "bot" / "__main__.py"
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_entry_point_imports_the_cli(path: Path) -> None:
    """The CLI starts the runtime (``run`` imports ``bot.runner``): an arrow back is a cycle."""
    bad = {n for n in _imports(path) if n == "bot.cli" or n.startswith("bot.cli.")}
    assert not bad, f"{path.name} imports {sorted(bad)}"
