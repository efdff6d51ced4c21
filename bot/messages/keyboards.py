"""The one place a keyboard description becomes python-telegram-bot's markup.

Handlers (``bot/telegram``), texts (``bot/messages``) and jobs all describe their
buttons with ``bot.domain.keyboards``; this module sits below the handlers and the jobs
(tests/test_layers.py), so both reach it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.domain.keyboards import Button, KeyboardButton, UrlButton, WebAppButton


def inline_button(button: KeyboardButton) -> InlineKeyboardButton:
    match button:
        case Button(text=text, callback_data=data):
            return InlineKeyboardButton(text, callback_data=data)
        case UrlButton(text=text, url=url):
            return InlineKeyboardButton(text, url=url)
        case WebAppButton(text=text, url=url):
            return InlineKeyboardButton(text, web_app=WebAppInfo(url=url))
    raise TypeError(f"not a keyboard button: {button!r}")


def inline_markup(rows: Iterable[Iterable[KeyboardButton]]) -> InlineKeyboardMarkup:
    """The markup of ``rows``, in order; no rows gives an empty keyboard (it removes one)."""
    return InlineKeyboardMarkup([[inline_button(b) for b in row] for row in rows])


def inline_markup_or_none(
    rows: Iterable[Iterable[KeyboardButton]],
) -> InlineKeyboardMarkup | None:
    """``None`` when there is no button at all: the message goes without a keyboard."""
    built = [[inline_button(b) for b in row] for row in rows]
    return InlineKeyboardMarkup(built) if built else None
