"""Overdue reports reach the council's secretaries once a day: one message each, within
Telegram's limits, grouped by unit, with a workbook when the list is long."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import col, select

from bot.domain.reports import Figures
from bot.messages import notices
from bot.models import Assignment
from bot.services.outbox.summary import plan_summaries
from bot.services.reports.records import ReportDraft, SaveStatus, save_report
from bot.telegram import missing
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, dispatcher, schedule
from tests.factories import add_delegate, in_session
from tests.fakes.telegram_html import utf16_len
from tests.threads import ThreadSpy

UNITS = ("Xã Mỹ Lộc", "Xã Mỹ Thành", "Thị trấn Mỹ Hòa")


async def overdue_council(harness: Harness, tmp_path: Path, count: int) -> list[int]:
    """``count`` delegates over 3 units, each with a reception 4 days ago and no report;
    two secretaries (and another council's, who must hear nothing)."""
    harness.clock.now = START
    for number in range(count):
        await add_delegate(
            harness.session_factory,
            f"ML-{number:03d}",
            full_name=f"Đại biểu số {number}",
            unit=UNITS[number % 3],
        )
    secretaries = [5001, 5002]
    for user_id in secretaries:
        await add_delegate(
            harness.session_factory, f"VP-{user_id}", role="secretary", telegram_user_id=user_id
        )
        harness.api.user(user_id).started = True
    await add_delegate(
        harness.session_factory, "KHAC-1", council="HDND-KHAC", role="secretary",
        telegram_user_id=5999,
    )  # fmt: skip
    harness.api.user(5999).started = True
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân định kỳ,2026-11-27 07:30,2026-11-27 11:00,Trụ sở xã,"
        "HDND-ML," + ";".join(f"ML-{number:03d}" for number in range(count)) + ",,,,",
    )
    return secretaries


async def send_summary(harness: Harness) -> None:
    async with harness.session_factory() as session, session.begin():
        await plan_summaries(
            session=session,
            now=harness.clock(),
            admin_ids=frozenset(),
            day_key="2026-12-01",
            escalate_after=harness.settings.REPORT_ESCALATE_AFTER,
        )
    await dispatcher(harness).drain()


async def test_thirty_overdue_reports_make_one_message_per_secretary(
    harness: Harness, tmp_path: Path
) -> None:
    secretaries = await overdue_council(harness, tmp_path, 30)
    await send_summary(harness)
    await send_summary(harness)  # the same day again: nothing more
    for user_id in secretaries:
        (message,) = harness.api.user(user_id).messages
        text = message.text or ""
        assert utf16_len(text) <= 4096
        assert "Hoạt động chưa có báo cáo: 30" in text
        assert all(unit in text for unit in UNITS)
        assert text.count("• ML-") == 30
        assert message.document is None
    assert harness.api.user(5999).messages == []


async def test_a_long_list_is_cut_and_sent_whole_as_a_workbook(
    harness: Harness, tmp_path: Path
) -> None:
    secretaries = await overdue_council(harness, tmp_path, 150)
    await send_summary(harness)
    for user_id in secretaries:
        messages = harness.api.user(user_id).messages
        text = messages[0].text or ""
        assert utf16_len(text) <= 4096
        assert "xem tệp đính kèm" in text
        (workbook,) = [m for m in messages if m.document is not None]
        assert workbook.document is not None
        assert workbook.document.filename == "chua-bao-cao.xlsx"
    assert len(harness.api.calls_to("sendMessage")) == 2


async def test_the_summary_workbook_is_built_off_the_event_loop(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of rows take most of a CPU second: built in a worker thread, so the
    dispatcher's other sends and the bot's updates go on meanwhile."""
    spy = ThreadSpy(notices.missing_workbook)
    monkeypatch.setattr(notices, "missing_workbook", spy)
    secretaries = await overdue_council(harness, tmp_path, 150)
    await send_summary(harness)
    assert len(spy.threads) == len(secretaries)
    assert spy.off_loop
    for user_id in secretaries:
        (workbook,) = [m for m in harness.api.user(user_id).messages if m.document is not None]
        assert workbook.document is not None
        rows = list(openpyxl.load_workbook(io.BytesIO(workbook.document.data)).active.values)
        assert len(rows) == 151  # the header and every overdue duty
        assert {row[1] for row in rows[1:]} == {f"ML-{n:03d}" for n in range(150)}


async def test_chuabaocao_builds_its_workbook_off_the_event_loop(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = ThreadSpy(missing.missing_workbook)
    monkeypatch.setattr(missing, "missing_workbook", spy)
    (secretary_id, _other) = await overdue_council(harness, tmp_path, 150)
    secretary = harness.api.user(secretary_id)
    await secretary.send("/chuabaocao")
    text, workbook = await secretary.wait_for_messages(2)
    assert "xem tệp đính kèm" in (text.text or "")
    assert workbook.document is not None
    assert workbook.document.filename == "chua-bao-cao.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(workbook.document.data)).active.values)
    assert len(rows) == 151
    assert spy.off_loop


async def test_a_reported_duty_is_not_listed(harness: Harness, tmp_path: Path) -> None:
    secretaries = await overdue_council(harness, tmp_path, 3)
    async with harness.session_factory() as session:
        first = (await session.exec(select(Assignment).order_by(col(Assignment.id)))).first()
    assert first is not None
    assert first.id is not None
    saved = await in_session(
        harness.session_factory,
        save_report,
        assignment_id=first.id,
        delegate_ids=[first.delegate_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=4, petitions=0, forwarded=0)),
        actor="test",
        now=harness.clock(),
    )
    assert saved.status is SaveStatus.saved
    await send_summary(harness)
    (message,) = harness.api.user(secretaries[0]).messages
    assert "Hoạt động chưa có báo cáo: 2" in (message.text or "")
