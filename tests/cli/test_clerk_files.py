"""Files as a commune clerk writes them, through the CLI: one test per file rule.

Contract (file formats): errors name the column as the file's own header wrote it and a
value as the clerk reads it; repeats in the office's words; ``.xls`` and TCVN3/VNI files
are recognised and answered with how to convert them; kind aliases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.cli import main
from bot.db import create_engine, create_session_factory
from bot.models import Event

ROSTER = (
    "Mã đại biểu,Họ và tên,Hội đồng,Cấp,Đơn vị\n"
    "ML-001,Nguyễn Văn An,HDND-ML,xã,Xã Mỹ Lộc\n"
    "ML-002,Trần Thị Bình,HDND-ML,xã,Xã Mỹ Lộc\n"
)
HEADER = "Loại,Nội dung,Bắt đầu,Kết thúc,Địa điểm,Hội đồng,Đại biểu,Lặp lại,Lặp đến\n"


@pytest.fixture
def council(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite_url)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["delegates", "import", "roster.csv"]) == 0
    return tmp_path


async def _events(url: str) -> list[Event]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.exec(select(Event).order_by(Event.id))).all())
    finally:
        await engine.dispose()


def _schedule(folder: Path, *rows: str) -> Path:
    path = folder / "lich.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("ngày 10 và 20 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
        ("Ngày 5, 15 và 25 hàng tháng", "FREQ=MONTHLY;BYMONTHDAY=5,15,25"),
        ("thứ Hai hằng tuần", "FREQ=WEEKLY;BYDAY=MO"),
        ("thứ Hai và thứ Năm hằng tuần", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("thứ Năm đầu tiên hằng tháng", "FREQ=MONTHLY;BYDAY=1TH"),
        ("thu sau cuoi cung hang thang", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=10,20", "FREQ=MONTHLY;BYMONTHDAY=10,20"),
    ],
)
def test_repeats_in_the_offices_words_are_stored_as_rrule(
    council: Path, sqlite_url: str, phrase: str, rule: str
) -> None:
    import asyncio

    _schedule(
        council,
        f"tiếp dân,Tiếp công dân định kỳ,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,all,"
        f'"{phrase}",31/12/2027',
    )
    assert main(["schedule", "import", "lich.csv"]) == 0
    (event,) = asyncio.run(_events(sqlite_url))
    assert event.recurrence == rule
    assert event.kind == "reception"


def test_a_repeat_the_bot_cannot_read_names_the_column_and_the_forms_that_work(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _schedule(
        council,
        "tiếp công dân,Tiếp dân,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,all,"
        "ngày 10 và 20 hằng năm,",
    )
    assert main(["schedule", "import", "lich.csv"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2, cột «Lặp lại»: «ngày 10 và 20 hằng năm»" in err
    assert "ngày 10 và 20 hằng tháng" in err
    assert "NAME=VALUE" not in err
    assert "is not" not in err


def test_errors_quote_dates_and_kinds_as_the_clerk_wrote_them(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _schedule(
        council,
        "họp tổ,Họp tổ,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,all,,",
        "kỳ họp,Kỳ họp thứ Tư,16/12/2026 7h30,16/12/2026,Hội trường,HDND-ML,all,,",
        "kỳ họp,Kỳ họp thứ Năm,16/12/2026 14h,16/12/2026 8h,Hội trường,HDND-ML,all,,",
    )
    assert main(["schedule", "import", "lich.csv"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2, cột «Loại»: «họp tổ» không phải là loại hoạt động" in err
    assert "tiếp công dân, tiếp xúc cử tri, kỳ họp, hạn nộp, giám sát, khác" in err
    assert "reception" not in err
    assert "dòng 3, cột «Kết thúc»: «16/12/2026» thiếu giờ; ghi dạng 16/12/2026 7h30" in err
    assert "(16/12/2026 8h00)" in err
    assert "(16/12/2026 14h00)" in err
    assert "2026-12-16" not in err


@pytest.mark.parametrize("kind", ["hạn nộp", "hạn gửi", "Hạn nộp"])
def test_deadline_aliases(council: Path, sqlite_url: str, kind: str) -> None:
    import asyncio

    _schedule(council, f"{kind},Gửi câu hỏi chất vấn,14/12/2026 17h,,,HDND-ML,ML-001;ML-002,,")
    assert main(["schedule", "import", "lich.csv"]) == 0
    (event,) = asyncio.run(_events(sqlite_url))
    assert event.kind == "deadline"


def test_an_xls_file_is_answered_with_how_to_convert_it(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "lich.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert main(["schedule", "import", "lich.xls"]) == 1
    err = capsys.readouterr().err
    assert "Excel cũ (.xls, Excel 97–2003)" in err
    assert "Lưu thành… → «Sổ làm việc Excel (*.xlsx)»" in err


def test_an_xls_renamed_xlsx_is_answered_the_same_way(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "lich.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert main(["schedule", "import", "lich.xlsx"]) == 1
    assert "Excel cũ (.xls" in capsys.readouterr().err


def test_a_broken_xlsx_never_shows_the_librarys_english(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "lich.xlsx").write_bytes(b"this is not a workbook")
    assert main(["schedule", "import", "lich.xlsx"]) == 1
    err = capsys.readouterr().err
    assert "Không mở được tệp Excel" in err
    assert "zip" not in err


def test_a_tcvn3_workbook_is_recognised(council: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã đại biểu", "Họ và tên", "Hội đồng", "Cấp", "Đơn vị"])
    sheet.append(["ML-003", "NguyÔn V¨n An", "HDND-ML", "x·", "X· Mü Léc"])  # .VnTime
    book.save(council / "ds.xlsx")
    assert main(["delegates", "import", "ds.xlsx"]) == 1
    err = capsys.readouterr().err
    assert "phông chữ cũ (TCVN3/.VnTime hoặc VNI)" in err
    assert "dòng 2" in err
    assert "Unikey" in err


def test_a_vni_csv_saved_by_excel_is_recognised(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "code,full_name,council,level,unit\nML-003,Nguyeãn Vaên Ñaït,HDND-ML,xaõ,Xaõ Myõ\n"
    (council / "ds.csv").write_bytes(text.encode("cp1252"))
    assert main(["delegates", "import", "ds.csv"]) == 1
    err = capsys.readouterr().err
    assert "phông chữ cũ" in err
    assert "UTF-8" not in err


def test_a_unicode_file_with_a_foreign_accent_is_not_taken_for_an_old_font(
    council: Path,
) -> None:
    (council / "ds.csv").write_text(
        ROSTER.replace("Trần Thị Bình", "Müller Ñoño"), encoding="utf-8"
    )
    assert main(["delegates", "import", "ds.csv"]) == 0


def test_a_reception_category_is_stored(council: Path, sqlite_url: str) -> None:
    import asyncio

    (council / "lich.csv").write_text(
        HEADER.replace("\n", ",Phân loại\n")
        + "tiếp công dân,Tiếp công dân định kỳ,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,"
        "all,ngày 10 và 20 hằng tháng,,định kỳ\n"
        + "tiếp công dân,Tiếp công dân tại xã,11/12/2026 7h30,11/12/2026 11h,Trụ sở,HDND-ML,"
        "all,,,\n"
        + "kỳ họp,Kỳ họp thứ Tư,16/12/2026 7h30,16/12/2026 17h,Hội trường,HDND-ML,all,,,\n",
        encoding="utf-8",
    )
    assert main(["schedule", "import", "lich.csv"]) == 0
    events = asyncio.run(_events(sqlite_url))
    assert [e.category for e in events] == ["periodic", "delegate", None]


def test_a_category_on_another_kind_is_refused(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "lich.csv").write_text(
        HEADER.replace("\n", ",Phân loại\n")
        + "kỳ họp,Kỳ họp thứ Tư,16/12/2026 7h30,16/12/2026 17h,Hội trường,HDND-ML,all,,,định kỳ\n"
        + "tiếp công dân,Tiếp dân,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,all,,,hàng xóm\n",
        encoding="utf-8",
    )
    assert main(["schedule", "import", "lich.csv"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2, cột «Phân loại»: Chỉ ghi cột này cho lịch tiếp công dân" in err
    assert "dòng 3, cột «Phân loại»: «hàng xóm» không phải là phân loại tiếp công dân" in err


def test_schedule_import_lists_what_it_cancels_and_merge_cancels_nothing(
    council: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    _schedule(
        council,
        "tiếp công dân,Tiếp công dân định kỳ,10/12/2099 7h30,10/12/2099 11h,Trụ sở,HDND-ML,"
        "ML-001,,",
        "kỳ họp,Kỳ họp thứ Tư,16/12/2099 7h30,16/12/2099 17h,Hội trường,HDND-ML,all,,",
    )
    assert main(["schedule", "import", "lich.csv"]) == 0
    capsys.readouterr()
    (council / "thang1.csv").write_text(
        HEADER + "giám sát,Giám sát chợ,05/01/2100 8h,05/01/2100 11h,Chợ,HDND-ML,all,,\n",
        encoding="utf-8",
    )
    assert main(["schedule", "import", "thang1.csv", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Không có trong tệp nên sẽ hủy từ hôm nay (2 hoạt động); 2 đại biểu" in out
    assert "  – Tiếp công dân định kỳ" in out
    assert "  – Kỳ họp thứ Tư" in out
    assert main(["schedule", "import", "thang1.csv", "--merge"]) == 0
    out = capsys.readouterr().out
    assert "không hủy hoạt động nào" in out
    assert "Tiếp công dân định kỳ" not in out
    events = asyncio.run(_events(sqlite_url))
    assert [(e.title, e.cancelled_at) for e in events] == [
        ("Tiếp công dân định kỳ", None),
        ("Kỳ họp thứ Tư", None),
        ("Giám sát chợ", None),
    ]


def test_a_missing_column_is_named_in_vietnamese(
    council: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "lich.csv").write_text(
        "Nội dung,Bắt đầu,Kết thúc,Hội đồng,Đại biểu\n"
        "Họp,10/12/2026 7h30,10/12/2026 11h,HDND-ML,all\n",
        encoding="utf-8",
    )
    assert main(["schedule", "import", "lich.csv"]) == 1
    assert "Thiếu cột bắt buộc «Loại»" in capsys.readouterr().err
