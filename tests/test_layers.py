"""Dependency direction: each layer imports only the layers below it.

domain < services < messages < (telegram handlers, jobs) < runtime and CLI. The domain is
pure; services never reach for Telegram, the scheduler or an entry point; texts that a
handler and a job both render live in ``bot/messages``, so the jobs never import a
handler module.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Rule(NamedTuple):
    name: str
    folders: tuple[str, ...]
    """Files (or folders) under the rule, relative to the repository."""
    forbidden: tuple[str, ...]
    """Packages (and their submodules) they must not import."""


ENTRY_POINTS = ("bot.cli", "bot.runner", "bot.web")
JOBS_WITH_RAW_SQL = {"leader.py", "wakeup.py"}  # advisory locks and LISTEN on a connection
QUERY_BUILDERS = (
    *(
        f"{package}.{name}"
        for package in ("sqlmodel", "sqlalchemy")
        for name in ("select", "update", "delete", "insert", "col", "func", "text")
    ),
    # Where the builders live: ``from sqlalchemy.sql.expression import update`` too.
    "sqlalchemy.sql",
    "sqlmodel.sql",
)
RULES = (
    Rule("domain and services never reach for Telegram or the scheduler",
         ("bot/domain", "bot/services"), ("telegram", "apscheduler", "bot.telegram", "jobs")),
    Rule("the domain does not touch the database or the settings",
         ("bot/domain",), ("sqlalchemy", "sqlmodel", "bot.models", "bot.db", "bot.config")),
    Rule("the domain is below every use-case and every text",
         ("bot/domain",), ("bot.services", "bot.messages")),
    Rule("services are called by the entry points, never the other way",
         ("bot/services",), (*ENTRY_POINTS, "bot.telegram")),
    Rule("jobs render through bot.messages, never through a handler module",
         ("jobs",), ("bot.telegram", *ENTRY_POINTS)),
    Rule("texts sit below both the handlers and the jobs",
         ("bot/messages",), ("bot.telegram", "jobs", *ENTRY_POINTS)),
    Rule("jobs leave their queries to bot/services (they load through a service function)",
         tuple(str(p.relative_to(ROOT)) for p in sorted((ROOT / "jobs").rglob("*.py"))
               if p.name not in JOBS_WITH_RAW_SQL),
         QUERY_BUILDERS),
)  # fmt: skip
# The CLI starts the runtime (``run`` imports ``bot.runner``): an arrow back would be a cycle.
RUNTIME = Rule(
    "only the command line itself imports the CLI",
    tuple(
        str(path.relative_to(ROOT))
        for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
        if (ROOT / "bot" / "cli") not in path.parents and path != ROOT / "bot" / "__main__.py"
    ),
    ("bot.cli",),
)


def _imports(path: Path) -> set[str]:
    """Every module named by an import, lazy ones inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from bot import telegram` names the package through its alias.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(path: Path, rule: Rule) -> set[str]:
    return {
        name
        for name in _imports(path)
        if any(name == p or name.startswith(f"{p}.") for p in rule.forbidden)
    }


def _files(rule: Rule) -> list[Path]:
    found: list[Path] = []
    for folder in rule.folders:
        path = ROOT / folder
        found.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return found


CASES = [(rule, path) for rule in RULES for path in _files(rule)]


@pytest.mark.parametrize(
    ("rule", "path"),
    CASES,
    ids=[f"{rule.folders[0]}:{path.relative_to(ROOT)}" for rule, path in CASES],
)
def test_layers_import_only_downwards(rule: Rule, path: Path) -> None:
    bad = _violations(path, rule)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: {rule.name}"


@pytest.mark.parametrize("path", _files(RUNTIME), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_command_line_imports_the_cli(path: Path) -> None:
    bad = _violations(path, RUNTIME)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: {RUNTIME.name}"


@pytest.mark.parametrize("rule", [*RULES, RUNTIME], ids=lambda rule: rule.name)
def test_each_rule_catches_what_it_forbids(rule: Rule, tmp_path: Path) -> None:
    """Plain, aliased and lazy imports alike: a rule that could never fail guards nothing."""
    for number, package in enumerate(rule.forbidden):
        parent, _dot, leaf = package.rpartition(".")
        module = tmp_path / f"m{number}.py"
        lines = [
            f"from {parent} import {leaf}" if parent else f"import {leaf}",
            "def later():",
            f"    from {package}.sub import thing",
        ]
        module.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert {package, f"{package}.sub"} <= _violations(module, rule)


# One unit of work per entry (../shared/DESIGN.md): the edge opens the session, services take it.
SESSION_OPENERS_ALLOWED = {ROOT / "bot/services/db_copy.py"}  # copies between two engines
SERVICES = [p for p in sorted((ROOT / "bot/services").rglob("*.py"))
            if p not in SESSION_OPENERS_ALLOWED]  # fmt: skip


def _session_openers(path: Path) -> list[str]:
    """Functions that take a ``session_factory`` or call one: they open their own session."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            names = [a.arg for a in (*arguments.posonlyargs, *arguments.args,
                                     *arguments.kwonlyargs)]  # fmt: skip
            if "session_factory" in names:
                found.append(f"line {node.lineno}: takes session_factory")
        elif isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
            if name == "session_factory":
                found.append(f"line {node.lineno}: calls session_factory()")
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(ROOT)))
def test_services_never_open_a_session(path: Path) -> None:
    openers = _session_openers(path)
    assert not openers, f"{path.relative_to(ROOT)}: {openers}; take the caller's session="


def test_the_session_rule_catches_a_factory(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text(
        "async def a(*, session_factory): ...\n"
        "async def b(deps):\n"
        "    async with deps.session_factory() as session: ...\n",
        encoding="utf-8",
    )
    assert _session_openers(module) == [
        "line 1: takes session_factory",
        "line 3: calls session_factory()",
    ]
