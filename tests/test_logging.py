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


@pytest.mark.parametrize(
    ("written", "logged"),
    [
        ("0912 345 678", "<phone>"),
        ("0912.345.678", "<phone>"),
        ("091-234-5678", "<phone>"),
        ("+84 912 345 678", "<phone>"),
        ("+84 (0) 912 345 678", "<phone>"),
        ("0084.912.345.678", "<phone>"),
        ("028 3823 4567", "<phone>"),
        ("(0912 345 678)", "(<phone>)"),
        ("0912 345 678 12 reports", "<phone> 12 reports"),
        ("08 0912 345 678", "08 <phone>"),
        ("0912 345678", "<phone>"),
        ("0912  345  678", "<phone>"),
        ("0912\u00a0345\u00a0678", "<phone>"),
        ("(+84) 912 345 678", "<phone>"),
        ("84912345678", "<phone>"),
        ("(028) 3823 4567", "<phone>"),
        ("(028) 38234567", "<phone>"),
    ],
)
def test_phone_numbers_written_in_groups_are_masked(written: str, logged: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", (written,), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == f"phone {logged}"


@pytest.mark.parametrize(
    "text",
    [
        "delegate 123456789 linked",
        "broadcast 2147483647 to 33501 of 33501 delegates",
        "bc:ack:9999999999",
        "user 900001 in chat -1001234567890",
        "session 2026-10-12 07:30, due 09.10.2026 08:00, 09-10-2026 10:30, 12/10/2026",
        "2026-12-07 13:12:36,123 quarter 2026-Q4",
        "ids 1 2 3 4 5 6 7 8 9 10, 10 000 000 rows, 0 12 345, 0.912345678",
        "delegate ML-00002, count 0912",
        "chat_id=8412345678 user 8400123456",  # Telegram ids that begin with 84
        "rows (01) 2 and (03) 12 34",
    ],
)
def test_ids_counts_and_dates_are_not_phone_numbers(text: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (text,), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == text


def test_a_grouped_phone_is_masked_in_the_written_log(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.logging_setup import configure_logging

    configure_logging("INFO")
    try:
        logging.getLogger("test").info("delegate %s: phone %s", "ML-001", "+84 912 345 678")
        logging.getLogger("test").warning("row 12: phone 0912.345.678 refused")
    finally:
        logging.getLogger().handlers.clear()
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "delegate ML-001: phone <phone>",
        "row 12: phone <phone> refused",
    ]


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
