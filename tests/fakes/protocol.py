"""The Bot API wire protocol as the fake server speaks it: decoding and checking requests.

How PTB (and any Bot API client) sends a call: ``POST /bot<token>/<method>`` with the
parameters form-urlencoded, or as ``multipart/form-data`` when a file is uploaded (the
file is the part named after the parameter, or ``attach://<part>``); strings go as they
are, every other value JSON-encoded (``true``, ``123``, ``{"inline_keyboard": ...}``).
Telegram also accepts a JSON body and query-string parameters, and so does the fake.

Everything here is stateless: the rules that depend on chats, users or time live in
:mod:`tests.fakes.bot_api`.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from aiohttp import web

from tests.fakes.models import JSON, UploadedFile
from tests.fakes.spec import BotApiSpec, FieldSpec, MethodSpec
from tests.fakes.telegram_html import (
    EntityParseError,
    FormattedText,
    UnsupportedParseModeError,
    format_text,
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100
BOT_COMMAND_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
# InlineKeyboardButton fields that are not the button's action
BUTTON_DECORATIONS = frozenset({"text", "icon_custom_emoji_id", "style"})

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class BotApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        """The JSON body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    """A 400 answer, described ``Bad Request: <reason>`` as Telegram does."""
    return BotApiError(400, f"Bad Request: {reason}")


def json_response(payload: JSON | None, status: int | None) -> web.Response:
    """A Bot API answer (``status`` is ``None`` only if the handler never answered)."""
    return web.json_response(payload, status=status or 500)


# ---------------------------------------------------------------------- decoding


async def read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Query-string and body parameters (form, multipart or JSON) and uploaded files."""
    params: JSON = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
        return params, files
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
        else:
            params[name] = value
    return params, files


def decode_params(method: MethodSpec, raw: JSON, files: dict[str, UploadedFile]) -> JSON:
    """Decode the parameters by their spec types and check that required ones are present.

    Unknown parameters are kept as sent (Telegram ignores them).
    """
    params: JSON = {}
    for name, value in raw.items():
        spec_field = method.fields.get(name)
        params[name] = value if spec_field is None else decode_value(spec_field, value, files)
    for name, upload in files.items():
        if name in method.fields and name not in params:
            params[name] = upload
    for spec_field in method.required_fields:
        if spec_field.name not in params:
            raise bad_request(f"{spec_field.name} is required")
    return params


def decode_value(spec_field: FieldSpec, value: Any, files: dict[str, UploadedFile]) -> Any:
    """Decode one parameter sent as a string by its spec types (JSON-body values pass)."""
    if not isinstance(value, str):
        return value
    name, types = spec_field.name, spec_field.types
    if value.startswith("attach://") and spec_field.accepts_file:
        part = value.removeprefix("attach://")
        if part not in files:
            raise bad_request(f"file {value} not found")
        return files[part]
    if "Integer" in types:
        try:
            return int(value)
        except ValueError:
            if "String" not in types:
                raise bad_request(
                    f'invalid value of parameter "{name}": expected an Integer'
                ) from None
    if "Float" in types:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f'invalid value of parameter "{name}": expected a Float') from None
    if "Boolean" in types:
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        raise bad_request(f'invalid value of parameter "{name}": expected a Boolean')
    if "String" in types or "InputFile" in types:
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {name} JSON object") from None


# ---------------------------------------------------------------------- content checks


def checked_text(params: JSON, key: str, *, caption: bool) -> FormattedText | None:
    """The visible text of ``params[key]`` (a text or a caption), checked as Telegram does.

    Text must be 1-4096 UTF-16 code units after entity parsing; a caption 0-1024 (a
    missing caption gives ``None``).
    """
    if key not in params:
        if caption:
            return None
        raise bad_request("message text is empty")
    entities_key = "caption_entities" if caption else "entities"
    try:
        formatted = format_text(
            str(params[key]), params.get("parse_mode"), params.get(entities_key)
        )
    except UnsupportedParseModeError:
        raise bad_request("unsupported parse_mode") from None
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    if caption:
        if formatted.length > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
    elif not formatted.text:
        raise bad_request("message text is empty")
    elif formatted.length > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted


def check_reply_markup(spec: BotApiSpec, markup: Any) -> JSON | None:
    """Validate a reply markup: each inline button needs exactly one action, and
    ``callback_data`` must be 1-64 bytes of UTF-8."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    actions = set(spec.types["InlineKeyboardButton"]) - BUTTON_DECORATIONS
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        used = actions.intersection(button)
        if not used:
            raise bad_request("text buttons are unallowed in the inline keyboard")
        if len(used) > 1:
            raise bad_request("BUTTON_TYPE_INVALID")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
    return markup


def check_commands(commands: Any) -> list[JSON]:
    """The ``setMyCommands`` list: lowercase names of 1-32 characters, 1-256 character
    descriptions, at most 100 commands."""
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON object")
    checked = []
    for command in commands:
        if not isinstance(command, dict) or not BOT_COMMAND_PATTERN.fullmatch(
            str(command.get("command", ""))
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command["command"], "description": command["description"]})
    return checked


# The ``type`` each MenuButton subtype carries (the spec's words "must be web_app" etc.).
MENU_BUTTON_TYPES = {
    "commands": "MenuButtonCommands",
    "web_app": "MenuButtonWebApp",
    "default": "MenuButtonDefault",
}
MAX_MENU_BUTTON_TEXT = 64  # what Telegram's clients show; longer is refused ("BUTTON_TEXT_INVALID")


def check_menu_button(button: Any, spec: BotApiSpec) -> JSON:
    """A ``MenuButton`` as ``setChatMenuButton`` takes it: a known subtype with its
    required fields, and for ``web_app`` a non-empty text and an https:// URL."""
    if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    fields = spec.types[MENU_BUTTON_TYPES[button["type"]]]
    for name, field in fields.items():
        if field.required and name not in button:
            raise bad_request(f"menu button: {name} is required")
    if button["type"] != "web_app":
        return {"type": button["type"]}
    text = button.get("text")
    if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_MENU_BUTTON_TEXT:
        raise bad_request("BUTTON_TEXT_INVALID")
    web_app = button.get("web_app")
    if not isinstance(web_app, dict) or not set(web_app) <= set(spec.types["WebAppInfo"]):
        raise bad_request("can't parse web_app JSON object")
    url = web_app.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise bad_request("WEB_APP_URL_INVALID")  # Telegram opens only https:// Mini Apps
    return {"type": "web_app", "text": text, "web_app": {"url": url}}
