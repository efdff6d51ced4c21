"""Secretariat broadcasts through the real bot and the fake Bot API server.

/thongbao → recipients → the notice → preview → Xác nhận → one copy each (copyMessage),
progress edited in place, Đã nhận recorded once, nudges at the deadline, the report,
corrections as replies; refusals send nothing; one council never reaches another's.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from bot.models import Broadcast, BroadcastRecipient, Council, Delegate, OutboxMessage
from bot.telegram.broadcasts import report as broadcast_report
from bot.telegram.menus import secretariat_menu
from jobs.broadcast_progress import BroadcastProgress
from jobs.dispatcher import Dispatcher, DrainStats
from jobs.registry import registry_for
from jobs.telegram_notifier import TelegramNotifier
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.factories import add_delegate
from tests.fakes import FakeUser
from tests.fakes.models import SentMessage
from tests.threads import ThreadSpy

SECRETARY = 7001
LINKED = {"ML-001": 8001, "ML-002": 8002, "ML-003": 8003, "ML-004": 8004}
BLOCKS_LATER = 8007  # linked, started, then blocks the bot: 403 when the copy goes out
KNOWN_BLOCKED = 8006  # reachable=False in the database already
OTHER_COUNCIL = 9001
NOTICE = '<b>Kỳ họp</b> & "tài liệu"'


@pytest.fixture
async def council(harness: Harness) -> Harness:
    """HĐND ML: a secretary, 4 reachable delegates (2 units), one never linked, one known
    to have blocked the bot, one who blocks it before the copy arrives, one inactive;
    and HĐND NT with one delegate."""
    sessions = harness.session_factory
    await add_delegate(sessions, "ML-TK", role="secretary", telegram_user_id=SECRETARY,
                       full_name="Văn phòng HĐND")  # fmt: skip
    for code, user_id in LINKED.items():
        unit = "Xã Mỹ Thành" if code in {"ML-003", "ML-004"} else "Xã Mỹ Lộc"
        title = "Phó Chủ tịch HĐND" if code == "ML-002" else ""  # the Standing Committee
        await add_delegate(sessions, code, telegram_user_id=user_id, unit=unit, title=title,
                           full_name=f"Đại biểu {code}")  # fmt: skip
    await add_delegate(sessions, "ML-005", full_name="Chưa Liên Kết")
    await add_delegate(sessions, "ML-006", telegram_user_id=KNOWN_BLOCKED, full_name="Đã Chặn")
    await add_delegate(sessions, "ML-007", telegram_user_id=BLOCKS_LATER, full_name="Sẽ Chặn")
    await add_delegate(sessions, "ML-008", active=False, full_name="Đã Nghỉ")
    await add_delegate(sessions, "NT-001", council="HDND-NT", telegram_user_id=OTHER_COUNCIL)
    async with sessions() as session, session.begin():
        await session.exec(
            update(Delegate).where(col(Delegate.code) == "ML-006").values(reachable=False)
        )
    for user_id in [*LINKED.values(), BLOCKS_LATER, OTHER_COUNCIL, SECRETARY]:
        harness.api.user(user_id).started = True
    return harness


def dispatcher(harness: Harness) -> Dispatcher:
    return Dispatcher(
        session_factory=harness.session_factory,
        notifier=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
        zone=harness.settings.zone,
        clock=harness.clock,
        owner="test",
        registry=registry_for(harness.settings.SECRETARIAT_NAME),
    )


async def progress_tick(harness: Harness) -> None:
    harness.clock.advance(timedelta(seconds=3))
    await BroadcastProgress(
        session_factory=harness.session_factory,
        editor=TelegramNotifier(harness.application.bot, secretariat_menu=secretariat_menu),
        clock=harness.clock,
    ).tick()


async def next_message(user: FakeUser, action: object) -> SentMessage:
    """The bot's next message to ``user`` after ``action`` (an awaitable)."""
    before = len(user.messages)
    await action  # type: ignore[misc]
    return (await user.wait_for_messages(before + 1))[before]


