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


def test_a_traceback_carrying_the_token_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.logging_setup import configure_logging

    configure_logging("INFO")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot123456789:{TOKEN_SECRET}/getMe")
    except RuntimeError:
        logging.getLogger("test").exception("request failed for 0912345678")
    finally:
        logging.getLogger().handlers.clear()
    output = capsys.readouterr().err
    assert "Traceback" in output
    assert TOKEN_SECRET not in output
    assert "0912345678" not in output


async def test_a_failed_statement_does_not_log_its_parameters(sqlite_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from bot.db import create_engine

    engine = create_engine(sqlite_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (phone TEXT UNIQUE)"))
            await connection.execute(text("INSERT INTO t VALUES (:p)"), {"p": "0912345678"})
            with pytest.raises(IntegrityError) as caught:
                await connection.execute(text("INSERT INTO t VALUES (:p)"), {"p": "0912345678"})
    finally:
        await engine.dispose()
    assert "0912345678" not in str(caught.value)
