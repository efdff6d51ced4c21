"""The dispatcher's only door to Telegram: one send, one classified result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.services.outbox import (
    Blocked,
    Button,
    Delivered,
    RateLimited,
    Rejected,
    SendResult,
    TransientFailure,
    Uncertain,
)

# "chat not found" is what Telegram says for a user who never opened the bot.
_UNREACHABLE_REQUESTS = ("chat not found", "user not found", "peer_id_invalid")


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, text: str, buttons: Sequence[Button]) -> SendResult:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in buttons]]
            )
            if buttons
            else None
        )
        try:
            message = await self._bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except Forbidden as error:
            return Blocked(error.message)
        except RetryAfter as error:
            return RateLimited(retry_after_seconds(error))
        except TimedOut as error:
            return Uncertain(f"timed out: {error.message}")
        except BadRequest as error:
            if any(marker in error.message.lower() for marker in _UNREACHABLE_REQUESTS):
                return Blocked(error.message)
            return Rejected(error.message)
        except ChatMigrated as error:
            return Rejected(error.message)
        except NetworkError as error:
            return TransientFailure(error.message)
        except TelegramError as error:  # e.g. InvalidToken: retried, then failed, and logged
            return TransientFailure(f"{type(error).__name__}: {error.message}")
        return Delivered(message.message_id)
