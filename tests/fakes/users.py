"""The user side of the fake Bot API: simulated people chatting privately with the bot."""

# ruff: noqa: ASYNC109  (the wait helpers take an explicit timeout by design)

from __future__ import annotations

import asyncio
import mimetypes
import re
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.models import JSON, SentMessage
from tests.fakes.telegram_html import utf16_len

if TYPE_CHECKING:
    from tests.fakes.bot_api import FakeBotApi

# what Telegram marks as a bot_command entity at the start of a message
COMMAND_PATTERN = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


class FakeUser:
    """A Telegram user in a private chat with the bot (chat id == user id).

    Create one with :meth:`FakeBotApi.user`. The user counts as having started the bot
    once they send anything; until then, and while :attr:`blocked`, the bot's sends to
    them fail with 403.
    """

    def __init__(
        self,
        server: FakeBotApi,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.server = server
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False
        self.blocked = False

    def __repr__(self) -> str:
        return f"FakeUser({self.user_id}, {self.first_name!r})"

    @property
    def chat_id(self) -> int:
        """The id of the private chat with the bot (the user id)."""
        return self.user_id

    def user_dict(self) -> JSON:
        """The Bot API ``User`` object."""
        user: JSON = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if (value := getattr(self, key)) is not None:
                user[key] = value
        return user

    def chat_dict(self) -> JSON:
        """The Bot API ``Chat`` object of the private chat."""
        chat: JSON = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if (value := getattr(self, key)) is not None:
                chat[key] = value
        return chat

    # ------------------------------------------------------------------ what the bot sent

    @property
    def messages(self) -> list[SentMessage]:
        """Messages the bot sent this user, oldest first."""
        return self.server.sent_to(self.user_id)

    @property
    def last_message(self) -> SentMessage:
        """The bot's latest message to this user; AssertionError if there is none."""
        messages = self.messages
        if not messages:
            raise AssertionError(f"the bot sent nothing to {self!r}")
        return messages[-1]

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """All the bot's messages to this user, once there are at least ``count``."""
        return await self.server.wait_for_messages(self.user_id, count, timeout)

    async def send_and_wait(
        self, text: str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Send ``text`` and return the ``count`` (or more) messages the bot sends after it."""
        before = len(self.messages)
        await self.send(text)
        messages = await self.wait_for_messages(before + count, timeout)
        return messages[before:]

    # ------------------------------------------------------------------ actions

    async def send(
        self,
        text: str,
        *,
        reply_to: SentMessage | int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """Send a text message (``/command`` gets its ``bot_command`` entity); returns it.

        ``entities`` is the formatting the user applied (bold, italic…), as Telegram
        reports it: UTF-16 offsets and lengths.
        """
        entities = list(entities or [])
        if match := COMMAND_PATTERN.match(text):
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match[0])})
        message = self._new_message(text=text, entities=entities)
        return await self._deliver(message, reply_to)

    async def send_document(
        self,
        filename: str,
        data: bytes,
        caption: str | None = None,
        *,
        mime_type: str | None = None,
    ) -> JSON:
        """Send a file as a document (the bot can ``getFile`` and download it); returns it."""
        mime_type = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        message = self._new_message(caption=caption)
        message.document = self.server.store_file(data, filename, mime_type)
        return await self._deliver(message, None)

    def delete(self, message: SentMessage | JSON | int) -> None:
        """Delete one of this chat's messages in the user's app (the bot hears nothing of
        it; copying it afterwards is 400 "message to copy not found", as on Telegram)."""
        if isinstance(message, SentMessage):
            message_id = message.message_id
        elif isinstance(message, int):
            message_id = message
        else:
            message_id = int(message["message_id"])
        found = self.server.message(self.user_id, message_id)
        if found is None:
            raise AssertionError(f"no message {message_id} to delete in {self!r}'s chat")
        found.deleted = True

    async def send_album(
        self, files: list[tuple[str, bytes]], caption: str | None = None
    ) -> list[JSON]:
        """Send documents as one album, as Telegram does: one message (and one update)
        per file, sharing a ``media_group_id``; the caption rides on the first."""
        group = f"album-{self.user_id}-{len(self.messages)}"
        sent = []
        for index, (filename, data) in enumerate(files):
            mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            message = self._new_message(caption=caption if index == 0 else None)
            message.document = self.server.store_file(data, filename, mime_type)
            message.media_group_id = group
            sent.append(await self._deliver(message, None))
        return sent

    async def press(self, message: SentMessage | int, button: str) -> str:
        """Press the inline button (by text, else callback_data) on the bot's ``message``.

        Enqueues a ``callback_query`` update and returns its id (see
        :meth:`FakeBotApi.wait_for_callback_answer`).
        """
        message_id = message if isinstance(message, int) else message.message_id
        current = self.server.message(self.user_id, message_id)
        if current is None or not current.from_bot:
            raise AssertionError(f"{self!r} has no message {message_id} from the bot")
        if self.blocked:
            raise AssertionError(f"{self!r} blocked the bot and cannot press buttons")
        found = current.find_button(button)
        if found is None or "callback_data" not in found:
            available = [(b.get("text"), b.get("callback_data")) for b in current.buttons]
            raise AssertionError(
                f"no callback button {button!r} on message {message_id}; buttons: {available!r}"
            )
        query_id = self.server.new_callback_query(self.user_id, message_id, found["callback_data"])
        self.server.enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": self.user_dict(),
                "message": current.to_dict(),
                "chat_instance": f"chat-{self.user_id}",
                "data": found["callback_data"],
            },
        )
        await asyncio.sleep(0)
        return query_id

    async def send_sticker(self) -> JSON:
        """Send a sticker (no text at all): the bot must still answer sensibly."""
        message = self._new_message()
        payload = message.to_dict()
        payload["sticker"] = {
            "file_id": f"sticker-{message.message_id}",
            "file_unique_id": f"u-sticker-{message.message_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        self.unblock()
        self.started = True
        self.server.store_message(message)
        self.server.enqueue_update("message", payload)
        await asyncio.sleep(0)
        return payload

    async def press_data(self, message: SentMessage | int, callback_data: str) -> str:
        """Replay ``callback_data`` on ``message`` as if an old or forged button were pressed
        (Telegram delivers whatever data a client sends); returns the query id."""
        message_id = message if isinstance(message, int) else message.message_id
        current = self.server.message(self.user_id, message_id)
        if current is None:
            raise AssertionError(f"{self!r} has no message {message_id}")
        query_id = self.server.new_callback_query(self.user_id, message_id, callback_data)
        self.server.enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": self.user_dict(),
                "message": current.to_dict(),
                "chat_instance": f"chat-{self.user_id}",
                "data": callback_data,
            },
        )
        await asyncio.sleep(0)
        return query_id

    def block(self) -> None:
        """Block the bot: its sends now get 403 (a ``my_chat_member`` update is queued)."""
        if not self.blocked:
            self.blocked = True
            self._member_update("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot (a ``my_chat_member`` update is queued)."""
        if self.blocked:
            self.blocked = False
            self._member_update("kicked", "member")

    # ------------------------------------------------------------------ internals

    def _new_message(self, **content: Any) -> SentMessage:
        return SentMessage(
            chat=self.chat_dict(),
            sender=self.user_dict(),
            message_id=self.server.new_message_id(self.user_id),
            date=int(time.time()),
            method="",
            from_bot=False,
            **content,
        )

    async def _deliver(self, message: SentMessage, reply_to: SentMessage | int | None) -> JSON:
        """Start (and unblock) the bot if needed, store the message and queue its update."""
        replied = None
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = self.server.message(self.user_id, reply_id)
            if replied is None:
                raise AssertionError(f"no message {reply_id} to reply to in {self!r}'s chat")
        self.unblock()
        self.started = True
        self.server.store_message(message)
        payload = message.to_dict()
        if replied is not None:
            message.reply_to_message_id = replied.message_id
            payload["reply_to_message"] = replied.to_dict()
        self.server.enqueue_update("message", payload)
        await asyncio.sleep(0)
        return payload

    def _member_update(self, old_status: str, new_status: str) -> None:
        def member(status: str) -> JSON:
            member: JSON = {"status": status, "user": self.server.bot_user}
            if status == "kicked":
                member["until_date"] = 0
            return member

        self.server.enqueue_update(
            "my_chat_member",
            {
                "chat": self.chat_dict(),
                "from": self.user_dict(),
                "date": int(time.time()),
                "old_chat_member": member(old_status),
                "new_chat_member": member(new_status),
            },
        )
