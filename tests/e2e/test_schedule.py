"""/lich and the secretariat's schedule upload, driven as users through the fake server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Assignment, AuditEntry, Council, Event, PendingUpload
from bot.services.schedule import uploads
from bot.services.schedule.imports import ScheduleImportResult, import_schedule
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.factories import NOW, add_delegate

HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)


def schedule_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


async def import_rows(harness: Harness, tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "schedule.csv"
    path.write_bytes(schedule_csv(*rows))
    async with harness.session_factory() as session:
        result = await import_schedule(
            session=session,
            path=path,
            now=harness.clock(),
            zone=harness.settings.zone,
            dry_run=False,
        )
    assert result.problems == []


async def test_agenda_with_40_assignments_stays_within_telegram_limits(
    harness: Harness, tmp_path: Path
) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    long = "Tiếp công dân & giải quyết <đơn thư> kiến nghị của cử tri " + "x" * 80
    place = "Trụ sở Hội đồng nhân dân và Ủy ban nhân dân xã Mỹ Lộc, thôn Đông, " * 2
    await import_rows(
        harness,
        tmp_path,
        f'other,"{long} sáng",2026-11-27 08:00,2026-11-27 11:00,"{place}",HDND-ML,ML-001,'
        "FREQ=DAILY;COUNT=20,,,",
        f'other,"{long} chiều",2026-11-27 14:00,2026-11-27 16:30,"{place}",HDND-ML,ML-001,'
        "FREQ=DAILY;COUNT=20,,,",
    )
    user = harness.api.user(1001)
    await user.send("/lich")
    await harness.api.wait_until(
        lambda: bool(user.messages) and user.messages[-1].find_button("agenda:ics") is not None
    )
    messages = user.messages
    assert len(messages) >= 2
    texts = [m.text or "" for m in messages]
    assert all(0 < len(text) <= 4096 for text in texts)
    body = "\n".join(texts)
    assert body.count("<đơn thư>") == 40  # escaped for HTML, shown verbatim
    assert "Thứ Sáu, 27/11/2026" in body
    assert "(40 hoạt động)" in texts[0]
    assert all(m.reply_markup is None for m in messages[:-1])


async def test_ics_button_sends_one_event_per_assignment(harness: Harness, tmp_path: Path) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    await add_delegate(harness.session_factory, "ML-002", telegram_user_id=1002)
    await import_rows(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,"
        "ML-001;ML-002,FREQ=MONTHLY;BYMONTHDAY=10,2027-02-28,,1",
    )
    user = harness.api.user(1001)
    (agenda,) = await user.send_and_wait("/agenda")
    await user.press(agenda, "agenda:ics")
    await user.wait_for_messages(2)
    document = user.messages[-1]
    assert document.document is not None
    assert document.document.filename.endswith(".ics")
    calendar = Calendar.from_ical(document.document.data)
    events = list(calendar.walk("VEVENT"))
    async with harness.session_factory() as session:
        mine = (await session.exec(select(Assignment).where(Assignment.delegate_id == 1))).all()
    assert len(events) == len(mine) == 2  # Dec 10 and Feb 10 → round-robin with ML-002


async def test_unlinked_user_gets_no_agenda(harness: Harness) -> None:
    (reply,) = await harness.api.user(5555).send_and_wait("/lich")
    assert reply.text is not None
    assert "liên kết" in reply.text
    assert reply.reply_markup is None


async def test_secretary_upload_confirm_writes(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=9001)
    secretary = harness.api.user(9001)
    await secretary.send_document(
        "lich.csv",
        schedule_csv(
            "session,Kỳ họp thứ 5,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,"
        ),
    )
    (preview,) = await secretary.wait_for_messages(1)
    assert preview.text is not None
    assert "lich.csv" in preview.text
    async with harness.session_factory() as session:
        assert (await session.exec(select(Event))).all() == []
    await secretary.press(preview, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (secretary.messages[-1].text or ""))
    async with harness.session_factory() as session:
        events = (await session.exec(select(Event))).all()
        assignments = (await session.exec(select(Assignment))).all()
        audit = (await session.exec(select(AuditEntry.actor))).all()
    assert [e.title for e in events] == ["Kỳ họp thứ 5"]
    assert len(assignments) == 1  # "all" is the delegates: the office's account is not one
    assert "tg:9001" in audit
    assert secretary.messages[-1].reply_markup is None  # the buttons are gone


async def test_a_failed_import_leaves_the_upload_to_confirm_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import fails after writing: its writes are undone, the upload is pending again,
    and a second Xác nhận imports the file."""
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document(
        "lich.csv",
        schedule_csv("session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,"),
    )
    (preview,) = await secretary.wait_for_messages(1)
    failures = [RuntimeError("the import failed")]

    async def failing_once(*, session: AsyncSession, **kwargs: Any) -> ScheduleImportResult:
        if not kwargs["dry_run"] and failures:
            session.add(
                Council(code="HALF-DONE", name="written before the failure", created_at=NOW)
            )
            await session.flush()
            raise failures.pop()
        return await import_schedule(session=session, **kwargs)

    monkeypatch.setattr(uploads, "import_schedule", failing_once)
    await secretary.press(preview, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Xin lỗi" in (secretary.messages[-1].text or ""))
    async with harness.session_factory() as session:
        (upload,) = (await session.exec(select(PendingUpload))).all()
        assert (await session.exec(select(Council).where(Council.code == "HALF-DONE"))).all() == []
        assert (await session.exec(select(Event))).all() == []
    assert upload.status == "pending"

    await secretary.press(preview, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (preview.text or ""))
    async with harness.session_factory() as session:
        assert [e.title for e in (await session.exec(select(Event))).all()] == ["Kỳ họp"]
        (upload,) = (await session.exec(select(PendingUpload))).all()
    assert upload.status == "confirmed"


async def test_upload_cancel_writes_nothing(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document(
        "lich.csv",
        schedule_csv("session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,"),
    )
    (preview,) = await secretary.wait_for_messages(1)
    await secretary.press(preview, "✖️ Hủy")
    await harness.api.wait_until(lambda: "Đã hủy" in (secretary.messages[-1].text or ""))
    async with harness.session_factory() as session:
        assert (await session.exec(select(Event))).all() == []
        (upload,) = (await session.exec(select(PendingUpload))).all()
    assert upload.status == "cancelled"


async def test_bad_upload_lists_problems_with_rows(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document(
        "lich.csv",
        schedule_csv(
            "party,Liên hoan,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,",
            "session,Kỳ họp,2026-12-15 08:00,2026-12-15 07:00,Hội trường,HDND-ML,all,,,,",
            "session,Kỳ họp 2,2026-12-16 08:00,2026-12-16 11:00,Hội trường,HDND-ML,ML-404,,,,",
        ),
    )
    (reply,) = await secretary.wait_for_messages(1)
    assert reply.text is not None
    assert "dòng 2, cột «kind»" in reply.text
    assert "dòng 3, cột «ends_at»" in reply.text
    assert "dòng 4, cột «delegates»" in reply.text
    assert "ML-404" in reply.text
    assert reply.reply_markup is None
    async with harness.session_factory() as session:
        assert (await session.exec(select(PendingUpload))).all() == []


async def test_upload_problems_name_the_files_own_headers_and_values(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document(
        "lich.csv",
        (
            "Loại,Nội dung,Bắt đầu,Kết thúc,Địa điểm,Hội đồng,Đại biểu,Lặp lại\n"
            "họp tổ,Họp tổ,15/12/2026 8h,15/12/2026 11h,Hội trường,HDND-ML,all,\n"
            "tiếp dân,Tiếp dân,10/12/2026 7h30,10/12/2026 11h,Trụ sở,HDND-ML,all,mỗi khi cần\n"
        ).encode(),
    )
    (reply,) = await secretary.wait_for_messages(1)
    text = reply.text or ""
    assert "dòng 2, cột «Loại»: «họp tổ» không phải là loại hoạt động" in text
    assert "dòng 3, cột «Lặp lại»: «mỗi khi cần»" in text
    assert "ngày 10 và 20 hằng tháng" in text
    assert "reception" not in text
    assert "NAME=VALUE" not in text


async def test_an_xls_upload_is_answered_with_how_to_convert_it(harness: Harness) -> None:
    secretary = harness.api.user(ADMIN_ID)
    await secretary.send_document("lich.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    (reply,) = await secretary.wait_for_messages(1)
    assert "Sổ làm việc Excel (*.xlsx)" in (reply.text or "")


async def _uploaded(secretary: Any, name: str, *rows: str) -> Any:
    before = len(secretary.messages)
    await secretary.send_document(name, schedule_csv(*rows))
    return (await secretary.wait_for_messages(before + 1))[before]


TWO_EVENTS = (
    "session,Kỳ họp thứ 5,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,",
    "reception,Tiếp công dân,2026-12-20 07:30,2026-12-20 11:00,Trụ sở,HDND-ML,ML-001,,,,",
)
JANUARY = "supervision,Giám sát chợ,2027-01-05 08:00,2027-01-05 11:00,Chợ,HDND-ML,all,,,,"


async def test_an_upload_that_would_cancel_offers_add_only_replace_or_cancel(
    harness: Harness,
) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    first = await _uploaded(secretary, "lich.csv", *TWO_EVENTS)
    assert [b["text"] for b in first.buttons] == ["✅ Xác nhận", "✖️ Hủy"]  # nothing to cancel
    await secretary.press(first, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (first.text or ""))
    preview = await _uploaded(secretary, "lich-thang-1.csv", JANUARY)
    text = preview.text or ""
    assert "Kỳ họp thứ 5" in text
    assert "Tiếp công dân" in text
    assert "01 đại biểu" in text or "1 đại biểu" in text
    assert [b["text"] for b in preview.buttons] == [
        "Chỉ thêm và cập nhật",
        "Thay toàn bộ lịch (hủy 2 hoạt động)",
        "Hủy",
    ]
    await secretary.press(preview, "Chỉ thêm và cập nhật")
    await harness.api.wait_until(lambda: "Đã lưu" in (preview.text or ""))
    assert "không hủy hoạt động nào" in (preview.text or "")
    async with harness.session_factory() as session:
        events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
    assert [(e.title, e.cancelled_at) for e in events] == [
        ("Kỳ họp thứ 5", None),
        ("Tiếp công dân", None),
        ("Giám sát chợ", None),
    ]


async def test_replace_the_whole_schedule_cancels_what_the_file_lacks(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    secretary = harness.api.user(ADMIN_ID)
    first = await _uploaded(secretary, "lich.csv", *TWO_EVENTS)
    await secretary.press(first, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (first.text or ""))
    preview = await _uploaded(secretary, "lich-moi.csv", TWO_EVENTS[0], JANUARY)
    await secretary.press(preview, "Thay toàn bộ lịch (hủy 1 hoạt động)")
    await harness.api.wait_until(lambda: "Đã lưu" in (preview.text or ""))
    assert "Tiếp công dân" in (preview.text or "")
    async with harness.session_factory() as session:
        events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
    assert [e.title for e in events if e.cancelled_at is not None] == ["Tiếp công dân"]


async def test_delegate_upload_is_refused(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=1001)
    delegate = harness.api.user(1001)
    await delegate.send_document(
        "lich.csv",
        schedule_csv("session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-ML,all,,,,"),
    )
    (reply,) = await delegate.wait_for_messages(1)
    assert reply.text is not None
    assert "Chỉ Văn phòng (quản trị bot) mới gửi tệp lịch" in reply.text
    assert harness.api.calls_to("getFile") == []
    async with harness.session_factory() as session:
        assert (await session.exec(select(Event))).all() == []
        assert (await session.exec(select(PendingUpload))).all() == []


async def test_secretary_cannot_change_another_council(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=9001)
    await add_delegate(harness.session_factory, "NT-001", council="HDND-NT")
    secretary = harness.api.user(9001)
    await secretary.send_document(
        "lich.csv",
        schedule_csv("session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,HDND-NT,all,,,,"),
    )
    (reply,) = await secretary.wait_for_messages(1)
    assert reply.text is not None
    assert "HDND-NT" in reply.text
    assert reply.reply_markup is None
    async with harness.session_factory() as session:
        assert (await session.exec(select(Event))).all() == []


async def test_secretary_cannot_probe_other_councils(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=9001)
    await add_delegate(harness.session_factory, "NT-001", council="HDND-NT")
    secretary = harness.api.user(9001)
    replies = []
    for council, delegates in (("HDND-NT", "all"), ("HDND-XX", "all"), ("HDND-ML", "NT-001"),
                               ("HDND-ML", "ZZ-404")):  # fmt: skip
        await secretary.send_document(
            "lich.csv",
            schedule_csv(
                f"session,Kỳ họp,2026-12-15 08:00,2026-12-15 17:00,Hội trường,{council},"
                f"{delegates},,,,"
            ),
        )
        reply = (await secretary.wait_for_messages(len(replies) + 1))[-1]
        replies.append((reply.text or "").replace(council, "<council>"))
    existing, missing, other_delegate, no_delegate = replies
    assert existing == missing  # another council: same answer whether it exists or not
    assert other_delegate.replace("NT-001", "<code>") == no_delegate.replace("ZZ-404", "<code>")


async def test_a_newer_upload_supersedes_an_older_pending_one(harness: Harness) -> None:
    """v1 and v2 of the council's schedule are both checked; v2 is confirmed; v1's Xác nhận
    then says a newer file exists and writes nothing (it would cancel Họp B)."""
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=9001)
    secretary = harness.api.user(9001)
    row_a = "session,Họp A,2026-12-15 08:00,2026-12-15 11:00,Hội trường,HDND-ML,all,,,,"
    row_b = "session,Họp B,2026-12-16 08:00,2026-12-16 11:00,Hội trường,HDND-ML,all,,,,"
    await secretary.send_document("lich-v1.csv", schedule_csv(row_a))
    (old,) = await secretary.wait_for_messages(1)
    await secretary.send_document("lich-v2.csv", schedule_csv(row_a, row_b))
    new = (await secretary.wait_for_messages(2))[-1]
    await secretary.press(new, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (new.text or ""))

    query = await secretary.press(old, "✅ Xác nhận")
    answer = await harness.api.wait_for_callback_answer(query)
    assert "mới hơn" in answer.get("text", "")
    await harness.api.wait_until(lambda: "mới hơn" in (old.text or ""))
    assert old.reply_markup is None
    async with harness.session_factory() as session:
        events = (await session.exec(select(Event).order_by(col(Event.title)))).all()
        statuses = {u.filename: u.status for u in (await session.exec(select(PendingUpload))).all()}
    assert [(e.title, e.cancelled_at) for e in events] == [("Họp A", None), ("Họp B", None)]
    assert statuses == {"lich-v1.csv": "superseded", "lich-v2.csv": "confirmed"}


async def test_a_cli_import_supersedes_the_councils_pending_upload(
    harness: Harness, tmp_path: Path
) -> None:
    """An upload checked before a newer schedule was imported from the command line: its
    «Thay toàn bộ lịch» says a newer file exists and cancels none of the newer events."""
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "NT-001", council="HDND-NT")
    await import_rows(harness, tmp_path, *TWO_EVENTS)
    secretary = harness.api.user(ADMIN_ID)
    old = await _uploaded(secretary, "lich-cu.csv", TWO_EVENTS[0])
    other = await _uploaded(
        secretary,
        "nt.csv",
        "session,Họp NT,2026-12-15 08:00,2026-12-15 11:00,Hội trường,HDND-NT,all,,,,",
    )
    await import_rows(harness, tmp_path, *TWO_EVENTS, JANUARY)  # the newer schedule, by CLI

    query = await secretary.press(old, "Thay toàn bộ lịch (hủy 1 hoạt động)")
    answer = await harness.api.wait_for_callback_answer(query)
    assert "mới hơn" in answer.get("text", "")
    await harness.api.wait_until(lambda: "mới hơn" in (old.text or ""))
    assert old.reply_markup is None
    async with harness.session_factory() as session:
        events = (await session.exec(select(Event).order_by(col(Event.id)))).all()
        statuses = {u.filename: u.status for u in (await session.exec(select(PendingUpload))).all()}
    assert [(e.title, e.cancelled_at) for e in events] == [
        ("Kỳ họp thứ 5", None),
        ("Tiếp công dân", None),
        ("Giám sát chợ", None),
    ]
    assert statuses == {"lich-cu.csv": "superseded", "nt.csv": "pending"}  # another council's
    await secretary.press(other, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (other.text or ""))


async def test_an_upload_of_another_council_is_not_superseded(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "NT-001", council="HDND-NT")
    admin = harness.api.user(ADMIN_ID)
    await admin.send_document(
        "ml.csv",
        schedule_csv("session,Họp ML,2026-12-15 08:00,2026-12-15 11:00,Hội trường,HDND-ML,all,,,,"),
    )
    (ml,) = await admin.wait_for_messages(1)
    await admin.send_document(
        "nt.csv",
        schedule_csv("session,Họp NT,2026-12-15 08:00,2026-12-15 11:00,Hội trường,HDND-NT,all,,,,"),
    )
    await admin.wait_for_messages(2)
    await admin.press(ml, "✅ Xác nhận")
    await harness.api.wait_until(lambda: "Đã lưu" in (ml.text or ""))
    async with harness.session_factory() as session:
        assert [e.title for e in (await session.exec(select(Event))).all()] == ["Họp ML"]
