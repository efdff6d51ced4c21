"""The register through the real bot: report → items, /donthu, Đã có trả lời → the
delegate told; the citizen's name never reaches the logs."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.domain.buttons import PetitionButton, PetitionStep
from bot.domain.callbacks import encode
from bot.models import Conversation, Delegate, Report
from bot.models.petitions import Petition, PetitionChange
from bot.services.outbox.reminders import ReminderPolicy
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, linked_delegate, run_until, schedule
from tests.e2e.test_reports import press, prompt_of, prompted
from tests.factories import add_delegate
from tests.fakes import FakeUser

CITIZEN = "Nguyễn Văn Dũng"


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


async def petitions(harness: Harness) -> list[Petition]:
    async with harness.session_factory() as session:
        return list((await session.exec(select(Petition).order_by(col(Petition.id)))).all())


async def next_messages(user: FakeUser, before: int, count: int = 1) -> list[str]:
    found = await user.wait_for_messages(before + count)
    return [m.text or "" for m in found[before:]]


async def reported(harness: Harness, policy: ReminderPolicy, tmp_path: Path) -> FakeUser:
    """A delegate whose reception with 3 petitions is confirmed; the register's first question."""
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    (understood,) = await user.send_and_wait("12 3")
    before = len(user.messages)
    await press(harness, user, understood, "Xác nhận")
    (offer,) = await next_messages(user, before)
    assert "Ghi 3 đơn thư vào sổ theo dõi?" in offer
    assert "Mục 1/3" in offer
    return user


async def voter_meeting_held(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path, figures: str
) -> tuple[FakeUser, str]:
    """A delegate's voter meeting reported held with ``figures`` and confirmed: the user,
    and the register's first question."""
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "voter_meeting,TXCT thôn Đông,2026-12-01 07:30,2026-12-01 09:00,Nhà văn hóa,"
        "HDND-ML,ML-001,,,,",
    )
    await run_until(harness, policy, harness.clock.now)
    prompt = [m for m in user.messages if "có thực hiện" in (m.text or "")][-1]
    await press(harness, user, prompt, "Đã thực hiện")
    (understood,) = await user.send_and_wait(figures)
    before = len(user.messages)
    await press(harness, user, understood, "Xác nhận")
    (offer,) = await next_messages(user, before)
    return user, offer


