"""Quarterly statistics against a fixture quarter whose figures were counted by hand.

The council HDND-ML, quarter 2026-Q1 (zone Asia/Ho_Chi_Minh, UTC+7), seen on 10 April:

| event | local start | kind | who (unit at assignment) | report |
|---|---|---|---|---|
| E1 | 12/01 07:30 | reception | ML-001*, ML-002 (Mỹ Lộc) | both held; ML-001 carries |
|    |             |           |                          | 12 citizens, 3 petitions, 1 fwd |
| E2 | 10/02 07:30 | reception | ML-003 (Mỹ Thành, before) | held: 5 citizens, 0 petitions |
| E3 | 05/03 08:00 | voter_meeting | ML-002, ML-003 (Mỹ Lộc); | ML-002 held: 85 voters, |
|    |             |               | ML-001 cancelled         | 12 opinions; ML-003 clash |
| E4 | 20/03 08:00 | supervision | ML-001, ML-003 (NULL→Mỹ Lộc) | none: unreported |
| E5 | 31/03 19:00–23:30 | reception | ML-001 | held: 4 citizens, 1 petition |
| E6 | 01/04 01:00 (31/03 18:00 UTC) | reception | ML-002 | held, 7 citizens: **Q2** |
| E7 | 01/01 06:30 (31/12 23:30 UTC) | supervision | ML-002 | held: **Q1**, not Q4 |
| E8 | 24/02 08:00, cancelled | voter_meeting | ML-001 | held, 50 voters: not counted |
| E10 | 31/03 23:30 | deadline | ML-002 | none: held once over (no prompt) |
| E11 | 10/03 07:30 | reception | ML-002 | not held (postponed) |
| E9 | 10/11/2025 07:30 | reception | ML-001 | held: 9 citizens, 2 petitions, 2 fwd |

(*) ML-001 is a secretary (Thường trực). ML-003 moved from Xã Mỹ Thành to Xã Mỹ Lộc in
February. Another council, HDND-X, has one reception (100 citizens) in the quarter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import SessionFactory, create_session_factory
from bot.domain.quarters import Quarter
from bot.domain.stats import Statistics
from bot.domain.stats_text import summary_text
from bot.models import Assignment, Delegate, Event, Occurrence, Report
from bot.services.schedule.imports import import_schedule
from bot.services.stats.chart import chart_png
from bot.services.stats.figures import council_by_code, quarterly_statistics
from bot.services.stats.output import csv_bytes
from bot.services.stats.xlsx import xlsx_bytes
from tests.factories import add_delegate

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
IMPORTED_AT = datetime(2025, 10, 1, 3, 0, tzinfo=UTC)
Q1 = Quarter(2026, 1)
HEADER = (
    "ref,kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,"
    "per_occurrence"
)
EVENTS = (
    "E1,reception,Tiếp công dân tháng 1,2026-01-12 07:30,2026-01-12 11:00,,HDND-ML,ML-001;ML-002",
    "E2,reception,Tiếp công dân tháng 2,2026-02-10 07:30,2026-02-10 11:00,,HDND-ML,ML-003",
    "E3,voter_meeting,Tiếp xúc cử tri,2026-03-05 08:00,2026-03-05 11:00,,HDND-ML,"
    "ML-001;ML-002;ML-003",
    "E4,supervision,Giám sát đơn thư,2026-03-20 08:00,2026-03-20 11:00,,HDND-ML,ML-001;ML-003",
    "E5,reception,Tiếp công dân tối,2026-03-31 19:00,2026-03-31 23:30,,HDND-ML,ML-001",
    "E6,reception,Tiếp công dân sớm,2026-04-01 01:00,2026-04-01 02:00,,HDND-ML,ML-002",
    "E7,supervision,Giám sát đầu năm,2026-01-01 06:30,2026-01-01 08:00,,HDND-ML,ML-002",
    "E8,voter_meeting,Tiếp xúc cử tri bị hủy,2026-02-24 08:00,2026-02-24 11:00,,HDND-ML,ML-001",
    "E9,reception,Tiếp công dân tháng 11,2025-11-10 07:30,2025-11-10 11:00,,HDND-ML,ML-001",
    "E10,deadline,Hạn gửi chất vấn,2026-03-31 23:30,,,HDND-ML,ML-002",
    "E11,reception,Tiếp công dân tháng 3,2026-03-10 07:30,2026-03-10 11:00,,HDND-ML,ML-002",
    "X1,reception,Tiếp công dân phường,2026-02-11 07:30,2026-02-11 11:00,,HDND-X,X-001",
)
# (event ref, delegate, held, reason, carries, citizens, petitions, forwarded, voters, opinions)
REPORTS: tuple[tuple[str, str, bool, str | None, bool, *tuple[int | None, ...]], ...] = (
    ("E1", "ML-001", True, None, True, 12, 3, 1, None, None),
    ("E1", "ML-002", True, None, False, None, None, None, None, None),
    ("E2", "ML-003", True, None, True, 5, 0, 0, None, None),
    ("E3", "ML-002", True, None, True, None, None, None, 85, 12),
    ("E3", "ML-003", False, "clash", False, None, None, None, None, None),
    ("E5", "ML-001", True, None, True, 4, 1, 0, None, None),
    ("E6", "ML-002", True, None, True, 7, 0, 0, None, None),
    ("E7", "ML-002", True, None, True, None, None, None, None, None),
    ("E8", "ML-001", True, None, True, None, None, None, 50, 9),
    ("E9", "ML-001", True, None, True, 9, 2, 2, None, None),
    ("E11", "ML-002", False, "postponed", False, None, None, None, None, None),
    ("X1", "X-001", True, None, True, 100, 10, 0, None, None),
)

EXPECTED_CSV = """\
unit,kind,assigned,held,not_held,unreported,citizens,petitions,forwarded,voters,opinions,sessions,upcoming,not_held_postponed,not_held_clash,not_held_personal,not_held_other,completion_rate,previous_assigned,previous_held,previous_not_held,previous_unreported,previous_citizens,previous_petitions,previous_forwarded,previous_voters,previous_opinions,previous_sessions,previous_completion_rate,year_ago_assigned,year_ago_held,year_ago_not_held,year_ago_unreported,year_ago_citizens,year_ago_petitions,year_ago_forwarded,year_ago_voters,year_ago_opinions,year_ago_sessions,year_ago_completion_rate
Xã Mỹ Lộc,reception,4,3,1,0,16,4,1,0,0,2,0,1,0,0,0,0.75,1,1,0,0,9,2,2,0,0,1,1,0,0,0,0,0,0,0,0,0,0,
Xã Mỹ Lộc,voter_meeting,2,1,1,0,0,0,0,85,12,1,0,0,1,0,0,0.5,0,0,0,0,0,0,0,0,0,0,,\
0,0,0,0,0,0,0,0,0,0,
Xã Mỹ Lộc,supervision,3,1,0,2,0,0,0,0,0,1,0,0,0,0,0,0.3333,0,0,0,0,0,0,0,0,0,0,,\
0,0,0,0,0,0,0,0,0,0,
Xã Mỹ Lộc,deadline,1,1,0,0,0,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,
Xã Mỹ Thành,reception,1,1,0,0,5,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,
TOTAL,reception,5,4,1,0,21,4,1,0,0,3,0,1,0,0,0,0.8,1,1,0,0,9,2,2,0,0,1,1,0,0,0,0,0,0,0,0,0,0,
TOTAL,voter_meeting,2,1,1,0,0,0,0,85,12,1,0,0,1,0,0,0.5,0,0,0,0,0,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,
TOTAL,supervision,3,1,0,2,0,0,0,0,0,1,0,0,0,0,0,0.3333,0,0,0,0,0,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,
TOTAL,deadline,1,1,0,0,0,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,
TOTAL,all,11,7,2,2,21,4,1,85,12,6,0,1,1,0,0,0.6364,1,1,0,0,9,2,2,0,0,1,1,0,0,0,0,0,0,0,0,0,0,
"""

EXPECTED_TEXT = """\
Trong quý I/2026, đại biểu HĐND HDND-ML đã tiếp công dân 03 buổi theo phân công (04 lượt \
đại biểu, trong đó Thường trực HĐND 02 lượt). Đã tiếp 21 lượt công dân, tiếp nhận 04 đơn \
khiếu nại, tố cáo, kiến nghị, phản ánh, đã chuyển 01 đơn đến cơ quan có thẩm quyền giải \
quyết theo quy định. Tổ chức 01 hội nghị tiếp xúc cử tri với 85 lượt cử tri tham dự, tiếp \
nhận 12 ý kiến, kiến nghị. Tổ chức 01 cuộc giám sát.
So với quý trước (quý IV/2025): 01 buổi tiếp công dân, 09 lượt công dân; cùng kỳ năm 2025 \
(quý I/2025): không có hoạt động.

