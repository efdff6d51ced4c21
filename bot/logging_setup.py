"""Logging that never writes the bot token or a phone number."""

from __future__ import annotations

import logging
import re

# A Vietnamese phone number as people write it: "0912345678", "0912 345 678",
# "0912.345.678", "091-234-5678", "+84 912 345 678", "+84 (0) 912 345 678", "84912345678".
# Groups of 2 to 4 digits share one separator, so "09-10-2026 10:30" is two things, not one;
# _is_phone then counts the digits (ids, counts and dates lack the 0 or 84, or the length).
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[.-])"  # not inside a word, an id or a dotted/dashed number
    r"(?:\(?(?P<international>\+84|0084|84)\)?(?:[ .-]?\(0\))?[ .\u00a0-]?|(?=0))"
    r"(?P<number>\d{2,6}(?:(?P<separator>[ \u00a0]{1,2}|[.-])\d{2,6})"
    r"(?:(?P=separator)\d{2,6}){0,3}|\d{8,11})"
    r"(?!\w|[.-]\d)"  # nor followed by more of one
)
# A landline with its area code in brackets: "(028) 3823 4567".
_BRACKETED_AREA = re.compile(
    r"\((0\d{1,3})\)[ .\u00a0]?(\d{2,4}(?:[ .\u00a0-]?\d{2,4}){1,3})(?![\w.-]\d|\d)"
)
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
# An invite token travels in "/start <token>" (and in t.me links as ?start=<token>).
_INVITE = re.compile(r"(/start\s+|[?&]start=)[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """The text with bot tokens, invite tokens and phone numbers masked."""
    redacted = _TOKEN.sub("<token>", text)
    redacted = _INVITE.sub(r"\1<invite>", redacted)
    redacted = _BRACKETED_AREA.sub(_mask_bracketed, redacted)
    return _PHONE.sub(_mask_phone, redacted)


def _mask_bracketed(match: re.Match[str]) -> str:
    digits = match[1] + re.sub(r"\D", "", match[2])
    return "<phone>" if _is_phone(digits, international=False) else match[0]


def _mask_phone(match: re.Match[str]) -> str:
    """The match with its phone number masked: the run of digit groups that is one (the
    longest), so "0912 345 678 12" keeps its "12" and "08 0912 345 678" its "08"."""
    separator = match["separator"] or ""
    groups = match["number"].split(separator) if separator else [match["number"]]
    international = match["international"] is not None
    best: tuple[int, int, int] | None = None  # (digits, first group, end group)
    for first in range(1 if international else len(groups)):
        for end in range(first + 1, len(groups) + 1):
            digits = "".join(groups[first:end])
            if _is_phone(digits, international) and (best is None or len(digits) > best[0]):
                best = (len(digits), first, end)
    if best is None:
        return match[0]
    _, first, end = best
    before = separator.join(groups[:first]) + separator if first else ""
    after = separator + separator.join(groups[end:]) if end < len(groups) else ""
    return f"{before}<phone>{after}"  # an international prefix goes with the number


def _is_phone(digits: str, international: bool) -> bool:
    # Since 2018: mobiles 0 + 9 digits, landlines 0 + 10 (so 9 or 10 after 84). A 10-digit
    # Telegram id that happens to start with 84 is 84 + 8 digits: not a phone.
    if international:  # the national number after 84, without its 0
        return 9 <= len(digits) <= 10 and not digits.startswith("0")
    return digits.startswith("0") and 10 <= len(digits) <= 11


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
