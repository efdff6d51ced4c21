"""The sample files in ``docs/templates`` import as they are, in the order an office
would use them: roster, schedule, reports on paper, the petitions register. A template
that stops importing (a column renamed, a rule tightened) fails here, not at a clerk's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.cli import main
from bot.db import create_engine, create_session_factory
from bot.models import Assignment, Delegate, Event, Report
from bot.models.petitions import Petition

TEMPLATES = Path(__file__).resolve().parents[2] / "docs" / "templates"
ORDER = (
    (("delegates", "import"), "danh-sach-dai-bieu.csv"),
    (("schedule", "import"), "lich-cong-tac.csv"),
    (("reports", "import"), "bao-cao-ket-qua.csv"),
    (("petitions", "import"), "so-theo-doi-don-thu.csv"),
)


async def _count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return (await session.exec(select(func.count()).select_from(model))).one()
    finally:
        await engine.dispose()


def test_every_template_is_documented_and_tested() -> None:
    assert {path.name for path in TEMPLATES.glob("*.csv")} == {name for _, name in ORDER}
    readme = (TEMPLATES.parents[1] / "README.md").read_text(encoding="utf-8")
    for _, name in ORDER:
        assert f"docs/templates/{name}" in readme


def test_the_templates_import_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLI_LANG", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for command, name in ORDER:
        path = str(TEMPLATES / name)
        assert main([*command, path, "--dry-run"]) == 0, name
        assert main([*command, path]) == 0, name
    models = (Delegate, Event, Assignment, Report, Petition)
    counts = [asyncio.run(_count(sqlite_url, model)) for model in models]
    assert counts == [6, 5, 16, 7, 4]
