"""pytest-xdist: the process tests run one after another on one worker, the rest spread.

``-n auto`` (pyproject.toml) starts one worker per CPU. Each process test (marker ``slow``)
measures time: Telegram's 30 messages in any second, a stop within its bound, a takeover
within its lease. Two of them at once would share the CPU and could bunch their sends, so
all of them form one unit of work, given to one worker first (it is the longest), while the
other workers share every other test, one test at a time.

xdist's own ``--dist loadgroup`` would do this with an ``xdist_group`` mark, but the node-id
renaming it relies on has no effect on pytest 9.2 (pytest-dev/pytest-xdist#1386). So the
controller names a file, each worker writes there the ids of the slow tests it collected,
and the scheduler (xdist's ``LoadScopeScheduling`` with one scope per test, but one for all
slow tests) reads it. It replaces ``--dist load``, what ``-n`` means without ``--dist``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

SLOW_IDS = "delegate_bot_slow_ids"  # key of the file's path in each worker's workerinput
SLOW_SCOPE = "slow: the process tests"


class SlowTestsTogether(LoadScopeScheduling):
    """Every test its own unit of work, except the slow ones: one unit, scheduled first."""

    def __init__(self, config: pytest.Config, log: Any, slow_ids: Path) -> None:
        super().__init__(config, log)
        self._slow_ids_file = slow_ids
        self._slow_ids: set[str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._slow_ids is None:  # the workers wrote it before reporting their collection
            self._slow_ids = {
                line
                for written in self._slow_ids_file.parent.glob(f"{self._slow_ids_file.name}.*")
                for line in written.read_text(encoding="utf-8").splitlines()
            }
        return SLOW_SCOPE if nodeid in self._slow_ids else nodeid


class Controller:
    """The plugin of the controlling process (the one that starts the workers)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="delegate-bot-xdist-"))
        self._slow_ids = self._folder / "slow-ids"

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[SLOW_IDS] = str(self._slow_ids)

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None  # another --dist was asked for: xdist's own
        return SlowTestsTogether(config, log, self._slow_ids)

    def pytest_unconfigure(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


# This module is a pytest plugin (registered by tests/conftest.py); its hooks:


def pytest_configure(config: pytest.Config) -> None:
    """Registers the controller's plugin when this process starts xdist workers."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return
    if config.getoption("numprocesses", None):
        config.pluginmanager.register(Controller(), "delegate-bot-xdist-controller")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker: puts the slow tests first (so their unit is the first one scheduled)
    and writes their ids for the controller."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or SLOW_IDS not in workerinput:
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    items[:] = slow + [item for item in items if item.get_closest_marker("slow") is None]
    written = Path(f"{workerinput[SLOW_IDS]}.{workerinput['workerid']}")
    written.write_text("".join(f"{item.nodeid}\n" for item in slow), encoding="utf-8")
