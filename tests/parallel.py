"""pytest-xdist: the process tests run on workers of their own, one test at a time on each.

Most process tests (marker ``slow``) measure time: Telegram's 30 messages in any second,
a stop within its bound, a takeover within its lease. They mostly wait (on pacing, back-offs,
leases: about a quarter of a CPU between them), so they run beside the other tests instead
of taking a CPU's worker, and never more than ``lanes`` of them at once.

``-n auto`` (pyproject.toml) starts one worker per CPU and, when the run can hold slow
tests (no ``-m "not slow"``), one more for each of ``SLOW_LANES`` beyond the first
(``auto_num_workers``; see there). The first ``lanes`` workers are the slow tests'
lanes: they take only slow tests, one at a time, until none is left, then share the
others. The other workers share every other
test, one test at a time. With ``-n N`` there is one lane, also given the other tests at
its end, as before: all slow tests on one worker.

The slow tests that also measure time (marker ``timing``: Telegram's rate, a stop's
bound, a backoff's steps) run on the first lane only, before its other slow tests: never
two at once (on a loaded machine, two of them crowded each other's fake Telegram server
out of its timing). ``TEST_NICENESS`` can also put the other tests behind them.

xdist's own ``--dist loadgroup`` cannot do this (its groups are all-on-one-worker, and the
node-id renaming it relies on has no effect on pytest 9.2, pytest-dev/pytest-xdist#1386).
So the controller names a file, each worker writes there the ids of the slow tests it
collected, and the scheduler (built on xdist's ``LoadScopeScheduling``, one scope per
test) reads it. It replaces ``--dist load``, what ``-n`` means without ``--dist``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

SLOW_IDS = "delegate_bot_slow_ids"  # key of the file's path in each worker's workerinput


def slow_lanes(environ: Mapping[str, str]) -> int:
    """``TEST_SLOW_LANES``, 2 when unset."""
    return int(environ.get("TEST_SLOW_LANES") or 2)


# Slow tests at once under -n auto (0 or 1: one after another on one worker that then
# shares the rest; 2: one more worker than CPUs, two of them lanes). Two lanes
# once ran tests/e2e/test_failover.py beside another timed test and beside the other
# workers at the same priority: it failed 4 runs in 5 on this loaded machine (the fake
# server's timing of the sends crowded out). Now the timed tests run one at a time on the
# first lane; the second lane takes the other slow tests (process start-ups, no timing),
# then the rest.
SLOW_LANES = slow_lanes(os.environ)
# TEST_NICENESS=N: each worker lowers its priority by N (os.nice) before its first test
# that starts no process, so that the process tests, timed ones above all, get the CPU
# first. 0 (the default): on a machine shared with other work a lower priority starves the
# suite instead (5 beside another agent's load: a 5 s wait for a reply ran out; a test of
# three processes, niced with its lane, took 69 s, not 13).
NICENESS = int(os.environ.get("TEST_NICENESS") or 0)
TIMING = "timing"  # the marker of the slow tests that measure time
_LANES_KEY = pytest.StashKey[int]()

Workload = dict[str, dict[str, bool]]


def slow_tests_may_run(config: pytest.Config) -> bool:
    """Whether ``-m`` keeps a test marked only ``slow`` (no ``-m``: it does)."""
    expression = config.getoption("markexpr", "") or ""
    if not expression:
        return True
    try:
        from _pytest.mark.expression import Expression

        def only_slow(name: str, /, **_: str | int | bool | None) -> bool:
            return name == "slow"

        return Expression.compile(expression).evaluate(only_slow)
    except Exception:  # an unknown form: assume it may (a spare worker only costs a start)
        return True


def auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per CPU; when slow tests may run and ``SLOW_LANES`` > 1, one
    more for each lane beyond the first (the lanes mostly wait), and at least one besides
    the lanes. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides alone (``None``: xdist's)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    from xdist.plugin import pytest_xdist_auto_num_workers as per_cpu

    workers = int(per_cpu(config))
    if workers > 0 and SLOW_LANES > 1 and slow_tests_may_run(config):
        config.stash[_LANES_KEY] = SLOW_LANES
        return max(workers + SLOW_LANES - 1, SLOW_LANES + 1)
    return workers


class SlowTestsTogether(LoadScopeScheduling):
    """Every test its own unit of work; the slow ones only on the first ``lanes`` workers.

    A lane is given slow tests (one unit at a time, like any worker) while any is left,
    then the other tests; the other workers never get a slow test, so no more than
    ``lanes`` slow tests run at once. The timed ones (marker ``timing``) go to the first
    lane only, before its other slow tests. A worker that has nothing more it may take is
    shut down (xdist holds a worker's last test until it knows there is no next one).
    """

    def __init__(self, config: pytest.Config, log: Any, slow_ids: Path, lanes: int) -> None:
        super().__init__(config, log)
        self._slow_ids_file = slow_ids
        self._slow_ids: set[str] | None = None
        self._timed_ids: set[str] | None = None
        self._lane_count = max(1, lanes)
        self._lanes: list[Any] = []
        self._lanes_lost = 0
        self._slow_queue: OrderedDict[str, dict[str, bool]] = OrderedDict()
        self._timed_queue: OrderedDict[str, dict[str, bool]] = OrderedDict()

    # -- which tests are slow (and timed), which workers are lanes

    def _written(self, name: str) -> set[str]:
        """The ids the workers wrote (before reporting their collection) to ``name``.*"""
        return {
            line
            for written in self._slow_ids_file.parent.glob(f"{name}.*")
            for line in written.read_text(encoding="utf-8").splitlines()
        }

    def _is_slow(self, nodeid: str) -> bool:
        if self._slow_ids is None:
            self._slow_ids = self._written(self._slow_ids_file.name)
        return nodeid in self._slow_ids

    def _is_timed(self, nodeid: str) -> bool:
        if self._timed_ids is None:
            self._timed_ids = self._written(f"{self._slow_ids_file.name}-{TIMING}")
        return nodeid in self._timed_ids

    def _queue_of(self, nodeid: str) -> OrderedDict[str, dict[str, bool]]:
        if self._is_timed(nodeid):
            return self._timed_queue
        return self._slow_queue if self._is_slow(nodeid) else self.workqueue

    def _split_scope(self, nodeid: str) -> str:
        return nodeid  # one test, one unit

    def _queue_for(self, node: Any) -> OrderedDict[str, dict[str, bool]] | None:
        """Where the node's next unit comes from; ``None``: nothing more, ever."""
        if node in self._lanes:
            if self._timed_queue and node is self._lanes[0]:
                return self._timed_queue
            if self._slow_queue:
                return self._slow_queue
        return self.workqueue or None

    def _lane_queue(self, queue: OrderedDict[str, dict[str, bool]]) -> bool:
        return queue is self._slow_queue or queue is self._timed_queue

    # -- LoadScopeScheduling's hooks, with the three queues

    @property
    def tests_finished(self) -> bool:
        return not self._slow_queue and not self._timed_queue and super().tests_finished

    @property
    def has_pending(self) -> bool:
        return bool(self._slow_queue) or bool(self._timed_queue) or super().has_pending

    def add_node(self, node: Any) -> None:
        super().add_node(node)
        if self._lanes_lost and (self._slow_queue or self._timed_queue):  # replaces a lane
            self._lanes_lost -= 1
            self._lanes.append(node)

    def remove_node(self, node: Any) -> str | None:
        """A worker that finished or crashed: its tests not run yet go back in their queue
        (the one it crashed on is reported by xdist, not run again)."""
        if node in self._lanes:
            self._lanes.remove(node)
            self._lanes_lost += 1
        workload: Workload = self.assigned_work.pop(node)
        left = [nodeid for unit in workload.values() for nodeid, done in unit.items() if not done]
        if not left:
            return None
        crashitem, *requeued = left
        for nodeid in requeued:
            self._queue_of(nodeid)[nodeid] = {nodeid: False}
        for other in self.nodes:
            self._reschedule(other)
        return crashitem

    def _reschedule(self, node: Any) -> None:
        if node.shutting_down:
            return
        queue = self._queue_for(node)
        if queue is None:
            node.shutdown()
            return
        # xdist's heuristic: two tests ahead; a lane only one, so that no slow test waits
        # behind another on one lane while the other lane has none left
        if self._pending_of(self.assigned_work[node]) > (1 if self._lane_queue(queue) else 2):
            return
        scope, unit = queue.popitem(last=False)
        self.assigned_work[node][scope] = unit
        collection = self.registered_collections[node]
        node.send_runtest_some(
            [collection.index(nodeid) for nodeid, done in unit.items() if not done]
        )

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:  # a worker replaced after a crash
            for node in self.nodes:
                self._reschedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        for nodeid in self.collection:
            self._queue_of(nodeid)[nodeid] = {nodeid: False}
        lanes = len(self._slow_queue) + (1 if self._timed_queue else 0)
        self._lanes = self.nodes[: min(self._lane_count, lanes)]
        for _ in range(2):  # each worker starts with two units, as xdist's own schedulers do
            for node in self.nodes:
                self._reschedule(node)


class Controller:
    """The plugin of the controlling process (the one that starts the workers)."""

    def __init__(self, lanes: int) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="delegate-bot-xdist-"))
        self._slow_ids = self._folder / "slow-ids"
        self._lanes = lanes

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[SLOW_IDS] = str(self._slow_ids)

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None  # another --dist was asked for: xdist's own
        return SlowTestsTogether(config, log, self._slow_ids, self._lanes)

    def pytest_unconfigure(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


# This module is a pytest plugin (registered by tests/conftest.py); its hooks:


def pytest_configure(config: pytest.Config) -> None:
    """Registers the controller's plugin when this process starts xdist workers."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return
    if config.getoption("numprocesses", None):
        lanes = config.stash.get(_LANES_KEY, 1)
        config.pluginmanager.register(Controller(lanes), "delegate-bot-xdist-controller")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker: writes the ids of the slow tests it collected, and of the timed ones
    among them, for the controller."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or SLOW_IDS not in workerinput:
        return
    for marker, name in (("slow", ""), (TIMING, f"-{TIMING}")):
        marked = [item.nodeid for item in items if item.get_closest_marker(marker) is not None]
        written = Path(f"{workerinput[SLOW_IDS]}{name}.{workerinput['workerid']}")
        written.write_text("".join(f"{nodeid}\n" for nodeid in marked), encoding="utf-8")


_NICED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """In a worker, with ``TEST_NICENESS``: its first test that starts no process lowers
    the worker's priority, for good (a lane's slow tests come before the others)."""
    config = item.config
    if not NICENESS or SLOW_IDS not in getattr(config, "workerinput", {}):
        return
    if not config.stash.get(_NICED, False) and item.get_closest_marker("slow") is None:
        config.stash[_NICED] = True
        os.nice(NICENESS)
