"""A command is one unit of work: it opens one database session and passes it down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.cli import main
from bot.db import create_engine, create_session_factory
from bot.models import Delegate, OutboxMessage

ROSTER = (
    "code,full_name,council,level,unit,constituency,phone,role\n"
    "ML-001,Nguyễn Văn An,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,delegate\n"
    "ML-002,Trần Thị Bình,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 2,,delegate\n"
)
# One duty long past (so that it can be reported), one in five days (so that it is
# reminded: the commands read the wall clock).
IN_FIVE_DAYS = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=5)
SCHEDULE = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence\n"
    "reception,Tiếp công dân,2026-10-12 07:30,2026-10-12 11:00,Trụ sở xã,HDND-ML,ML-001,,,,\n"
    f"other,Tập huấn,{IN_FIVE_DAYS} 08:00,{IN_FIVE_DAYS} 11:00,Hội trường,HDND-ML,all,,,,\n"
)
REPORTS = (
    "delegate,date,kind,held,citizens,petitions,note\n"
    "ML-001,12/10/2026,reception,có,12,3,chuyển UBND xã\n"
)
CALENDAR = "date,kind,note\n10/01/2032,làm bù,Làm bù\n"


@contextmanager
def sessions_opened() -> Iterator[set[int]]:
    """The distinct ORM sessions that began a transaction while inside."""
    seen: set[int] = set()

    def began(session: Session, _transaction: Any, _connection: Any) -> None:
        seen.add(id(session))

    event.listen(Session, "after_begin", began)
    try:
        yield seen
    finally:
        event.remove(Session, "after_begin", began)


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "CLI_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOT_USERNAME", "hdnd_test_bot")
    for name, text in (
        ("roster.csv", ROSTER),
        ("schedule.csv", SCHEDULE),
        ("reports.csv", REPORTS),
        ("calendar.csv", CALENDAR),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def run_counting(argv: list[str]) -> int:
    with sessions_opened() as seen:
        assert main(argv) == 0, argv
    return len(seen)


def test_each_command_opens_one_session(folder: Path) -> None:
    assert run_counting(["delegates", "import", "roster.csv", "--dry-run"]) == 1
    assert run_counting(["delegates", "import", "roster.csv"]) == 1
    assert run_counting(["schedule", "import", "schedule.csv", "--dry-run"]) == 1
    assert run_counting(["schedule", "import", "schedule.csv"]) == 1
    assert run_counting(["calendar", "import", "calendar.csv"]) == 1
    assert run_counting(["reports", "import", "reports.csv", "--dry-run"]) == 1
    assert run_counting(["reports", "import", "reports.csv"]) == 1
    assert run_counting(["reports", "export", "--quarter", "2026-Q4", "--council", "HDND-ML"]) == 1
    assert run_counting(["stats", "--quarter", "2026-Q4", "--council", "HDND-ML"]) == 1
    assert run_counting(["delegates", "invite", "--out", "invites.csv"]) == 1


def test_a_schedule_import_plans_its_reminders_in_its_own_transaction(
    folder: Path, sqlite_url: str
) -> None:
    assert main(["delegates", "import", "roster.csv"]) == 0

    async def link_everyone() -> None:  # only linked delegates are reminded
        engine = create_engine(sqlite_url)
        try:
            async with create_session_factory(engine)() as session:
                await session.exec(update(Delegate).values(telegram_user_id=7000 + Delegate.id))
                await session.commit()
        finally:
            await engine.dispose()

    async def reminders() -> list[OutboxMessage]:
        engine = create_engine(sqlite_url)
        try:
            async with create_session_factory(engine)() as session:
                query = select(OutboxMessage).where(col(OutboxMessage.kind) == "reminder")
                return list((await session.exec(query)).all())
        finally:
            await engine.dispose()

    asyncio.run(link_everyone())
    with sessions_opened() as seen:
        assert main(["schedule", "import", "schedule.csv"]) == 0
    assert len(seen) == 1

    # The training in five days is reminded to both delegates (a day before).
    planned = asyncio.run(reminders())
    assert sorted(row.delegate_id for row in planned) == [1, 2]
