"""The roster names councils, links a commune to its province and records titles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.db import SessionFactory
from bot.models import Council, Delegate
from bot.services.delegates.roster import RosterImportResult, import_roster
from tests.services.roster_files import write_raw_csv

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
HEADER = (
    "Mã đại biểu", "Họ và tên", "Mã HĐND", "Cấp", "Tên HĐND", "HĐND cấp trên",
    "Chức vụ", "Tổ đại biểu", "Ban", "Vai trò",
)  # fmt: skip
ROWS = [
    ("NB-001", "Trần Văn An", "NB-T", "tỉnh", "HĐND tỉnh Ninh Bình", "",
     "Chủ tịch HĐND", "Tổ đại biểu số 1", "", "đại biểu"),
    ("NB-002", "Lê Thị Bình", "NB-T", "tỉnh", "HĐND tỉnh Ninh Bình", "",
     "Trưởng Ban Pháp chế", "Tổ đại biểu số 1", "Ban Pháp chế", ""),
    ("NB-VP1", "Phạm Thu Hà", "NB-T", "tỉnh", "", "", "", "", "", "văn phòng"),
    ("ML-001", "Đỗ Văn Cường", "ML-X", "xã", "HĐND xã Mỹ Lộc", "NB-T",
     "Phó Chủ tịch HĐND", "", "", ""),
    ("DK-001", "Ngô Thị Dung", "DK-X", "đặc khu", "HĐND đặc khu Cồn Cỏ", "NB-T",
     "Ủy viên Thường trực", "", "", ""),
]  # fmt: skip


async def _import(
    sessions: SessionFactory, path: Path, *, dry_run: bool = False
) -> RosterImportResult:
    async with sessions() as session:
        return await import_roster(session=session, path=path, now=NOW, dry_run=dry_run)


async def test_councils_get_their_names_levels_and_parent(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    path = write_raw_csv(tmp_path / "r.csv", HEADER, ROWS)
    result = await _import(session_factory, path)
    assert result.problems == []
    assert (result.created, result.councils_created) == (5, 3)
    async with session_factory() as session:
        councils = {c.code: c for c in await session.exec(select(Council))}
        delegates = {d.code: d for d in await session.exec(select(Delegate))}
    province = councils["NB-T"]
    assert (province.name, province.level, province.parent_id) == (
        "HĐND tỉnh Ninh Bình", "province", None
    )  # fmt: skip
    assert councils["ML-X"].parent_id == province.id
    assert (councils["DK-X"].name, councils["DK-X"].level) == ("HĐND đặc khu Cồn Cỏ", "commune")
    assert delegates["NB-002"].committee == "Ban Pháp chế"
    assert delegates["NB-001"].group_name == "Tổ đại biểu số 1"
    assert delegates["NB-VP1"].role == "secretary"
    # The Standing Committee by title; the office's account holds none.
    standing = {code for code, d in delegates.items() if d.standing_committee}
    assert standing == {"NB-001", "ML-001", "DK-001"}


async def test_renaming_a_council_alone_is_a_change(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await _import(session_factory, write_raw_csv(tmp_path / "a.csv", HEADER, ROWS))
    renamed = [(*r[:4], r[4].replace("Mỹ Lộc", "Mỹ Lộc mới"), *r[5:]) for r in ROWS]
    result = await _import(session_factory, write_raw_csv(tmp_path / "b.csv", HEADER, renamed))
    assert (result.updated, result.councils_updated) == (0, 1)
    async with session_factory() as session:
        names = {c.code: c.name for c in await session.exec(select(Council))}
    assert names["ML-X"] == "HĐND xã Mỹ Lộc mới"
    # An empty name cell keeps the stored name; so does a file without the column.
    assert names["NB-T"] == "HĐND tỉnh Ninh Bình"


async def test_a_dry_run_moving_a_council_under_a_new_one_counts_it_and_writes_nothing(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """The upper council is new in the file: a dry run does not create it, yet the stored
    council that moves under it is one council updated (and nothing is written)."""
    alone = [(*ROWS[3][:5], "", *ROWS[3][6:])]  # Mỹ Lộc, no upper council yet
    first = await _import(session_factory, write_raw_csv(tmp_path / "a.csv", HEADER, alone))
    assert (first.problems, first.created) == ([], 1)
    moved = [
        ("HN-001", "Vũ Văn Hà", "HN-T", "thành phố", "HĐND thành phố Hà Nội", "",
         "", "", "", ""),
        (*ROWS[3][:5], "HN-T", *ROWS[3][6:]),
    ]  # fmt: skip
    path = write_raw_csv(tmp_path / "b.csv", HEADER, moved)
    dry = await _import(session_factory, path, dry_run=True)
    assert dry.problems == []
    assert (dry.created, dry.councils_created, dry.councils_updated) == (1, 1, 1)
    async with session_factory() as session:
        councils = {c.code: c for c in await session.exec(select(Council))}
    assert set(councils) == {"ML-X"}
    assert councils["ML-X"].parent_id is None
    done = await _import(session_factory, path)
    assert (done.created, done.councils_created, done.councils_updated) == (1, 1, 1)
    async with session_factory() as session:
        councils = {c.code: c for c in await session.exec(select(Council))}
    assert councils["ML-X"].parent_id == councils["HN-T"].id


async def test_an_unknown_upper_council_writes_nothing(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    rows = [("ML-001", "Đỗ Văn Cường", "ML-X", "xã", "HĐND xã Mỹ Lộc", "HN-T", "", "", "", "")]
    result = await _import(session_factory, write_raw_csv(tmp_path / "r.csv", HEADER, rows))
    [problem] = result.problems
    assert (problem.row, problem.column, problem.params) == (2, "parent_council", {"code": "HN-T"})
    async with session_factory() as session:
        assert (await session.exec(select(Council))).all() == []
