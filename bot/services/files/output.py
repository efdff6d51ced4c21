"""Files the product writes: whole or not at all, and owner-only when they hold people.

A fixed temporary name (``.out.tmp``) opened without ``O_EXCL`` would write into a file
someone else created there first (keeping their ownership and mode) and then rename it
over the output. ``tempfile.mkstemp`` creates a new file with ``O_CREAT | O_EXCL`` (and
``O_NOFOLLOW``) and mode 0600, in the output's folder so that the rename is atomic.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_MODE = 0o600
SHARED_MODE = 0o644


def write_atomically(data: bytes, out: Path, *, private: bool) -> None:
    """``data`` to ``out`` through a new temporary file; ``private`` files (names, phones,
    invite links) are readable by their owner only from the first byte on, the others
    get 0644 less the process umask. Raises ``OSError``; nothing is left half-written."""
    descriptor, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        if not private:
            os.fchmod(descriptor, SHARED_MODE & ~_umask())
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    """The process umask (read by setting it, the only portable way; CLI and setup code
    only, where no other thread creates files meanwhile)."""
    current = os.umask(0o077)
    os.umask(current)
    return current
