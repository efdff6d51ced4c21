"""``delegate-bot petitions import|export`` as a clerk runs them: exit codes, errors, files."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, select

from bot.cli import main
from bot.db import create_engine, create_session_factory
from bot.models import OutboxMessage
from bot.models.petitions import Petition, PetitionChange

ROSTER = (
    "code,full_name,council,level,unit,constituency,phone,role\n"
    "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,delegate\n"
    "ML-002,Trần Thị Bình,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 2,,delegate\n"
    "TT-001,Lê Văn Cường,HDND-TT,commune,Xã Tiến Thắng,Đơn vị số 1,,delegate\n"
)
HEADER_VI = (
    "Số vào sổ,Hội đồng,Nguồn,Ngày tiếp nhận,Đại biểu,Loại,Nội dung,Công dân,Xử lý,"
    "Cơ quan,Ngày chuyển,Hạn trả lời,Ngày trả lời,Trả lời\n"
)
REGISTER = HEADER_VI + (
    "1/2026,HDND-ML,tiếp công dân,10/03/2026,ML-001,khiếu nại,Tranh chấp đất đai,"
    '"Nguyễn Văn Dũng, thôn Đông",chuyển,UBND xã,12/03/2026,,,\n'
    "2/2026,HDND-ML,tiếp công dân,10/03/2026,ML-001,kiến nghị,=Sửa đường liên thôn,,"
    "hướng dẫn,,,,,\n"
    "3/2026,HDND-ML,tiếp xúc cử tri,05/04/2026,ML-002,ý kiến cử tri,Chiếu sáng ngõ 4,,"
    "chuyển,UBND xã,06/04/2026,,20/04/2026,Đã lắp đèn\n"
)


@pytest.fixture
def council(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite_url)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["delegates", "import", "roster.csv"]) == 0
    return tmp_path


def _rows(url: str) -> tuple[list[Petition], int, int]:
    async def read() -> tuple[list[Petition], int, int]:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                petitions = list(
                    (await session.exec(select(Petition).order_by(col(Petition.id)))).all()
                )
                changes = len((await session.exec(select(PetitionChange))).all())
                told = len(
                    (
                        await session.exec(
                            select(OutboxMessage).where(
                                col(OutboxMessage.kind) == "petition_answer"
                            )
                        )
                    ).all()
                )
                return petitions, changes, told
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_import_with_vietnamese_headers_and_values(
    council: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "so.csv").write_text(REGISTER, encoding="utf-8")
    assert main(["petitions", "import", "so.csv", "--dry-run"]) == 0
    assert _rows(sqlite_url)[0] == []
    assert main(["petitions", "import", "so.csv"]) == 0
    out = capsys.readouterr().out
    assert "3" in out
    petitions, changes, told = _rows(sqlite_url)
    assert [p.ref for p in petitions] == ["1/2026", "2/2026", "3/2026"]
    first = petitions[0]
    assert (first.type, first.action, str(first.due_on)) == ("complaint", "forwarded", "2026-04-11")
    assert petitions[1].due_on is None
    assert petitions[1].summary == "=Sửa đường liên thôn"
    assert str(petitions[2].due_on) == "2026-05-06"  # opinion: 30 days
    assert changes == 3
    assert told == 1  # the answered opinion: its delegate is told


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again_unchanged(
    council: Path, sqlite_url: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "so.csv").write_text(REGISTER, encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 0
    out = council / f"export.{fmt}"
    assert main(["petitions", "export", "--format", fmt, "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data: owner-only
    if fmt == "csv":
        data = out.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert "'=Sửa đường liên thôn" in data.decode("utf-8-sig")  # a formula, quoted
    capsys.readouterr()
    before = _rows(sqlite_url)
    assert main(["petitions", "import", str(out)]) == 0
    assert "thêm mới 0, cập nhật 0, giữ nguyên 3" in capsys.readouterr().out
    after = _rows(sqlite_url)
    assert [p.model_dump() for p in after[0]] == [p.model_dump() for p in before[0]]
    assert after[1:] == before[1:]


def test_export_by_quarter_and_council(council: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (council / "so.csv").write_text(REGISTER, encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 0
    capsys.readouterr()
    assert main(["petitions", "export", "--quarter", "2026-Q2", "--council", "HDND-ML"]) == 0
    text = capsys.readouterr().out
    assert "3/2026" in text
    assert "1/2026" not in text
    assert main(["petitions", "export", "--council", "NOPE"]) == 1


def test_an_answer_by_file_updates_and_tells_the_delegate(
    council: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (council / "so.csv").write_text(REGISTER, encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 0
    answered = REGISTER.replace("12/03/2026,,,\n", "12/03/2026,,08/04/2026,Đã hòa giải thành\n")
    (council / "so2.csv").write_text(answered, encoding="utf-8")
    capsys.readouterr()
    assert main(["petitions", "import", "so2.csv"]) == 0
    assert "thêm mới 0, cập nhật 1, giữ nguyên 2" in capsys.readouterr().out
    petitions, changes, told = _rows(sqlite_url)
    assert petitions[0].answer == "Đã hòa giải thành"
    assert petitions[0].version == 2
    assert changes == 4
    assert told == 2


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (("khiếu nại", "thư tay"), "dòng 2, cột «Loại»"),
        (("10/03/2026,ML-001,khiếu", "31/02/2026,ML-001,khiếu"), "dòng 2, cột «Ngày tiếp nhận»"),
        (("chuyển,UBND xã,12/03", "chuyển,,12/03"), "dòng 2, cột «Cơ quan»"),
        (("1/2026,HDND-ML", "1/2026,HDND-XX"), "dòng 2, cột «Hội đồng»"),
        (("05/04/2026,ML-002", "05/04/2026,TT-001"), "dòng 4, cột «Đại biểu»"),
        (("05/04/2026,ML-002", "05/04/2026,ML-999"), "dòng 4, cột «Đại biểu»"),
        (("3/2026,HDND-ML", "1/2026,HDND-ML"), "dòng 4, cột «Số vào sổ»"),
        (("20/04/2026,Đã", "01/04/2026,Đã"), "dòng 4, cột «Ngày trả lời»"),
    ],
)
def test_each_bad_row_exits_1_naming_row_and_column_and_writes_nothing(
    council: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    replace: tuple[str, str],
    expected: str,
) -> None:
    (council / "so.csv").write_text(REGISTER.replace(*replace, 1), encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert "chưa ghi dữ liệu nào" in err
    assert _rows(sqlite_url) == ([], 0, 0)


def test_missing_required_column(council: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (council / "so.csv").write_text("ref,council\n1/2026,HDND-ML\n", encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 1
    assert "source" in capsys.readouterr().err


def test_xlsx_with_a_title_block_and_date_cells(council: Path, sqlite_url: str) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SỔ THEO DÕI ĐƠN THƯ NĂM 2026"])
    sheet.append(HEADER_VI.strip().split(","))
    sheet.append(
        ["7/2026", "HDND-ML", "tiếp công dân", datetime(2026, 3, 10), "ML-001", "phản ánh",
         "Ô nhiễm tiếng ồn", "", "chuyển", "Công an xã", datetime(2026, 3, 11), None, None, None]
    )  # fmt: skip
    book.save(council / "so.xlsx")
    assert main(["petitions", "import", "so.xlsx"]) == 0
    petitions, _changes, _told = _rows(sqlite_url)
    assert str(petitions[0].due_on) == "2026-03-26"


def test_any_source_with_any_type_is_imported_and_counted_by_type(
    council: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """DESIGN's register pairs no source with a type: a petition handed in at a voter
    meeting is a petition, an opinion voiced at a reception an opinion; statistics count
    each by its type."""
    register = HEADER_VI + (
        "1/2026,HDND-ML,tiếp xúc cử tri,05/04/2026,ML-002,kiến nghị,Đơn xin cấp sổ đỏ,,"
        "chuyển,UBND xã,06/04/2026,,,\n"
        "2/2026,HDND-ML,tiếp xúc cử tri,05/04/2026,ML-002,khiếu nại,Khiếu nại đền bù,,"
        "lưu,,,,,\n"
        "3/2026,HDND-ML,tiếp công dân,10/04/2026,ML-001,ý kiến cử tri,Chiếu sáng ngõ 4,,"
        "chuyển,UBND xã,12/04/2026,,,\n"
    )
    (council / "so.csv").write_text(register, encoding="utf-8")
    assert main(["petitions", "import", "so.csv"]) == 0
    petitions, _changes, _told = _rows(sqlite_url)
    assert [(p.source, p.type) for p in petitions] == [
        ("voter_meeting", "proposal"),
        ("voter_meeting", "complaint"),
        ("reception", "opinion"),
    ]
    capsys.readouterr()
    assert main(["stats", "--quarter", "II/2026", "--council", "HDND-ML"]) == 0
    text = capsys.readouterr().out
    assert (
        "Về đơn thư, ý kiến cử tri: tiếp nhận 02 đơn: 01 khiếu nại, 01 kiến nghị; đã chuyển "
        "01 đơn đến cơ quan có thẩm quyền, 01 đơn đang chờ trả lời; 01 ý kiến, kiến nghị cử "
        "tri, đã chuyển 01."
    ) in text
