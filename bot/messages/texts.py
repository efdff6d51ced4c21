"""Keeping messages inside Telegram's limits."""

from __future__ import annotations

MAX_MESSAGE_LENGTH = 4096
_SAFE_LENGTH = 4000  # room for HTML tags that do not count but must stay balanced


def split_message(text: str, limit: int = _SAFE_LENGTH) -> list[str]:
    """Splits at line breaks into chunks of at most ``limit`` characters.

    Each line must carry balanced HTML on its own, which is how every message here is
    built, so a split between lines never breaks a tag. A single over-long line is cut
    hard (it can only be plain text from a file, escaped).
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = _safe_cut(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return chunks


def _safe_cut(line: str, limit: int) -> int:
    """A cut position at or before ``limit`` that does not split an ``&entity;``."""
    amp = line.rfind("&", max(0, limit - 10), limit)
    if amp > 0 and line.find(";", amp, limit) == -1:
        return amp
    return limit
