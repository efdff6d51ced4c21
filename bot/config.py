"""Settings: the only reader of the environment. Built once in the entry point."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.durations import QuietHours, parse_duration, parse_quiet_hours
from bot.domain.petitions import DEFAULT_ANSWER_DAYS

EVENT_KINDS = ("reception", "voter_meeting", "session", "deadline", "supervision", "other")

DEFAULT_REMINDER_OFFSETS: dict[str, list[str]] = {
    "reception": ["3d", "1d", "2h"],
    "voter_meeting": ["7d", "1d", "2h"],
    "session": ["7d", "1d"],
    "deadline": ["3d", "1d", "2h"],
    "supervision": ["3d", "1d"],
    "other": ["1d"],
}

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/delegate-bot.db"

# What Telegram accepts as a webhook's secret_token. Shorter than 32 characters it can be
# guessed: refused with Telegram's own servers, accepted with a warning with a test or
# self-hosted Bot API server (Settings.startup_warnings).
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_SECRET_SAFE_LENGTH = 32
WEBHOOK_SECRET_RULE = (
    "1 to 256 characters, only A-Z, a-z, 0-9, _ and -; 32 or more to resist guessing "
    "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
)
TELEGRAM_API = "https://api.telegram.org"


def _short(secret: SecretStr) -> bool:
    return len(secret.get_secret_value()) < WEBHOOK_SECRET_SAFE_LENGTH


def is_local_host(url: str) -> bool:
    """Whether the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _offsets(raw: dict[str, list[str]]) -> dict[str, tuple[timedelta, ...]]:
    return {
        kind: tuple(sorted((parse_duration(item) for item in items), reverse=True))
        for kind, items in raw.items()
    }


