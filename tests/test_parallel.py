"""``pytest`` (``TEST_SLOW_LANES=2``, the default): one worker per CPU and one more, two
of them the slow tests' lanes, the timed ones all on the first (tests/parallel.py);
``TEST_SLOW_LANES=0``: one per CPU, one lane."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import parallel

pytest_plugins = ("pytester",)


@pytest.mark.parametrize(
    ("expression", "may_run"),
    [
        ("", True),
        ("slow", True),
        ("not slow", False),
        ("slow or not slow", True),
        ("not (slow or postgres)", False),
        ("not postgres", True),
    ],
)
def test_extra_workers_only_when_slow_tests_may_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, expression: str, may_run: bool
) -> None:
    from xdist.plugin import pytest_xdist_auto_num_workers as per_cpu

    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "SLOW_LANES", 2)
    config = pytester.parseconfig(*(["-m", expression] if expression else []))
    assert parallel.slow_tests_may_run(config) is may_run
    expected = max(per_cpu(config) + 1, 3) if may_run else per_cpu(config)
    assert parallel.auto_num_workers(config) == expected  # two lanes, one worker more


def test_two_lanes_unless_the_environment_says() -> None:
    assert parallel.slow_lanes({}) == 2
    assert parallel.slow_lanes({"TEST_SLOW_LANES": ""}) == 2
    assert parallel.slow_lanes({"TEST_SLOW_LANES": "0"}) == 0
    assert parallel.slow_lanes({"TEST_SLOW_LANES": "1"}) == 1


def test_without_lanes_no_worker_of_their_own(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xdist.plugin import pytest_xdist_auto_num_workers as per_cpu

    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(parallel, "SLOW_LANES", 0)
    config = pytester.parseconfig()
    assert parallel.auto_num_workers(config) == per_cpu(config)


@pytest.mark.slow  # starts pytest-xdist workers, that is Python processes
def test_under_n_auto_two_lanes_run_the_slow_tests_beside_the_others(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # `tests`
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setenv("TEST_SLOW_LANES", "2")
    monkeypatch.setenv("TEST_NICENESS", "3")
    pytester.makeini(
        """
        [pytest]
        markers =
            slow: starts python -m bot
            timing: measures time
        """
    )
    pytester.makeconftest(
        """
        from tests import parallel

        def pytest_configure(config):
            config.pluginmanager.register(parallel, "delegate-bot-parallel")

        def pytest_xdist_auto_num_workers(config):
            return parallel.auto_num_workers(config)
        """
    )
    pytester.makepyfile(
        """
        import json
        import os
        import time

        import pytest

        def record(kind, seconds):
            started = time.monotonic()
            time.sleep(seconds)
            with open(f"{kind}-{os.environ['PYTEST_XDIST_WORKER']}", "a") as ran:
                ran.write(json.dumps([started, time.monotonic(), os.nice(0)]) + "\\n")

        @pytest.mark.slow
        @pytest.mark.timing
        @pytest.mark.parametrize("n", range(4))
        def test_timed(n):
            record("timed", 0.3)

        @pytest.mark.slow
        @pytest.mark.parametrize("n", range(6))
        def test_slow(n):
            record("slow", 0.4)

        @pytest.mark.parametrize("n", range(40))
        def test_fast(n):
            record("fast", 0.05)
        """
    )
    # only xdist: each worker starts faster without the other plugins
    no = ("no:cacheprovider", "no:asyncio", "no:anyio", "no:hypothesispytest")
    result = pytester.runpytest_subprocess("-n", "auto", "-v", *(f"-p{p}" for p in no))
    result.assert_outcomes(passed=50)
    result.stdout.fnmatch_lines(["*scheduling tests via SlowTestsTogether*"])

    def spans(kind: str) -> dict[str, list[tuple[float, float, int]]]:
        return {
            path.name.split("-", 1)[1]: [
                (start, end, nice)
                for start, end, nice in map(json.loads, path.read_text().splitlines())
            ]
            for path in pytester.path.glob(f"{kind}-gw*")
        }

    timed, slow, fast = spans("timed"), spans("slow"), spans("fast")
    assert len(timed) == 1, timed  # on the first lane only, so one at a time
    ((lane, timed_runs),) = timed.items()
    assert len(timed_runs) == 4
    # before that lane's other slow tests; TEST_NICENESS=3: the others with a lower priority
    assert all(end <= start for *_, end, _ in timed_runs for start, *_ in slow.get(lane, []))
    base = {nice for runs in (*timed.values(), *slow.values()) for *_, nice in runs}
    assert len(base) == 1, (timed, slow)
    lower = {nice for runs in fast.values() for *_, nice in runs}
    assert lower == {min(base.pop() + 3, 19)}, (timed, slow, fast)
    slow = {worker: slow.get(worker, []) + timed.get(worker, []) for worker in {*slow, *timed}}
    assert len(slow) == 2, slow  # two lanes
    assert sum(map(len, slow.values())) == 10
    starts_and_ends = sorted(
        (moment, step)
        for runs in slow.values()
        for start, end, _nice in runs
        for moment, step in ((start, 1), (end, -1))
    )
    running = [0]
    for _, step in starts_and_ends:
        running.append(running[-1] + step)
    assert max(running) == 2, starts_and_ends  # two at once, never more
    assert set(fast) - set(slow), fast  # others shared the other tests meanwhile
    created = re.search(r"created: (\d+)/\1 workers", result.stdout.str())
    assert created is not None, result.stdout.str()
    workers = int(created[1])
    assert workers >= 3  # one per CPU and one more: two lanes and one other at least