async def compose(harness: Harness, command: str, *, menu_button: str | None = None,
                  text: str = NOTICE) -> tuple[SentMessage, SentMessage]:  # fmt: skip
    """The secretary's /thongbao up to the preview: (the preview, the secretary's notice)."""
    secretary = harness.api.user(SECRETARY)
    reply = await next_message(secretary, secretary.send(command))
    if menu_button is not None:
        reply = await next_message(secretary, secretary.press(reply, menu_button))
    assert "không xóa tin nhắn" in (reply.text or ""), reply.text
    preview = await next_message(
        secretary,
        secretary.send(text, entities=[{"type": "bold", "offset": 0, "length": 3}]),
    )
    notice = secretary.messages[-1]
    return preview, harness.api.message(SECRETARY, preview.reply_to_message_id or 0) or notice


def send_button(preview: SentMessage) -> str:
    """The preview's send button, which names how many delegates will get the notice."""
    (label,) = [b["text"] for b in preview.buttons if b["text"].startswith("Gửi cho ")]
    return str(label)


async def confirm(harness: Harness, preview: SentMessage, user_id: int = SECRETARY) -> None:
    secretary = harness.api.user(user_id)
    edits = preview.edits
    await secretary.press(preview, send_button(preview))
    await harness.api.wait_until(lambda: preview.edits > edits)


def copies(harness: Harness, chat_id: int) -> list[SentMessage]:
    return [m for m in harness.api.sent_to(chat_id) if m.method == "copyMessage"]


async def count_rows(harness: Harness, model: type, *where: object) -> int:
    async with harness.session_factory() as session:
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)  # type: ignore[arg-type]
        return int((await session.exec(query)).one())


async def test_text_notice_reaches_each_recipient_once_with_progress_and_ack(
    council: Harness,
) -> None:
    harness = council
    preview, notice = await compose(harness, "/thongbao", menu_button="Tất cả đại biểu")
    assert notice.text == NOTICE
    # "all" is the delegates: the office's own account (the sender) gets no copy.
    assert "Sẽ nhận: 5 đại biểu" in (preview.text or "")
    assert "Không nhận được: 2 (1 đã chặn bot, 1 chưa liên kết)" in (preview.text or "")
    assert send_button(preview) == "Gửi cho 5 đại biểu"
    assert "bấm «Gửi cho 5 đại biểu»" in (preview.text or "")
    # the deadline choices on two rows, the current one (none) marked
    rows = [[b["text"] for b in row] for row in preview.reply_markup["inline_keyboard"][-2:]]
    assert rows == [["⏰ Hạn 1 ngày", "⏰ Hạn 3 ngày"], ["⏰ Hạn 7 ngày", "✔ Không đặt hạn"]]
    assert "tài liệu mật" not in (preview.text or "")  # a text notice carries no document
    assert await count_rows(harness, OutboxMessage) == 0  # nothing before Xác nhận

    # names of those who cannot receive it, on a button
    secretary = harness.api.user(SECRETARY)
    who = await next_message(secretary, secretary.press(preview, "Danh sách không nhận được (2)"))
    assert "ML-005 — Chưa Liên Kết" in (who.text or "")
    assert "ML-006 — Đã Chặn" in (who.text or "")

    harness.api.user(BLOCKS_LATER).block()
    await confirm(harness, preview)
    # one denominator on every screen: everyone targeted (5 reachable + 2 who cannot)
    assert "Đang gửi ░░░░░░░░░░ 0/7" in (preview.text or "")
    assert "Tin thông báo #1 gửi tất cả đại biểu" in (preview.text or "")
    stats = await dispatcher(harness).drain()
    assert stats.messages == 4
    await progress_tick(harness)
    assert preview.text is not None
    assert preview.text.splitlines()[-1] == (
        "✅ Đã gửi xong: 4/7 đại biểu nhận được. Không gửi được 3: 2 đã chặn bot, 1 chưa liên kết."
    )
    assert preview.find_button("📊 Kết quả gửi, nhận") is not None

    assert copies(harness, SECRETARY) == []
    for user_id in LINKED.values():
        (copy,) = copies(harness, user_id)
        assert copy.text == NOTICE  # as written: not parsed as HTML, formatting kept
        assert copy.entities == [{"type": "bold", "offset": 0, "length": 3}]
        assert copy.find_button("Đã nhận") is not None
    assert copies(harness, BLOCKS_LATER) == []
    assert copies(harness, KNOWN_BLOCKED) == []

    # the blocked one is not retried
    harness.clock.advance(timedelta(hours=1))
    assert (await dispatcher(harness).drain()) == DrainStats()
    copy_calls = harness.api.calls_to("copyMessage")
    assert Counter(c.params["chat_id"] for c in copy_calls)[BLOCKS_LATER] == 1
    assert len(copy_calls) == 5

    # Đã nhận twice: recorded once, the button says when
    delegate = harness.api.user(LINKED["ML-001"])
    (copy,) = copies(harness, delegate.user_id)
    pressed_at = harness.clock.now
    local = pressed_at.astimezone(harness.settings.zone)
    label = f"✅ Đã nhận lúc {local.hour}h{local:%M} ngày {local:%d/%m/%Y}"
    thanks = await harness.api.wait_for_callback_answer(await delegate.press(copy, "Đã nhận"))
    # the office that sent it, named as since 2025
    assert thanks.get("text") == (
        "Cảm ơn đồng chí: Văn phòng HĐND và UBND HDND-ML đã ghi nhận đồng chí nhận được thông báo."
    )
    await harness.api.wait_until(lambda: copy.find_button(label) is not None)
    harness.clock.advance(timedelta(minutes=5))
    answer = await harness.api.wait_for_callback_answer(await delegate.press(copy, label))
    assert answer.get("text") == label
    assert copy.edits == 1
    async with harness.session_factory() as session:
        acknowledged = (
            await session.exec(
                select(BroadcastRecipient.acknowledged_at).where(
                    col(BroadcastRecipient.acknowledged_at).is_not(None)
                )
            )
        ).all()
    assert acknowledged == [pressed_at]
    assert harness.api.internal_errors == []


