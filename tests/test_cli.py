"""The command line as a secretariat uses it: exit codes, output, nothing half-written."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.cli import main
from bot.db import create_engine, create_session_factory
from bot.models import Delegate, Invite
from bot.services.delegates.invites import hash_token

HEADER = "code,full_name,council,level,unit,constituency,phone,role\n"
GOOD = (
    HEADER
    + "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,0912345678,delegate\n"
    + "ML-002,Trần Thị Bình,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 2,,secretary\n"
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> str:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "TELEGRAM_API_URL", "CLI_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOT_USERNAME", "hdnd_test_bot")
    return sqlite_url


async def _delegates(url: str) -> list[Delegate]:
    engine: AsyncEngine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.exec(select(Delegate).order_by(Delegate.code))).all())
    finally:
        await engine.dispose()


@pytest.mark.slow  # starts python -m bot
def test_python_m_bot_is_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "delegates" in result.stdout
    assert "run" in result.stdout


def test_usage_error_exits_2(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["delegates", "frobnicate"])
    assert caught.value.code == 2


async def test_db_upgrade_creates_the_schema(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run(["db", "upgrade"]) == 0
    assert await _delegates(env) == []


async def _run(argv: list[str]) -> int:
    """``main`` calls ``asyncio.run``, so it must run outside the test's event loop."""
    import asyncio

    return await asyncio.to_thread(main, argv)


