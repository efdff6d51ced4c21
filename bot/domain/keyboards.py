"""Inline keyboards as plain data: rows of buttons, each a label and what it does.

Texts and jobs describe a keyboard with these values (they are compared, stored on an
:class:`~bot.services.outbox.rows.Outgoing`, tested without Telegram); only
``bot.messages.keyboards.inline_markup`` turns them into python-telegram-bot objects.
Each kind of button is its own frozen dataclass, not a tuple: a callback button never
equals a link button with the same two strings, and a button is not unpacked by position.
Import them from here, the one path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.callbacks import Callback, encode


@dataclass(frozen=True)
class Button:
    """A button that sends ``callback_data`` back to the bot (see ``bot.domain.buttons``)."""

    text: str
    callback_data: str


@dataclass(frozen=True)
class UrlButton:
    """A button that opens a web page (or a ``tg://`` link) in the user's client."""

    text: str
    url: str


@dataclass(frozen=True)
class WebAppButton:
    """A button that opens the Mini App at ``url`` (HTTPS) inside Telegram."""

    text: str
    url: str


KeyboardButton = Button | UrlButton | WebAppButton
Row = tuple[KeyboardButton, ...]
Keyboard = tuple[Row, ...]


def callback_button(text: str, data: Callback) -> Button:
    """A button carrying one of the typed callbacks of ``bot.domain.buttons``."""
    return Button(text, encode(data))


def in_rows(buttons: Sequence[KeyboardButton], per_row: int) -> Keyboard:
    """``buttons`` laid out ``per_row`` to a row, the last row possibly shorter."""
    if per_row < 1:
        raise ValueError("per_row must be at least 1")
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
