"""Logs never carry a bot token or a phone number, whichever library wrote them."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import RedactingFilter

TOKEN_SECRET = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("message", "args", "secret"),
    [
        ("POST https://api.telegram.org/bot%s/getMe", (f"123456789:{TOKEN_SECRET}",), TOKEN_SECRET),
        ("delegate phone %s", ("0912345678",), "0912345678"),
        ("delegate phone %s", ("+84912345678",), "912345678"),
    ],
)
def test_secrets_are_masked(message: str, args: tuple[str, ...], secret: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)
    assert RedactingFilter().filter(record)
    assert secret not in record.getMessage()


def test_ordinary_messages_are_untouched() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "delegate %s linked", ("ML-001",), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "delegate ML-001 linked"


def test_invite_tokens_are_masked() -> None:
    record = logging.LogRecord(
        "x",
        logging.DEBUG,
        __file__,
        1,
        "update %s",
        ('{"text": "/start Abc123_-xyzXYZ789"}',),
        None,
    )
    RedactingFilter().filter(record)
    assert "Abc123_-xyzXYZ789" not in record.getMessage()
    assert "/start <invite>" in record.getMessage()
