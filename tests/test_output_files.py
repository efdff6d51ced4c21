"""Output files (issue 18, item 10): a new temporary file (O_EXCL) in the output's
folder, never one planted there; owner-only when they name people."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli.common import write_bytes, write_csv
from bot.services.files.output import write_atomically


def test_a_planted_temporary_file_is_neither_used_nor_renamed_over_the_output(
    tmp_path: Path,
) -> None:
    out = tmp_path / "invites.csv"
    planted = tmp_path / ".invites.csv.tmp"  # the old fixed name, made by someone else
    planted.write_bytes(b"theirs")
    planted.chmod(0o666)
    write_csv("code,link\nML-001,https://t.me/x?start=secret\n", out)
    assert planted.read_bytes() == b"theirs"  # untouched
    assert out.stat().st_ino != planted.stat().st_ino
    assert out.stat().st_mode & 0o777 == 0o600
    assert b"secret" in out.read_bytes()
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [".invites.csv.tmp"]


def test_a_planted_link_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"keep")
    (tmp_path / ".report.csv.tmp").symlink_to(target)
    write_bytes(b"data", tmp_path / "report.csv")
    assert target.read_bytes() == b"keep"
    assert (tmp_path / "report.csv").read_bytes() == b"data"


def test_figures_only_files_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_bytes(b"unit,count\n", tmp_path / "stats.csv", private=False)
        write_bytes(b"names\n", tmp_path / "export.csv")
    finally:
        os.umask(previous)
    assert (tmp_path / "stats.csv").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "export.csv").stat().st_mode & 0o777 == 0o600


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"old")

    def broken(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomically(b"new", out, private=True)
    assert out.read_bytes() == b"old"
    assert list(tmp_path.glob(".*.tmp")) == []


@pytest.mark.parametrize("unit", ["delegate-bot.service", "delegate-bot-worker.service"])
def test_the_systemd_units_make_files_owner_only(unit: str) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "systemd" / unit).read_text()
    service = text.split("[Service]", 1)[1].split("\n[", 1)[0]
    assert "UMask=0077" in service.splitlines()
