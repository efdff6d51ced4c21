"""Onboarding as users live it: invite links, refusals, roles, language."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Delegate, Invite
from bot.services.delegates.invites import issue_invites
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.steps import dispatcher
from tests.factories import add_delegate


async def invite(harness: Harness, code: str) -> str:
    async with harness.session_factory() as session:
        issued = await issue_invites(session=session, now=harness.clock())
    return next(i.token for i in issued if i.code == code)


async def linked_user_id(harness: Harness, code: str) -> int | None:
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code == code))).one()
        return delegate.telegram_user_id


async def test_invite_link_links_the_account(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", full_name="Nguyễn Văn <An>")
    token = await invite(harness, "ML-001")
    user = harness.api.user(1001, "An")
    (reply,) = await user.send_and_wait(f"/start {token}")
    assert reply.text is not None
    assert "Nguyễn Văn <An>" in reply.text  # escaped in HTML, shown as written
    # the council by its name, never the delegate's code; the Vietnamese help command
    assert reply.text.startswith("Chào mừng đồng chí Nguyễn Văn <An>, đại biểu HĐND HDND-ML!")
    assert "ML-001" not in reply.text
    assert "/trogiup" in reply.text
    assert await linked_user_id(harness, "ML-001") == 1001
    async with harness.session_factory() as session:
        stored = (await session.exec(select(Invite))).one()
    assert stored.used_by_telegram_id == 1001

    (again,) = await user.send_and_wait(f"/start {token}")
    assert again.text is not None
    assert "đã liên kết" in again.text


async def test_start_without_token_explains_how_to_get_one(harness: Harness) -> None:
    (reply,) = await harness.api.user(1002).send_and_wait("/start")
    assert reply.text is not None
    assert "mở đường liên kết mời riêng mà Văn phòng đã gửi" in reply.text


async def test_every_refusal_gets_a_clear_reply_and_links_nothing(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    await add_delegate(harness.session_factory, "ML-002")
    token = await invite(harness, "ML-001")

    (unknown,) = await harness.api.user(2001).send_and_wait("/start no-such-token")
    assert unknown.text is not None
    assert "không hợp lệ" in unknown.text

    await harness.api.user(2002).send_and_wait(f"/start {token}")
    (used,) = await harness.api.user(2003).send_and_wait(f"/start {token}")
    assert used.text is not None
    assert "đã được sử dụng" in used.text
    assert await linked_user_id(harness, "ML-001") == 2002

    # 2002 is ML-001 now: the same account cannot also become ML-002
    second = await invite(harness, "ML-002")
    (elsewhere,) = await harness.api.user(2002).send_and_wait(f"/start {second}")
    assert elsewhere.text is not None
    assert "đại biểu khác" in elsewhere.text
    assert await linked_user_id(harness, "ML-002") is None

    harness.clock.advance(timedelta(days=31))
    (expired,) = await harness.api.user(2004).send_and_wait(f"/start {second}")
    assert expired.text is not None
    assert "hết hạn" in expired.text
    assert await linked_user_id(harness, "ML-002") is None


async def test_replaced_invite_is_refused(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    old = await invite(harness, "ML-001")
    await invite(harness, "ML-001")
    (reply,) = await harness.api.user(2101).send_and_wait(f"/start {old}")
    assert reply.text is not None
    assert "mới hơn" in reply.text
    assert await linked_user_id(harness, "ML-001") is None


async def test_help_lists_what_each_role_may_do(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=3001)
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=3002)
    (stranger,) = await harness.api.user(3000).send_and_wait("/help")
    (delegate,) = await harness.api.user(3001).send_and_wait("/help")
    (secretary,) = await harness.api.user(3002).send_and_wait("/trogiup")
    (admin,) = await harness.api.user(ADMIN_ID).send_and_wait("/help")
    assert stranger.text is not None
    assert delegate.text is not None
    assert secretary.text is not None
    assert admin.text is not None
    assert "/toi" not in stranger.text
    assert "/toi" in delegate.text
    assert "/lienket" not in delegate.text
    assert "/lienket" in secretary.text
    assert "/lienket" in admin.text
    assert len({stranger.text, delegate.text, secretary.text}) == 3


async def test_unlinked_user_sees_no_ones_data(harness: Harness) -> None:
    await add_delegate(
        harness.session_factory, "ML-001", full_name="Phạm Thị Mai", telegram_user_id=4001,
        title="Phó Chủ tịch HĐND", group="Tổ đại biểu số 2", committee="Ban Pháp chế",
    )  # fmt: skip
    stranger = harness.api.user(4000)
    for command in ("/toi", "/me", "/lienket", "/links"):
        (reply,) = await stranger.send_and_wait(command)
        assert reply.text is not None
        assert "Phạm Thị Mai" not in reply.text
        assert "ML-001" not in reply.text
    (own,) = await harness.api.user(4001).send_and_wait("/toi")
    assert own.text is not None
    assert "Phạm Thị Mai" in own.text
    assert "0912345678" not in own.text  # a phone number is not echoed into chats
    assert "Chức vụ: Phó Chủ tịch HĐND" in own.text
    assert "Tổ đại biểu: Tổ đại biểu số 2" in own.text
    assert "Ban: Ban Pháp chế" in own.text
    assert "Phạm Thị Mai" not in reply.text  # nor is it in a stranger's replies


async def test_secretary_sees_only_their_own_council(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=5001)
    await add_delegate(harness.session_factory, "ML-002")
    await add_delegate(harness.session_factory, "ML-900", role="secretary", telegram_user_id=5002)
    await add_delegate(harness.session_factory, "NT-001", council="HDND-NT")
    (refused,) = await harness.api.user(5001).send_and_wait("/lienket")
    assert refused.text is not None
    assert "chỉ dành cho Văn phòng" in refused.text
    assert "ML-002" not in refused.text
    (mine,) = await harness.api.user(5002).send_and_wait("/lienket")
    assert mine.text is not None
    assert "ML-002" in mine.text
    assert "2/3" in mine.text
    assert "NT-001" not in mine.text
    (everything,) = await harness.api.user(ADMIN_ID).send_and_wait("/links")
    assert everything.text is not None
    assert "ML-002" in everything.text
    assert "NT-001" in everything.text


async def test_language_switch_is_remembered(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=6001)
    user = harness.api.user(6001)
    (switched,) = await user.send_and_wait("/lang en")
    assert switched.text == "Language set to English."
    (help_text,) = await user.send_and_wait("/help")
    assert help_text.text is not None
    assert "You are a delegate" in help_text.text
    async with harness.session_factory() as session:
        delegate = (await session.exec(select(Delegate).where(Delegate.code == "ML-001"))).one()
    assert delegate.language == "en"
    (back,) = await user.send_and_wait("/ngonngu vi")
    assert back.text == "Đã chuyển sang tiếng Việt."
    (usage,) = await user.send_and_wait("/ngonngu klingon")
    assert usage.text is not None
    assert "/ngonngu vi" in usage.text


async def test_unlinked_users_language_carries_over_when_linking(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001")
    token = await invite(harness, "ML-001")
    user = harness.api.user(6101)
    await user.send_and_wait("/lang en")
    (welcome,) = await user.send_and_wait(f"/start {token}")
    assert welcome.text is not None
    assert welcome.text.startswith("Welcome")


async def test_anything_else_gets_a_pointer_to_help(harness: Harness) -> None:
    (reply,) = await harness.api.user(7001).send_and_wait("xin chào")
    assert reply.text is not None
    assert "/trogiup" in reply.text


async def test_command_menus_are_set_in_both_languages(harness: Harness) -> None:
    vi = harness.api.commands(language_code="vi")
    en = harness.api.commands(language_code="en")
    assert [c["command"] for c in vi] == [c["command"] for c in en]
    assert "toi" in [c["command"] for c in vi]
    assert vi != en


async def test_a_failing_handler_apologises_and_the_bot_keeps_running(
    harness: Harness,
) -> None:
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=8001)
    harness.api.fail_next("sendMessage", 500, "Internal Server Error")
    user = harness.api.user(8001)
    await user.send("/toi")
    (apology,) = await user.wait_for_messages(1)
    assert apology.text is not None
    assert "sự cố" in apology.text
    (profile,) = await user.send_and_wait("/toi")
    assert profile.text is not None
    assert "ML-001" in profile.text


async def test_commands_in_a_group_reveal_nothing(harness: Harness) -> None:
    await add_delegate(
        harness.session_factory, "ML-001", full_name="Phạm Thị Mai", telegram_user_id=4001
    )
    user = harness.api.user(4001)
    harness.api.enqueue_update(
        "message",
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": -100123, "type": "supergroup", "title": "Tổ đại biểu"},
            "from": user.user_dict(),
            "text": "/toi",
            "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
        },
    )
    call = await harness.api.wait_for_call(
        "sendMessage", lambda c: c.params.get("chat_id") == -100123
    )
    text = str(call.params.get("text"))
    assert "Phạm Thị Mai" not in text
    assert "ML-001" not in text
    assert "@hdnd_test_bot" in text


async def test_help_for_a_linked_delegate_says_when_reminders_come_and_whom_to_ask(
    harness: Harness,
) -> None:
    harness.settings.SECRETARIAT_NAME = "Văn phòng HĐND và UBND xã Mỹ Lộc"
    harness.settings.SECRETARIAT_CONTACT = "Đ/c Lan, 0912 345 678"
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=4242)
    (reply,) = await harness.api.user(4242).send_and_wait("/help")
    text = reply.text or ""
    assert "/start" not in text  # linked already
    assert "/baocao" in text
    assert "Tiếp công dân: trước 3 ngày, 1 ngày, 2 giờ" in text
    assert "7h00 hằng ngày" in text
    assert "Liên hệ: Văn phòng HĐND và UBND xã Mỹ Lộc — Đ/c Lan, 0912 345 678" in text


async def test_me_shows_each_council_of_a_person_on_two_councils(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "T-001", council="HDND-TINH", telegram_user_id=77)
    await add_delegate(
        harness.session_factory, "ML-009", council="HDND-ML", role="secretary", telegram_user_id=77
    )
    (reply,) = await harness.api.user(77).send_and_wait("/toi")
    text = reply.text or ""
    assert "T-001" in text
    assert "ML-009" in text
    assert "HĐND HDND-TINH" in text
    assert "HĐND HDND-ML" in text
    assert text.count("Vai trò") == 1  # secretary of one council only


async def test_links_names_who_has_not_linked(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "ML-001", role="secretary", telegram_user_id=88)
    await add_delegate(harness.session_factory, "ML-002", full_name="Trần Văn Bình")
    (reply,) = await harness.api.user(88).send_and_wait("/lienket")
    assert "ML-002 Trần Văn Bình" in (reply.text or "")


async def test_a_secretary_sees_the_secretariat_commands_in_their_menu(harness: Harness) -> None:
    from bot.telegram.app import post_init
    from jobs.menu_sync import MenuSync

    await add_delegate(harness.session_factory, "VP-001", role="secretary", telegram_user_id=61)
    await add_delegate(harness.session_factory, "ML-001", telegram_user_id=62)
    for chat in (61, 62, ADMIN_ID):
        harness.api.user(chat)
    await post_init(harness.application)  # the default list; each chat's own: the outbox
    await MenuSync(harness.settings, harness.session_factory, harness.clock).refresh()
    assert (await dispatcher(harness).drain()).failed == 0
    scope = {"type": "chat", "chat_id": 61}
    secretary = [c["command"] for c in harness.api.commands(scope=scope, language_code="vi")]
    assert {"thongbao", "chuabaocao", "thongke", "baocao"} <= set(secretary)
    everyone = [c["command"] for c in harness.api.commands(language_code="vi")]
    assert "thongbao" not in everyone
    assert "start" not in everyone
    assert harness.api.commands(scope={"type": "chat", "chat_id": 62}, language_code="vi") == []
    admin = [
        c["command"]
        for c in harness.api.commands(
            scope={"type": "chat", "chat_id": ADMIN_ID}, language_code="en"
        )
    ]
    assert "thongbao" in admin


async def test_a_secretary_linking_gets_the_secretariat_menu(harness: Harness) -> None:
    await add_delegate(harness.session_factory, "VP-002", role="secretary")
    async with harness.session_factory() as session:
        (invite,) = await issue_invites(session=session, now=harness.clock())
    await harness.api.user(63).send_and_wait(f"/start {invite.token}")
    scope = {"type": "chat", "chat_id": 63}
    assert harness.api.commands(scope=scope, language_code="vi") == []  # planned, not sent
    assert (await dispatcher(harness).drain()).failed == 0
    assert "thongbao" in [
        c["command"] for c in harness.api.commands(scope=scope, language_code="vi")
    ]
