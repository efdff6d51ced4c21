"""The jobs' only door to Telegram: one send (or edit), one classified result."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    MenuButtonWebApp,
    MessageEntity,
    ReplyParameters,
    WebAppInfo,
)
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

from bot.domain.broadcasts import SENT_FROM_KEPT, KeptNotice, NoticeKind, source_gone
from bot.domain.durations import retry_after_seconds
from bot.domain.menus import CommandMenu
from bot.i18n import LANGUAGES
from bot.messages.keyboards import inline_markup_or_none
from bot.services.outbox.rows import (
    Blocked,
    Delivered,
    Outgoing,
    RateLimited,
    Rejected,
    SendResult,
    TransientFailure,
    Uncertain,
)

logger = logging.getLogger(__name__)

# "chat not found" is what Telegram says for a user who never opened the bot.
_UNREACHABLE_REQUESTS = ("chat not found", "user not found", "peer_id_invalid")


def _markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    return inline_markup_or_none(message.keyboard)


SecretariatMenu = Callable[[], Sequence[tuple[str | None, Sequence[BotCommand]]]]
"""The secretariat's command lists by language code (``None``: the one shown when no
language matches)."""


class TelegramNotifier:
    def __init__(
        self,
        bot: Bot,
        *,
        secretariat_menu: SecretariatMenu,
        webapp_url: str | None = None,
    ) -> None:
        self._bot = bot
        self._webapp_url = webapp_url
        """The Mini App's address (``WEBAPP_URL``): without it no menu button is set."""
        self._secretariat_menu = secretariat_menu
        """The secretariat's command lists (the handlers' catalogue, given by the runtime:
        jobs do not import handler modules)."""
        self._warned_no_webapp_url = False

    async def deliver(self, chat_id: int, message: Outgoing) -> SendResult:
        if message.edit_of is not None:
            return await self.edit(chat_id, message.edit_of, message)
        try:
            delivered = await self._send(chat_id, message)
        except Forbidden as error:
            return Blocked(error.message)
        except RetryAfter as error:
            return RateLimited(retry_after_seconds(error.retry_after))
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
        return delivered

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> SendResult:
        """Replaces a message's text and buttons (a broadcast's progress line, an offer
        closed).

        An edit changes nothing twice, so nothing is uncertain: a timeout is only a
        failure to try again. "Message is not modified" means it already shows this text.
        """
        try:
            await self._bot.edit_message_text(
                message.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=_markup(message),
            )
        except Forbidden as error:
            return Blocked(error.message)
        except RetryAfter as error:
            return RateLimited(retry_after_seconds(error.retry_after))
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return Delivered(message_id)
            return Rejected(error.message)
        except NetworkError as error:
            return TransientFailure(error.message)
        except TelegramError as error:
            return TransientFailure(f"{type(error).__name__}: {error.message}")
        return Delivered(message_id)

    async def _send(self, chat_id: int, message: Outgoing) -> Delivered | Rejected:
        if message.command_menu is not None or message.menu_button is not None:
            return await self._menus(chat_id, message)
        reply = (
            ReplyParameters(message.reply_to, allow_sending_without_reply=True)
            if message.reply_to is not None
            else None
        )
        if message.copy_of is not None and message.album:
            from_chat, source_id = message.copy_of
            await self._bot.copy_messages(chat_id, from_chat, (source_id, *message.album))
            after = await self._bot.send_message(
                chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=_markup(message)
            )
            return Delivered(after.message_id)
        if message.copy_of is not None:
            from_chat, source_id = message.copy_of
            try:
                copied = await self._bot.copy_message(
                    chat_id,
                    from_chat,
                    source_id,
                    reply_markup=_markup(message),
                    reply_parameters=reply,
                )
            except BadRequest as error:
                # The secretary deleted the original: the notice kept at its arrival goes.
                if message.kept is None or not source_gone(error.message):
                    raise
            else:
                return Delivered(copied.message_id)
        if message.kept is not None:
            sent_id = await self._send_kept(chat_id, message.kept, _markup(message), reply)
            return Delivered(sent_id, SENT_FROM_KEPT)
        sent = await self._bot.send_message(
            chat_id,
            message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(message),
            reply_parameters=reply,
        )
        if message.document is not None:
            # The list itself went out; a lost attachment is logged, not re-sent with it.
            name, content = message.document
            try:
                await self._bot.send_document(chat_id, content, filename=name)
            except TelegramError:
                logger.exception("the attachment %s could not be sent", name)
        return Delivered(sent.message_id)

    async def _menus(self, chat_id: int, message: Outgoing) -> Delivered | Rejected:
        """Sets (or deletes) the chat's own command menus and sets its Mini App button.
        Both say what the chat has afterwards, so a retry is harmless.

        A button this process cannot set (no ``WEBAPP_URL`` here, one warning per
        process) fails the row, after the commands. Failed, the row is not counted as
        given, so once ``WEBAPP_URL`` is set where rows go out the button follows; the
        planner's wait, doubling per failed row, keeps it from looping meanwhile
        (``bot/services/menus/planning.py``). Recorded as sent, the planner would take
        the button for given and never plan it again."""
        if message.command_menu is not None:
            await self._command_menus(chat_id, message.command_menu)
        change = message.menu_button
        if change is None:
            return Delivered(0)
        if self._webapp_url is None:
            if not self._warned_no_webapp_url:
                logger.warning("a Mini App button is due but WEBAPP_URL is not set in this process")
                self._warned_no_webapp_url = True
            return Rejected("no WEBAPP_URL in the sending process")
        button = (
            MenuButtonWebApp(text=change.text, web_app=WebAppInfo(url=self._webapp_url))
            if change.text
            else MenuButtonDefault()
        )
        await self._bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
        return Delivered(0)

    async def _command_menus(self, chat_id: int, menu: CommandMenu) -> None:
        """The secretariat's lists in the chat's scope (each language's); the delegate's:
        the chat's own deleted, each language's, so the default list shows."""
        scope = BotCommandScopeChat(chat_id)
        if menu is CommandMenu.delegate:
            for language in (None, *LANGUAGES):
                await self._bot.delete_my_commands(scope=scope, language_code=language)
            return
        for language, commands in self._secretariat_menu():
            await self._bot.set_my_commands(commands, scope=scope, language_code=language)

    async def _send_kept(
        self,
        chat_id: int,
        kept: KeptNotice,
        markup: InlineKeyboardMarkup | None,
        reply: ReplyParameters | None,
    ) -> int:
        """The notice as it arrived: its entities as they were, so no parse mode."""
        entities = [MessageEntity.de_json(item, self._bot) for item in json.loads(kept.entities)]
        common: dict[str, Any] = {"reply_markup": markup, "reply_parameters": reply}
        if kept.kind is NoticeKind.text:
            sent = await self._bot.send_message(
                chat_id, kept.text, entities=entities, parse_mode=None, **common
            )
            return sent.message_id
        file_id = kept.file_id or ""  # a photo or document is always kept with its file
        caption: dict[str, Any] = {
            "caption": kept.text or None,
            "caption_entities": entities or None,
            "parse_mode": None,
        }
        if kept.kind is NoticeKind.photo:
            sent = await self._bot.send_photo(chat_id, file_id, **caption, **common)
        else:
            sent = await self._bot.send_document(chat_id, file_id, **caption, **common)
        return sent.message_id
