"""Settings: defaults of the contract and clear errors naming the variable."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.config import Settings
from bot.domain.durations import QuietHours


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    s = settings()
    assert s.DATABASE_URL == "sqlite+aiosqlite:///./data/delegate-bot.db"
    assert s.TELEGRAM_API_URL == "https://api.telegram.org"
    assert s.TIMEZONE == "Asia/Ho_Chi_Minh"
    assert frozenset() == s.ADMIN_TELEGRAM_IDS
    assert QuietHours(time(21), time(7)) == s.QUIET_HOURS
    assert s.REMINDER_OFFSETS["reception"] == (
        timedelta(days=3),
        timedelta(days=1),
        timedelta(hours=2),
    )
    assert s.REMINDER_OFFSETS["voter_meeting"] == (
        timedelta(days=7),
        timedelta(days=1),
        timedelta(hours=2),
    )
    assert s.REMINDER_OFFSETS["session"] == (timedelta(days=7), timedelta(days=1))
    assert s.REMINDER_OFFSETS["other"] == (timedelta(days=1),)
    assert timedelta(minutes=30) == s.REPORT_PROMPT_DELAY
    assert timedelta(days=1) == s.REPORT_FOLLOWUP_AFTER
    assert timedelta(days=3) == s.REPORT_ESCALATE_AFTER
    assert s.LOG_LEVEL == "INFO"
    assert s.DISPATCH_INTERVAL == 10


def test_environment_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "11, 22,33")
    monkeypatch.setenv("REMINDER_OFFSETS", '{"reception": ["1d", "30m"]}')
    monkeypatch.setenv("QUIET_HOURS", "off")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DISPATCH_INTERVAL", "2")
    s = settings()
    assert frozenset({11, 22, 33}) == s.ADMIN_TELEGRAM_IDS
    assert s.REMINDER_OFFSETS["reception"] == (timedelta(days=1), timedelta(minutes=30))
    assert s.REMINDER_OFFSETS["session"] == (timedelta(days=7), timedelta(days=1))
    assert s.QUIET_HOURS is None
    assert s.TELEGRAM_API_URL == "http://127.0.0.1:8081"
    assert s.DISPATCH_INTERVAL == 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TIMEZONE", "Asia/Hanoi_City"),
        ("REMINDER_OFFSETS", "{reception: 3d}"),
        ("REMINDER_OFFSETS", '{"reception": ["3 days"]}'),
        ("REMINDER_OFFSETS", '{"meeting": ["1d"]}'),
        ("REMINDER_OFFSETS", '["1d"]'),
        ("QUIET_HOURS", "21h-7h"),
        ("QUIET_HOURS", "21:00"),
        ("QUIET_HOURS", "07:00-07:00"),
        ("ADMIN_TELEGRAM_IDS", "12,abc"),
        ("REPORT_PROMPT_DELAY", "soon"),
        ("LOG_LEVEL", "LOUD"),
        ("DISPATCH_INTERVAL", "0"),
        ("DISPATCH_INTERVAL", "301"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        settings()
    assert caught.value.errors()[0]["loc"] == (variable,)


def test_cli_reports_bad_configuration_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("QUIET_HOURS", "late")
    with pytest.raises(SystemExit) as caught:
        main(["db", "upgrade"])
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "QUIET_HOURS" in err
    assert "21:00-07:00" in err


def test_webhook_requires_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret-value-of-32-characters-ok")
    assert settings().WEBHOOK_URL == "https://bot.example.org/hook"


@pytest.mark.parametrize(
    "secret",
    [
        "a" * 257,
        "with space and 32 characters long!",
        "dấu-tiếng-việt-không-được-phép-dùng-ở-đây",
        "slash/and+plus=are-not-allowed-by-telegram",
    ],
)
def test_webhook_secret_must_follow_telegrams_rule(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as caught:
        settings()
    (error,) = caught.value.errors()
    assert error["loc"] == ("WEBHOOK_SECRET",)
    assert "1 to 256 characters" in error["msg"]
    assert secret not in str(caught.value)  # a secret, even a bad one, is never echoed


@pytest.mark.parametrize("secret", ["a" * 32, "Az09_-" * 42 + "abcd", "x" * 256])
def test_webhook_secret_accepts_telegrams_alphabet(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    value = settings().WEBHOOK_SECRET
    assert value is not None
    assert value.get_secret_value() == secret
    assert settings().startup_warnings() == []


@pytest.mark.parametrize("secret", ["s3cret-value", "a" * 31, "x"])
def test_a_short_webhook_secret_only_with_a_test_bot_api(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    """Telegram takes 1 to 256 characters. Under 32 the secret can be guessed: refused
    with Telegram's own servers; a test or self-hosted server starts with a warning."""
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError, match="at least 32 characters") as caught:
        settings()
    assert secret not in str(caught.value)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")
    (warning,) = settings().startup_warnings()
    assert "WEBHOOK_SECRET is shorter than 32 characters" in warning
    assert secret not in warning


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://bot.example.org/hook", True),
        ("http://127.0.0.1:8443/hook", True),  # a Bot API server on this machine
        ("http://localhost/hook", True),
        ("http://[::1]:8443/hook", True),
        ("http://bot.example.org/hook", False),
        ("http://10.0.0.5/hook", False),
        ("ftp://bot.example.org/hook", False),
    ],
)
def test_plain_http_webhook_only_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str, accepted: bool
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "a" * 32)
    monkeypatch.setenv("WEBHOOK_URL", url)
    if accepted:
        assert url == settings().WEBHOOK_URL
    else:
        with pytest.raises(ValidationError, match="https://"):
            settings()