async def test_xac_nhan_pressed_twice_sends_once(council: Harness) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao all")
    secretary = harness.api.user(SECRETARY)
    first = await secretary.press(preview, send_button(preview))
    second = await secretary.press(preview, send_button(preview))  # before the first is handled
    await harness.api.wait_for_callback_answer(first)
    answer = await harness.api.wait_for_callback_answer(second)
    assert "không gửi thêm" in answer.get("text", "")
    await dispatcher(harness).drain()
    assert len(harness.api.calls_to("copyMessage")) == 5
    assert await count_rows(harness, OutboxMessage) == 5
    assert await count_rows(harness, BroadcastRecipient) == 7  # 5 queued, 2 skipped


async def test_document_with_caption_and_deadline_nudges_the_unacknowledged(
    council: Harness,
) -> None:
    harness = council
    secretary = harness.api.user(SECRETARY)
    prompt = await next_message(secretary, secretary.send("/thongbao unit:xa my thanh hạn 2d"))
    assert "đại biểu đơn vị xa my thanh" in (prompt.text or "")
    pdf = b"%PDF-1.4 giay moi ky hop"
    preview = await next_message(
        secretary,
        secretary.send_document("giấy mời <kỳ họp>.pdf", pdf, caption="Giấy mời & tài liệu"),
    )
    # the choice shows which deadline is set: none of the buttons is 2 days
    assert not [b for b in preview.buttons if b["text"].startswith("✔")]
    assert "Sẽ nhận: 2 đại biểu" in (preview.text or "")
    assert "Hạn bấm «Đã nhận»: 2 ngày sau khi gửi" in (preview.text or "")
    assert "⚠️ Không gửi tài liệu mật qua Telegram." in (preview.text or "")
    assert "⚠️ Không gửi tài liệu mật qua Telegram." in (prompt.text or "")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    for user_id in (LINKED["ML-003"], LINKED["ML-004"]):
        (copy,) = copies(harness, user_id)
        assert copy.document is not None
        assert copy.document.data == pdf
        assert copy.document.filename == "giấy mời <kỳ họp>.pdf"
        assert copy.caption == "Giấy mời & tài liệu"
    for user_id in (LINKED["ML-001"], LINKED["ML-002"], SECRETARY):
        assert copies(harness, user_id) == []

    reader = harness.api.user(LINKED["ML-003"])
    await harness.api.wait_for_callback_answer(
        await reader.press(copies(harness, reader.user_id)[0], "Đã nhận")
    )
    await progress_tick(harness)  # before the deadline: no nudge
    assert await dispatcher(harness).drain() == DrainStats()
    harness.clock.advance(timedelta(days=2))
    await progress_tick(harness)
    await progress_tick(harness)  # planned once only
    await dispatcher(harness).drain()
    late = harness.api.user(LINKED["ML-004"])
    (copy,) = copies(harness, late.user_id)
    (nudge,) = [m for m in late.messages if m.method == "sendMessage"]
    assert nudge.reply_to_message_id == copy.message_id
    # the office named as it is since 2025; the time as every screen writes it
    assert (nudge.text or "").startswith(
        "Văn phòng HĐND và UBND HDND-ML chưa nhận được xác nhận"
    ), nudge.text
    assert re.search(r"gửi lúc \d{1,2}h\d\d ngày \d\d/\d\d/\d{4}\.", nudge.text or "")
    assert [m.method for m in reader.messages] == ["copyMessage"]
    # acknowledging on the nudge records it; the copy's button catches up when pressed
    await harness.api.wait_for_callback_answer(await late.press(nudge, "Đã nhận"))
    await harness.api.wait_until(lambda: nudge.edits == 1)
    await harness.api.wait_for_callback_answer(await late.press(copy, "Đã nhận"))
    await harness.api.wait_until(lambda: copy.edits == 1)
    assert copy.buttons[0]["text"].startswith("✅ Đã nhận lúc")


