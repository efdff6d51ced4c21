"""Availability through the real bot and the fake Bot API: Xin vắng, offers, a refusal,
the next offer, a taker, the other offers edited, a late press; escalation and the
office's choice; /vang over a turn planned later; session answers and /diemdanh."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.models import Assignment, Delegate, Occurrence, Release
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.outbox.summary import plan_daily_summary
from bot.services.schedule.sync import extend_horizon
from bot.telegram.app import build_application, post_init
from bot.telegram.context import Deps
from bot.telegram.menus import secretariat_menu
from jobs.dispatcher import Dispatcher
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import Harness
from tests.e2e.steps import START, run_until, schedule
from tests.factories import add_delegate, in_session
from tests.fakes import FakeUser
from tests.fakes.models import SentMessage

POOL = ("ML-A", "ML-B", "ML-C", "ML-D", "ML-E")
ROTA = (
    "reception,Tiếp công dân,2026-12-10 07:30,2026-12-10 11:00,Trụ sở xã,HDND-ML,"
    + ";".join(POOL)
    + ",FREQ=MONTHLY;BYMONTHDAY=10,,none,1"
)
VOTERS = (
    "voter_meeting,Tiếp xúc cử tri,2026-12-15 08:00,2026-12-15 11:00,Nhà văn hóa,HDND-ML,"
    "ML-A;ML-B,,,,"
)
SESSION = (
    "session,Kỳ họp thứ ba,2026-12-18 08:00,2026-12-18 17:00,Hội trường,HDND-ML,"
    + ";".join(POOL)
    + ",,,,"
)
OFFICE_ID = 2900


@pytest.fixture
def policy(harness: Harness) -> ReminderPolicy:
    return ReminderPolicy.from_settings(harness.settings)


async def team(harness: Harness) -> tuple[dict[str, FakeUser], FakeUser]:
    """Five linked delegates ML-A…ML-E (users 2001…) and the office (2900)."""
    harness.clock.now = START
    users = {}
    for number, code in enumerate(POOL, start=1):
        await add_delegate(
            harness.session_factory, code, full_name=f"Đại biểu {code[-1]}",
            telegram_user_id=2000 + number,
        )  # fmt: skip
        users[code] = harness.api.user(2000 + number)
        users[code].started = True
    await add_delegate(
        harness.session_factory, "ML-VP", full_name="Văn phòng", role="secretary",
        telegram_user_id=OFFICE_ID,
    )  # fmt: skip
    office = harness.api.user(OFFICE_ID)
    office.started = True
    return users, office


def with_text(user: FakeUser, needle: str) -> list[SentMessage]:
    return [m for m in user.messages if needle in (m.text or "")]


async def press(harness: Harness, user: FakeUser, message: SentMessage, button: str) -> dict:
    query = await user.press(message, button)
    return await harness.api.wait_for_callback_answer(query)


async def pressed_and_edited(
    harness: Harness, user: FakeUser, message: SentMessage, button: str
) -> str:
    current = harness.api.message(user.user_id, message.message_id)
    assert current is not None
    edits = len(current.history)
    await press(harness, user, message, button)
    await harness.api.wait_until(lambda: len(current.history) > edits, message="no edit")
    return current.text or ""


async def excuse(
    harness: Harness, user: FakeUser, on: SentMessage, reason: str = "Trùng lịch công tác"
) -> str:
    """``Xin vắng`` on a message, then a reason; the edited text."""
    before = len(user.messages)
    await press(harness, user, on, "Xin vắng")
    (asked, *_) = (await user.wait_for_messages(before + 1))[before:]
    assert "Đồng chí cho biết lý do xin vắng:" in (asked.text or "")
    text = await pressed_and_edited(harness, user, asked, reason)
    assert "Đã ghi nhận đồng chí xin vắng" in text
    return text


async def test_decline_offers_refusal_next_taker_others_edited_late_press(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    users, office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    # The first reminder, three days before (7 December), offers Xin vắng.
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    (reminder,) = with_text(users["ML-A"], "Tiếp công dân")
    assert "Xin vắng" in [b["text"] for b in reminder.buttons]
    await excuse(harness, users["ML-A"], reminder)
    await run_until(harness, policy, harness.clock.now)
    offers = {code: with_text(users[code], "Đồng chí có nhận thay được không?") for code in POOL}
    assert {code for code, found in offers.items() if found} == {"ML-B", "ML-C", "ML-D"}
    # C cannot: E, the next in order, is asked.
    text = await pressed_and_edited(harness, users["ML-C"], offers["ML-C"][0], "Không nhận")
    assert "không nhận thay" in text
    await run_until(harness, policy, harness.clock.now)
    (offer_e,) = with_text(users["ML-E"], "Đồng chí có nhận thay được không?")
    # D takes it; B's and E's offers are edited to say so.
    text = await pressed_and_edited(harness, users["ML-D"], offers["ML-D"][0], "Nhận thay")
    assert "Cảm ơn đồng chí đã nhận thay" in text
    await run_until(harness, policy, harness.clock.now)  # the edits are outbox rows
    for code, message in (("ML-B", offers["ML-B"][0]), ("ML-E", offer_e)):
        current = harness.api.message(users[code].user_id, message.message_id)
        assert current is not None
        await harness.api.wait_until(
            lambda current=current: "Đã có đại biểu nhận thay" in (current.text or "")
        )
        assert "Đại biểu D" in (current.text or "")
    # B presses the button of the offer as it was before the edit: a clear answer.
    old = offers["ML-B"][0].history[0].reply_markup
    assert old is not None
    data = old["inline_keyboard"][0][0]["callback_data"]
    query = await users["ML-B"].press_data(offers["ML-B"][0], data)
    late = await harness.api.wait_for_callback_answer(query)
    assert "đã có đại biểu khác nhận thay" in late.get("text", "")
    # The absent delegate and the office are told who stands in.
    await run_until(harness, policy, harness.clock.now)
    assert with_text(users["ML-A"], "Đồng chí Đại biểu D nhận thay đồng chí Đại biểu A")
    assert with_text(office, "Đồng chí Đại biểu D nhận thay đồng chí Đại biểu A")
    # D now has the reminders of the duty; A has none and no "cancelled" notice.
    await run_until(harness, policy, datetime(2026, 12, 10, 0, tzinfo=UTC))
    assert with_text(users["ML-D"], "🔔")
    assert not with_text(users["ML-A"], "Đã hủy")
    assert len(with_text(users["ML-A"], "🔔")) == 1


async def test_inside_the_window_the_office_is_asked_and_assigns(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """A release two days or less before the start: the offer goes out and the office is
    asked at once, with a button per candidate; a secretary of another council may not
    press it; the office's choice is told to the stand-in and to the absent delegate."""
    users, office = await team(harness)
    # A rota of two among three: A and B meet the voters, C is the one candidate.
    await schedule(harness, tmp_path, VOTERS.replace("ML-A;ML-B,,,,", "ML-A;ML-B;ML-C,,,,2"))
    harness.clock.now = datetime(2026, 12, 8, 0, tzinfo=UTC)  # reminders are planned 9 days ahead
    await run_until(harness, policy, datetime(2026, 12, 14, 3, tzinfo=UTC))
    first, second = with_text(users["ML-A"], "Tiếp xúc cử tri")
    # Only the first reminder offers Xin vắng.
    assert "Xin vắng" not in [b["text"] for b in second.buttons]
    text = await excuse(harness, users["ML-A"], first, "Lý do khác")
    assert "Xin đồng chí ghi lý do trong một tin nhắn." in text
    (noted,) = await users["ML-A"].send_and_wait("đi công tác tỉnh")
    assert "Đã ghi nhận lý do." in (noted.text or "")
    await run_until(harness, policy, harness.clock.now)
    assert with_text(users["ML-C"], "Đồng chí có nhận thay được không?")
    (asked,) = with_text(office, "Cần phân công đại biểu thay")
    assert "Đại biểu A" in (asked.text or "")
    assert "Lý do khác: đi công tác tỉnh" in (asked.text or "")
    button = asked.buttons[0]
    assert "Đại biểu C" in button["text"]
    # A delegate replaying the office's button is refused (only the office assigns).
    query = await users["ML-B"].press_data(
        with_text(users["ML-B"], "Tiếp xúc cử tri")[0], button["callback_data"]
    )
    refused = await harness.api.wait_for_callback_answer(query)
    assert refused.get("show_alert")
    text = await pressed_and_edited(harness, office, asked, button["text"])
    assert "Đại biểu C được phân công thay" in text
    await run_until(harness, policy, harness.clock.now)
    assert with_text(users["ML-C"], "Văn phòng HĐND và UBND HDND-ML đề nghị đồng chí nhận thay")
    assert with_text(users["ML-A"], "Đồng chí Đại biểu C nhận thay đồng chí Đại biểu A")


