"""``delegates away`` and ``schedule attendance``: exit codes, what they write and print."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.test_cli import _run, env  # noqa: F401  (the fixture)

ROSTER = (
    "code,full_name,council,level,unit,constituency,phone,role\n"
    "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,delegate\n"
    "ML-002,Trần Thị Bình,HDND-ML,commune,Xã Mỹ Lộc,,,secretary\n"
    "ML-003,Lê Văn Cường,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 2,,delegate\n"
)
SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,"
    "per_occurrence\n"
    "reception,Tiếp công dân,2032-01-12 07:30,2032-01-12 11:00,Trụ sở,HDND-ML,"
    "ML-001;ML-003,FREQ=MONTHLY;BYMONTHDAY=12,2032-03-31,none,1\n"
    "session,Kỳ họp thứ năm,2032-02-20 08:00,2032-02-20 17:00,Hội trường,HDND-ML,"
    "ML-001;ML-003,,,,\n"
)


async def _loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(SCHEDULE, encoding="utf-8")
    assert await _run(["delegates", "import", str(roster)]) == 0
    assert await _run(["schedule", "import", str(schedule)]) == 0
    capsys.readouterr()


async def test_away_releases_and_attendance_lists_answers(
    env: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _loaded(tmp_path, capsys)
    argv = ["schedule", "attendance", "--date", "20/02/2032", "--format", "csv"]
    assert await _run(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert rows[0] == ["delegate_code", "delegate_name", "answer", "reason", "answered_at"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("ML-001", "none"), ("ML-003", "none")]

    away = ["delegates", "away", "ML-001", "--from", "01/01/2032", "--to", "2032-02-20"]
    assert await _run([*away, "--reason", "học tập trung"]) == 0
    out = capsys.readouterr().out
    assert "1 hoạt động cần người thay, đã báo vắng 1 kỳ họp" in out
    assert await _run(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert rows[1][:4] == ["ML-001", "Nguyễn Văn An", "absent", "other: học tập trung"]
    # The office sees the released turn nowhere: January lists nobody, March still ML-001.
    listing = ["schedule", "list", "--from", "2032-01-01", "--to", "2032-03-31", "--format", "csv"]
    assert await _run(listing) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert [(r[0], r[3], r[6]) for r in rows[1:]] == [
        ("2032-02-12", "reception", "ML-003"),
        ("2032-02-20", "session", "ML-001"),
        ("2032-02-20", "session", "ML-003"),
        ("2032-03-12", "reception", "ML-001"),
    ]
    # The text listing shows the released turn nobody has taken yet.
    assert await _run(["schedule", "list", "--from", "2032-01-01", "--to", "2032-01-31"]) == 0
    assert "ML-001 Nguyễn Văn An (xin vắng, chưa có người thay)" in capsys.readouterr().out
    assert await _run(["schedule", "attendance", "--date", "20/02/2032"]) == 0
    # the session's time as every screen writes it (bot.domain.dates.format_moment)
    assert "Kỳ họp thứ năm — HDND-ML — 8h00 ngày 20/02/2032" in capsys.readouterr().out
    assert await _run(["schedule", "attendance", "--date", "21/02/2032"]) == 0
    assert "Không có kỳ họp trong ngày này." in capsys.readouterr().out


async def test_away_refuses_bad_input_and_writes_nothing(
    env: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _loaded(tmp_path, capsys)
    assert await _run(["delegates", "away", "NOPE", "--from", "01/01/2032"]) == 1
    assert "NOPE" in capsys.readouterr().err
    bad = ["delegates", "away", "ML-001", "--from", "10/01/2032", "--to", "01/01/2032"]
    # Options that contradict each other: a usage error (exit 2), said as argparse says it.
    assert await _run(bad) == 2
    err = capsys.readouterr().err
    assert "delegate-bot delegates away" in err.splitlines()[0]  # the usage line
    assert (
        "delegate-bot delegates away: lỗi: "
        "ngày --to (01/01/2032) không được trước ngày --from (10/01/2032)" in err
    )
    assert await _run(["delegates", "away", "ML-001", "--from", "01/01/2020"]) == 1
    assert await _run(["schedule", "attendance", "--date", "20/02/2032", "--council", "XX"]) == 1
    listing = ["schedule", "list", "--from", "2032-01-01", "--to", "2032-01-31", "--format", "csv"]
    capsys.readouterr()
    assert await _run(listing) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert [r[6] for r in rows[1:]] == ["ML-001"]  # nothing was released