async def test_a_delegate_is_refused_and_nothing_is_sent(council: Harness) -> None:
    harness = council
    delegate = harness.api.user(LINKED["ML-001"])
    for command in ("/thongbao all", "/broadcast", "/thongbao"):
        (reply,) = await delegate.send_and_wait(command)
        assert reply.text == "Lệnh này chỉ dành cho Văn phòng (quản trị bot)."
    assert await delegate.send_and_wait("Thông báo giả") != []  # no draft caught it
    assert await count_rows(harness, Broadcast) == 0
    await dispatcher(harness).drain()
    assert harness.api.calls_to("copyMessage") == []
    assert not any(m.method == "copyMessage" for m in harness.api.sent_messages)


async def test_huy_sends_nothing(council: Harness) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao secretaries")
    assert "Sẽ nhận: 1 người" in (preview.text or "")  # the office's accounts: not delegates
    assert send_button(preview) == "Gửi cho 1 người"
    secretary = harness.api.user(SECRETARY)
    await secretary.press(preview, "Hủy")
    await harness.api.wait_until(lambda: preview.edits == 1)
    assert preview.text == "Đã hủy: không gửi gì."
    assert preview.buttons == []
    await dispatcher(harness).drain()
    assert harness.api.calls_to("copyMessage") == []
    assert await count_rows(harness, OutboxMessage) == 0
    async with harness.session_factory() as session:
        assert (await session.exec(select(Broadcast.status))).all() == ["cancelled"]


