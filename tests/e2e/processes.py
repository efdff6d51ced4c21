"""Real ``python -m bot …`` processes for end-to-end tests, always cleaned up.

Each process writes its stdout and stderr to a log file of its own, so a failing test
can show what the bot said; whatever happens in the test, every process still running
when the ``bot_processes`` block ends is killed and reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class BotProcess:
    command: str
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the container dies."""
        self.process.send_signal(signal.SIGKILL)

    async def terminate(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        """SIGTERM, then the exit code once the process has stopped by itself."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    def __str__(self) -> str:
        return f"`{self.command}` (pid {self.pid})"


async def start_bot(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_path: Path
) -> BotProcess:
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *command,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    return BotProcess(" ".join(command), process, log_path)


@asynccontextmanager
async def bot_processes(
    *commands: Sequence[str], env: Mapping[str, str], cwd: Path
) -> AsyncIterator[list[BotProcess]]:
    """Starts ``python -m bot <command>`` for each command; kills the survivors on exit."""
    started: list[BotProcess] = []
    try:
        for number, command in enumerate(commands, start=1):
            log_path = cwd / f"{number}-{'-'.join(command)}.log"
            started.append(await start_bot(command, env=env, cwd=cwd, log_path=log_path))
        yield started
    finally:
        for bot in started:
            if bot.alive:
                with contextlib.suppress(ProcessLookupError):
                    bot.kill()
        for bot in started:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.process.wait(), 10)


def logs(processes: Sequence[BotProcess], tail: int = 4000) -> str:
    """The end of each process's log, for assertion messages."""
    return "\n".join(
        f"----- {bot} exit={bot.process.returncode} -----\n{bot.log()[-tail:]}" for bot in processes
    )