@pytest.mark.parametrize("name", ["WEBHOOK_URL", "WEBAPP_URL"])
def test_a_test_or_self_hosted_bot_api_may_use_plain_http_anywhere(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Only Telegram's own servers insist on https://; a test server is told any address."""
    monkeypatch.setenv("WEBHOOK_SECRET", "a" * 32)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://botapi:8081")
    monkeypatch.setenv(name, "http://bot:8443/path")
    configured = settings()
    assert getattr(configured, name) == "http://bot:8443/path"
    warnings = configured.startup_warnings()  # accepted, and said to be unencrypted
    assert any(f"{name} http://bot:8443/path is plain http://" in w for w in warnings)
    monkeypatch.setenv(name, "ftp://bot:8443/path")
    with pytest.raises(ValidationError, match="https://"):
        settings()


@pytest.mark.parametrize(
    ("url", "warns"),
    [
        ("https://api.telegram.org", False),
        ("http://127.0.0.1:8081", False),
        ("http://localhost:8081", False),
        ("http://[::1]:8081", False),
        ("http://10.0.0.5:8081", True),
        ("http://botapi.example.org", True),
    ],
)
def test_plain_http_bot_api_elsewhere_is_warned_about(url: str, warns: bool) -> None:
    warning = settings(TELEGRAM_API_URL=url).insecure_api_warning()
    assert (warning is not None) == warns
    if warning is not None:
        assert "TELEGRAM_API_URL" in warning
        assert url in warning


def test_petition_answer_days_default_and_override() -> None:
    from bot.config import Settings

    assert Settings(_env_file=None).PETITION_ANSWER_DAYS["proposal"] == 15  # type: ignore[call-arg]
    settings = Settings(_env_file=None, PETITION_ANSWER_DAYS='{"proposal": 10}')  # type: ignore[call-arg,arg-type]
    assert settings.PETITION_ANSWER_DAYS == {
        "complaint": 30,
        "denunciation": 30,
        "proposal": 10,
        "feedback": 15,
        "opinion": 30,
    }


@pytest.mark.parametrize("raw", ['{"letter": 10}', '{"proposal": 0}', '{"proposal": "x"}', "[1]"])
def test_petition_answer_days_refused(raw: str) -> None:
    from pydantic import ValidationError

    from bot.config import Settings

    with pytest.raises(ValidationError):
        Settings(_env_file=None, PETITION_ANSWER_DAYS=raw)  # type: ignore[call-arg,arg-type]


def test_the_mini_app_listens_on_loopback_and_needs_https(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    s = settings()
    assert (s.WEBAPP_URL, s.WEBAPP_PORT, s.WEBAPP_LISTEN) == (None, None, "127.0.0.1")
    assert settings(WEBAPP_URL="https://bot.example.vn/app/").WEBAPP_URL == (
        "https://bot.example.vn/app/"
    )
    assert settings(WEBAPP_URL="http://127.0.0.1:8090/app/").WEBAPP_URL is not None  # a test
    with pytest.raises(ValidationError, match="WEBAPP_URL must be an https:// URL"):
        settings(WEBAPP_URL="http://bot.example.vn/app/")
    with pytest.raises(ValidationError, match="WEBAPP_PORT"):
        settings(WEBAPP_PORT=70000)