async def test_a_secretary_cannot_reach_another_council(council: Harness) -> None:
    harness = council
    secretary = harness.api.user(SECRETARY)

    async def answer(command: str) -> str:
        (reply,) = await secretary.send_and_wait(command)
        return reply.text or ""

    other = await answer("/thongbao NT-001")
    nobody = await answer("/thongbao XX-999")
    assert other.replace("NT-001", "X") == nobody.replace("XX-999", "X")
    assert "NT-001" in other
    other = await answer("/thongbao council:HDND-NT all")
    nobody = await answer("/thongbao council:NOPE all")
    assert other.replace("HDND-NT", "X") == nobody.replace("NOPE", "X")
    mixed = await answer("/thongbao ML-001; NT-001")
    assert "NT-001" in mixed
    assert "ML-001" not in mixed
    assert await count_rows(harness, Broadcast) == 0

    # an admin may name the other council
    admin = harness.api.user(ADMIN_ID)
    (prompt,) = await admin.send_and_wait("/thongbao council:HDND-NT all")
    assert "HĐND HDND-NT" in (prompt.text or "")
    (preview,) = await admin.send_and_wait("Họp tổ đại biểu")
    assert "Sẽ nhận: 1 đại biểu" in (preview.text or "")
    await admin.press(preview, send_button(preview))
    await harness.api.wait_until(lambda: preview.edits == 1)
    await dispatcher(harness).drain()
    assert [c.params["chat_id"] for c in harness.api.calls_to("copyMessage")] == [OTHER_COUNCIL]


async def test_report_names_xlsx_and_a_correction_as_replies(council: Harness) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao ML-001 ML-002;ML-005 ML-008")
    assert "Không nhận được: 2 (1 chưa liên kết, 1 không còn đương nhiệm)" in (preview.text or "")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    await progress_tick(harness)
    first = harness.api.user(LINKED["ML-001"])
    await harness.api.wait_for_callback_answer(
        await first.press(copies(harness, first.user_id)[0], "Đã nhận")
    )
    secretary = harness.api.user(SECRETARY)
    report = await next_message(secretary, secretary.press(preview, "📊 Kết quả gửi, nhận"))
    text = report.text or ""
    assert "Đã gửi đến: 2/4 đại biểu" in text  # the same denominator as the progress line
    assert "Không gửi được: 2 (1 chưa liên kết, 1 không còn đương nhiệm)" in text
    assert "Đã bấm «Đã nhận»: 1 · chưa bấm: 1" in text
    assert re.search(r"lúc \d{1,2}h\d\d ngày \d\d/\d\d/\d{4}\.", text)
    names = await next_message(secretary, secretary.press(report, "Chưa bấm «Đã nhận»"))
    assert "ML-002" in (names.text or "")
    assert "ML-001" not in (names.text or "")
    failed = await next_message(secretary, secretary.press(report, "Không gửi được"))
    assert "ML-005" in (failed.text or "")
    assert "ML-008" in (failed.text or "")
    sheet = await next_message(secretary, secretary.press(report, "📄 Tải tệp Excel"))
    assert sheet.document is not None
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.document.data)).active.values)
    assert rows[0][:4] == ("Mã đại biểu", "Họ và tên", "Đơn vị", "Tình trạng gửi")
    states = {row[0]: row[3] for row in rows[1:]}
    assert states == {
        "ML-001": "đã gửi",
        "ML-002": "đã gửi",
        "ML-005": "chưa liên kết tài khoản",
        "ML-008": "không còn đương nhiệm",
    }
    assert rows[1][5]  # ML-001 acknowledged at

    prompt = await next_message(secretary, secretary.press(report, "✏️ Gửi đính chính"))
    assert "trả lời bản thông báo" in (prompt.text or "")
    correction = await next_message(secretary, secretary.send("Đính chính: họp lúc 14:00"))
    assert "Sẽ nhận: 2 đại biểu" in (correction.text or "")
    await confirm(harness, correction)
    await dispatcher(harness).drain()
    for code in ("ML-001", "ML-002"):
        original, fix = copies(harness, LINKED[code])
        assert fix.text == "Đính chính: họp lúc 14:00"
        assert fix.reply_to_message_id == original.message_id
        assert fix.find_button("Đã nhận") is not None
    assert harness.api.internal_errors == []


