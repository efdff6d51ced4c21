"""The seed's own quarter through the CLI: Mê Linh, quarter I/2022.

The seed (a district council's quarterly review) writes "81 lượt tiếp công dân định kỳ",
"54 buổi" of delegates' receptions, "04 đơn khiếu nại, tố cáo, kiến nghị, phản ánh", and
for the communes together "24 cuộc giám sát", "48 cuộc tiếp xúc cử tri", "445 buổi tiếp
công dân". Files written as a clerk writes them are imported with ``delegates import``,
``schedule import`` and ``reports import``; ``stats --council HDND-ML --children`` must
read those figures where the seed does. (Fewer delegates than the seed's 35 + 491: the
figures count duties and reports, not people.)
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main

COMMUNES = (
    "Chi Đông", "Quang Minh", "Đại Thịnh", "Kim Hoa", "Thạch Đà", "Tiến Thắng", "Tự Lập",
    "Thanh Lâm", "Tam Đồng", "Liên Mạc", "Vạn Yên", "Chu Phan", "Tiến Thịnh", "Mê Linh",
    "Văn Khê", "Hoàng Kim", "Tiền Phong", "Tráng Việt",
)  # fmt: skip
TOWNS = ("Chi Đông", "Quang Minh")  # thị trấn in 2022
DISTRICT_DELEGATES = [f"ML-H-{n:03d}" for n in range(1, 10)]


def _commune(index: int) -> tuple[str, str]:
    """(council code, delegate code) of the ``index``-th commune."""
    return f"HDND-ML-X{index + 1:02d}", f"ML-X{index + 1:02d}-001"


def _roster() -> str:
    rows = ["code,full_name,council,level,unit,constituency,phone,role,council_name,parent_council"]
    for code in DISTRICT_DELEGATES:
        rows.append(
            f"{code},Đại biểu {code},HDND-ML,huyện,Thị trấn Quang Minh,Đơn vị số 1,,"
            "đại biểu,HĐND huyện Mê Linh,"
        )
    for index, name in enumerate(COMMUNES):
        council, code = _commune(index)
        kind = "thị trấn" if name in TOWNS else "xã"
        rows.append(
            f"{code},Đại biểu {code},{council},{kind},{kind.capitalize()} {name},Đơn vị số 1,,"
            f"đại biểu,HĐND {kind} {name},HDND-ML"
        )
    return "\n".join(rows) + "\n"


HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,"
    "per_occurrence,category"
)


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def _schedule_and_reports() -> tuple[str, str]:
    """The schedule, and a report "held" for every assignment (dates as the office
    writes them)."""
    events = [HEADER]
    reports = ["delegate,date,kind,held,citizens,petitions,note,forwarded,voters,opinions,title"]

    def report(code: str, day: date, kind: str, figures: str = ",,,,", title: str = "") -> None:
        """One row; the figures (citizens, petitions, forwarded, voters, opinions) on the
        first delegate's row of an occasion only, as the import asks."""
        citizens, petitions, forwarded, voters, opinions = figures.split(",")
        reports.append(
            f"{code},{day:%d/%m/%Y},{kind},có,{citizens},{petitions},,{forwarded},{voters},"
            f"{opinions},{title}"
        )

    # The district's periodic reception: the 5th, 15th and 25th, all 9 delegates: 81 turns.
    events.append(
        "reception,Tiếp công dân định kỳ,05/01/2022 7h30,05/01/2022 11h00,Trụ sở tiếp công "
        'dân huyện,HDND-ML,all,"ngày 5, 15 và 25 hằng tháng",31/03/2022,none,,định kỳ'
    )
    for month in (1, 2, 3):
        for day in (5, 15, 25):
            for number, code in enumerate(DISTRICT_DELEGATES):
                figures = "27,0,,," if number == 0 else ",,,,"
                report(code, date(2022, month, day), "reception", figures, "Tiếp công dân định kỳ")
    # The delegates' receptions at the communes' offices: 54 occasions.
    first = date(2022, 1, 3)
    events.append(
        f"reception,Tiếp công dân tại xã,{first:%d/%m/%Y} 13h30,{first:%d/%m/%Y} 16h30,"
        f"Trụ sở UBND xã,HDND-ML,ML-H-001,FREQ=DAILY,25/02/2022,none,,đại biểu"
    )
    for number, day in enumerate(_days(first, 54)):
        figures = "2,4,4,," if number == 0 else "2,0,,,"  # 04 petitions, all forwarded
        report("ML-H-001", day, "reception", figures, "Tiếp công dân tại xã")
    # The communes: 445 receptions, 48 voter meetings, 24 supervisions.
    for index in range(len(COMMUNES)):
        council, code = _commune(index)
        count = 20 if index == 0 else 25
        last = first + timedelta(days=count - 1)
        events.append(
            f"reception,Tiếp công dân,{first:%d/%m/%Y} 7h30,{first:%d/%m/%Y} 11h00,Trụ sở xã,"
            f"{council},{code},FREQ=DAILY,{last:%d/%m/%Y},none,,"
        )
        for day in _days(first, count):
            report(code, day, "reception", "1,0,,,")
        if index < 16:  # 3 voter meetings each: 07, 14 and 21 February (Mondays)
            events.append(
                f"voter_meeting,Tiếp xúc cử tri,07/02/2022 8h00,07/02/2022 11h00,Nhà văn hóa,"
                f"{council},{code},thứ Hai hằng tuần,21/02/2022,none,,"
            )
            for day in (7, 14, 21):
                report(code, date(2022, 2, day), "voter_meeting", ",,,40,2")
        if index < 12:  # 2 supervisions each: 04 and 11 March (Fridays)
            events.append(
                f"supervision,Giám sát,04/03/2022 8h00,04/03/2022 11h00,UBND xã,"
                f"{council},{code},thứ Sáu hằng tuần,11/03/2022,none,,"
            )
            for day in (4, 11):
                report(code, date(2022, 3, day), "supervision")
    return "\n".join(events) + "\n", "\n".join(reports) + "\n"


