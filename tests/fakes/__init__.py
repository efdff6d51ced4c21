"""Test doubles: an in-process fake Telegram Bot API server and its simulated users."""

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.models import ApiCall, SentMessage, StoredFile, UploadedFile
from tests.fakes.protocol import BotApiError
from tests.fakes.users import FakeUser

__all__ = [
    "ApiCall",
    "BotApiError",
    "FakeBotApi",
    "FakeUser",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
]