async def test_the_report_workbook_is_built_off_the_event_loop(
    council: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = council
    spy = ThreadSpy(broadcast_report.report_xlsx)
    monkeypatch.setattr(broadcast_report, "report_xlsx", spy)
    preview, _notice = await compose(harness, "/thongbao ML-001 ML-002")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    await progress_tick(harness)
    secretary = harness.api.user(SECRETARY)
    report = await next_message(secretary, secretary.press(preview, "📊 Kết quả gửi, nhận"))
    sheet = await next_message(secretary, secretary.press(report, "📄 Tải tệp Excel"))
    assert sheet.document is not None
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.document.data)).active.values)
    assert {row[0]: row[3] for row in rows[1:]} == {"ML-001": "đã gửi", "ML-002": "đã gửi"}
    assert spy.off_loop


async def test_menu_buttons_lead_to_the_notice_prompt(council: Harness) -> None:
    harness = council
    secretary = harness.api.user(SECRETARY)

    async def menu() -> SentMessage:
        return await next_message(secretary, secretary.send("/thongbao"))

    unit_menu = await next_message(secretary, secretary.press(await menu(), "Theo đơn vị"))
    prompt = await next_message(secretary, secretary.press(unit_menu, "Xã Mỹ Thành"))
    assert "đại biểu đơn vị xã Mỹ Thành" in (prompt.text or "")
    assert "(2 đại biểu)" in (prompt.text or "")

    # no "by level" inside one council; the Standing Committee instead
    shown = await menu()
    assert shown.find_button("Theo cấp") is None
    assert shown.find_button("HĐND cấp dưới: đại biểu") is None  # HDND-ML has none
    standing = await next_message(secretary, secretary.press(shown, "Thường trực HĐND"))
    assert "Thường trực HĐND của HĐND HDND-ML (1 đại biểu)" in (standing.text or "")

    ask = await next_message(secretary, secretary.press(await menu(), "Nhập mã đại biểu"))
    assert "ML-001; ML-002" in (ask.text or "")
    prompt = await next_message(secretary, secretary.send("ml-001; ML-002"))
    assert "(2 đại biểu)" in (prompt.text or "")
    stopped = await next_message(secretary, secretary.send("/thongbao all"))
    await secretary.press(stopped, "Hủy")
    await harness.api.wait_until(lambda: stopped.edits == 1)
    assert stopped.text == "Đã dừng: chưa gửi gì."
    # the conversation is over: a plain message is not taken as a notice
    (reply,) = await secretary.send_and_wait("Nội dung lạc đề")
    assert "Xem trước" not in (reply.text or "")
    assert await count_rows(harness, Broadcast) == 0

    # after a broadcast the menu lists it with its counts and a report button
    preview, _notice = await compose(harness, "/thongbao secretaries")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    listed = await menu()
    assert "#1 " in (listed.text or "")
    assert "đã gửi 1/1, không gửi được 0, đã bấm «Đã nhận» 0" in (listed.text or "")
    assert listed.find_button("📊 #1") is not None


async def test_an_admin_without_a_council_chooses_one(council: Harness) -> None:
    harness = council
    admin = harness.api.user(ADMIN_ID)
    (choice,) = await admin.send_and_wait("/thongbao secretaries")
    assert choice.find_button("HĐND HDND-NT") is not None
    prompt = await next_message(admin, admin.press(choice, "HĐND HDND-ML"))
    assert "Văn phòng (quản trị bot) của HĐND HDND-ML (1 người)" in (prompt.text or "")


async def test_an_audience_nobody_can_receive_offers_no_confirm(council: Harness) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao ML-005")  # never linked
    assert "không có gì để gửi" in (preview.text or "")
    assert not [b for b in preview.buttons if b["text"].startswith("📤")]
    assert preview.find_button("Hủy") is not None
    data = f"bc:ok:{preview.find_button('Hủy')['callback_data'].rsplit(':', 1)[-1]}"
    query = await harness.api.user(SECRETARY).press_data(preview, data)  # an old button
    answer = await harness.api.wait_for_callback_answer(query)
    assert "không có gì để gửi" in answer.get("text", "")
    assert [c for c in harness.api.calls if c.method == "copyMessage"] == []