async def test_report_to_register_to_answer_to_delegate_told(
    harness: Harness,
    policy: ReminderPolicy,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The default LOG_LEVEL (INFO) everywhere, and the bot's own loggers at DEBUG.
    # (Libraries' DEBUG output — PTB's getUpdates, aiosqlite's parameters — holds every
    # message and row by design: DEBUG is never the production level.)
    # Another test in this process may have disabled existing loggers (a logging config
    # applied with disable_existing_loggers): turn them back on, or the scan sees nothing.
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)
            monkeypatch.setattr(logger, "propagate", True)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="jobs")
    # The CLI's logging set-up (run by other tests in this process) quiets httpx; its
    # request lines at INFO make sure the scan below has records to read.
    caplog.set_level(logging.INFO, logger="httpx")
    user = await reported(harness, policy, tmp_path)
    before = len(user.messages)
    await user.press(user.messages[-1], "Khiếu nại")
    (ask,) = await next_messages(user, before)
    assert "tóm tắt" in ask
    (actions,) = await user.send_and_wait(f"{CITIZEN}, thôn Đông: tranh chấp đất với hàng xóm")
    assert [b["text"] for b in actions.buttons] == ["Chuyển", "Hướng dẫn", "Trả lại", "Lưu"]
    before = len(user.messages)
    await user.press(actions, "Chuyển")
    (agency,) = await next_messages(user, before)
    assert "cơ quan nào" in agency
    saved, following = await user.send_and_wait("UBND xã Mỹ Lộc", count=2)
    assert "Đã vào sổ, số 1/2026. Hạn trả lời 31/12/2026." in (saved.text or "")
    assert "Mục 2/3" in (following.text or "")
    later = await press(harness, user, following, "Để sau")
    assert "/donthu" in later
    (item,) = await petitions(harness)
    assert (item.type, item.action, item.agency, str(item.due_on)) == (
        "complaint", "forwarded", "UBND xã Mỹ Lộc", "2026-12-31"
    )  # fmt: skip
    assert CITIZEN in item.summary

    # the delegate's /donthu: their item, and the report's two items still to record
    (mine,) = await user.send_and_wait("/donthu")
    assert "1/2026" in (mine.text or "")
    assert CITIZEN[:10] in (mine.text or "")
    assert [b["text"] for b in mine.buttons] == ["Ghi 2 mục ngày 01/12/2026"]

    # four weeks on, the office sees it due and records the answer
    office = harness.api.user(2001)
    office.started = True
    await add_delegate(harness.session_factory, "VP-001", role="secretary", telegram_user_id=2001)
    harness.clock.now += timedelta(days=28)
    (due,) = await office.send_and_wait("/donthu")
    assert "Đến hạn trả lời trong 3 ngày tới: 1" in (due.text or "")
    before = len(office.messages)
    await office.press(due, "Đã có trả lời: số 1/2026")
    (ask,) = await next_messages(office, before)
    assert "tin nhắn tiếp theo" in ask
    (done,) = await office.send_and_wait("UBND xã đã tổ chức hòa giải thành ngày 20/12")
    assert "Đã ghi trả lời cho số 1/2026" in (done.text or "")
    (item,) = await petitions(harness)
    assert str(item.answered_on) == "2026-12-29"
    before = len(user.messages)
    await run_until(harness, policy, harness.clock.now)
    (told,) = await next_messages(user, before)
    assert "Đơn số 1/2026 (khiếu nại)" in told
    assert "hòa giải thành" in told
    async with harness.session_factory() as session:
        assert len((await session.exec(select(PetitionChange))).all()) == 2

    # personal data never reaches the logs
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert caplog.records
    assert CITIZEN not in logged


