"""An edit of buttons that changes nothing: skipped when known, harmless when not."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.telegram.broadcasts import report
from bot.telegram.broadcasts.report import ShownLabels
from bot.telegram.context import BotContext

LABEL = "✅ Đã nhận lúc 8h00 ngày 01/12/2026"


class Bot:
    """Answers ``editMessageReplyMarkup`` as Telegram would: with ``error``, or done."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.edits: list[dict[str, Any]] = []

    async def edit_message_reply_markup(self, **params: Any) -> bool:
        self.edits.append(params)
        if self.error is not None:
            raise BadRequest(self.error)
        return True


def copy_showing(text: str, bot: Bot) -> Message:
    message = Message(
        message_id=5,
        date=datetime(2026, 12, 1, tzinfo=UTC),
        chat=Chat(id=8001, type="private"),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data="x")]]),
    )
    message.set_bot(cast(Any, bot))
    return message


def context() -> BotContext:
    return cast(BotContext, SimpleNamespace(bot_data={}))


async def test_a_label_already_shown_sends_no_edit() -> None:
    bot = Bot()
    await report._show_acknowledged(copy_showing(LABEL, bot), LABEL, 1, context())
    assert bot.edits == []


async def test_another_processs_edit_is_no_error_and_is_remembered() -> None:
    """The copy as pressed still shows «Đã nhận», but another process has edited it:
    Telegram refuses the edit as not modified; no error, and the next tap sends none."""
    bot = Bot("Bad Request: message is not modified: specified new message content and "
              "reply markup are exactly the same")  # fmt: skip
    shared = context()
    await report._show_acknowledged(copy_showing("Đã nhận", bot), LABEL, 1, shared)
    assert len(bot.edits) == 1
    assert ShownLabels.of(shared).get(8001, 5) == LABEL
    await report._show_acknowledged(copy_showing("Đã nhận", bot), LABEL, 1, shared)
    assert len(bot.edits) == 1


async def test_a_failed_edit_raises_and_is_forgotten() -> None:
    bot = Bot("Bad Request: message to edit not found")
    shared = context()
    with pytest.raises(BadRequest):
        await report._show_acknowledged(copy_showing("Đã nhận", bot), LABEL, 1, shared)
    assert ShownLabels.of(shared).get(8001, 5) is None