@pytest.fixture
def seed_quarter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrated_sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite_url)
    schedule, reports = _schedule_and_reports()
    (tmp_path / "roster.csv").write_text(_roster(), encoding="utf-8")
    (tmp_path / "schedule.csv").write_text(schedule, encoding="utf-8")
    (tmp_path / "reports.csv").write_text(reports, encoding="utf-8")
    assert main(["delegates", "import", "roster.csv"]) == 0
    assert main(["schedule", "import", "schedule.csv"]) == 0
    assert main(["reports", "import", "reports.csv"]) == 0
    return tmp_path


def test_the_seed_quarter_reads_as_the_seed(
    seed_quarter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["stats", "--quarter", "I/2022", "--council", "HDND-ML", "--children"]) == 0
    out = capsys.readouterr().out
    district, communes, follow_up = out.strip().split("\n\n")
    assert district.startswith(
        "Trong quý I/2022, HĐND huyện Mê Linh đã tổ chức 81 lượt tiếp công dân định kỳ. "
        "Đại biểu HĐND huyện Mê Linh đã tiếp công dân 54 buổi theo phân công (54 lượt đại "
        "biểu). Đã tiếp 351 lượt công dân, tiếp nhận 04 đơn khiếu nại, tố cáo, kiến nghị, "
        "phản ánh, đã chuyển 04 đơn đến cơ quan có thẩm quyền giải quyết theo quy định."
    )
    assert communes.startswith(
        "Trong quý I/2022, đại biểu HĐND các xã, thị trấn (18 xã, thị trấn) đã tiếp công dân "
        "445 buổi theo phân công (445 lượt đại biểu). Đã tiếp 445 lượt công dân. "
        "Tổ chức 48 hội nghị tiếp xúc "
        "cử tri với 1.920 lượt cử tri tham dự, tiếp nhận 96 ý kiến, kiến nghị. Tổ chức 24 "
        "cuộc giám sát."
    )
    assert follow_up.startswith("Theo dõi nội bộ (không đưa vào báo cáo):\nHĐND huyện Mê Linh: ")


def test_the_seed_quarter_workbook_has_the_same_totals(seed_quarter: Path) -> None:
    from openpyxl import load_workbook

    args = ["stats", "--quarter", "I/2022", "--council", "HDND-ML", "--children"]
    assert main([*args, "--format", "xlsx", "--out", "q1.xlsx"]) == 0
    sheet = load_workbook(seed_quarter / "q1.xlsx", read_only=True)["Biểu tổng hợp"]
    totals = {
        row[0]: row[3:13]
        for row in sheet.iter_rows(values_only=True)
        if str(row[0]).startswith("Cộng")
    }
    assert totals == {
        "Cộng: HĐND huyện Mê Linh": (81, 54, 351, 4, 4, 0, 0, 0, 0, 0),
        "Cộng: HĐND các xã, thị trấn (18 xã, thị trấn)": (0, 445, 445, 0, 0, 48, 1920, 96, 24, 0),
    }
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert rows[0][:3] == (1, "HĐND huyện Mê Linh", "Thị trấn Quang Minh")
    assert rows[2][0] == 2
    assert str(rows[2][1]).startswith("HĐND ")
