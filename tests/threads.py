"""Which thread a function ran in: CPU-bound building must leave the event loop's thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class ThreadSpy:
    """Wraps ``function`` and records the thread of every call; built on the event loop's
    thread (a test coroutine), so ``off_loop`` says whether every call ran elsewhere."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.loop_thread = threading.get_ident()
        self.threads: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        return self.function(*args, **kwargs)

    @property
    def off_loop(self) -> bool:
        return bool(self.threads) and self.loop_thread not in self.threads
