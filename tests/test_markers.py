"""A test that starts ``python -m bot`` is marked ``slow``, or it fails.

``pytest -m "not slow"`` leaves out the process-level tests; ``tests/conftest.py`` watches
every test (``tests/process_watch.py``) so that a new one cannot forget the marker.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests import process_watch

pytest_plugins = ("pytester",)

BOT = "/srv/delegate-bot/.venv/bin/delegate-bot"


def test_python_programs_are_seen_and_other_programs_are_not() -> None:
    # The audit events subprocess and os raise; nothing is started.
    with process_watch.watching() as started:
        sys.audit("subprocess.Popen", sys.executable, [sys.executable, "-m", "bot"], None, None)
        sys.audit("subprocess.Popen", BOT, [BOT, "worker"], "/srv/delegate-bot", None)
        sys.audit("subprocess.Popen", "/bin/sh", ["/bin/sh", "-c", "python3 -m bot run"], None, {})
        sys.audit("os.system", b"cd /tmp && python -m bot --help")
        sys.audit("subprocess.Popen", "fc-list", ["fc-list", "--format=%{file}\\n"], None, None)
        sys.audit("subprocess.Popen", "/bin/sh", ["/bin/sh", "-c", "git status"], None, None)
        sys.audit("os.system", "msgfmt -o x.mo x.po")
    assert started == [
        f"{sys.executable} -m bot",
        f"{BOT} worker",
        "/bin/sh -c python3 -m bot run",
        "/bin/sh -c cd /tmp && python -m bot --help",
    ]


def test_a_test_starting_python_without_the_marker_fails(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        markers = slow: starts python -m bot
        asyncio_default_fixture_loop_scope = function
        """
    )
    pytester.makeconftest(
        "from tests.conftest import _a_test_that_starts_python_is_slow  # noqa: F401\n"
    )
    pytester.makepyfile(
        """
        import sys

        import pytest

        def start_the_bot():
            sys.audit("subprocess.Popen", sys.executable, [sys.executable, "-m", "bot"], None, None)

        def test_unmarked():
            start_the_bot()

        @pytest.mark.slow
        def test_marked():
            start_the_bot()

        def test_no_process():
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_unmarked starts '* -m bot' but is not marked slow: add @pytest.mark.slow*"]
    )


@pytest.mark.slow  # starts pytest-xdist workers, that is Python processes
def test_under_xdist_the_slow_tests_run_on_one_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # `tests`
    pytester.makeini(
        """
        [pytest]
        markers = slow: starts python -m bot
        asyncio_default_fixture_loop_scope = function
        """
    )
    pytester.makeconftest(
        """
        from tests import parallel

        def pytest_configure(config):
            config.pluginmanager.register(parallel, "delegate-bot-parallel")
        """
    )
    pytester.makepyfile(
        """
        import os
        import time

        import pytest

        def record(kind):
            with open(f"{kind}-{os.environ['PYTEST_XDIST_WORKER']}", "a") as ran:
                ran.write("x")
            time.sleep(0.05)  # long enough for every worker to get work

        @pytest.mark.slow
        @pytest.mark.parametrize("n", range(6))
        def test_slow(n):
            record("slow")

        @pytest.mark.parametrize("n", range(20))
        def test_fast(n):
            record("fast")
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=26)
    result.stdout.fnmatch_lines(["*scheduling tests via SlowTestsTogether*"])
    slow = {path.name: len(path.read_text()) for path in pytester.path.glob("slow-gw*")}
    assert list(slow.values()) == [6], slow  # one worker ran them all
    fast = {path.name: len(path.read_text()) for path in pytester.path.glob("fast-gw*")}
    assert len(fast) == 2, fast  # the other tests were shared
