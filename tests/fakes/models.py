"""What the fake Bot API server records: calls, files and the messages in each chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request, as the bot uploaded it."""

    filename: str | None
    mime_type: str | None
    data: bytes = field(repr=False)


@dataclass(slots=True)
class ApiCall:
    """One request to ``/bot<token>/<method>``.

    ``params`` holds the decoded parameters (JSON-serialized ones parsed, uploaded files
    as :class:`UploadedFile`); ``status`` and ``response`` stay ``None`` while the call is
    in flight (a long poll, an injected delay).
    """

    method: str
    params: JSON
    at: float
    status: int | None = None
    response: JSON | None = None

    @property
    def done(self) -> bool:
        """Whether the server has answered."""
        return self.status is not None

    @property
    def ok(self) -> bool:
        """Whether the answer was ``{"ok": true, ...}``."""
        return self.status == 200

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        return None if self.response is None else self.response.get("description")


@dataclass(slots=True)
class StoredFile:
    """A file known to the server: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    mime_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """File size in bytes."""
        return len(self.data)

    def file_dict(self) -> JSON:
        """The ``File`` object ``getFile`` returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }

    def document_dict(self) -> JSON:
        """The ``Document`` object of a message."""
        document: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename is not None:
            document["file_name"] = self.filename
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document

    def photo_sizes(self) -> list[JSON]:
        """The ``PhotoSize`` list of a photo message (dimensions are placeholders)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": 800,
                "height": 600,
            }
        ]


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """The content of a message before an edit."""

    text: str | None
    caption: str | None
    entities: list[JSON]
    source: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    edit_date: int | None


@dataclass(slots=True)
class SentMessage:
    """A message in a private chat, sent by the bot (``from_bot``) or by the user.

    ``text`` and ``caption`` are the *visible* text after entity parsing; ``source`` is
    the text or caption exactly as the bot sent it (e.g. with HTML tags) and
    ``parse_mode`` the mode it was sent with. Edits update the message in place and
    push the previous content onto ``history``.
    """

    chat: JSON = field(repr=False)
    sender: JSON = field(repr=False)
    message_id: int
    date: int
    method: str
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    entities: list[JSON] = field(default_factory=list)
    source: str | None = None
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to_message_id: int | None = None
    params: JSON = field(default_factory=dict, repr=False)
    history: list[MessageVersion] = field(default_factory=list, repr=False)
    edit_date: int | None = None
    deleted: bool = False
    media_group_id: str | None = None
    """The album the message belongs to (several photos or documents sent together)."""

    @property
    def chat_id(self) -> int:
        """The chat the message is in (for private chats: the user's id)."""
        return int(self.chat["id"])

    @property
    def content(self) -> str:
        """Visible text, or caption for media ("" when there is neither)."""
        return self.text if self.text is not None else self.caption or ""

    @property
    def edits(self) -> int:
        """How many times the message was edited."""
        return len(self.history)

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def find_button(self, label_or_data: str) -> JSON | None:
        """The inline button with this text, else with this ``callback_data``."""
        for key in ("text", "callback_data"):
            for button in self.buttons:
                if button.get(key) == label_or_data:
                    return button
        return None

    def snapshot(self) -> MessageVersion:
        """The current content, to keep in ``history`` before an edit."""
        return MessageVersion(
            text=self.text,
            caption=self.caption,
            entities=list(self.entities),
            source=self.source,
            parse_mode=self.parse_mode,
            reply_markup=self.reply_markup,
            edit_date=self.edit_date,
        )

    def to_dict(self) -> JSON:
        """The Bot API ``Message`` object."""
        message: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": dict(self.chat),
            "from": dict(self.sender),
        }
        entities_key = "entities"
        if self.text is not None:
            message["text"] = self.text
        if self.document is not None:
            message["document"] = self.document.document_dict()
        if self.photo is not None:
            message["photo"] = self.photo.photo_sizes()
        if self.caption is not None:
            message["caption"] = self.caption
            entities_key = "caption_entities"
        if self.entities:
            message[entities_key] = [dict(entity) for entity in self.entities]
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.media_group_id is not None:
            message["media_group_id"] = self.media_group_id
        return message