async def test_roster_import_then_invites(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD, encoding="utf-8-sig")
    assert await _run(["db", "upgrade"]) == 0
    assert await _run(["delegates", "import", str(roster), "--dry-run"]) == 0
    assert await _delegates(env) == []
    assert await _run(["delegates", "import", str(roster)]) == 0
    assert [d.code for d in await _delegates(env)] == ["ML-001", "ML-002"]
    capsys.readouterr()

    out = tmp_path / "invites.csv"
    assert await _run(["delegates", "invite", "--council", "HDND-ML", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.stat().st_mode & 0o777 == 0o600  # each link links an account: owner only
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["code"] for r in rows] == ["ML-001", "ML-002"]
    assert rows[0]["full_name"] == "Nguyễn Văn An"
    prefix = "https://t.me/hdnd_test_bot?start="
    assert all(r["link"].startswith(prefix) for r in rows)
    tokens = {r["link"].removeprefix(prefix) for r in rows}
    engine = create_engine(env)
    try:
        async with create_session_factory(engine)() as session:
            hashes = set((await session.exec(select(Invite.token_hash))).all())
    finally:
        await engine.dispose()
    assert {hash_token(t) for t in tokens} <= hashes

    assert await _run(["delegates", "invite", "--council", "NOPE"]) == 1
    assert "NOPE" in capsys.readouterr().err


async def test_bad_roster_exits_1_and_names_row_and_column(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        GOOD + "ML-003,Lê Văn Cường,HDND-ML,planet,Xã Mỹ Lộc,,,delegate\n", encoding="utf-8"
    )
    assert await _run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert await _run(["delegates", "import", str(roster)]) == 1
    err = capsys.readouterr().err
    assert "dòng 4, cột «level»:" in err
    assert "Phát hiện 1 lỗi; chưa ghi dữ liệu nào." in err
    assert await _run(["--lang", "en", "delegates", "import", str(roster)]) == 1
    err = capsys.readouterr().err
    assert "row 4, column level:" in err
    assert "1 problem(s) found; nothing was written." in err
    assert await _delegates(env) == []


async def test_missing_file_exits_1(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run(["delegates", "import", "nowhere.csv"]) == 1
    assert "nowhere.csv" in capsys.readouterr().err


async def test_run_without_token_exits_1(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run(["run"]) == 1
    assert "BOT_TOKEN" in capsys.readouterr().err


SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,"
    "per_occurrence\n"
    "reception,Tiếp công dân,2032-01-10 07:30,2032-01-10 11:00,Trụ sở xã,HDND-ML,"
    "ML-001;ML-002,FREQ=MONTHLY;BYMONTHDAY=10,2032-03-31,,1\n"
)


async def test_schedule_import_list_ics_and_calendar(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD, encoding="utf-8")
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(SCHEDULE, encoding="utf-8")
    assert await _run(["delegates", "import", str(roster)]) == 0
    assert await _run(["schedule", "import", str(schedule), "--dry-run"]) == 0
    assert "Kiểm tra thử (chưa ghi vào dữ liệu)" in capsys.readouterr().out
    assert await _run(["schedule", "import", str(schedule)]) == 0
    capsys.readouterr()

    argv = ["schedule", "list", "--from", "2032-01-01", "--to", "2032-03-31", "--format", "csv"]
    assert await _run(argv) == 0
    output = capsys.readouterr().out
    assert output.startswith("\ufeff")  # a BOM: Excel then reads the diacritics right
    rows = list(csv.reader(io.StringIO(output.removeprefix("\ufeff"))))
    assert rows[0] == [
        "date", "start", "end", "kind", "title", "location", "delegate_code", "delegate_name",
    ]  # fmt: skip
    # Far enough ahead to stay in the future: 10 Jan 2032 is a Saturday → Monday 12;
    # 10 Feb 2032 is Tết eve → Monday 16 Feb
    assert [(r[0], r[1], r[2], r[6]) for r in rows[1:]] == [
        ("2032-01-12", "07:30", "11:00", "ML-001"),
        ("2032-02-16", "07:30", "11:00", "ML-002"),
        ("2032-03-10", "07:30", "11:00", "ML-001"),
    ]

    assert await _run(["schedule", "list", "--from", "2032-01-01", "--delegate", "ML-002"]) == 0
    text = capsys.readouterr().out
    assert "Thứ Hai, 16/02/2032" in text
    assert "7h30–11h00" in text  # as councils write times; the CSV above keeps 07:30
    assert "07:30" not in text
    assert "ML-001" not in text
    assert await _run(["--lang", "en", *argv[:-2], "--delegate", "ML-002"]) == 0
    assert "07:30–11:00" in capsys.readouterr().out

    ics = tmp_path / "ml1.ics"
    assert await _run(["schedule", "ics", "--delegate", "ML-001", "--out", str(ics)]) == 0
    assert ics.read_bytes().count(b"BEGIN:VEVENT") == 2
    assert await _run(["schedule", "ics", "--delegate", "NOPE"]) == 1

    # A make-up working Saturday 10 January: the reception stays on the 10th
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("date,kind,note\n10/01/2032,làm bù,Làm bù\n", encoding="utf-8")
    assert await _run(["calendar", "import", str(calendar)]) == 0
    capsys.readouterr()
    assert await _run(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][0] == "2032-01-10"


async def test_bad_schedule_exits_1_and_writes_nothing(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD, encoding="utf-8")
    assert await _run(["delegates", "import", str(roster)]) == 0
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(SCHEDULE.replace("ML-002", "ML-404"), encoding="utf-8")
    capsys.readouterr()
    assert await _run(["schedule", "import", str(schedule)]) == 1
    assert "dòng 2, cột «delegates»:" in capsys.readouterr().err
    assert await _run(["schedule", "list", "--from", "2032-01-01", "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip().count("\n") == 0  # header only


def temporary_files(folder: Path) -> list[Path]:
    return list(folder.glob(".*.tmp"))


async def test_invite_to_a_folder_changes_nothing(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD, encoding="utf-8")
    assert await _run(["delegates", "import", str(roster)]) == 0
    first = tmp_path / "first.csv"
    assert await _run(["delegates", "invite", "--out", str(first)]) == 0
    capsys.readouterr()
    assert await _run(["delegates", "invite", "--out", str(tmp_path)]) == 1
    assert "first" not in capsys.readouterr().err
    engine = create_engine(env)
    try:
        async with create_session_factory(engine)() as session:
            invites = (await session.exec(select(Invite))).all()
    finally:
        await engine.dispose()
    assert len(invites) == 2
    assert all(i.revoked_at is None for i in invites)  # the first sheet still works
    assert not temporary_files(tmp_path)


async def test_list_range_backwards_is_a_usage_error(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["schedule", "list", "--from", "2026-12-31", "--to", "2026-12-01"]
    assert await _run(argv) == 2
    err = capsys.readouterr().err
    assert "delegate-bot schedule list" in err.splitlines()[0]  # the usage line
    assert err.splitlines()[-1] == (
        "delegate-bot schedule list: lỗi: "
        "ngày --to (01/12/2026) không được trước ngày --from (31/12/2026)"
    )


async def test_list_dates_day_first_and_days_that_do_not_exist(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["schedule", "list", "--from", "10/12/2032", "--to", "2032-12-31", "--format", "csv"]
    assert await _run(argv) == 0
    assert capsys.readouterr().out.startswith("\ufeffdate,start,end,")

    for argv, expected in [
        (
            ["schedule", "list", "--from", "31/11/2026"],
            "«31/11/2026» không phải là một ngày có thật",
        ),
        (
            ["schedule", "list", "--to", "31/11/2026", "--lang", "en"],
            "is not a date of the calendar",
        ),
        (
            ["schedule", "list", "--from", "tomorrow"],
            "«tomorrow» không phải là ngày; ghi dạng 31/12/2026",
        ),
    ]:
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert expected in capsys.readouterr().err


async def test_invite_sheet_as_a_printable_workbook(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``delegates invite --format xlsx``: phone, a message to paste into Zalo or SMS, a QR
    code of each link; owner-only, as the CSV."""
    from openpyxl import load_workbook

    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD, encoding="utf-8")
    assert await _run(["delegates", "import", str(roster)]) == 0
    capsys.readouterr()
    assert await _run(["delegates", "invite", "--council", "HDND-ML", "--format", "xlsx"]) == 0
    path = tmp_path / "moi-lien-ket-HDND-ML.xlsx"
    assert str(path.name) in capsys.readouterr().err
    assert path.stat().st_mode & 0o777 == 0o600  # each link links an account: owner only
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "Mời liên kết"
    assert [c.value for c in sheet[3]][:5] == [
        "STT", "Mã đại biểu", "Họ và tên", "Đơn vị", "Số điện thoại",
    ]  # fmt: skip
    first = [c.value for c in sheet[4]]
    assert first[1:5] == ["ML-001", "Nguyễn Văn An", "Xã Mỹ Lộc", "0912345678"]
    message, link = first[5], first[6]
    assert isinstance(message, str)
    assert isinstance(link, str)
    assert link.startswith("https://t.me/hdnd_test_bot?start=")
    assert message.startswith("Kính gửi đồng chí Nguyễn Văn An, đại biểu")
    assert message.endswith(link)
    assert "hiệu lực đến hết ngày" in message
    images = sheet._images
    assert len(images) == 2  # one QR code per delegate, in its row's last column
    assert [(i.anchor._from.row, i.anchor._from.col) for i in images] == [(3, 7), (4, 7)]
    assert sheet.page_setup.orientation == "landscape"
    import segno

    from bot.services.delegates.invite_sheet import qr_png

    # the embedded picture is the QR code of that row's link
    assert images[0]._data() == qr_png(link)
    assert segno.make_qr(link, error="m").designator.endswith("-M")