async def test_voter_meeting_opinion_needs_no_type(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user, offer = await voter_meeting_held(harness, policy, tmp_path, "80 1")
    assert "Ghi 1 ý kiến cử tri" in offer
    (actions,) = await user.send_and_wait("Đề nghị lắp đèn chiếu sáng ngõ 4")
    before = len(user.messages)
    await user.press(actions, "Lưu")
    (saved,) = await next_messages(user, before)
    assert "Đã ghi đủ" in saved
    (item,) = await petitions(harness)
    assert (item.source, item.type, item.action, item.due_on) == (
        "voter_meeting", "opinion", "filed", None
    )  # fmt: skip


async def test_a_petition_handed_in_at_a_voter_meeting_is_recorded_as_a_petition(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """Any source takes any type (DESIGN's register): the voter meeting's summary question
    offers the petition types; the item is then counted as a petition, not an opinion."""
    user, offer = await voter_meeting_held(harness, policy, tmp_path, "80 1")
    assert "bấm chọn loại đơn bên dưới trước" in offer
    offered = [b["text"] for b in user.messages[-1].buttons]
    assert offered == ["Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh", "Để sau"]
    before = len(user.messages)
    await user.press(user.messages[-1], "Kiến nghị")
    (ask,) = await next_messages(user, before)
    assert "tóm tắt" in ask
    assert "chọn loại đơn" not in ask
    (actions,) = await user.send_and_wait("Đơn đề nghị cấp giấy chứng nhận quyền sử dụng đất")
    before = len(user.messages)
    await user.press(actions, "Lưu")
    await next_messages(user, before)
    (item,) = await petitions(harness)
    assert (item.source, item.type, item.action) == ("voter_meeting", "proposal", "filed")


async def test_a_late_type_press_on_an_answered_question_types_nothing(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """Item 1's summary question keeps its type buttons once answered by a message; pressed
    during item 2, they must not give item 2 a type (it stays a voters' opinion)."""
    user, _offer = await voter_meeting_held(harness, policy, tmp_path, "80 2")
    first_question = user.messages[-1]
    (actions,) = await user.send_and_wait("Đề nghị lắp đèn chiếu sáng ngõ 4")
    before = len(user.messages)
    await user.press(actions, "Lưu")
    await next_messages(user, before, count=2)  # saved, then item 2's question
    late = await user.press(first_question, "Tố cáo")
    await harness.api.wait_for_callback_answer(late)
    (actions,) = await user.send_and_wait("Đề nghị nạo vét mương thôn Đông")
    before = len(user.messages)
    await user.press(actions, "Lưu")
    await next_messages(user, before)
    assert [(p.type, p.summary[:7]) for p in await petitions(harness)] == [
        ("opinion", "Đề nghị"),
        ("opinion", "Đề nghị"),
    ]


async def test_a_reception_item_may_be_a_voters_opinion(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await reported(harness, policy, tmp_path)
    offered = [b["text"] for b in user.messages[-1].buttons]
    assert offered == ["Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh", "Ý kiến cử tri", "Để sau"]
    before = len(user.messages)
    await user.press(user.messages[-1], "Ý kiến cử tri")
    (ask,) = await next_messages(user, before)
    assert "tóm tắt" in ask
    (actions,) = await user.send_and_wait("Đề nghị sửa đường liên thôn")
    before = len(user.messages)
    await user.press(actions, "Lưu")
    await next_messages(user, before)
    (item,) = await petitions(harness)
    assert (item.source, item.type, item.action) == ("reception", "opinion", "filed")


async def test_another_councils_office_cannot_answer(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await reported(harness, policy, tmp_path)
    await user.press(user.messages[-1], "Tố cáo")
    await user.wait_for_messages(len(user.messages) + 1)
    (actions,) = await user.send_and_wait(f"{CITIZEN}: tố cáo cán bộ thôn")
    await user.press(actions, "Chuyển")
    await user.wait_for_messages(len(user.messages) + 1)
    await user.send_and_wait("Thanh tra huyện", count=2)
    (item,) = await petitions(harness)
    stranger = harness.api.user(3001)
    stranger.started = True
    await add_delegate(
        harness.session_factory, "TT-VP", council="HDND-TT", role="secretary", telegram_user_id=3001
    )
    (listing,) = await stranger.send_and_wait("/donthu")
    assert CITIZEN not in (listing.text or "")
    assert "1/2026" not in (listing.text or "")
    assert item.id is not None
    query = await stranger.press_data(
        listing.message_id, encode(PetitionButton(PetitionStep.answer, item.id))
    )
    answered = await harness.api.wait_for_callback_answer(query)
    assert "không có trong sổ theo dõi" in str(answered)
    async with harness.session_factory() as session:
        assert await session.get(Conversation, 3001) is None

    # the council's own office answers with the agency's letter as a file
    office = harness.api.user(2001)
    office.started = True
    await add_delegate(harness.session_factory, "VP-001", role="secretary", telegram_user_id=2001)
    before = len(office.messages)
    query = await office.press_data(
        (await office.send_and_wait("/donthu"))[0].message_id,
        encode(PetitionButton(PetitionStep.answer, item.id)),
    )
    await harness.api.wait_for_callback_answer(query)
    await office.wait_for_messages(before + 2)
    before = len(office.messages)
    await office.send_document("cong-van-15.pdf", b"%PDF-1.4", caption="Công văn số 15/TTr")
    (done,) = await next_messages(office, before)
    assert "Đã ghi trả lời cho số 1/2026" in done
    (item,) = await petitions(harness)
    assert item.answer == "Tệp: cong-van-15.pdf\nCông văn số 15/TTr"


async def test_first_voter_meeting_reminder_lists_answers_since_the_last_one(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        "voter_meeting,TXCT trước kỳ họp,2026-11-20 08:00,2026-11-20 10:00,Nhà văn hóa,"
        "HDND-ML,ML-001,,,,",
        "voter_meeting,TXCT sau kỳ họp,2026-12-20 08:00,2026-12-20 10:00,Nhà văn hóa,"
        "HDND-ML,ML-001,,,,",
    )
    async with harness.session_factory() as session, session.begin():
        delegate = (await session.exec(select(Delegate).where(Delegate.code == "ML-001"))).one()
        for ref, recorded in (("1/2026", START - timedelta(days=20)), ("2/2026", START)):
            session.add(
                Petition(
                    council_id=delegate.council_id,
                    ref=ref,
                    source="voter_meeting",
                    received_on=date(2026, 11, 1),
                    delegate_id=delegate.id,
                    type="opinion",
                    summary=f"Ý kiến {ref} về chiếu sáng",
                    action="forwarded",
                    agency="UBND xã",
                    forwarded_on=date(2026, 11, 2),
                    due_on=date(2026, 12, 2),
                    answered_on=date(2026, 11, 30),
                    answer="Đã lắp đèn ngõ 4",
                    answer_recorded_at=recorded,
                    created_at=START,
                    updated_at=START,
                )
            )
    harness.clock.now = datetime(2026, 12, 12, 3, 0, tzinfo=UTC)  # the planner's horizon
    await run_until(harness, policy, datetime(2026, 12, 20, 0, 0, tzinfo=UTC))
    reminders = [m.text or "" for m in user.messages if "20/12/2026" in (m.text or "")]
    assert len(reminders) >= 2
    first, *others = reminders
    assert "Ý kiến cử tri đã được trả lời từ lần tiếp xúc trước: 1" in first
    assert "2/2026: Ý kiến 2/2026 về chiếu sáng — UBND xã trả lời: Đã lắp đèn ngõ 4" in first
    assert "1/2026" not in first  # recorded before the previous meeting
    assert all("đã được trả lời" not in text for text in others)


async def test_refusals_unlinked_and_another_delegates_report(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await reported(harness, policy, tmp_path)
    later = await press(harness, user, user.messages[-1], "Để sau")
    assert "/donthu" in later
    stranger = harness.api.user(4001)
    stranger.started = True
    (refused,) = await stranger.send_and_wait("/donthu")
    assert "liên kết" in (refused.text or "") or "lời mời" in (refused.text or "")
    # a co-attendee (another delegate of the council) replays the resume button
    colleague = harness.api.user(1002)
    colleague.started = True
    await add_delegate(harness.session_factory, "ML-002", telegram_user_id=1002)
    (listing,) = await colleague.send_and_wait("/donthu")
    assert "chưa có đơn thư" in (listing.text or "")
    async with harness.session_factory() as session:
        report = (await session.exec(select(Report))).one()
    query = await colleague.press_data(
        listing.message_id, encode(PetitionButton(PetitionStep.resume, report.id or 0))
    )
    answered = await harness.api.wait_for_callback_answer(query)
    assert "không có trong sổ theo dõi" in str(answered)
    async with harness.session_factory() as session:
        assert await session.get(Conversation, 1002) is None


async def test_an_admin_sees_every_council_s_due_answers_without_personal_data(
    harness: Harness,
) -> None:
    """An admin with no delegate record: the due items of every council, by number and
    agency; the summary and ``Đã có trả lời`` stay with each council's own office."""
    from tests.e2e.conftest import ADMIN_ID

    holder = await add_delegate(harness.session_factory, "ML-A", telegram_user_id=5101)
    today = harness.clock.now.astimezone(harness.settings.zone).date()
    async with harness.session_factory() as session, session.begin():
        session.add(
            Petition(
                council_id=holder.council_id, ref="7/2026", source="reception",
                received_on=today - timedelta(days=40), delegate_id=holder.id, type="complaint",
                summary="Tranh chấp đất ở thôn Đông", citizen=CITIZEN, action="forwarded",
                agency="UBND xã", forwarded_on=today - timedelta(days=31),
                due_on=today - timedelta(days=1), created_at=harness.clock.now,
                updated_at=harness.clock.now,
            )
        )  # fmt: skip
    admin = harness.api.user(ADMIN_ID)
    admin.started = True
    (listing,) = await admin.send_and_wait("/donthu")
    text = listing.text or ""
    assert "🏛 HĐND HDND-ML" in text  # the council it belongs to: numbers repeat across councils
    assert "7/2026" in text
    assert "UBND xã" in text
    assert "Tranh chấp" not in text
    assert CITIZEN not in text
    assert not (listing.reply_markup or {}).get("inline_keyboard")
