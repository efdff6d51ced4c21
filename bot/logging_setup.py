"""Logging that never writes the bot token or a phone number."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)\d{8,10}(?!\d)")
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
# An invite token travels in "/start <token>" (and in t.me links as ?start=<token>).
_INVITE = re.compile(r"(/start\s+|[?&]start=)[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """The text with bot tokens, invite tokens and phone numbers masked."""
    redacted = _TOKEN.sub("<token>", text)
    redacted = _INVITE.sub(r"\1<invite>", redacted)
    return _PHONE.sub("<phone>", redacted)


class RedactingFilter(logging.Filter):
    """Masks tokens and phone numbers in every record, whichever library logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingFormatter(logging.Formatter):
    """Masks the whole formatted record: a traceback (``exc_text``) or an exception's
    message can carry a request URL with the token, which the filter never sees."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # "generated new fontManager" on the first chart: English noise on the clerk's screen.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
