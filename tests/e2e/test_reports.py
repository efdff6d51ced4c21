"""Completion reports through the real bot: prompt, buttons, a short reply, confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.models import Conversation, Delegate, OutboxMessage, Report, ReportVersion
from bot.services.delegates.invites import issue_invites
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.outbox.rows import OutboxKind
from bot.telegram.app import build_application, post_init
from bot.telegram.context import Deps
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, dispatcher, linked_delegate, run_until, schedule
from tests.factories import add_delegate
from tests.fakes import FakeUser
from tests.fakes.models import SentMessage

# A reception that ended this morning (Tuesday 1 December, 07:30–09:00 local);
# the clock stands at 10:00 local, so the prompt is due at once.
RECEPTION = (
    "reception,Tiếp công dân định kỳ,2026-12-01 07:30,2026-12-01 09:00,Trụ sở xã,HDND-ML,{who},,,,"
)


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


async def prompted(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path, who: str = "ML-001"
) -> None:
    await schedule(harness, tmp_path, RECEPTION.format(who=who))
    await run_until(harness, policy, harness.clock.now)


def prompt_of(user: FakeUser) -> SentMessage:
    found = [m for m in user.messages if "có thực hiện" in (m.text or "")]
    assert found, [m.text for m in user.messages]
    return found[-1]


async def press(harness: Harness, user: FakeUser, message: SentMessage, button: str) -> str:
    """Presses and returns the message's text once the bot has edited it."""
    current = harness.api.message(user.user_id, message.message_id)
    assert current is not None
    edits = current.edits
    query = await user.press(message, button)
    await harness.api.wait_for_callback_answer(query)
    await harness.api.wait_until(lambda: current.edits > edits, message="no edit")
    return current.text or ""


async def prompt_statuses(harness: Harness) -> dict[str, str]:
    async with harness.session_factory() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.report_prompt.value)
            )
        ).all()
    return {row.dedupe_key.split(":")[1]: row.status for row in rows}


async def reports(harness: Harness) -> list[Report]:
    async with harness.session_factory() as session:
        return list((await session.exec(select(Report).order_by(col(Report.id)))).all())


async def versions(harness: Harness) -> int:
    async with harness.session_factory() as session:
        return len((await session.exec(select(ReportVersion))).all())


