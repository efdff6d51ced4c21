"""Keeping messages inside Telegram's limits."""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery
from telegram.error import BadRequest

from bot.config import Settings
from bot.i18n import Gettext

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


def contact_line(settings: Settings, _: Gettext) -> str:
    """Whom to ask when the bot cannot help: the office's name and contact, if configured."""
    office = settings.SECRETARIAT_NAME.strip() or _("the council office (Văn phòng HĐND)")
    if settings.SECRETARIAT_CONTACT.strip():
        return _("Contact: {office} — {contact}").format(
            office=escape(office), contact=escape(settings.SECRETARIAT_CONTACT.strip())
        )
    return _("Contact: {office}").format(office=escape(office))


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answers a button press; one handled late (after a restart, Telegram's answer window
    is a few minutes) has nobody waiting, and that is no reason to apologise."""
    try:
        await query.answer(text, show_alert=show_alert or None)
    except BadRequest as error:
        message = error.message.lower()
        if "query is too old" not in message and "query id is invalid" not in message:
            raise
