"""``reports import`` and ``reports export``: matching, all-or-nothing, shared figures,
the newer report winning with history kept, and an export that imports again unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.db import SessionFactory
from bot.domain.reports import Figures
from bot.models import Assignment, Report, ReportVersion
from bot.services.reports.files import (
    ReportImportResult,
    export_csv,
    export_rows,
    import_reports,
)
from bot.services.reports.records import ReportDraft, save_report
from bot.services.reports.workbook import export_workbook
from bot.services.schedule.imports import import_schedule
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence\n"
    "reception,Tiếp công dân định kỳ,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,"
    "ML-001;ML-002,,,,\n"
    "voter_meeting,Tiếp xúc cử tri,2026-12-12 14:00,2026-12-12 16:00,Nhà văn hóa thôn 3,"
    "HDND-ML,ML-001,,,,\n"
    "supervision,Giám sát trường học,2026-12-15 08:00,2026-12-15 11:00,Trường THCS,HDND-ML,"
    "ML-002,,,,\n"
)
HEADER = "delegate,date,kind,held,citizens,petitions,note,forwarded,voters,opinions,reason\n"


@pytest.fixture
async def duties(session_factory: SessionFactory, tmp_path: Path) -> None:
    await add_delegate(session_factory, "ML-001", telegram_user_id=1001)
    await add_delegate(session_factory, "ML-002", full_name="Trần Văn Bình", unit="Thị trấn")
    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    async with session_factory() as session:
        result = await import_schedule(
            session=session,
            path=path,
            now=datetime(2026, 12, 1, tzinfo=UTC),
            zone=ZONE,
            dry_run=False,
        )
    assert result.problems == []


async def run(
    session_factory: SessionFactory, tmp_path: Path, body: str, *, dry_run: bool = False
) -> ReportImportResult:
    path = tmp_path / "reports.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    async with session_factory() as session:
        return await import_reports(session=session, path=path, now=NOW, zone=ZONE, dry_run=dry_run)


async def stored(session_factory: SessionFactory) -> list[Report]:
    async with session_factory() as session:
        return list((await session.exec(select(Report).order_by(col(Report.id)))).all())


async def test_rows_are_matched_and_written(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    result = await run(
        session_factory,
        tmp_path,
        "ML-001,10/12/2026,reception,có,12,3,chuyển UBND xã,1,,,\n"
        "ML-002,2026-12-10,tiếp công dân,có,,,,,,,\n"
        "ML-001,2026-12-12,voter_meeting,yes,,,,,85,12,\n"
        "ML-002,15/12/2026,supervision,không,,,Đi họp tỉnh,,,,trùng lịch\n",
    )
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    reception, attendee, meeting, supervision = await stored(session_factory)
    assert (reception.citizens, reception.petitions, reception.forwarded) == (12, 3, 1)
    assert (reception.carries_figures, reception.note) == (True, "chuyển UBND xã")
    assert (attendee.held, attendee.carries_figures, attendee.citizens) == (True, False, None)
    assert (meeting.voters, meeting.opinions) == (85, 12)
    assert (supervision.held, supervision.reason, supervision.note) == (
        False,
        "clash",
        "Đi họp tỉnh",
    )
    assert {r.source for r in await stored(session_factory)} == {"import"}


@pytest.mark.parametrize(
    ("body", "row", "column", "fragment"),
    [
        ("ML-404,2026-12-10,reception,có,1,1,,,,,\n", 2, "delegate", "ML-404"),
        ("ML-001,2026-12-11,reception,có,1,1,,,,,\n", 2, "date", "11/12/2026"),
        ("ML-001,31/11/2026,reception,có,1,1,,,,,\n", 2, "date", "31/11/2026"),
        ("ML-001,2026-12-10,meeting,có,1,1,,,,,\n", 2, "kind", "meeting"),
        ("ML-001,2026-12-10,reception,maybe,1,1,,,,,\n", 2, "held", "maybe"),
        ("ML-001,2026-12-10,reception,có,-1,1,,,,,\n", 2, "citizens", "-1"),
        ("ML-001,2026-12-10,reception,có,1,2.5,,,,,\n", 2, "petitions", "2.5"),
        ("ML-001,2026-12-10,reception,có,1,1,,3,,,\n", 2, "forwarded", "3"),
        ("ML-001,2026-12-10,reception,không,4,,,,,,\n", 2, "held", ""),
        ("ML-001,2026-12-10,reception,có,,,,,,,ốm\n", 2, "reason", ""),
        ("ML-001,2026-12-10,reception,không,,,,,,,bận\n", 2, "reason", "bận"),
        (
            "ML-001,2026-12-10,reception,có,1,1,,,,,\nML-001,2026-12-10,reception,có,,,,,,,\n",
            3,
            "date",
            "",
        ),
        (
            "ML-001,2026-12-10,reception,có,1,1,,,,,\nML-002,2026-12-10,reception,có,2,1,,,,,\n",
            3,
            "citizens",
            "Row 3",
        ),
    ],
)
async def test_bad_rows_write_nothing(
    session_factory: SessionFactory,
    tmp_path: Path,
    duties: None,
    body: str,
    row: int,
    column: str,
    fragment: str,
) -> None:
    ok = "ML-001,2026-12-12,voter_meeting,có,,,,,85,12,\n"
    result = await run(session_factory, tmp_path, ok + body.replace("\n", "\n", 1))
    assert result.problems, body
    problem = result.problems[0]
    assert (problem.row, problem.column) == (row + 1, column)
    assert fragment in problem.message.format(**problem.params)
    assert await stored(session_factory) == []  # the good row is not written either


async def test_dry_run_writes_nothing(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    result = await run(
        session_factory, tmp_path, "ML-001,2026-12-10,reception,có,12,3,,,,,\n", dry_run=True
    )
    assert (result.created, result.dry_run) == (1, True)
    assert await stored(session_factory) == []


async def test_an_import_replaces_a_bot_report_and_keeps_both_versions(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    async with session_factory() as session:
        assignment = (await session.exec(select(Assignment).order_by(col(Assignment.id)))).first()
    assert assignment is not None
    assert assignment.id is not None
    saved = await in_session(
        session_factory,
        save_report,
        assignment_id=assignment.id,
        delegate_ids=[assignment.delegate_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=10, petitions=2, forwarded=0)),
        actor="tg:1001",
        now=NOW,
    )
    assert saved.version == 1
    result = await run(session_factory, tmp_path, "ML-001,2026-12-10,reception,có,12,3,,1,,,\n")
    assert (result.created, result.updated) == (0, 1)
    (report,) = await stored(session_factory)
    assert (report.citizens, report.version, report.source) == (12, 2, "import")
    async with session_factory() as session:
        assert len((await session.exec(select(ReportVersion))).all()) == 2


async def test_an_export_imports_again_unchanged(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    await run(
        session_factory,
        tmp_path,
        "ML-001,10/12/2026,reception,có,12,3,chuyển UBND xã,1,,,\n"
        "ML-002,2026-12-10,reception,có,,,,,,,\n"
        "ML-001,2026-12-12,voter_meeting,yes,,,về đường giao thông,,85,12,\n"
        "ML-002,15/12/2026,supervision,không,,,,,,,hoãn\n",
    )
    async with session_factory() as session:
        rows = await export_rows(
            session=session,
            starts_from=datetime(2026, 9, 30, 17, tzinfo=UTC),
            starts_before=datetime(2026, 12, 31, 17, tzinfo=UTC),
            zone=ZONE,
        )
    assert len(rows) == 4
    data = export_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads Vietnamese
    assert data.decode("utf-8-sig").splitlines()[0] == (
        "delegate,date,kind,held,citizens,petitions,note,forwarded,voters,opinions,reason,"
        "title,unit,reported_at,source,start"
    )
    again = tmp_path / "export.csv"
    again.write_bytes(data)
    before = [(r.id, r.version) for r in await stored(session_factory)]
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=again, now=NOW, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert [(r.id, r.version) for r in await stored(session_factory)] == before
    # the XLSX export imports again unchanged too
    workbook = tmp_path / "export.xlsx"
    workbook.write_bytes(export_workbook(rows, title="Báo cáo kết quả hoạt động, quý IV/2026"))
    sheet = load_workbook(workbook).active
    assert sheet is not None
    assert sheet.title == "Báo cáo"
    assert sheet["A1"].value == "Báo cáo kết quả hoạt động, quý IV/2026"
    header = [cell.value for cell in sheet[3]]
    assert header[:8] == [
        "Mã đại biểu", "Họ và tên", "Đơn vị", "Ngày", "Giờ bắt đầu", "Loại", "Nội dung",
        "Đã thực hiện",
    ]  # fmt: skip
    first = {name: cell.value for name, cell in zip(header, sheet[4], strict=True)}
    assert first["Mã đại biểu"] == "ML-001"
    assert first["Họ và tên"]  # the delegate's name, not only a code
    assert isinstance(first["Ngày"], datetime)  # a real date, shown dd/mm/yyyy
    assert sheet.cell(4, 4).number_format == "dd/mm/yyyy"
    assert isinstance(first["Thời điểm báo cáo"], datetime)
    values = {cell.value for row in sheet.iter_rows(min_row=4) for cell in row}
    assert values & {"tiếp công dân", "tiếp xúc cử tri", "giám sát"}
    assert values & {"có", "không"}
    assert not values & {"reception", "voter_meeting", "yes", "no", "personal", "postponed"}
    assert "hoãn lịch" in values
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=workbook, now=NOW, zone=ZONE, dry_run=False
        )
    assert (result.problems, result.unchanged) == ([], 4)
    assert result.ignored_columns == ()


TWO_A_DAY = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence\n"
    "voter_meeting,Tiếp xúc cử tri thôn 1,2026-11-30 07:30,2026-11-30 09:00,Thôn 1,HDND-ML,"
    "ML-009,,,,\n"
    "voter_meeting,Tiếp xúc cử tri thôn 2,2026-11-30 14:00,2026-11-30 16:00,Thôn 2,HDND-ML,"
    "ML-009,,,,\n"
    "reception,Tiếp công dân tháng 1,2027-01-11 07:30,2027-01-11 11:00,Trụ sở,HDND-ML,"
    "ML-009,,,,\n"
)


@pytest.fixture
async def two_a_day(session_factory: SessionFactory, tmp_path: Path) -> None:
    await add_delegate(session_factory, "ML-009")
    path = tmp_path / "two.csv"
    path.write_text(TWO_A_DAY, encoding="utf-8")
    async with session_factory() as session:
        result = await import_schedule(
            session=session,
            path=path,
            now=datetime(2026, 11, 1, tzinfo=UTC),
            zone=ZONE,
            dry_run=False,
        )
    assert result.problems == []


async def test_two_duties_of_a_kind_on_one_day_need_the_title_or_the_start(
    session_factory: SessionFactory, tmp_path: Path, two_a_day: None
) -> None:
    result = await run(session_factory, tmp_path, "ML-009,30/11/2026,voter_meeting,có,,,,,80,5,\n")
    (problem,) = result.problems
    assert "add the title or start column" in problem.message
    assert problem.params["kind"] == "tiếp xúc cử tri"  # not the code voter_meeting
    path = tmp_path / "titled.csv"
    path.write_text(
        "delegate,date,kind,held,voters,opinions,start\n"
        "ML-009,30/11/2026,voter_meeting,có,80,5,14h00\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_reports(session=session, path=path, now=NOW, zone=ZONE, dry_run=False)
    assert result.problems == []
    (report,) = await stored(session_factory)
    async with session_factory() as session:
        rows = await export_rows(
            session=session,
            starts_from=datetime(2026, 9, 30, 17, tzinfo=UTC),
            starts_before=datetime(2026, 12, 31, 17, tzinfo=UTC),
            zone=ZONE,
        )
    assert [(r["title"], r["start"]) for r in rows] == [("Tiếp xúc cử tri thôn 2", "14:00")]
    again = tmp_path / "again.csv"
    again.write_bytes(export_csv(rows))
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=again, now=NOW, zone=ZONE, dry_run=False
        )
    assert (result.problems, result.unchanged, result.created) == ([], 1, 0)
    assert [r.id for r in await stored(session_factory)] == [report.id]


async def test_a_duty_that_has_not_taken_place_cannot_be_reported(
    session_factory: SessionFactory, tmp_path: Path, two_a_day: None
) -> None:
    result = await run(session_factory, tmp_path, "ML-009,11/01/2027,reception,có,3,1,,,,,\n")
    (problem,) = result.problems
    assert "has not taken place yet" in problem.message
    assert await stored(session_factory) == []


async def test_a_note_that_looks_like_a_formula_is_quoted_in_the_csv_and_comes_back(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    await run(
        session_factory, tmp_path, 'ML-001,2026-12-10,reception,có,12,3,"=HYPERLINK(""x"")",,,,\n'
    )
    async with session_factory() as session:
        rows = await export_rows(
            session=session,
            starts_from=datetime(2026, 9, 30, 17, tzinfo=UTC),
            starts_before=datetime(2026, 12, 31, 17, tzinfo=UTC),
            zone=ZONE,
        )
    data = export_csv(rows).decode("utf-8-sig")
    assert "\"'=HYPERLINK" in data
    again = tmp_path / "again.csv"
    again.write_text(data, encoding="utf-8")
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=again, now=NOW, zone=ZONE, dry_run=False
        )
    assert (result.problems, result.unchanged) == ([], 1)
    (report,) = await stored(session_factory)
    assert report.note == '=HYPERLINK("x")'


async def test_two_co_attendees_giving_figures_at_once_leave_one_carrier(
    session_factory: SessionFactory, duties: None
) -> None:
    """Two writers at the same moment (the bot and an import, or two processes)."""
    import asyncio

    async with session_factory() as session:
        first, second = (
            await session.exec(select(Assignment).order_by(col(Assignment.id)).limit(2))
        ).all()
    assert first.occurrence_id == second.occurrence_id  # the shared reception
    results = await asyncio.gather(
        *(
            in_session(
                session_factory,
                save_report,
                assignment_id=a.id or 0,
                delegate_ids=[a.delegate_id],
                draft=ReportDraft(
                    held=True, figures=Figures(citizens=10, petitions=1, forwarded=0)
                ),
                actor="test",
                now=NOW,
            )
            for a in (first, second)
        )
    )
    assert all(r.status.value == "saved" for r in results)
    reports = await stored(session_factory)
    assert len(reports) == 2
    assert sum(r.carries_figures for r in reports) == 1
    assert sum(r.citizens or 0 for r in reports) == 10


# --- issue 18 item 2: figure columns per kind, forwarded, an older export ---------------


@pytest.mark.parametrize(
    ("body", "column", "fragment"),
    [
        # the kind named as the office says it; a voter meeting counts voters and opinions
        ("ML-001,2026-12-12,voter_meeting,có,50,,,,85,12,\n", "citizens", "tiếp xúc cử tri"),
        # a supervision has no figures at all
        ("ML-002,2026-12-15,supervision,có,999,,,,,,\n", "citizens", "giám sát"),
        ("ML-002,2026-12-15,supervision,có,,,,,3,,\n", "voters", "giám sát"),
        # a reception counts citizens, petitions and forwarded, not voters
        ("ML-001,2026-12-10,reception,có,12,3,,,40,,\n", "voters", "tiếp công dân"),
        # both primary figures, or none
        ("ML-001,2026-12-10,reception,có,12,,,,,,\n", "petitions", ""),
        ("ML-001,2026-12-12,voter_meeting,có,,,,,,12,\n", "voters", ""),
        # forwarded alone (a template's 0) is not a set of figures
        ("ML-002,2026-12-10,reception,có,,,,0,,,\n", "citizens", ""),
    ],
)
async def test_figure_columns_must_belong_to_the_kind(
    session_factory: SessionFactory,
    tmp_path: Path,
    duties: None,
    body: str,
    column: str,
    fragment: str,
) -> None:
    result = await run(session_factory, tmp_path, body)
    assert [(p.row, p.column) for p in result.problems] == [(2, column)], result.problems
    assert fragment in result.problems[0].message.format(**result.problems[0].params)
    assert await stored(session_factory) == []


async def _carrier_in_the_bot(session_factory: SessionFactory, now: datetime) -> Assignment:
    """ML-001 reports the shared reception in the bot with 12 citizens and 3 petitions."""
    async with session_factory() as session:
        first = (await session.exec(select(Assignment).order_by(col(Assignment.id)))).first()
    assert first is not None
    assert first.id is not None
    await in_session(
        session_factory,
        save_report,
        assignment_id=first.id,
        delegate_ids=[first.delegate_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=12, petitions=3, forwarded=1)),
        actor="tg:1001",
        now=now,
    )
    return first


async def test_a_co_attendee_row_with_only_forwarded_keeps_the_carriers_figures(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    await _carrier_in_the_bot(session_factory, NOW)
    result = await run(session_factory, tmp_path, "ML-002,2026-12-10,reception,có,,,,0,,,\n")
    assert [(p.row, p.column) for p in result.problems] == [(2, "citizens")]
    (carrier,) = await stored(session_factory)
    assert (carrier.carries_figures, carrier.citizens, carrier.petitions) == (True, 12, 3)


async def test_a_forwarded_only_row_is_a_second_set_of_figures_in_one_file(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    result = await run(
        session_factory,
        tmp_path,
        "ML-001,2026-12-10,reception,có,12,3,,1,,,\nML-002,2026-12-10,reception,có,,,,0,,,\n",
    )
    assert (3, "citizens") in [(p.row, p.column) for p in result.problems]
    assert await stored(session_factory) == []


async def test_an_older_export_does_not_undo_a_newer_correction_in_the_bot(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    early = datetime(2026, 12, 11, 3, 0, tzinfo=UTC)  # within the bot's correction window
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER
        + "ML-001,2026-12-10,reception,có,12,3,,1,,,\nML-002,2026-12-10,reception,có,,,,,,,\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=first, now=early, zone=ZONE, dry_run=False
        )
    assert result.created == 2
    async with session_factory() as session:
        rows = await export_rows(
            session=session,
            starts_from=datetime(2026, 9, 30, 17, tzinfo=UTC),
            starts_before=datetime(2026, 12, 31, 17, tzinfo=UTC),
            zone=ZONE,
        )
    export = tmp_path / "export.csv"
    export.write_bytes(export_csv(rows))
    # An hour later ML-002 corrects the figures in the bot: 20 citizens, 5 petitions.
    async with session_factory() as session:
        second = (
            await session.exec(select(Assignment).order_by(col(Assignment.id)).offset(1))
        ).first()
    assert second is not None
    saved = await in_session(
        session_factory,
        save_report,
        assignment_id=second.id or 0,
        delegate_ids=[second.delegate_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=20, petitions=5, forwarded=0)),
        actor="tg:1002",
        now=early + timedelta(hours=1),
    )
    assert saved.status.value == "saved"
    before = [(r.id, r.citizens, r.version) for r in await stored(session_factory)]
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=export, now=NOW, zone=ZONE, dry_run=False
        )
    # Row 2 (ML-001's 12 and 3) would take the figures back; row 3 changes nothing.
    assert [(p.row, p.column) for p in result.problems] == [(2, "reported_at")]
    text = result.problems[0].message.format(**result.problems[0].params)
    assert "11/12/2026 11:00" in text  # when the newer report was saved, local time
    assert [(r.id, r.citizens, r.version) for r in await stored(session_factory)] == before
    # Without the reported_at cell the office says: this row wins.
    export.write_text(HEADER + "ML-001,2026-12-10,reception,có,12,3,,1,,,\n", encoding="utf-8")
    async with session_factory() as session:
        result = await import_reports(
            session=session, path=export, now=NOW, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    assert result.updated == 1


async def test_a_reported_at_that_is_not_a_time_is_refused(
    session_factory: SessionFactory, tmp_path: Path, duties: None
) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(
        "delegate,date,kind,held,citizens,petitions,note,reported_at\n"
        "ML-001,2026-12-10,reception,có,12,3,,hôm qua\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_reports(session=session, path=path, now=NOW, zone=ZONE, dry_run=False)
    assert [(p.row, p.column) for p in result.problems] == [(2, "reported_at")]