async def test_a_voter_meeting_everyone_attends_goes_to_the_office(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    users, office = await team(harness)
    await schedule(harness, tmp_path, VOTERS)
    harness.clock.now = datetime(2026, 12, 8, 0, tzinfo=UTC)
    await run_until(harness, policy, datetime(2026, 12, 8, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp xúc cử tri")[0])
    await run_until(harness, policy, harness.clock.now)
    (asked,) = with_text(office, "Cần phân công đại biểu thay")
    assert "đề nghị Văn phòng chọn người thay" in (asked.text or "")
    assert not any(with_text(users[c], "nhận thay?") for c in POOL)


async def test_away_over_a_range_including_a_turn_planned_later(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    # A serves 10 December and 10 May (every fifth month); May is beyond the horizon.
    answer = await users["ML-A"].send_and_wait("/vang 01/12/2026 31/05/2027 đi học tập trung")
    assert "Đã ghi nhận xin vắng" in (answer[0].text or "")
    assert "Có 1 hoạt động cần người thay" in (answer[0].text or "")
    async with harness.session_factory() as session:
        await extend_horizon(
            session=session, now=datetime(2027, 3, 1, 3, tzinfo=UTC), zone=harness.settings.zone
        )
    harness.clock.now = datetime(2027, 3, 1, 3, tzinfo=UTC)
    await run_until(harness, policy, harness.clock.now)
    async with harness.session_factory() as session:
        releases = (
            await session.exec(
                select(Occurrence.original_date)
                .join(Release, col(Release.occurrence_id) == col(Occurrence.id))
                .order_by(col(Occurrence.original_date))
            )
        ).all()
    assert [d.isoformat() for d in releases] == ["2026-12-10", "2027-05-10"]
    # /vang alone lists the absence with a button to withdraw it.
    (listing,) = await users["ML-A"].send_and_wait("/vang")
    assert "đi học tập trung" in (listing.text or "")
    text = await pressed_and_edited(harness, users["ML-A"], listing, listing.buttons[0]["text"])
    assert "Đã rút xin vắng" in text
    assert "xin báo Văn phòng HĐND và UBND HDND-ML." in text


async def test_session_answers_and_roll_call(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    users, office = await team(harness)
    await add_delegate(
        harness.session_factory, "ML-CT", full_name="Chủ tịch HĐND xã", title="Chủ tịch HĐND",
        telegram_user_id=2950,
    )  # fmt: skip
    chair = harness.api.user(2950)
    chair.started = True
    await schedule(harness, tmp_path, SESSION)
    # The session's first reminder comes 7 days before: 11 December.
    harness.clock.now = datetime(2026, 12, 10, 0, tzinfo=UTC)
    await run_until(harness, policy, datetime(2026, 12, 11, 3, tzinfo=UTC))
    reminder_a = with_text(users["ML-A"], "Kỳ họp thứ ba")[0]
    reminder_b = with_text(users["ML-B"], "Kỳ họp thứ ba")[0]
    answer = await press(harness, users["ML-A"], reminder_a, "Tham dự")
    assert "tham dự" in answer.get("text", "")
    before = len(users["ML-B"].messages)
    await press(harness, users["ML-B"], reminder_b, "Xin vắng")
    (asked, *_) = (await users["ML-B"].wait_for_messages(before + 1))[before:]
    await pressed_and_edited(harness, users["ML-B"], asked, "Ốm đau, việc riêng")
    # A delegate may not call the roll.
    (refused,) = await users["ML-C"].send_and_wait("/diemdanh")
    assert "Điểm danh" not in (refused.text or "")
    (roll,) = await office.send_and_wait("/diemdanh")
    text = roll.text or ""
    assert "Tham dự: 1" in text
    assert "Xin vắng: 1" in text
    assert "Chưa trả lời: 3" in text
    assert "ML-B Đại biểu B — Ốm đau, việc riêng" in text
    # The day before the session, the office's daily summary carries the same roll.
    harness.clock.now = datetime(2026, 12, 17, 1, 0, tzinfo=UTC)  # 08:00 local
    settings = harness.settings
    await in_session(
        harness.session_factory, plan_daily_summary, now=harness.clock.now, zone=settings.zone,
        quiet=settings.QUIET_HOURS, admin_ids=frozenset(),
        escalate_after=settings.REPORT_ESCALATE_AFTER,
    )  # fmt: skip
    await run_until(harness, policy, harness.clock.now)
    (summary,) = with_text(office, "Điểm danh kỳ họp ngày mai")
    assert "ML-B Đại biểu B — Ốm đau, việc riêng" in (summary.text or "")
    # The Standing Committee (by title) gets the same roll, and only the roll.
    (roll,) = with_text(chair, "Điểm danh kỳ họp ngày mai")
    lines = (roll.text or "").splitlines()
    for line in ("Tham dự: 1", "• ML-A Đại biểu A", "Xin vắng: 1",
                 "• ML-B Đại biểu B — Ốm đau, việc riêng", "Chưa trả lời: 3",
                 "• ML-C Đại biểu C", "• ML-D Đại biểu D", "• ML-E Đại biểu E"):  # fmt: skip
        assert line in lines, (line, lines)
    assert "Báo cáo" not in (roll.text or "")
    assert not with_text(users["ML-C"], "Điểm danh kỳ họp ngày mai")
    # Not a release: B keeps the assignment (statistics count it as not held).
    async with harness.session_factory() as session:
        b = (await session.exec(select(Delegate).where(Delegate.code == "ML-B"))).one()
        active = (
            await session.exec(
                select(Assignment).where(
                    Assignment.delegate_id == b.id, col(Assignment.cancelled_at).is_(None)
                )
            )
        ).all()
    assert len(active) == 1


async def test_a_restart_between_the_offer_and_the_press(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """The offer is a row and a button: a new process with empty memory takes the press."""
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await run_until(harness, policy, harness.clock.now)
    (offer,) = with_text(users["ML-B"], "Đồng chí có nhận thay được không?")
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
        text = await pressed_and_edited(harness, users["ML-B"], offer, "Nhận thay")
        assert "Cảm ơn đồng chí đã nhận thay" in text
    finally:
        await fresh.updater.stop()
        await fresh.stop()
        await fresh.shutdown()
        await application.updater.start_polling(poll_interval=0, timeout=1)
    async with harness.session_factory() as session:
        (stored,) = (await session.exec(select(Release))).all()
        b = (await session.exec(select(Delegate).where(Delegate.code == "ML-B"))).one()
    assert stored.taken_by == b.id


async def test_refusals(harness: Harness, policy: ReminderPolicy, tmp_path: Path) -> None:
    """/vang needs a linked delegate; an offer answers only its own candidate; a duty can
    be released only by its delegate."""
    users, _office = await team(harness)
    stranger = harness.api.user(2999)
    stranger.started = True
    (refused,) = await stranger.send_and_wait("/vang 10/12/2026")
    assert "Đã ghi nhận" not in (refused.text or "")
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    (reminder,) = with_text(users["ML-A"], "Tiếp công dân")
    release_data = reminder.find_button("Xin vắng")
    assert release_data is not None
    (own,) = await users["ML-B"].send_and_wait("/lich")
    query = await users["ML-B"].press_data(own, release_data["callback_data"] + ":clash")
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không được phân công" in answer.get("text", "")
    # The first step (the reasons) shows nothing of another delegate's duty either.
    before = len(users["ML-B"].messages)
    query = await users["ML-B"].press_data(own, release_data["callback_data"])
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không được phân công" in answer.get("text", "")
    assert len(users["ML-B"].messages) == before
    await excuse(harness, users["ML-A"], reminder)
    await run_until(harness, policy, harness.clock.now)
    (offer,) = with_text(users["ML-B"], "Đồng chí có nhận thay được không?")
    take = offer.find_button("Nhận thay")
    assert take is not None
    (mine,) = await users["ML-E"].send_and_wait("/lich")
    query = await users["ML-E"].press_data(mine, take["callback_data"])
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không gửi cho đồng chí" in answer.get("text", "")
    async with harness.session_factory() as session:
        (stored,) = (await session.exec(select(Release))).all()
    assert stored.taken_by is None


async def set_language(harness: Harness, code: str, language: str) -> None:
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code == code))).one()
        delegate.language = language
        session.add(delegate)
        await session.commit()


def offer_edits(harness: Harness, chat_id: int) -> list[dict]:
    calls = harness.api.calls_to("editMessageText")
    return [call.params for call in calls if call.params.get("chat_id") == chat_id]


async def press_old(harness: Harness, user: FakeUser, message: SentMessage) -> dict:
    """Presses the first button the message had before its first edit."""
    old = message.history[0].reply_markup
    assert old is not None
    query = await user.press_data(message, old["inline_keyboard"][0][0]["callback_data"])
    return await harness.api.wait_for_callback_answer(query)


async def test_a_restart_between_the_take_and_the_edits(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """The other offers' edits are outbox rows written with the take: the process that
    took the press stops before any edit, a new one edits each offer once, in its
    candidate's language (B reads English), and a late press edits nothing more."""
    users, _office = await team(harness)
    await set_language(harness, "ML-B", "en")
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await run_until(harness, policy, harness.clock.now)
    (offer_b,) = with_text(users["ML-B"], "Can you stand in?")
    (offer_c,) = with_text(users["ML-C"], "Đồng chí có nhận thay được không?")
    (offer_d,) = with_text(users["ML-D"], "Đồng chí có nhận thay được không?")
    text = await pressed_and_edited(harness, users["ML-D"], offer_d, "Nhận thay")
    assert "Cảm ơn đồng chí đã nhận thay" in text
    # The process stops here, before any dispatcher has run.
    application = harness.application
    assert application.updater is not None
    await application.updater.stop()
    assert offer_b.edits == offer_c.edits == 0
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
        worker = Dispatcher(
            session_factory=harness.session_factory,
            notifier=TelegramNotifier(fresh.bot, secretariat_menu=secretariat_menu),
            zone=harness.settings.zone,
            clock=harness.clock,
            owner="restarted",
            registry=registry_for(harness.settings.SECRETARIAT_NAME),
        )
        await worker.drain()
        assert offer_b.edits == offer_c.edits == 1
        assert (offer_b.text or "").startswith("✔️ This place has been taken")
        assert "Đại biểu D" in (offer_b.text or "")
        assert (offer_c.text or "").startswith("✔️ Đã có đại biểu nhận thay")
        assert not offer_b.buttons
        assert not offer_c.buttons
        # B presses the button the offer had: an answer in English, and no edit.
        late = await press_old(harness, users["ML-B"], offer_b)
        assert "another delegate has already taken this place" in late.get("text", "")
        await worker.drain()
        await run_until(harness, policy, harness.clock.now)
    finally:
        await fresh.updater.stop()
        await fresh.stop()
        await fresh.shutdown()
        await application.updater.start_polling(poll_interval=0, timeout=1)
    assert offer_b.edits == offer_c.edits == 1
    assert len(offer_edits(harness, users["ML-B"].user_id)) == 1


async def test_offers_close_when_the_duty_begins(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """Nobody answers: once the duty has begun the planner closes the offers and each
    sent one is edited, once, without its buttons; a press then is answered, not edited."""
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await run_until(harness, policy, harness.clock.now)
    offers = [with_text(users[c], "Đồng chí có nhận thay được không?")[0] for c in POOL[1:4]]
    await run_until(harness, policy, datetime(2026, 12, 10, 0, tzinfo=UTC))
    assert [offer.edits for offer in offers] == [0, 0, 0]
    harness.clock.now = datetime(2026, 12, 10, 1, tzinfo=UTC)  # 08:00 local: it has begun
    await run_until(harness, policy, harness.clock.now)
    for offer in offers:
        assert offer.edits == 1
        assert (offer.text or "").startswith("✖️ Không cần nhận thay nữa")
        assert "Hoạt động này đã bắt đầu hoặc đã bị hủy." in (offer.text or "")
        assert not offer.buttons
    late = await press_old(harness, users["ML-B"], offers[0])
    assert "đã bắt đầu hoặc đã bị hủy" in late.get("text", "")
    harness.clock.now = datetime(2026, 12, 10, 2, tzinfo=UTC)
    await run_until(harness, policy, harness.clock.now)
    assert [offer.edits for offer in offers] == [1, 1, 1]


async def test_session_answers_from_the_agenda(
    harness: Harness, policy: ReminderPolicy, tmp_path: Path
) -> None:
    """/lich: a session offers «Tham dự» / «Xin vắng» (an answer, not a release), a
    reception «Xin vắng»; the answers reach /diemdanh."""
    users, office = await team(harness)
    await schedule(harness, tmp_path, SESSION, ROTA)
    (agenda_c,) = await users["ML-C"].send_and_wait("/lich")
    rows = (agenda_c.reply_markup or {})["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == ["Tham dự 18/12", "Xin vắng 18/12"]
    # The /lich message itself shows the answer and offers the other choice.
    text = await pressed_and_edited(harness, users["ML-C"], agenda_c, "Tham dự 18/12")
    assert any(line.endswith(" · ✅ đã báo tham dự") for line in text.splitlines())
    shown = harness.api.message(users["ML-C"].user_id, agenda_c.message_id)
    assert shown is not None
    assert [b["text"] for b in shown.reply_markup["inline_keyboard"][0]] == ["Xin vắng 18/12"]
    (agenda_a,) = await users["ML-A"].send_and_wait("/lich")
    labels = [[b["text"] for b in row] for row in agenda_a.reply_markup["inline_keyboard"]]
    assert labels[:2] == [
        ["Xin vắng · 10/12 Tiếp công dân"],
        ["Tham dự 18/12", "Xin vắng 18/12"],
    ]
    before = len(users["ML-A"].messages)
    await press(harness, users["ML-A"], agenda_a, "Xin vắng 18/12")
    (asked, *_) = (await users["ML-A"].wait_for_messages(before + 1))[before:]
    assert "Kỳ họp thứ ba" in (asked.text or "")
    text = await pressed_and_edited(harness, users["ML-A"], asked, "Trùng lịch công tác")
    assert "Đã ghi nhận: đồng chí xin vắng." in text
    (roll,) = await office.send_and_wait("/diemdanh")
    lines = (roll.text or "").splitlines()
    for line in ("Tham dự: 1", "• ML-C Đại biểu C", "Xin vắng: 1",
                 "• ML-A Đại biểu A — Trùng lịch công tác", "Chưa trả lời: 3"):  # fmt: skip
        assert line in lines, (line, lines)
    # An answer, not a release: A still holds both duties.
    async with harness.session_factory() as session:
        assert not (await session.exec(select(Release))).all()
    # /lich again: each session shows the answer given, and offers only the other choice.
    (again_c,) = await users["ML-C"].send_and_wait("/lich")
    assert any(line.endswith(" · ✅ đã báo tham dự") for line in (again_c.text or "").splitlines())
    rows = again_c.reply_markup["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == ["Xin vắng 18/12"]
    (again_a,) = await users["ML-A"].send_and_wait("/lich")
    assert any(line.endswith(" · 🙅 đã xin vắng") for line in (again_a.text or "").splitlines())
    labels = [[b["text"] for b in row] for row in again_a.reply_markup["inline_keyboard"]]
    assert labels[1] == ["↩️ Rút xin vắng 18/12"]
    # The later word counts: A attends after all.
    text = await pressed_and_edited(harness, users["ML-A"], again_a, "↩️ Rút xin vắng 18/12")
    assert any(line.endswith(" · ✅ đã báo tham dự") for line in text.splitlines())
    (roll,) = await office.send_and_wait("/diemdanh")
    assert "Tham dự: 2" in (roll.text or "").splitlines()