async def test_a_delegate_cannot_acknowledge_someone_elses_copy(council: Harness) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao ML-001 ML-002")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    (theirs,) = copies(harness, LINKED["ML-001"])
    data = theirs.find_button("Đã nhận")["callback_data"]
    other = harness.api.user(LINKED["ML-002"])
    (own,) = copies(harness, other.user_id)
    answer = await harness.api.wait_for_callback_answer(await other.press_data(own, data))
    assert answer.get("text") == "Nút này không dành cho đồng chí."
    stranger = harness.api.user(OTHER_COUNCIL)  # a delegate of another council
    (help_text,) = await stranger.send_and_wait("/trogiup")
    answer = await harness.api.wait_for_callback_answer(await stranger.press_data(help_text, data))
    assert answer.get("text") == "Nút này không dành cho đồng chí."
    assert own.edits == 0
    assert (
        await count_rows(
            harness, BroadcastRecipient, col(BroadcastRecipient.acknowledged_at).is_not(None)
        )
        == 0
    )


async def test_a_double_tapped_da_nhan_never_sends_an_edit_that_changes_nothing(
    council: Harness,
) -> None:
    harness = council
    preview, _notice = await compose(harness, "/thongbao", menu_button="Tất cả đại biểu")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    delegate = harness.api.user(LINKED["ML-001"])
    (copy,) = copies(harness, delegate.user_id)
    # two taps before the bot answers either: both carry the message as it was
    first = await delegate.press(copy, "Đã nhận")
    second = await delegate.press(copy, "Đã nhận")
    await harness.api.wait_for_callback_answer(first)
    await harness.api.wait_for_callback_answer(second)
    await delegate.send_and_wait("/trogiup")  # handled after both presses (one user, in order)
    assert copy.edits == 1
    assert copy.buttons[0]["text"].startswith("✅ Đã nhận lúc")
    edits = [
        call
        for call in harness.api.calls_to("editMessageReplyMarkup")
        if call.params.get("chat_id") == delegate.user_id
    ]
    assert [call.status for call in edits] == [200]  # no "message is not modified"
    assert harness.api.internal_errors == []


async def test_a_province_office_reaches_its_communes_and_its_groups(harness: Harness) -> None:
    """``cấp dưới thường trực`` reaches the Standing Committees of the councils under the
    province; ``hđnd:`` a child council; ``tổ:`` and ``ban:`` the province's own groups."""
    sessions = harness.session_factory
    province_office, chair, member, x_chair, x_member, y_vice = 7101, 8101, 8102, 8201, 8202, 8301
    await add_delegate(sessions, "T-VP", council="NB-T", level="province", role="secretary",
                       telegram_user_id=province_office)  # fmt: skip
    await add_delegate(sessions, "T-001", council="NB-T", level="province", title="Chủ tịch HĐND",
                       group="Tổ đại biểu số 1", telegram_user_id=chair)  # fmt: skip
    await add_delegate(sessions, "T-002", council="NB-T", level="province",
                       committee="Ban Pháp chế", group="Tổ đại biểu số 2",
                       telegram_user_id=member)  # fmt: skip
    await add_delegate(sessions, "X-001", council="NB-X", title="Chủ tịch HĐND",
                       telegram_user_id=x_chair)  # fmt: skip
    await add_delegate(sessions, "X-002", council="NB-X", telegram_user_id=x_member)
    await add_delegate(sessions, "Y-001", council="NB-Y", title="Phó Chủ tịch HĐND",
                       telegram_user_id=y_vice)  # fmt: skip
    async with sessions() as session, session.begin():
        councils = {c.code: c for c in (await session.exec(select(Council))).all()}
        for code in ("NB-X", "NB-Y"):
            councils[code].parent_id = councils["NB-T"].id
            session.add(councils[code])
    for user_id in (province_office, chair, member, x_chair, x_member, y_vice):
        harness.api.user(user_id).started = True
    office = harness.api.user(province_office)

    async def send(command: str) -> list[int]:
        before = len(harness.api.calls_to("copyMessage"))
        prompt = await next_message(office, office.send(command))
        preview = await next_message(office, office.send(f"Giấy mời {command}"))
        assert preview.find_button("📤") is None, prompt.text
        await confirm(harness, preview, province_office)
        await dispatcher(harness).drain()
        return sorted(c.params["chat_id"] for c in harness.api.calls_to("copyMessage")[before:])

    menu = await next_message(office, office.send("/thongbao"))
    assert menu.find_button("HĐND cấp dưới: Thường trực") is not None
    assert await send("/thongbao cấp dưới thường trực") == sorted([x_chair, y_vice])
    assert await send("/thongbao hđnd:NB-X tất cả hạn 2 ngày") == sorted([x_chair, x_member])
    assert await send("/thongbao tổ:Tổ đại biểu số 2") == [member]
    assert await send("/thongbao ban:pháp chế") == [member]
    assert await send("/thongbao thường trực") == [chair]
    # a commune's office does not reach its province, nor a sibling commune
    await add_delegate(sessions, "X-VP", council="NB-X", role="secretary", telegram_user_id=7201)
    (refusal,) = await harness.api.user(7201).send_and_wait("/thongbao hđnd:NB-Y tất cả")
    assert "Không tìm thấy HĐND có mã NB-Y" in (refusal.text or "")
    (refusal,) = await harness.api.user(7201).send_and_wait("/thongbao hđnd:NB-T tất cả")
    assert "Không tìm thấy HĐND có mã NB-T" in (refusal.text or "")


