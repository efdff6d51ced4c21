"""The "Lịch đã thay đổi" notice says what changed, before → after, and why (a day off)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.messages.notices import NoticeItem, Section, change_blocks, compose, reminder_blocks
from bot.models import Occurrence
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.schedule.calendar_days import import_calendar
from bot.services.schedule.views import AssignmentView, Previous
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, linked_delegate, run_until, schedule
from tests.fakes import FakeUser

RECEPTION = "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,ML-001,,,,"


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


async def change_notice(harness: Harness, policy: ReminderPolicy, user: FakeUser) -> str:
    """The one message the change brings, sent at once (10:00 is not quiet hours)."""
    before = len(user.messages)
    await run_until(harness, policy, harness.clock.now)
    (text,) = [m.text or "" for m in user.messages[before:]]
    assert text.startswith("⚠️ Lịch đã thay đổi")
    return text


async def test_a_move_shows_time_day_and_place_before_and_after(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(harness, tmp_path, RECEPTION)
    await run_until(harness, policy, START)
    harness.clock.now = START + timedelta(hours=1)
    moved = RECEPTION.replace("2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã", "")
    moved = moved.replace(",,HDND", ",2026-12-09 13:30,2026-12-09 17:00,Hội trường,HDND")
    await schedule(harness, tmp_path, moved)
    text = await change_notice(harness, policy, user)
    assert "🗓 13h30–17h00 Thứ Tư, 09/12/2026 (còn 8 ngày)" in text
    # the same length of time: the start alone says it
    assert (
        "🔁 Lịch cũ: 7h30 Thứ Năm, 10/12/2026, Trụ sở xã → "
        "Lịch mới: 13h30 Thứ Tư, 09/12/2026, Hội trường"
    ) in text
    assert "Lý do" not in text


async def test_only_what_changed_is_named(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(harness, tmp_path, RECEPTION)
    harness.clock.now = START + timedelta(hours=1)
    await schedule(harness, tmp_path, RECEPTION.replace("Trụ sở xã", "Nhà văn hóa thôn 3"))
    text = await change_notice(harness, policy, user)
    assert "🔁 Lịch cũ: Trụ sở xã → Lịch mới: Nhà văn hóa thôn 3" in text
    harness.clock.now += timedelta(hours=1)
    longer = RECEPTION.replace("Trụ sở xã", "Nhà văn hóa thôn 3").replace("11:00", "11:30")
    await schedule(harness, tmp_path, longer)
    text = await change_notice(harness, policy, user)
    assert "🔁 Lịch cũ: 7h30–11h00 → Lịch mới: 7h30–11h30" in text


async def test_a_day_off_declared_later_moves_the_reception_and_says_why(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(harness, tmp_path, RECEPTION)
    harness.clock.now = START + timedelta(hours=1)
    days = tmp_path / "calendar.csv"
    days.write_text("date,kind,note\n10/12/2026,nghỉ,Nghỉ bù Quốc khánh\n", encoding="utf-8")
    async with harness.session_factory() as session:
        result = await import_calendar(
            session=session,
            path=days,
            now=harness.clock(),
            zone=harness.settings.zone,
            dry_run=False,
        )
    assert result.problems == []
    text = await change_notice(harness, policy, user)
    assert "🗓 7h30–11h00 Thứ Sáu, 11/12/2026 (còn 10 ngày)" in text
    assert "🔁 Lịch cũ: Thứ Năm, 10/12/2026 → Lịch mới: Thứ Sáu, 11/12/2026" in text
    assert (
        "ℹ️ Lý do: Thứ Năm, 10/12/2026 là ngày nghỉ (Nghỉ bù Quốc khánh), "
        "lịch chuyển sang ngày làm việc kế tiếp."
    ) in text
    async with harness.session_factory() as session:
        (occurrence,) = (await session.exec(select(Occurrence))).all()
    assert occurrence.previous_location == "Trụ sở xã"
    assert occurrence.shift_reason == "Nghỉ bù Quốc khánh"


ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def moved_view(previous: Previous | None, **fields: object) -> AssignmentView:
    values: dict[str, object] = {
        "assignment_id": 1,
        "occurrence_id": 1,
        "event_id": 1,
        "kind": "reception",
        "title": "Tiếp công dân",
        "location": "Trụ sở xã",
        "starts_at": datetime(2026, 12, 14, 7, 30, tzinfo=ZONE),
        "ends_at": datetime(2026, 12, 14, 11, 0, tzinfo=ZONE),
        "delegate_id": 1,
        "delegate_code": "ML-001",
        "delegate_name": "Nguyễn Thị Hoa",
        "changed_at": None,
        "council_name": "HĐND xã Mỹ Lộc",
        "previous": previous,
    }
    values.update(fields)
    return AssignmentView(**values)  # type: ignore[arg-type]


def test_a_shift_off_a_weekend_day_off_gives_the_reason_without_a_name() -> None:
    saturday = datetime(2026, 12, 12, 7, 30, tzinfo=ZONE)
    view = moved_view(
        Previous(
            saturday,
            saturday + timedelta(hours=3, minutes=30),
            "Trụ sở xã",
            shifted_from=saturday.date(),
            shift_reason="",
        )
    )
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    text, _buttons = compose(
        [Section(change_blocks, [NoticeItem(view=view)])], language="vi", now=now, late=False
    )
    assert "🔁 Lịch cũ: Thứ Bảy, 12/12/2026 → Lịch mới: Thứ Hai, 14/12/2026" in text
    assert (
        "ℹ️ Lý do: Thứ Bảy, 12/12/2026 là ngày nghỉ, lịch chuyển sang ngày làm việc kế tiếp." in text
    )
    assert "🏛" not in text  # one council
    english, _buttons = compose(
        [Section(change_blocks, [NoticeItem(view=view)])], language="en", now=now, late=False
    )
    assert "Before: Saturday, 12/12/2026 → Now: Monday, 14/12/2026" in english


def test_a_message_mixing_two_councils_names_them() -> None:
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    first = moved_view(None)
    second = moved_view(None, assignment_id=2, council_name="HĐND tỉnh")
    items = [NoticeItem(view=v) for v in (first, second)]
    text, _buttons = compose([Section(reminder_blocks, items)], language="vi", now=now, late=False)
    assert "🏛 HĐND xã Mỹ Lộc" in text
    assert "🏛 HĐND tỉnh" in text
    alone, _buttons = compose(
        [Section(reminder_blocks, items[:1])], language="vi", now=now, late=False
    )
    assert "🏛" not in alone
    flagged = moved_view(None, several_councils=True)
    text, _buttons = compose(
        [Section(reminder_blocks, [NoticeItem(view=flagged)])], language="vi", now=now, late=False
    )
    assert "🏛 HĐND xã Mỹ Lộc" in text
