"""``delegate-bot db copy --from URL --to URL`` as an operator runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROSTER = (
    "code,full_name,council,level,unit,constituency,phone,role\n"
    "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,delegate\n"
)


def test_copy_into_an_empty_database_then_refuse_a_second_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    source = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    target = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("DATABASE_URL", source)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["delegates", "import", "roster.csv"]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--from", source, "--to", target]) == 0
    output = capsys.readouterr().out
    assert "delegates: 1" in output
    assert "khớp" in output
    assert main(["db", "copy", "--from", source, "--to", target]) == 1  # not empty any more
    assert "không sao chép" in capsys.readouterr().err.lower()