async def test_prompt_held_figures_confirm(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    question = "Đồng chí có thực hiện buổi tiếp công dân này không?"
    assert question in (prompt.text or "")
    # The day and the place are given once, in the lines above the question.
    assert (prompt.text or "").count("Trụ sở xã") == 1
    assert (prompt.text or "").count("01/12/2026") == 1
    assert [b["text"] for b in prompt.buttons] == [
        "Đã thực hiện",
        "Không thực hiện",
        "Không có công dân đến",
        "Nhắc lại sau",
    ]
    asked = await press(harness, user, prompt, "Đã thực hiện")
    assert "số lượt công dân" in asked
    (understood,) = await user.send_and_wait("12 công dân, 3 đơn, chuyển 1 — chuyển UBND xã")
    assert "12 lượt công dân, 3 đơn thư" in (understood.text or "")
    assert await reports(harness) == []  # nothing is final before Xác nhận
    done = await press(harness, user, understood, "Xác nhận")
    assert "Đã lưu báo cáo" in done
    (report,) = await reports(harness)
    assert (report.held, report.citizens, report.petitions, report.forwarded) == (True, 12, 3, 1)
    assert report.carries_figures
    assert report.source == "bot"
    assert await versions(harness) == 1
    # the follow-up a day later is not sent: the report is in
    await run_until(harness, policy, harness.clock.now + timedelta(days=2))
    assert await prompt_statuses(harness) == {"prompt": "sent", "followup": "cancelled"}


async def test_a_bad_reply_is_explained_then_a_good_one_is_taken(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    for bad in ("mười hai", "-3 2", "12.5 3", "99999 1"):
        (answer,) = await user.send_and_wait(bad)
        assert "Ví dụ" in (answer.text or "") or "ví dụ" in (answer.text or "")
        assert "Sorry" not in (answer.text or "")
    (understood,) = await user.send_and_wait("12 3")
    await press(harness, user, understood, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.citizens, report.petitions, report.forwarded) == (12, 3, 0)


async def test_not_held_with_a_reason_and_with_a_written_reason(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    assert "lý do không thực hiện" in await press(harness, user, prompt, "Không thực hiện")
    assert "Đã lưu báo cáo" in await press(harness, user, prompt, "Trùng lịch công tác khác")
    (report,) = await reports(harness)
    assert (report.held, report.reason, report.citizens) == (False, "clash", None)
    # corrected within 7 days through /baocao: other reason, written
    (listing,) = await user.send_and_wait("/baocao")
    assert listing.buttons
    await user.press(listing, listing.buttons[0]["text"])
    screen = (await user.wait_for_messages(len(user.messages) + 1))[-1]
    assert "Báo cáo hiện tại" in (screen.text or "")
    await press(harness, user, screen, "Không thực hiện")
    await press(harness, user, screen, "Lý do khác")
    (saved,) = await user.send_and_wait("Đi họp đột xuất ở tỉnh")
    assert "Đã lưu báo cáo" in (saved.text or "")
    (report,) = await reports(harness)
    assert (report.reason, report.note, report.version) == ("other", "Đi họp đột xuất ở tỉnh", 2)
    assert await versions(harness) == 2


async def test_remind_later_asks_again_two_hours_on_instead_of_the_follow_up(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    text = await press(harness, user, prompt_of(user), "Nhắc lại sau")
    assert "Bot sẽ nhắc lại đồng chí lúc 12h00" in text
    await run_until(harness, policy, harness.clock.now + timedelta(days=3))
    # the first prompt and the snoozed one; the follow-up was replaced
    assert await prompt_statuses(harness) == {
        "prompt": "sent",
        "followup": "cancelled",
        "later": "sent",
    }
    assert "Nhắc lại" in (prompt_of(user).text or "")
    assert await reports(harness) == []  # a snoozed duty is still unreported


async def test_shared_occurrence_figures_given_once(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    first = await linked_delegate(harness, "ML-001", 1001)
    second = await linked_delegate(harness, "ML-002", 1002, full_name="Trần Văn Bình")
    await prompted(harness, policy, tmp_path, who="ML-001;ML-002")
    await press(harness, first, prompt_of(first), "Đã thực hiện")
    (understood,) = await first.send_and_wait("12 3")
    await press(harness, first, understood, "Xác nhận")
    second_prompt = prompt_of(second)
    screen = await press(harness, second, second_prompt, "Đã thực hiện")
    assert "đã báo cáo số liệu" in screen
    assert "12 lượt công dân" in screen
    assert "Xác nhận" not in [b["text"] for b in second_prompt.buttons]
    await press(harness, second, second_prompt, "Tôi đã cùng tham dự")
    one, two = await reports(harness)
    assert (one.carries_figures, one.citizens) == (True, 12)
    assert (two.held, two.carries_figures, two.citizens) == (True, False, None)


async def test_a_co_attendee_correction_replaces_the_figures(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    first = await linked_delegate(harness, "ML-001", 1001)
    second = await linked_delegate(harness, "ML-002", 1002)
    await prompted(harness, policy, tmp_path, who="ML-001;ML-002")
    await press(harness, first, prompt_of(first), "Đã thực hiện")
    (understood,) = await first.send_and_wait("12 3")
    await press(harness, first, understood, "Xác nhận")
    second_prompt = prompt_of(second)
    await press(harness, second, second_prompt, "Đã thực hiện")
    await press(harness, second, second_prompt, "Sửa")
    (understood,) = await second.send_and_wait("14 3")
    await press(harness, second, understood, "Xác nhận")
    one, two = await reports(harness)
    assert (one.carries_figures, one.citizens, one.version) == (False, None, 2)
    assert (two.carries_figures, two.citizens) == (True, 14)
    assert await versions(harness) == 3  # every version kept


async def test_the_same_button_twice_records_one_report(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    (understood,) = await user.send_and_wait("12 3")
    first = await user.press(understood, "Xác nhận")
    second = await user.press(understood, "Xác nhận")  # delivered twice before any answer
    await harness.api.wait_for_callback_answer(first)
    answer = await harness.api.wait_for_callback_answer(second)
    assert "đã được lưu" in answer.get("text", "")
    (report,) = await reports(harness)
    assert report.version == 1
    assert await versions(harness) == 1


async def test_a_button_pressed_again_sends_no_edit_that_changes_nothing(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """The prompt's «Đã thực hiện» delivered again (a double tap, a replay) would redraw
    the figures question it already shows: the bot answers the press and edits nothing."""
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    done = next(
        button["callback_data"]
        for row in (prompt.reply_markup or {})["inline_keyboard"]
        for button in row
        if button["text"].endswith("Đã thực hiện")
    )
    shown = await press(harness, user, prompt, "Đã thực hiện")
    edits = len(harness.api.calls_to("editMessageText"))
    sent = len(user.messages)

    query = await user.press_data(prompt, done)
    await harness.api.wait_for_callback_answer(query)
    await user.send_and_wait("/trogiup")  # this user's updates run in order: the press is done

    assert len(harness.api.calls_to("editMessageText")) == edits
    assert harness.api.message(user.user_id, prompt.message_id).text == shown  # type: ignore[union-attr]
    assert not any("Xin lỗi" in (m.text or "") for m in user.messages[sent:])


async def test_a_restart_between_the_button_and_the_figures_loses_nothing(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    # A new Application with empty memory takes over (the old one stops polling).
    application = harness.application
    assert application.updater is not None
    await application.updater.stop()
    fresh = build_application(
        Deps(
            settings=harness.settings, session_factory=harness.session_factory, clock=harness.clock
        )
    )
    await fresh.initialize()
    await post_init(fresh)
    await fresh.start()
    assert fresh.updater is not None
    await fresh.updater.start_polling(poll_interval=0, timeout=1)
    try:
        (understood,) = await user.send_and_wait("7 2 1")
        assert "7 lượt công dân" in (understood.text or "")
        await press(harness, user, understood, "Xác nhận")
    finally:
        await fresh.updater.stop()
        await fresh.stop()
        await fresh.shutdown()
        await application.updater.start_polling(poll_interval=0, timeout=1)
    (report,) = await reports(harness)
    assert report.citizens == 7


async def test_corrections_after_seven_days_are_refused(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    data = prompt.find_button("Không thực hiện")
    assert data is not None
    await press(harness, user, prompt, "Không thực hiện")
    await press(harness, user, prompt, "Lịch bị hoãn")
    harness.clock.advance(timedelta(days=8))
    (listing,) = await user.send_and_wait("/baocao")
    assert "không có hoạt động nào" in (listing.text or "")
    query = await user.press_data(prompt, data["callback_data"])  # an old screen
    answer = await harness.api.wait_for_callback_answer(query)
    assert "quá 7 ngày" in answer.get("text", "")
    (report,) = await reports(harness)
    assert report.version == 1


async def test_someone_elses_report_button_is_refused(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    owner = await linked_delegate(harness, "ML-001", 1001)
    stranger = await linked_delegate(harness, "ML-002", 1002)
    await prompted(harness, policy, tmp_path, who="ML-001")
    data = prompt_of(owner).find_button("Đã thực hiện")
    assert data is not None
    (own,) = await stranger.send_and_wait("/help")
    query = await stranger.press_data(own, data["callback_data"])
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không phải của đồng chí" in answer.get("text", "")
    await harness.api.wait_for_updates_consumed()
    assert await reports(harness) == []
    assert await conversations(harness) == 0


async def conversations(harness: Harness) -> int:
    async with harness.session_factory() as session:
        return len((await session.exec(select(Conversation))).all())


async def test_random_text_and_stickers_at_every_step_get_a_clear_answer(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    (nothing_open,) = await user.send_and_wait("xin chào")
    assert "/trogiup" in (nothing_open.text or "")
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    (sticker_answer,) = await user_sticker(harness, user)
    assert "tin nhắn chữ" in (sticker_answer.text or "")
    (junk,) = await user.send_and_wait("🙂🙂🙂")
    assert "Ví dụ" in (junk.text or "") or "ví dụ" in (junk.text or "")
    assert await reports(harness) == []
    assert not [c for c in harness.api.calls if (c.status or 0) >= 400 and c.method != "getUpdates"]


async def user_sticker(harness: Harness, user: FakeUser) -> list[SentMessage]:
    before = len(user.messages)
    await user.send_sticker()
    return (await user.wait_for_messages(before + 1))[before:]


async def test_outbox_rows_for_prompts_are_unique_per_step(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await run_until(harness, policy, harness.clock.now)
    async with harness.session_factory() as session:
        keys = [
            row.dedupe_key
            for row in (
                await session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.kind == OutboxKind.report_prompt.value
                    )
                )
            ).all()
        ]
    assert sorted(k.split(":")[1] for k in keys) == ["followup", "prompt"]
    assert datetime(2026, 12, 1, tzinfo=UTC) < harness.clock.now


async def test_a_delegate_linking_after_their_reception_is_prompted_at_once(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """The reception ended at 09:59 local; ML-001 links at 10:00. The prompt is planned with
    the linking (not at the planner's next pass) and goes out with the next drain."""
    harness.clock.now = START
    await add_delegate(harness.session_factory, "ML-001")
    await schedule(
        harness,
        tmp_path,
        "reception,Tiếp công dân,2026-12-01 07:30,2026-12-01 09:59,Trụ sở xã,HDND-ML,ML-001,,,,",
    )
    async with harness.session_factory() as session:
        (invite,) = await issue_invites(session=session, now=harness.clock())
    user = harness.api.user(1001)
    await user.send_and_wait(f"/start {invite.token}")
    async with harness.session_factory() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.report_prompt.value)
            )
        ).all()
    assert sorted(row.dedupe_key.split(":")[1] for row in rows) == ["followup", "prompt"]
    (prompt,) = [row for row in rows if ":prompt:" in row.dedupe_key]
    harness.clock.now = prompt.due_at
    await dispatcher(harness).drain()
    assert prompt_of(user).text is not None
    assert (await prompt_statuses(harness))["prompt"] == "sent"


async def test_a_delegate_reachable_again_is_prompted_for_a_duty_missed_meanwhile(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """ML-001 had blocked the bot when the reception ended, so nothing was planned; when
    they write again, the prompt is planned with that and goes out with the next drain."""
    user = await linked_delegate(harness)
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate))).one()
        delegate.reachable = False
        session.add(delegate)
        await session.commit()
    await prompted(harness, policy, tmp_path)
    assert await prompt_statuses(harness) == {}
    await user.send_and_wait("/help")
    assert await prompt_statuses(harness) == {"prompt": "pending", "followup": "pending"}
    await dispatcher(harness).drain()
    assert prompt_of(user).text is not None
    assert (await prompt_statuses(harness))["prompt"] == "sent"


async def test_a_stale_confirm_attendance_asks_for_the_figures_when_nobody_carries_them(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    (assignment_id,) = {b["callback_data"].split(":")[2] for b in prompt.buttons}
    current = harness.api.message(user.user_id, prompt.message_id)
    assert current is not None
    edits = current.edits
    query = await user.press_data(prompt, f"rp:att:{assignment_id}")  # forged, or stale
    await harness.api.wait_for_callback_answer(query)
    await harness.api.wait_until(lambda: current.edits > edits, message="no edit")
    assert "số lượt công dân" in (current.text or "")
    assert await reports(harness) == []  # no "held" without figures
    (understood,) = await user.send_and_wait("12 3")
    await press(harness, user, understood, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.held, report.carries_figures, report.citizens) == (True, True, 12)


async def test_no_citizens_came_is_one_tap_and_can_be_corrected(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    prompt = prompt_of(user)
    done = await press(harness, user, prompt, "Không có công dân đến")
    assert "Đã lưu báo cáo" in done
    assert "không có công dân đến" in done
    (report,) = await reports(harness)
    assert (report.held, report.citizens, report.petitions, report.forwarded) == (True, 0, 0, 0)
    assert report.carries_figures
    asked = await press(harness, user, prompt, "Sửa")
    assert "số lượt công dân" in asked
    (understood,) = await user.send_and_wait("2 1")
    await press(harness, user, understood, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.citizens, report.petitions, report.version) == (2, 1, 2)


async def test_zero_as_the_figures_means_nobody_came(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    asked = await press(harness, user, prompt_of(user), "Đã thực hiện")
    assert "gửi số <code>0</code>" in asked or "gửi số 0" in asked
    (understood,) = await user.send_and_wait("không có công dân đến")
    assert "0 lượt công dân, 0 đơn thư" in (understood.text or "")
    await press(harness, user, understood, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.held, report.citizens, report.petitions) == (True, 0, 0)


async def test_figures_sent_as_a_reply_to_the_prompt(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    before = len(user.messages)
    await user.send("12 3 1 chuyển UBND xã", reply_to=prompt_of(user))
    (understood,) = (await user.wait_for_messages(before + 1))[before:]
    assert "12 lượt công dân, 3 đơn thư" in (understood.text or "")
    assert await reports(harness) == []  # still nothing before Xác nhận
    await press(harness, user, understood, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.held, report.citizens, report.petitions, report.forwarded) == (True, 12, 3, 1)


async def test_figures_after_the_conversation_lapsed_go_to_the_one_awaited_report(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await prompted(harness, policy, tmp_path)
    await press(harness, user, prompt_of(user), "Đã thực hiện")
    harness.clock.advance(timedelta(hours=3))  # the conversation lasts two hours
    (offered,) = await user.send_and_wait("7 2")
    text = offered.text or ""
    assert "còn một hoạt động chờ báo cáo" in text
    assert "Tiếp công dân định kỳ" in text
    assert "7 lượt công dân, 2 đơn thư" in text
    before = len(user.messages)
    await press(harness, user, offered, "Xác nhận")
    (report,) = await reports(harness)
    assert (report.citizens, report.petitions) == (7, 2)
    # The register's offer for its 2 petitions, left for later (/donthu).
    (register,) = (await user.wait_for_messages(before + 1))[before:]
    assert "Ghi 2 đơn thư vào sổ" in (register.text or "")
    await harness.api.wait_for_callback_answer(await user.press(register, "Để sau"))
    # Nothing awaited any more: figures now get the usual "not understood".
    (answer,) = await user.send_and_wait("7 2")
    assert "/trogiup" in (answer.text or "")


async def test_figures_without_conversation_and_two_awaited_reports_are_not_guessed(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    user = await linked_delegate(harness)
    await schedule(
        harness,
        tmp_path,
        RECEPTION.format(who="ML-001"),
        "reception,Tiếp công dân lần 2,2026-11-30 07:30,2026-11-30 09:00,Trụ sở xã,"
        "HDND-ML,ML-001,,,,",
    )
    await run_until(harness, policy, harness.clock.now)
    (answer,) = await user.send_and_wait("7 2")
    assert "/trogiup" in (answer.text or "")
    assert await reports(harness) == []
