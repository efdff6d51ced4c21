"""The demo of 2026: a province council over commune, ward and special-zone councils."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.cli import main
from bot.db import SessionFactory, create_engine, create_session_factory
from bot.models import Assignment, Council, Delegate, Event, Occurrence
from bot.services.demo import seed_province_demo
from bot.services.demo.province import PROVINCE_COUNCIL
from bot.services.demo.province_schedule import session_name

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 8h00 ngày 07/12/2026


@pytest.mark.parametrize(
    ("first_day", "name"),
    [
        (date(2026, 1, 1), ("Kỳ họp thứ Nhất", "kỳ họp thứ nhất của nhiệm kỳ")),
        (date(2026, 4, 1), ("Kỳ họp thứ Hai", "kỳ họp thường lệ giữa năm 2026")),
        (date(2026, 7, 1), ("Kỳ họp thứ Ba", "kỳ họp chuyên đề")),
        (date(2026, 10, 1), ("Kỳ họp thứ Tư", "kỳ họp thường lệ cuối năm 2026")),
        (date(2027, 10, 1), ("Kỳ họp thứ Tám", "kỳ họp thường lệ cuối năm 2027")),
        (date(2029, 1, 1), ("Kỳ họp thứ 13", "kỳ họp chuyên đề")),
    ],
)
def test_sessions_are_named_as_councils_name_them(first_day: date, name: tuple[str, str]) -> None:
    assert session_name(first_day) == name


async def test_the_province_and_its_councils(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    async with session_factory() as session:
        result = await seed_province_demo(session=session, now=NOW, zone=ZONE, workdir=tmp_path)
    assert result.quarter == "2026-Q4"
    assert result.councils == 7
    assert result.secretaries == 8  # two at the province, one per local council
    async with session_factory() as session:
        councils = {c.code: c for c in (await session.exec(select(Council))).all()}
        people = (await session.exec(select(Delegate))).all()
        titles = (await session.exec(select(Event.title).where(col(Event.kind) == "session"))).all()
    province = councils[PROVINCE_COUNCIL]
    assert (province.name, province.level, province.parent_id) == (
        "HĐND tỉnh An Thịnh", "province", None
    )  # fmt: skip
    locals_ = [c for c in councils.values() if c.code != PROVINCE_COUNCIL]
    assert {c.parent_id for c in locals_} == {province.id}
    assert {c.level for c in locals_} == {"commune"}
    assert sorted(c.name.split()[1] for c in locals_) == [
        "phường", "phường", "xã", "xã", "xã", "đặc"
    ]  # fmt: skip
    at_province = [p for p in people if p.council_id == province.id and p.role == "delegate"]
    assert len(at_province) == 50
    assert len({p.group_name for p in at_province}) == 10  # ten Tổ đại biểu
    assert {p.committee for p in at_province} >= {"Ban Pháp chế", "Ban Dân tộc"}
    standing = [p.title for p in at_province if p.standing_committee]
    assert len(standing) == 7
    assert "Chủ tịch HĐND" in standing
    # The office's accounts hold no seat and are not the Standing Committee.
    assert not any(p.standing_committee for p in people if p.role == "secretary")
    # Sessions named as councils name them, term 2026–2031; nothing of before the reform.
    assert all(t.startswith("Kỳ họp thứ Tư (kỳ họp thường lệ cuối năm 2026) HĐND") for t in titles)
    assert all("nhiệm kỳ 2026–2031" in t for t in titles)
    roster = (tmp_path / "demo-roster.csv").read_text(encoding="utf-8-sig")
    assert "huyện" not in roster
    assert "Thị trấn" not in roster
    header = next(csv.reader(io.StringIO(roster)))
    assert header[:3] == ["Mã đại biểu", "Họ và tên", "Mã HĐND"]
    assert "Chức vụ" in header
    assert "Tổ đại biểu" in header


async def test_all_never_assigns_the_office(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        await seed_province_demo(session=session, now=NOW, zone=ZONE)
    async with session_factory() as session:
        office_assignments = (
            await session.exec(
                select(Assignment)
                .join(Delegate, col(Delegate.id) == col(Assignment.delegate_id))
                .join(Occurrence, col(Occurrence.id) == col(Assignment.occurrence_id))
                .where(col(Delegate.role) == "secretary")
            )
        ).all()
    assert office_assignments == []


async def test_seeding_twice_changes_nothing(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        first = await seed_province_demo(session=session, now=NOW, zone=ZONE)
    async with session_factory() as session:
        again = await seed_province_demo(session=session, now=NOW, zone=ZONE)
    assert first.changed
    assert not again.changed
    assert (again.delegates, again.events, again.assignments) == (
        first.delegates, first.events, first.assignments
    )  # fmt: skip


async def test_the_cli_seeds_the_2026_demo_by_default(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CLI_LANG", raising=False)
    assert await asyncio.to_thread(main, ["db", "upgrade"]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["demo", "seed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Đã tạo dữ liệu mẫu quý ")
    assert "7 HĐND" in out
    engine = create_engine(sqlite_url)
    try:
        async with create_session_factory(engine)() as session:
            names = set((await session.exec(select(Council.name))).all())
    finally:
        await engine.dispose()
    assert "HĐND tỉnh An Thịnh" in names
    assert await asyncio.to_thread(main, ["demo", "seed", "--example", "huyen-2022"]) == 0
    assert "19 HĐND" in capsys.readouterr().out
