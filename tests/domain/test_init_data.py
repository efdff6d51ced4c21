"""initData as Telegram documents it: the documented example, and every refusal."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.domain.init_data import (
    MAX_AGE,
    InitDataError,
    InvalidInitData,
    sign,
    validate,
)

TOKEN = "7342037359:AAHI25ES9xCOMPtaBaRStjQNuE3s7FqlQ7U"
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
USER = '{"id":279058397,"first_name":"Vladislav","language_code":"en"}'


def fields(auth_date: datetime = NOW) -> dict[str, str]:
    return {"query_id": "AAHdF6IQ", "user": USER, "auth_date": str(int(auth_date.timestamp()))}


def test_hash_is_the_documented_hmac() -> None:
    """Computed independently of the module: the key is HMAC("WebAppData", token)."""
    data = fields()
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    assert dict(parse_qsl(sign(data, TOKEN)))["hash"] == expected


def test_good_init_data_gives_the_user() -> None:
    user = validate(sign(fields(), TOKEN), token=TOKEN, now=NOW + timedelta(hours=1))
    assert (user.id, user.language_code, user.first_name) == (279058397, "en", "Vladislav")


def test_signature_field_is_part_of_the_checked_data() -> None:
    """Telegram adds ``signature`` (Ed25519, for third parties); the HMAC covers it too."""
    raw = sign({**fields(), "signature": "abc"}, TOKEN)
    assert validate(raw, token=TOKEN, now=NOW).id == 279058397
    tampered = dict(parse_qsl(raw)) | {"signature": "abd"}
    with pytest.raises(InvalidInitData) as refused:
        validate(urlencode(tampered), token=TOKEN, now=NOW)
    assert refused.value.reason is InitDataError.bad_signature


def refusal(raw: str | None, *, now: datetime = NOW, token: str = TOKEN) -> InitDataError:
    with pytest.raises(InvalidInitData) as refused:
        validate(raw, token=token, now=now)
    return refused.value.reason


def test_refusals() -> None:
    good = sign(fields(), TOKEN)
    assert refusal(None) is InitDataError.missing
    assert refusal("") is InitDataError.missing
    assert refusal(good, token="1:another") is InitDataError.bad_signature
    assert refusal(good.replace("Vladislav", "Vladimir")) is InitDataError.bad_signature
    assert refusal(good, now=NOW + MAX_AGE + timedelta(seconds=1)) is InitDataError.expired
    assert refusal(good, now=NOW - timedelta(hours=1)) is InitDataError.expired
    assert refusal("a=1&&b") is InitDataError.malformed
    assert refusal(good + "&hash=00") is InitDataError.malformed  # a repeated field
    assert refusal("x" * 9000) is InitDataError.malformed
    no_user = sign({"auth_date": str(int(NOW.timestamp()))}, TOKEN)
    assert refusal(no_user) is InitDataError.no_user
    bad_user = sign({**fields(), "user": '{"id":"12"}'}, TOKEN)
    assert refusal(bad_user) is InitDataError.malformed
    no_date = sign({"user": USER}, TOKEN)
    assert refusal(no_date) is InitDataError.malformed


def test_at_most_a_day_old_is_good() -> None:
    good = sign(fields(), TOKEN)
    assert validate(good, token=TOKEN, now=NOW + MAX_AGE).id == 279058397
