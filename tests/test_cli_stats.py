"""``delegate-bot stats``: the fixture quarter of tests/services/test_stats.py, end to end.

The command reads the wall clock; the fixture quarter (2026-Q1) is long over by then, so
every figure is final and the expected CSV is the service test's.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.db import create_engine, create_session_factory
from tests.database_template import copy_migrated, sqlite_path
from tests.services.test_stats import EXPECTED_CSV, EXPECTED_TEXT, _fixture


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> Path:
    """A database holding the fixture quarter; the working folder is ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "CLI_LANG", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    async def seed() -> None:
        await copy_migrated(sqlite_path(sqlite_url))
        engine = create_engine(sqlite_url)
        try:
            await _fixture(create_session_factory(engine), tmp_path)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return tmp_path


def test_csv_to_the_screen_with_a_bom(
    env: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["stats", "--quarter", "2026-Q1", "--council", "HDND-ML", "--format", "csv"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"\xef\xbb\xbf")
    assert out.decode("utf-8-sig").replace("\r\n", "\n") == EXPECTED_CSV


def test_text_is_the_default(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--quarter", "2026-q1", "--council", "HDND-ML"]) == 0
    assert capsys.readouterr().out == EXPECTED_TEXT + "\n"


def test_xlsx_and_png_go_to_a_default_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--quarter", "2026-Q1", "--council", "HDND-ML", "--format", "xlsx"]) == 0
    path = env / "thong-ke-2026-Q1-HDND-ML.xlsx"
    assert str(path.name) in capsys.readouterr().out
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    assert book.sheetnames[:2] == ["Biểu tổng hợp", "Theo đơn vị"]
    assert main(["stats", "--quarter", "2026-Q1", "--format", "png"]) == 0
    assert (env / "thong-ke-2026-Q1-tat-ca.png").read_bytes().startswith(b"\x89PNG")
    out = env / "chart.png"
    assert main(["stats", "--quarter", "2026-Q1", "--format", "png", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_unknown_council_exits_1(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--quarter", "2026-Q1", "--council", "NOPE"]) == 1
    assert capsys.readouterr().err.strip() == "Không tìm thấy HĐND có mã NOPE"
    assert not list(env.glob("thong-ke-*"))


@pytest.mark.parametrize("quarter", ["2026-Q5", "Q1-2026", "2026"])
def test_bad_quarter_exits_2(env: Path, quarter: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["stats", "--quarter", quarter])
    assert caught.value.code == 2
    assert "ghi quý dạng IV/2026 hoặc 2026-Q4" in capsys.readouterr().err


@pytest.mark.parametrize("quarter", ["I/2026", "Q1/2026", "quý I/2026", "quý 1/2026", "2026-Q1"])
def test_the_quarter_as_the_office_writes_it(
    env: Path, quarter: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--quarter", quarter, "--council", "HDND-ML"]) == 0
    assert capsys.readouterr().out == EXPECTED_TEXT + "\n"


def _make_child(sqlite_url: str, child: str, parent: str) -> None:
    """The roster's ``parent_council`` column, set directly."""

    async def update() -> None:
        from sqlalchemy import text

        engine = create_engine(sqlite_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "UPDATE councils SET parent_id = (SELECT id FROM councils WHERE code = :p)"
                        " WHERE code = :c"
                    ),
                    {"p": parent, "c": child},
                )
        finally:
            await engine.dispose()

    asyncio.run(update())


def test_children_add_the_lower_councils(
    env: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--children``: the council's paragraph, then its child councils' (HDND-X here)."""
    _make_child(sqlite_url, "HDND-X", "HDND-ML")
    assert main(["stats", "--quarter", "I/2026", "--council", "HDND-ML", "--children"]) == 0
    paragraphs = capsys.readouterr().out.split("\n\n")
    assert paragraphs[0] == EXPECTED_TEXT.split("\n\n")[0]
    assert paragraphs[1].startswith(
        "Trong quý I/2026, đại biểu HĐND HDND-X đã tiếp công dân 01 buổi theo phân công"
    )
    follow_up = paragraphs[2].splitlines()
    assert follow_up[0] == "Theo dõi nội bộ (không đưa vào báo cáo):"
    assert [line.split(":")[0] for line in follow_up[1:]] == ["HĐND HDND-ML", "HĐND HDND-X"]
    # Without --children the child council is not there; --children alone is refused.
    assert main(["stats", "--quarter", "I/2026", "--council", "HDND-ML"]) == 0
    assert "HDND-X" not in capsys.readouterr().out
    # --children without --council: a usage error (exit 2), as argparse writes one.
    assert main(["stats", "--quarter", "I/2026", "--children"]) == 2
    err = capsys.readouterr().err
    assert "delegate-bot stats" in err.splitlines()[0]  # the usage line
    assert err.splitlines()[-1] == "delegate-bot stats: lỗi: --children cần đi kèm --council MÃ"