Theo dõi nội bộ (không đưa vào báo cáo):
HĐND HDND-ML: 11 lượt hoạt động đã diễn ra; 07 lượt thực hiện (tỷ lệ thực hiện 63,6%, \
quý trước 100,0%); 02 lượt không thực hiện (hoãn 01, trùng lịch 01); 02 lượt chưa báo \
cáo."""


async def _fixture(sessions: SessionFactory, tmp_path: Path) -> None:
    # The Standing Committee's share comes from the title: ML-001 holds one, and ML-002,
    # the office's account (role secretary) with no title, never counts in it.
    await add_delegate(sessions, "ML-001", full_name="Nguyễn Thị Hoa", title="Phó Chủ tịch HĐND")
    await add_delegate(sessions, "ML-002", full_name="Trần Văn Bình", role="secretary")
    await add_delegate(sessions, "ML-003", full_name="Lê Văn Cường", unit="Xã Mỹ Thành")
    await add_delegate(
        sessions, "X-001", full_name="Phạm Thu Hà", council="HDND-X", unit="Phường Một"
    )
    path = tmp_path / "schedule.csv"
    rows = [f"{row},,,none," for row in EVENTS]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    async with sessions() as session:
        result = await import_schedule(
            session=session, path=path, now=IMPORTED_AT, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    async with sessions() as session, session.begin():
        assignments = {
            (key.removeprefix("ref:"), code): (assignment, occurrence)
            for assignment, occurrence, key, code in (
                await session.exec(
                    select(Assignment, Occurrence, Event.key, Delegate.code)
                    .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                    .join(Event, col(Event.id) == col(Occurrence.event_id))
                    .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
                )
            ).all()
        }
        assert len(assignments) == 16
        # ML-003 moves in February: later assignments carry the new unit (E4's is an old
        # row without a unit, which falls back to the delegate's current unit).
        await session.exec(
            update(Delegate).where(col(Delegate.code) == "ML-003").values(unit="Xã Mỹ Lộc")
        )
        assignments["E3", "ML-003"][0].unit = "Xã Mỹ Lộc"
        assignments["E4", "ML-003"][0].unit = None
        assignments["E3", "ML-001"][0].cancelled_at = IMPORTED_AT
        assignments["E8", "ML-001"][1].cancelled_at = IMPORTED_AT
        for ref, code, held, reason, carries, *figures in REPORTS:
            assignment, occurrence = assignments[ref, code]
            session.add(assignment)
            session.add(occurrence)
            session.add(_report(assignment, occurrence, held, reason, carries, figures))


def _report(
    assignment: Assignment,
    occurrence: Occurrence,
    held: bool,
    reason: str | None,
    carries: bool,
    figures: Sequence[int | None],
) -> Report:
    assert assignment.id is not None
    assert occurrence.id is not None
    citizens, petitions, forwarded, voters, opinions = figures
    return Report(
        assignment_id=assignment.id,
        occurrence_id=occurrence.id,
        delegate_id=assignment.delegate_id,
        held=held,
        reason=reason,
        citizens=citizens,
        petitions=petitions,
        forwarded=forwarded,
        voters=voters,
        opinions=opinions,
        carries_figures=carries,
        source="bot",
        reported_at=NOW,
        updated_at=NOW,
    )


async def _statistics(sessions: SessionFactory, *, all_councils: bool = False) -> Statistics:
    async with sessions() as session:
        council = await council_by_code(session=session, code="HDND-ML")
    assert council is not None
    async with sessions() as session:
        return await quarterly_statistics(
            session=session,
            quarter=Q1,
            zone=ZONE,
            now=NOW,
            council_ids=None if all_councils else frozenset({council.id}),
            detailed=True,
        )


def _check_statistics(stats: Statistics) -> None:
    data = csv_bytes(stats)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").replace("\r\n", "\n") == EXPECTED_CSV
    assert summary_text(stats, "vi") == EXPECTED_TEXT
    _check_xlsx(xlsx_bytes(stats))


def _check_xlsx(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == [
        "Biểu tổng hợp",
        "Theo đơn vị",
        "Theo đại biểu",
        "Chưa báo cáo",
        "Biểu đồ",
        "So sánh",
    ]
    units = [list(row) for row in book["Theo đơn vị"].iter_rows(values_only=True)]
    assert units[0][:4] == ["Đơn vị", "Hoạt động", "Lượt phân công", None]
    assert units[1][2:4] == ["Quý I/2026", "Quý IV/2025"]
    expected = list(csv.reader(io.StringIO(EXPECTED_CSV)))[1:]
    by_key = {(row[0], row[1]): row for row in units[2:]}
    for row in expected:
        unit = "Tổng cộng" if row[0] == "TOTAL" else row[0]
        kind = {
            "reception": "Tiếp công dân",
            "voter_meeting": "Tiếp xúc cử tri",
            "supervision": "Giám sát",
            "deadline": "Thời hạn",
            "all": "Tất cả",
        }[row[1]]
        cells = by_key[unit, kind]
        # Pairs (this quarter, previous): assigned, held, sessions, not held, 4 reasons,
        # unreported, upcoming, citizens, petitions, forwarded, voters, opinions, rate.
        now = cells[2::2]
        assert now[:2] == [int(row[2]), int(row[3])]  # assigned, held
        assert now[2] == int(row[11])  # sessions
        assert now[3] == int(row[4])  # not held
        assert now[8] == int(row[5])  # unreported
        assert now[10:12] == [int(row[6]), int(row[7])]  # citizens, petitions
        assert cells[3] == int(row[18])  # previous assigned beside assigned
    delegates = [list(r) for r in book["Theo đại biểu"].iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[2], r[3], r[5]) for r in delegates] == [
        ("ML-001", "Xã Mỹ Lộc", 3, 2),
        ("ML-002", "Xã Mỹ Lộc", 4, 3),
        ("ML-003", "Xã Mỹ Lộc; Xã Mỹ Thành", 3, 1),
    ]
    missing = [list(r) for r in book["Chưa báo cáo"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[1], r[4]) for r in missing] == [
        (datetime(2026, 3, 20, 8, 0), "Giám sát", "ML-001"),
        (datetime(2026, 3, 20, 8, 0), "Giám sát", "ML-003"),
    ]
    chart = [list(r) for r in book["Biểu đồ"].iter_rows(min_row=2, values_only=True)]
    assert [r[:4] for r in chart] == [["Xã Mỹ Lộc", 5, 2, 2], ["Xã Mỹ Thành", 1, 0, 0]]


async def test_fixture_quarter_on_sqlite(session_factory: SessionFactory, tmp_path: Path) -> None:
    await _fixture(session_factory, tmp_path)
    _check_statistics(await _statistics(session_factory))


async def test_fixture_quarter_on_postgresql(pg_engine: AsyncEngine, tmp_path: Path) -> None:
    sessions = create_session_factory(pg_engine)
    await _fixture(sessions, tmp_path)
    _check_statistics(await _statistics(sessions))


async def test_every_council_adds_the_other_one(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _fixture(session_factory, tmp_path)
    stats = await _statistics(session_factory, all_councils=True)
    rows = list(csv.reader(io.StringIO(csv_bytes(stats).decode("utf-8-sig"))))
    assert rows[0][-1] == "council"
    (phuong,) = [row for row in rows if row[0] == "Phường Một"]
    assert phuong[:8] == ["Phường Một", "reception", "1", "1", "0", "0", "100", "10"]
    assert phuong[-1] == "HDND-X"
    assert rows[1][0] == "Xã Mỹ Lộc"
    assert rows[1][-1] == "HDND-ML"
    assert rows[-1][-1] == ""
    assert rows[-1][:8] == ["TOTAL", "all", "12", "8", "2", "2", "121", "14"]
    text = summary_text(stats, "vi")
    # Two commune councils: one paragraph for the level, their figures added up.
    assert text.startswith(
        "Trong quý I/2026, đại biểu HĐND các xã, phường (02 xã, phường) đã tiếp công dân 04 buổi"
        " theo phân công (05 lượt đại biểu, "
    )
    assert text.count("Trong quý") == 1
    assert "HDND-X" not in text


async def test_mid_quarter_counts_upcoming(session_factory: SessionFactory, tmp_path: Path) -> None:
    await _fixture(session_factory, tmp_path)
    async with session_factory() as session:
        council = await council_by_code(session=session, code="HDND-ML")
    assert council is not None
    async with session_factory() as session:
        stats = await quarterly_statistics(
            session=session,
            quarter=Q1,
            zone=ZONE,
            now=datetime(2026, 3, 25, 3, 0, tzinfo=UTC),
            council_ids=frozenset({council.id}),
        )
    overall = stats.overall.counts
    # E10 (deadline, 31 March) has not come yet; E4 (20 March) is overdue; E5 is reported.
    assert (overall.assigned, overall.unreported, overall.upcoming) == (11, 2, 1)


@pytest.mark.parametrize("units", [0, 1, 18])
def test_chart_png_is_1200_wide_and_not_blank(units: int) -> None:
    from matplotlib.image import imread

    from tests.domain.test_stats import statistics_with_units

    data = chart_png(statistics_with_units(units))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(io.BytesIO(data))
    height, width = pixels.shape[:2]
    assert width == 1200
    assert height >= 400
    colours = {
        tuple(round(float(c), 1) for c in pixel[:3])
        for pixel in pixels[::7, ::7].reshape(-1, pixels.shape[2])
    }
    assert len(colours) > (3 if units else 1)
    if units:
        green = (pixels[:, :, 1] > 0.4) & (pixels[:, :, 0] < 0.3) & (pixels[:, :, 2] < 0.3)
        assert green.sum() > 1000  # the "held" bars are drawn


async def test_periodic_reception_counts_in_turns(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """E1 (two delegates, both held) is the council's periodic reception: counted in
    turns, apart from the delegates' receptions counted in occasions (E2, E5)."""
    await _fixture(session_factory, tmp_path)
    async with session_factory() as session, session.begin():
        await session.exec(
            update(Event).where(col(Event.key) == "ref:E1").values(category="periodic")
        )
    text = summary_text(await _statistics(session_factory), "vi")
    assert text.startswith(
        "Trong quý I/2026, HĐND HDND-ML đã tổ chức 02 lượt tiếp công dân định kỳ. "
        "Đại biểu HĐND HDND-ML đã tiếp công dân 02 buổi theo phân công (02 lượt đại biểu, "
        "trong đó Thường trực HĐND 01 lượt). Đã tiếp 21 lượt công dân, "
    )


async def test_one_completion_rate_in_text_csv_and_workbook(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """7 held of 11 due (the deadline E10 held once over, never "unreported")."""
    await _fixture(session_factory, tmp_path)
    stats = await _statistics(session_factory)
    rows = list(csv.reader(io.StringIO(csv_bytes(stats).decode("utf-8-sig"))))
    assert rows[-1][:2] == ["TOTAL", "all"]
    assert rows[-1][rows[0].index("completion_rate")] == "0.6364"
    assert "(tỷ lệ thực hiện 63,6%, " in summary_text(stats, "vi")
    book = load_workbook(io.BytesIO(xlsx_bytes(stats)), read_only=True)
    units = [list(row) for row in book["Theo đơn vị"].iter_rows(values_only=True)]
    (overall,) = [row for row in units if row[:2] == ["Tổng cộng", "Tất cả"]]
    assert overall[2::2][15] == pytest.approx(7 / 11)