class Settings(BaseSettings):
    """Configuration contract (see DESIGN.md). Field names are the variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=True,
        # Error texts never repeat a value: it may be the token, a secret or a password.
        hide_input_in_errors=True,
    )

    BOT_TOKEN: SecretStr | None = None
    BOT_USERNAME: str | None = None
    DATABASE_URL: str = DEFAULT_DATABASE_URL
    TELEGRAM_API_URL: str = TELEGRAM_API
    TIMEZONE: str = "Asia/Ho_Chi_Minh"
    ADMIN_TELEGRAM_IDS: Annotated[frozenset[int], NoDecode] = frozenset()
    REMINDER_OFFSETS: Annotated[dict[str, tuple[timedelta, ...]], NoDecode] = Field(
        default_factory=lambda: _offsets(DEFAULT_REMINDER_OFFSETS)
    )
    QUIET_HOURS: Annotated[QuietHours | None, NoDecode] = parse_quiet_hours("21:00-07:00")
    REPORT_PROMPT_DELAY: Annotated[timedelta, NoDecode] = timedelta(minutes=30)
    REPORT_FOLLOWUP_AFTER: Annotated[timedelta, NoDecode] = timedelta(days=1)
    REPORT_ESCALATE_AFTER: Annotated[timedelta, NoDecode] = timedelta(days=3)
    # Availability: how many stand-in candidates are asked at once, and how long before
    # the start the office is asked to choose when nobody has taken the place.
    SUBSTITUTE_FANOUT: int = Field(default=3, ge=1, le=20)
    SUBSTITUTE_ESCALATE_BEFORE: Annotated[timedelta, NoDecode] = timedelta(days=2)
    WEBHOOK_URL: str | None = None
    WEBHOOK_SECRET: SecretStr | None = None
    WEBHOOK_LISTEN: str = "0.0.0.0"  # noqa: S104 - a webhook must listen beyond loopback
    WEBHOOK_PORT: int = 8443
    # 28, not Telegram's 30: sends leave on an exact grid 1/28 s apart, so two messages'
    # worth of network jitter (~70 ms) must bunch up before Telegram counts a 31st in a
    # second, and a second process sharing the token (`run` beside the sending `worker`)
    # keeps about 2/s for its replies. 28 is 93 % of the limit.
    SEND_RATE: float = Field(default=28.0, gt=0, le=30)
    # Updates each Telegram user may have handled: this many a minute, in bursts of
    # USER_UPDATE_BURST. Beyond it one "slow down" answer, then silence until it refills.
    USER_UPDATES_PER_MINUTE: float = Field(default=20.0, gt=0)
    USER_UPDATE_BURST: int = Field(default=5, ge=1)
    # Shown to delegates where a person is needed ("Văn phòng HĐND và UBND xã …",
    # "Đ/c Lan, 0912 345 678"); empty: the bot says "the council office".
    SECRETARIAT_NAME: str = ""
    SECRETARIAT_CONTACT: str = ""
    HEALTH_PORT: int | None = Field(default=None, ge=1, le=65535)
    # Bounds on each database call of `run` and `worker` (seconds): connecting, one
    # statement (PostgreSQL statement_timeout; SQLite's wait for another writer) and the
    # wait for a pooled connection. A job then always ends while the database is away,
    # and the next run resumes when it is back. Migrations at start-up are not bounded.
    DB_CONNECT_TIMEOUT: float = Field(default=10.0, gt=0, le=600)
    DB_STATEMENT_TIMEOUT: float = Field(default=60.0, gt=0, le=3600)
    DB_POOL_TIMEOUT: float = Field(default=10.0, gt=0, le=600)
    # Seconds between the dispatcher's safety ticks in `run` and `worker`: each looks for
    # rows due that no wake-up announced (queued by the CLI, or by a process without
    # NOTIFY: SQLite) and, on PostgreSQL, lets a standby process take over the sender's
    # role: after the sender dies, sending resumes within about this long.
    DISPATCH_INTERVAL: float = Field(default=10.0, ge=1, le=300)

    # Days from forwarding a petition or voters' opinion to the agency's answer, by type.
    PETITION_ANSWER_DAYS: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_ANSWER_DAYS)
    )

    # The Mini App (bot/web): its public address (the menu button opens it), and where
    # this process serves it with /healthz; loopback by default, a TLS proxy in front.
    WEBAPP_URL: str | None = None
    WEBAPP_PORT: int | None = Field(default=None, ge=1, le=65535)
    WEBAPP_LISTEN: str = "127.0.0.1"
    LOG_LEVEL: str = "INFO"

    @field_validator("TIMEZONE")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (expected e.g. Asia/Ho_Chi_Minh)"
            ) from None
        return value

    @field_validator("TELEGRAM_API_URL")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @field_validator("WEBHOOK_SECRET")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Never echo the value: it is a secret even when it is a bad one.
        if value is not None and not WEBHOOK_SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError(f"must be {WEBHOOK_SECRET_RULE}")
        return value

    @field_validator("ADMIN_TELEGRAM_IDS", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            try:
                return frozenset(int(item) for item in items)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a comma-separated list of numeric Telegram user ids"
                ) from None
        return value

    @field_validator("REMINDER_OFFSETS", mode="before")
    @classmethod
    def _reminder_offsets(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        raw = _json_object(value, '{"reception": ["3d", "1d"]}')
        merged = dict(DEFAULT_REMINDER_OFFSETS)
        for kind, items in raw.items():
            if kind not in EVENT_KINDS:
                raise ValueError(f"unknown event kind {kind!r} (one of {', '.join(EVENT_KINDS)})")
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError(f'{kind}: expected a list of lead times such as ["3d", "2h"]')
            merged[kind] = items
        return _offsets(merged)

    @field_validator("PETITION_ANSWER_DAYS", mode="before")
    @classmethod
    def _petition_answer_days(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        raw = _json_object(value, '{"complaint": 30, "proposal": 15}')
        merged = dict(DEFAULT_ANSWER_DAYS)
        for kind, days in raw.items():
            if kind not in DEFAULT_ANSWER_DAYS:
                raise ValueError(f"unknown type {kind!r} (one of {', '.join(DEFAULT_ANSWER_DAYS)})")
            if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
                raise ValueError(f"{kind}: expected a whole number of days from 1 to 365")
            merged[kind] = days
        return merged

    @field_validator("QUIET_HOURS", mode="before")
    @classmethod
    def _quiet_hours(cls, value: Any) -> Any:
        return parse_quiet_hours(value) if isinstance(value, str) else value

    @field_validator(
        "REPORT_PROMPT_DELAY",
        "REPORT_FOLLOWUP_AFTER",
        "REPORT_ESCALATE_AFTER",
        "SUBSTITUTE_ESCALATE_BEFORE",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @model_validator(mode="after")
    def _webhook_and_mini_app_urls(self) -> Settings:
        # Without the secret anyone who finds the URL could post updates "from" an admin.
        if self.WEBHOOK_URL and self.WEBHOOK_SECRET is None:
            raise ValueError(
                f"WEBHOOK_SECRET is required when WEBHOOK_URL is set ({WEBHOOK_SECRET_RULE})"
            )
        for name in ("WEBHOOK_URL", "WEBAPP_URL"):
            url = getattr(self, name)
            if url is not None and not self._may_use(url):
                raise ValueError(f"{name} must be an https:// URL (Telegram requires it)")
        secret = self.WEBHOOK_SECRET
        if self._with_telegram and secret is not None and _short(secret):
            raise ValueError(
                f"WEBHOOK_SECRET must be at least {WEBHOOK_SECRET_SAFE_LENGTH} characters with "
                f"Telegram's own servers ({WEBHOOK_SECRET_RULE})"
            )
        return self

    @property
    def _with_telegram(self) -> bool:
        """Talking to Telegram's own servers, not a self-hosted or test Bot API server."""
        return self.TELEGRAM_API_URL == TELEGRAM_API

    def _may_use(self, url: str) -> bool:
        """Telegram calls only https:// webhooks and opens only https:// Mini Apps. Plain
        http:// is for this machine, or for a self-hosted or test Bot API server, which
        may be told any address (with a warning at start, :meth:`startup_warnings`)."""
        if url.startswith("https://"):
            return True
        if not url.startswith("http://"):
            return False
        return is_local_host(url) or not self._with_telegram

    def startup_warnings(self) -> list[str]:
        """What ``run`` and ``worker`` log once at start: accepted, but unsafe."""
        warnings = [] if (api := self.insecure_api_warning()) is None else [api]
        secret = self.WEBHOOK_SECRET
        if secret is not None and _short(secret):
            warnings.append(
                f"WEBHOOK_SECRET is shorter than {WEBHOOK_SECRET_SAFE_LENGTH} characters: "
                "whoever guesses it can post updates as any user; "
                f"use {WEBHOOK_SECRET_RULE.split('; ', 1)[1]}"
            )
        for name in ("WEBHOOK_URL", "WEBAPP_URL"):
            url = getattr(self, name)
            if url is not None and url.startswith("http://") and not is_local_host(url):
                warnings.append(
                    f"{name} {url} is plain http:// to another machine: "
                    + (
                        "the webhook's secret crosses the network unencrypted"
                        if name == "WEBHOOK_URL"
                        else "users' signed login data (initData) cross the network unencrypted"
                    )
                    + "; use https:// outside a test"
                )
        return warnings

    def insecure_api_warning(self) -> str | None:
        """A warning when the token would travel unencrypted: plain http:// to another host."""
        url = self.TELEGRAM_API_URL
        if url.startswith("http://") and not is_local_host(url):
            return (
                f"TELEGRAM_API_URL {url} is plain http:// to another machine: the bot token "
                "and every message cross the network unencrypted; use https:// or a Bot API "
                "server on this machine"
            )
        return None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.TIMEZONE)

    def token(self) -> str:
        """The bot token; callers that need Telegram check ``BOT_TOKEN`` is set first."""
        if self.BOT_TOKEN is None:
            raise RuntimeError("BOT_TOKEN is not set")
        return self.BOT_TOKEN.get_secret_value()


def _json_object(value: str, example: str) -> dict[str, Any]:
    """A setting written as a JSON object; the error names the form with ``example``."""
    try:
        raw = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"expected a JSON object such as {example}")
    return raw
