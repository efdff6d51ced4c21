"""The CLI speaks Vietnamese to the clerk, English on request, never the system locale."""

from __future__ import annotations

import argparse
import gettext
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.cli import build_parser, main
from bot.cli.parsing import choose_language

# Words a council clerk does not know, and argparse's English that must not leak through.
FORBIDDEN = (
    "upsert", "rrule", "lock", "sigint", "sigterm", "alembic", "migration", "stdout",
    "usage:", "options:", "show this help", "positional arguments", "error:",
)  # fmt: skip


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand, the root (``()``) first."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from command_paths(subparser, (*prefix, name))


COMMANDS = list(command_paths(build_parser("vi")))


@pytest.fixture(autouse=True)
def no_cli_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLI_LANG", raising=False)


def help_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--help"])
    assert caught.value.code == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_every_command_is_walked() -> None:
    assert ("delegates", "import") in COMMANDS
    assert ("schedule", "list") in COMMANDS
    assert len(COMMANDS) >= 14


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "root")
def test_help_is_vietnamese_without_jargon(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(list(path), capsys)
    assert "Cách dùng: delegate-bot" in text
    assert "xem hướng dẫn này rồi thoát" in text
    found = [word for word in FORBIDDEN if word in text.lower()]
    assert not found, f"{found} in:\n{text}"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "root")
def test_lang_en_gives_english_help(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_text(["--lang", "en", *path], capsys)
    assert text.startswith("usage: delegate-bot")
    assert "show this help message and exit" in text
    assert "Cách dùng" not in text


def test_lang_after_the_subcommand_works_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert "usage: delegate-bot schedule list" in help_text(
        ["schedule", "list", "--lang", "en"], capsys
    )


def test_cli_lang_switches_to_english_but_lang_does_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert "Cách dùng: delegate-bot schedule" in help_text(["schedule"], capsys)
    monkeypatch.setenv("CLI_LANG", "en")
    assert "usage: delegate-bot schedule" in help_text(["schedule"], capsys)
    # --lang wins over CLI_LANG
    assert "Cách dùng:" in help_text(["--lang", "vi", "schedule"], capsys)


@pytest.mark.slow  # starts python -m bot
def test_a_real_process_ignores_the_system_locale() -> None:
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}
    env.pop("CLI_LANG", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "delegates", "--help"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Cách dùng: delegate-bot delegates" in result.stdout
    env["CLI_LANG"] = "en"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "delegates", "--help"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert "usage: delegate-bot delegates" in result.stdout


@pytest.mark.parametrize(
    ("argv", "vietnamese", "english"),
    [
        (["delegates", "frobnicate"], "lựa chọn không hợp lệ: 'frobnicate'", "invalid choice"),
        ([], "thiếu tham số bắt buộc: LỆNH", "the following arguments are required: COMMAND"),
        (["schedule", "ics"], "thiếu tham số bắt buộc: --delegate", "arguments are required"),
        (["demo", "seed", "--nope"], "không hiểu tham số: --nope", "unrecognized arguments"),
        (["schedule", "list", "--from"], "cần ghi một giá trị", "expected one argument"),
    ],
)
def test_usage_errors_speak_the_language_and_exit_2(
    argv: list[str], vietnamese: str, english: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for language, expected, prefix in [("vi", vietnamese, "lỗi:"), ("en", english, "error:")]:
        with pytest.raises(SystemExit) as caught:
            main(["--lang", language, *argv])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert expected in err
        assert f"delegate-bot{' ' if argv else ''}" in err
        assert prefix in err


def test_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--lang", "fr", "schedule", "list"])
    assert caught.value.code == 2
    assert "lựa chọn không hợp lệ: 'fr'" in capsys.readouterr().err


def test_argparse_is_left_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    help_text(["schedule"], capsys)
    assert vars(argparse)["_"] is gettext.gettext
    assert vars(argparse)["ngettext"] is gettext.ngettext


@pytest.mark.parametrize(
    ("argv", "environ", "language"),
    [
        ([], {}, "vi"),
        ([], {"LANG": "en_US.UTF-8"}, "vi"),
        ([], {"CLI_LANG": "en"}, "en"),
        ([], {"CLI_LANG": "en_US"}, "en"),
        ([], {"CLI_LANG": "fr"}, "vi"),
        (["--lang", "en", "run"], {}, "en"),
        (["--lang=en", "run"], {}, "en"),
        (["run", "--lang", "vi"], {"CLI_LANG": "en"}, "vi"),
        (["--lang", "fr", "run"], {"CLI_LANG": "en"}, "en"),
        (["--lang", "en", "--lang", "vi"], {}, "vi"),
        (["delegates", "import", "--", "--lang", "en"], {}, "vi"),
    ],
)
def test_choose_language(argv: list[str], environ: dict[str, str], language: str) -> None:
    assert choose_language(argv, environ) == language