async def test_an_album_is_one_notice_copied_with_copy_messages(council: Harness) -> None:
    """Two documents sent together: one draft, one preview; each delegate gets both with
    one ``copyMessages``, then a short message carrying «Đã nhận»."""
    harness = council
    secretary = harness.api.user(SECRETARY)
    prompt = await next_message(secretary, secretary.send("/thongbao ML-001 ML-002"))
    assert "Không gửi tài liệu mật qua Telegram" in (prompt.text or "")
    before = len(secretary.messages)
    await secretary.send_album(
        [("giay-moi.pdf", b"%PDF giay moi"), ("tai-lieu.pdf", b"%PDF tai lieu")],
        caption="Giấy mời và tài liệu Kỳ họp thứ Tư",
    )
    preview = (await secretary.wait_for_messages(before + 1))[before]  # one for both parts
    assert "⚠️ Không gửi tài liệu mật qua Telegram." in (preview.text or "")
    await confirm(harness, preview)
    await dispatcher(harness).drain()
    assert len(harness.api.calls_to("copyMessages")) == 2
    assert harness.api.calls_to("copyMessage") == []
    for code in ("ML-001", "ML-002"):
        user = harness.api.user(LINKED[code])
        first, second, after = user.messages
        assert (first.method, second.method, after.method) == (
            "copyMessages", "copyMessages", "sendMessage"
        )  # fmt: skip
        assert first.document is not None
        assert first.document.data == b"%PDF giay moi"
        assert second.document is not None
        assert second.document.data == b"%PDF tai lieu"
        assert first.caption == "Giấy mời và tài liệu Kỳ họp thứ Tư"
        assert first.media_group_id is not None
        assert first.media_group_id == second.media_group_id
        assert after.text == "📎 Thông báo ở trên gồm 2 tệp, ảnh. Đồng chí đọc xong bấm «Đã nhận»."
        await harness.api.wait_for_callback_answer(await user.press(after, "Đã nhận"))
        await harness.api.wait_until(lambda after=after: after.edits == 1)
    # a message after the album is not taken as part of it
    (reply,) = await secretary.send_and_wait("Nội dung lạc đề")
    assert "Xem trước" not in (reply.text or "")
    async with harness.session_factory() as session:
        (broadcast,) = (await session.exec(select(Broadcast))).all()
    assert broadcast.album_message_ids is not None
    assert len(broadcast.album_message_ids.split()) == 1
    assert (
        await count_rows(
            harness, BroadcastRecipient, col(BroadcastRecipient.acknowledged_at).is_not(None)
        )
        == 2
    )
