"""Which Python programs a test starts, seen through the interpreter's audit events.

A test that starts ``python -m bot …`` (or ``delegate-bot``, or any Python interpreter)
takes seconds, not milliseconds, and must carry the ``slow`` marker so that
``pytest -m "not slow"`` leaves it out. ``tests/conftest.py`` watches every test and fails
one that starts such a process without the marker, so a new process test cannot forget it.
Other programs (``fc-list`` from matplotlib's font cache, say) are not counted.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

PYTHON_PROGRAM = re.compile(r"^(python[0-9.]*|delegate-bot)$")
IN_A_SHELL_COMMAND = re.compile(r"(^|[\s/])(python[0-9.]*|delegate-bot)(\s|$)")

_installed = False
_started: list[str] | None = None  # the current test's, while one is watched


def _name(value: Any) -> str:
    return os.fsdecode(value) if isinstance(value, str | bytes | os.PathLike) else str(value)


def starts_python(executable: Any, argv: Sequence[Any]) -> bool:
    """Whether this command line runs a Python interpreter or the bot's console script."""
    program = _name(executable)
    if os.path.realpath(program) == os.path.realpath(sys.executable):
        return True
    if PYTHON_PROGRAM.match(os.path.basename(program)):
        return True
    if os.path.basename(program) in {"sh", "bash", "dash"} and "-c" in map(_name, argv):
        return any(IN_A_SHELL_COMMAND.search(_name(arg)) for arg in argv)
    return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _started is None:
        return
    # asyncio's subprocesses come through Popen too; os.posix_spawn gives (path, argv, env)
    if event in {"subprocess.Popen", "os.posix_spawn"}:
        executable, argv = args[0], args[1]
    elif event == "os.system":  # (command,)
        executable, argv = "/bin/sh", ["/bin/sh", "-c", args[0]]
    else:
        return
    argv = [argv] if isinstance(argv, str | bytes | os.PathLike) else list(argv)
    if starts_python(executable, argv):
        _started.append(" ".join(_name(arg) for arg in argv))


def install() -> None:
    """Adds the audit hook, once per interpreter (audit hooks cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


@contextmanager
def watching() -> Iterator[list[str]]:
    """Collects the Python command lines started inside the block."""
    global _started
    outer, _started = _started, []
    try:
        yield _started
    finally:
        _started = outer
