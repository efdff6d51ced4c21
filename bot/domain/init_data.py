"""Telegram Mini App ``initData``: checked exactly as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app

The data is a URL query string. Every field but ``hash`` (``signature`` included, as
Telegram's own example does), sorted by name and joined as ``name=value`` lines, is the
data-check string; the key is HMAC-SHA-256 of the bot token keyed with ``"WebAppData"``,
and ``hash`` is the hex HMAC-SHA-256 of the data-check string with that key. The
comparison is constant-time; ``auth_date`` must be at most :data:`MAX_AGE` old (and not
from the future beyond a little clock skew). Pure: the clock is an argument.

No maintained library fits: the Telegram-specific ones are either whole bot frameworks
(aiogram's ``safe_parse_webapp_init_data``) or unmaintained, and the rule is ten lines.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an ``auth_date`` may be: Telegram's clock and ours differ a little."""
MAX_LENGTH = 8192
"""Longer initData is refused unread: real ones are well under 1 KB."""


class InitDataError(StrEnum):
    """Why initData was refused (said in the 401 answer; none of them leaks the token)."""

    missing = "missing"
    malformed = "malformed"
    bad_signature = "bad_signature"
    expired = "expired"
    no_user = "no_user"


class InvalidInitData(Exception):
    def __init__(self, reason: InitDataError) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    language_code: str | None
    first_name: str
    auth_date: datetime


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "hash")


def sign(fields: Mapping[str, str], token: str) -> str:
    """The initData Telegram would give for these fields (tests and the demo use it)."""
    digest = hmac.new(
        _secret(token), _data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    return urlencode({**fields, "hash": digest})


def validate(raw: str | None, *, token: str, now: datetime) -> WebAppUser:
    """The signed user; :class:`InvalidInitData` with the reason otherwise."""
    if not raw:
        raise InvalidInitData(InitDataError.missing)
    if len(raw) > MAX_LENGTH:
        raise InvalidInitData(InitDataError.malformed)
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData(InitDataError.malformed) from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:  # a repeated field is a forgery
        raise InvalidInitData(InitDataError.malformed)
    expected = hmac.new(
        _secret(token), _data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, fields["hash"].lower()):
        raise InvalidInitData(InitDataError.bad_signature)
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InvalidInitData(InitDataError.malformed) from None
    if now - auth_date > MAX_AGE or auth_date - now > CLOCK_SKEW:
        raise InvalidInitData(InitDataError.expired)
    return _user(fields.get("user"), auth_date)


def _user(raw: str | None, auth_date: datetime) -> WebAppUser:
    if raw is None:
        raise InvalidInitData(InitDataError.no_user)
    try:
        user = json.loads(raw)
        user_id = user["id"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInitData(InitDataError.malformed) from None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise InvalidInitData(InitDataError.malformed)
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        language_code=language if isinstance(language, str) else None,
        first_name=str(user.get("first_name", "")),
        auth_date=auth_date,
    )
