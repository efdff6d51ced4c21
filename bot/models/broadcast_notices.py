"""What a broadcast's notice says, kept at its arrival, for when its original is gone.

Copies are ``copyMessage`` of the secretary's message; if the secretary deletes it after
«Xác nhận», every copy would fail. The notice's text and entities (or its file and
caption) are kept here, and sent as they are when the copy cannot be made.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel


class BroadcastNotice(SQLModel, table=True):
    __tablename__ = "broadcast_notices"

    broadcast_id: int = Field(
        sa_column=Column(Integer, ForeignKey("broadcasts.id"), primary_key=True)
    )
    # text | photo | document
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    # The text, or the caption of a photo or document ("" for none).
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Telegram's MessageEntity list as JSON (formatting kept without re-parsing HTML).
    entities: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    file_id: str | None = Field(default=None, sa_column=Column(String(256), nullable=True))
