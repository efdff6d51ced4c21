"""``delegate-bot reports import|export`` as a clerk runs them: exit codes and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROSTER = (
    "code,full_name,council,level,unit,constituency,phone,role\n"
    "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,delegate\n"
)
SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence\n"
    "reception,Tiếp công dân,2026-10-12 07:30,2026-10-12 11:00,Trụ sở xã,HDND-ML,ML-001,,,,\n"
)
REPORTS = (
    "delegate,date,kind,held,citizens,petitions,note\n"
    "ML-001,12/10/2026,reception,có,12,3,chuyển UBND xã\n"
)


@pytest.fixture
def council(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite_url)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "schedule.csv").write_text(SCHEDULE, encoding="utf-8")
    assert main(["delegates", "import", "roster.csv"]) == 0
    assert main(["schedule", "import", "schedule.csv"]) == 0
    return tmp_path


def test_import_then_export_then_import_again(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "reports.csv").write_text(REPORTS, encoding="utf-8")
    assert main(["reports", "import", "reports.csv", "--dry-run"]) == 0
    assert main(["reports", "import", "reports.csv"]) == 0
    assert "thêm mới 1" in capsys.readouterr().out
    assert main(["reports", "export", "--quarter", "2026-Q4", "--out", "q4.csv"]) == 0
    exported = (council / "q4.csv").read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    assert "chuyển UBND xã" in exported.decode("utf-8-sig")
    capsys.readouterr()
    assert main(["reports", "import", "q4.csv"]) == 0
    assert "giữ nguyên 1" in capsys.readouterr().out
    assert main(["reports", "export", "--quarter", "quý IV/2026", "--format", "xlsx"]) == 0
    assert (council / "bao-cao-2026-Q4.xlsx").exists()


def test_a_row_matching_no_duty_exits_1_with_row_and_column(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "reports.csv").write_text(
        REPORTS.replace("12/10/2026", "13/10/2026"), encoding="utf-8"
    )
    assert main(["reports", "import", "reports.csv"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2, cột «date»" in err
    assert "không có lịch tiếp công dân ngày 13/10/2026" in err  # never "reception"


def test_unknown_council_exits_1_and_bad_quarter_exits_2(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reports", "export", "--quarter", "2026-Q4", "--council", "NOPE"]) == 1
    with pytest.raises(SystemExit) as caught:
        main(["reports", "export", "--quarter", "2026-Q5"])
    assert caught.value.code == 2


def test_the_xlsx_export_is_in_vietnamese_and_imports_again(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    (council / "reports.csv").write_text(REPORTS, encoding="utf-8")
    assert main(["reports", "import", "reports.csv"]) == 0
    assert main(["reports", "export", "--quarter", "IV/2026", "--format", "xlsx"]) == 0
    sheet = load_workbook(council / "bao-cao-2026-Q4.xlsx").active
    assert sheet is not None
    assert sheet["A1"].value == "Báo cáo kết quả hoạt động của đại biểu, quý IV/2026"
    assert [c.value for c in sheet[3]][:4] == ["Mã đại biểu", "Họ và tên", "Đơn vị", "Ngày"]
    assert [c.value for c in sheet[4]][:2] == ["ML-001", "Nguyễn Văn An"]
    assert sheet["F4"].value == "tiếp công dân"
    assert sheet["H4"].value == "có"
    capsys.readouterr()
    assert main(["reports", "import", "bao-cao-2026-Q4.xlsx"]) == 0
    captured = capsys.readouterr()
    assert "giữ nguyên 1" in captured.out
    assert "bỏ qua" not in captured.err  # every column of the export is recognised
