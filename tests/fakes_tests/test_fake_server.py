"""The fake Bot API server, driven by the real PTB ``Bot`` and ``Application`` over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import time
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

from tests.fakes import FakeBotApi, FakeUser
from tests.fakes.telegram_html import EntityParseError, format_text, parse_html, utf16_len

EMOJI = "😀"  # outside the BMP: two UTF-16 code units


class ManualClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"button {i}", callback_data=data)]
            for i, data in enumerate(callback_data)
        ]
    )


def retry_seconds(error: RetryAfter) -> float:
    value: int | float | dtm.timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def raw_post(api: FakeBotApi, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(api.root + path, **kwargs) as r:
        return r.status, await r.json()


# ---------------------------------------------------------------------- protocol


async def test_get_me_gives_the_bot_user(api: FakeBotApi, bot: Bot) -> None:
    assert bot.username == "delegate_test_bot"
    assert bot.id == 123
    me = await bot.get_me()
    assert me.is_bot
    assert me.can_join_groups


async def test_method_names_are_case_insensitive_and_get_works(api: FakeBotApi) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{api.base_url}{api.token}/GETME") as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["result"]["username"] == "delegate_test_bot"


async def test_json_body_is_accepted(api: FakeBotApi, user: FakeUser) -> None:
    status, body = await raw_post(
        api,
        f"/bot{api.token}/sendMessage",
        json={"chat_id": user.chat_id, "text": "hi", "reply_markup": {"inline_keyboard": []}},
    )
    assert status == 200, body
    assert body["result"]["text"] == "hi"


async def test_wrong_token_is_401(api: FakeBotApi) -> None:
    status, body = await raw_post(api, "/bot999:WRONG/getMe")
    assert (status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass


async def test_unknown_method_is_404(api: FakeBotApi, bot: Bot) -> None:
    status, body = await raw_post(api, f"/bot{api.token}/sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("send_telepathy")


async def test_missing_required_field_is_400(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    status, body = await raw_post(
        api, f"/bot{api.token}/sendMessage", data={"chat_id": str(user.chat_id)}
    )
    assert (status, body["description"]) == (400, "Bad Request: text is required")
    with pytest.raises(BadRequest, match=r"(?i)chat_id is required"):
        await bot.do_api_request("set_chat_title", api_kwargs={"title": "x"})


async def test_malformed_json_parameter_is_400(api: FakeBotApi, user: FakeUser) -> None:
    status, body = await raw_post(
        api,
        f"/bot{api.token}/sendMessage",
        data={"chat_id": str(user.chat_id), "text": "x", "reply_markup": "{not json"},
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse reply_markup JSON object",
    )


async def test_unimplemented_method_answers_true(api: FakeBotApi, bot: Bot) -> None:
    assert await bot.set_my_description("Nhắc lịch đại biểu") is True
    assert api.calls_to("setMyDescription")[0].params == {"description": "Nhắc lịch đại biểu"}


# ---------------------------------------------------------------------- rate limit


async def test_31st_send_in_one_second_gets_429_until_retry_after() -> None:
    clock = ManualClock()
    async with (
        FakeBotApi(clock=clock) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        await api.user(1001).send("/start")
        for i in range(30):
            await bot.send_message(1001, f"message {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "one too many")

        assert retry_seconds(caught.value) == 1
        assert api.rejected_429 == 1
        assert len(api.sent_to(1001)) == 30
        assert api.calls[-1].response == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }

        clock.advance(0.5)
        with pytest.raises(RetryAfter):
            await bot.send_message(1001, "still too early")
        clock.advance(retry_seconds(caught.value) - 0.5)
        await bot.send_message(1001, "after waiting")

        assert [m.text for m in api.sent_to(1001)][-1] == "after waiting"
        assert api.max_sends_in_window(1.0) == 30
        assert api.rejected_429 == 2


async def test_concurrent_burst_never_exceeds_30_per_second(
    api: FakeBotApi, user: FakeUser
) -> None:
    request = HTTPXRequest(connection_pool_size=64)
    async with Bot(api.token, base_url=api.base_url, request=request) as bot:
        results = await asyncio.gather(
            *(bot.send_message(user.chat_id, f"burst {i}") for i in range(40)),
            return_exceptions=True,
        )
        rejected = [r for r in results if isinstance(r, RetryAfter)]
        assert len(rejected) + len(api.sent_to(user.chat_id)) == 40
        assert len(rejected) == api.rejected_429
        assert api.max_sends_in_window(1.0) <= 30
        if rejected:  # the burst fitted in one second (it always does on a sane machine)
            await asyncio.sleep(retry_seconds(rejected[0]))
            await bot.send_message(user.chat_id, "after retry_after")


async def test_max_sends_in_window_counts_any_interval() -> None:
    clock = ManualClock()
    async with (
        FakeBotApi(clock=clock, rate_limit=100) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        await api.user(1).send("hi")
        await api.user(2).send("hi")
        for step in (0.0, 0.5, 0.4, 0.2, 0.0):  # sends at 0, .5, .9, 1.1, 1.1
            clock.advance(step)
            await bot.send_message(1, "x")
        await bot.send_message(2, "y")
        assert api.max_sends_in_window(1.0) == 5  # .5, .9, 1.1, 1.1 and chat 2's 1.1
        assert api.max_sends_in_window(1.0, chat_id=1) == 4
        assert api.max_sends_in_window(0.1) == 3


# ---------------------------------------------------------------------- 403 / 400 chat


async def test_blocked_user_gives_403(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.chat_id, "hello?")
    assert api.sent_to(user.chat_id) == []

    await user.send("/start")  # writing to the bot again unblocks it
    assert not user.blocked
    await bot.send_message(user.chat_id, "welcome back")
    updates = await bot.get_updates()
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == [
        "kicked",
        "member",
    ]


async def test_user_who_never_started_gives_403(api: FakeBotApi, bot: Bot) -> None:
    stranger = api.user(2002, "Trần Thị B")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.chat_id, "hello")
    with pytest.raises(Forbidden):
        await bot.send_document(stranger.chat_id, b"x", filename="a.txt")


async def test_unknown_chat_is_400(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hello")


# ---------------------------------------------------------------------- text rules


async def test_text_length_limit_counts_utf16_after_parsing(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    await bot.send_message(user.chat_id, "a" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.chat_id, "a" * 4097)

    tagged = "<b>" + "a" * 4000 + "</b>" + "&lt;" * 96
    assert len(tagged) > 4096
    await bot.send_message(user.chat_id, tagged, parse_mode=ParseMode.HTML)
    assert api.sent_to(user.chat_id)[-1].text == "a" * 4000 + "<" * 96

    await bot.send_message(user.chat_id, "a" * 4094 + EMOJI)  # 4096 code units
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.chat_id, "a" * 4095 + EMOJI)  # 4096 chars, 4097 units


async def test_empty_text_is_400(bot: Bot, user: FakeUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.chat_id, "  \n ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.chat_id, "<b></b>", parse_mode=ParseMode.HTML)


async def test_caption_limit_is_1024(bot: Bot, user: FakeUser) -> None:
    await bot.send_document(user.chat_id, b"x", filename="a.txt", caption="c" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(user.chat_id, b"x", filename="a.txt", caption="c" * 1025)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("<b>x", id="unclosed"),
        pytest.param("<b><i>x</b></i>", id="mismatched"),
        pytest.param("x</b>", id="stray-end-tag"),
        pytest.param("<div>x</div>", id="unknown-tag"),
        pytest.param("<br/>", id="self-closing"),
        pytest.param("1 < 2", id="unescaped-lt"),
        pytest.param("Phòng R&D", id="unknown-entity"),
        pytest.param("a&nbsp;b", id="unsupported-named-entity"),
        pytest.param('<span class="red">x</span>', id="span-without-spoiler"),
        pytest.param("<!-- note -->x", id="comment"),
    ],
)
async def test_malformed_html_is_400(bot: Bot, user: FakeUser, source: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(user.chat_id, source, parse_mode=ParseMode.HTML)


async def test_escaped_text_is_accepted(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    raw = 'Phòng R&D <div> "trích dẫn" 1 < 2 > 0'
    await bot.send_message(user.chat_id, f"<b>{html.escape(raw)}</b>", parse_mode=ParseMode.HTML)
    sent = api.sent_to(user.chat_id)[-1]
    assert sent.text == raw
    assert sent.entities == [{"type": "bold", "offset": 0, "length": len(raw)}]
    await bot.send_message(user.chat_id, "1 < 2 & <div>")  # no parse mode: taken literally


async def test_unsupported_parse_mode_is_400(bot: Bot, user: FakeUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await bot.send_message(user.chat_id, "x", parse_mode="BBCode")


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>a</b><i>b</i>", "ab", [("bold", 0, 1), ("italic", 1, 1)]),
        (f"{EMOJI}<u>x</u>", f"{EMOJI}x", [("underline", 2, 1)]),
        ("<tg-spoiler>s</tg-spoiler>", "s", [("spoiler", 0, 1)]),
        ('<span class="tg-spoiler">s</span>', "s", [("spoiler", 0, 1)]),
        (
            "<s>a</s><del>b</del><strike>c</strike>",
            "abc",
            [("strikethrough", i, 1) for i in range(3)],
        ),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("<code>a&amp;b</code>", "a&b", [("code", 0, 3)]),
        ("&#272;&#x1F600;&quot;", f'Đ{EMOJI}"', []),
        ("  <b> x </b>\n", "x", [("bold", 0, 1)]),
    ],
)
def test_html_parsing_gives_visible_text_and_entities(
    source: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    parsed = format_text(source, "HTML")
    assert parsed.text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_html_link_pre_language_and_error_offsets() -> None:
    parsed = parse_html(
        '<a href="https://x.vn/?a=1&amp;b=2">l</a><pre><code class="language-py">p</code></pre>'
    )
    assert parsed.entities == [
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://x.vn/?a=1&b=2"},
        {"type": "pre", "offset": 1, "length": 1, "language": "py"},
    ]
    with pytest.raises(EntityParseError, match='Unsupported start tag "div" at byte offset 6'):
        parse_html("Đủ <div>")
    assert utf16_len(f"a{EMOJI}") == 3


# ---------------------------------------------------------------------- keyboards


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("x" * 64, id="64-ascii"),
        pytest.param("đ" * 32, id="64-bytes-of-2-byte-chars"),
        pytest.param(EMOJI * 16, id="64-bytes-of-4-byte-chars"),
        pytest.param("x", id="1-byte"),
    ],
)
async def test_callback_data_up_to_64_bytes_is_accepted(
    api: FakeBotApi, bot: Bot, user: FakeUser, data: str
) -> None:
    await bot.send_message(user.chat_id, "choose", reply_markup=keyboard(data))
    assert api.sent_to(user.chat_id)[-1].buttons[0]["callback_data"] == data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("x" * 65, id="65-ascii"),
        pytest.param("đ" * 33, id="33-chars-66-bytes"),
        pytest.param(EMOJI * 16 + "x", id="17-chars-65-bytes"),
        pytest.param("", id="empty"),
    ],
)
async def test_callback_data_over_64_bytes_is_400(
    api: FakeBotApi, bot: Bot, user: FakeUser, data: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.chat_id, "choose", reply_markup=keyboard("ok", data))
    assert api.sent_to(user.chat_id) == []


async def test_button_without_action_is_400(api: FakeBotApi, user: FakeUser) -> None:
    status, body = await raw_post(
        api,
        f"/bot{api.token}/sendMessage",
        data={
            "chat_id": str(user.chat_id),
            "text": "x",
            "reply_markup": json.dumps({"inline_keyboard": [[{"text": "no action"}]]}),
        },
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: text buttons are unallowed in the inline keyboard",
    )


# ---------------------------------------------------------------------- updates


async def test_get_updates_long_poll_returns_when_a_message_arrives(
    api: FakeBotApi, bot: Bot
) -> None:
    user = api.user(1001, "Nguyễn Văn A", username="nva")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_until(lambda: api.calls_to("getUpdates") and not api.calls[-1].done)
    assert not poll.done()

    started = time.monotonic()
    sent = await user.send("/start@delegate_test_bot abc")
    [update] = await asyncio.wait_for(poll, timeout=2)
    assert time.monotonic() - started < 2

    assert update.message is not None
    assert update.message.message_id == sent["message_id"]
    assert update.message.text == "/start@delegate_test_bot abc"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "vi"
    assert update.message.parse_entities() == {
        update.message.entities[0]: "/start@delegate_test_bot"
    }
    assert update.message.chat.id == 1001


async def test_get_updates_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_get_updates_respects_offset_and_limit(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    await user.send("one")
    await user.send("two")
    all_updates = await bot.get_updates()
    first = all_updates[0].update_id
    assert [u.message.text for u in all_updates if u.message] == ["/start", "one", "two"]
    assert [u.update_id for u in all_updates] == [first, first + 1, first + 2]

    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [first + 1, first + 2]
    assert len(api.pending_updates) == 2  # the first one was confirmed and dropped
    assert await bot.get_updates(offset=first + 3) == ()
    await api.wait_for_updates_consumed(timeout=0.1)


async def test_allowed_updates_filters_update_types(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    user.block()
    user.unblock()
    await user.send("still here")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["/start", "still here"]
    assert all(u.my_chat_member is None for u in updates)


async def test_stop_answers_a_pending_long_poll_at_once() -> None:
    api = FakeBotApi()
    await api.start()
    async with Bot(api.token, base_url=api.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_until(lambda: api.calls_to("getUpdates"))
        started = time.monotonic()
        await api.stop()
        assert await asyncio.wait_for(poll, timeout=2) == ()
        assert time.monotonic() - started < 2


async def test_message_ids_are_shared_per_chat(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    other = api.user(2002)
    await other.send("hi")
    reply = await bot.send_message(user.chat_id, "a")
    again = await user.send("b")
    assert (reply.message_id, again["message_id"]) == (2, 3)
    assert (await bot.send_message(other.chat_id, "c")).message_id == 2


async def test_get_updates_conflicts_with_a_webhook(bot: Bot, api: FakeBotApi) -> None:
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook"
    assert api.webhook is not None
    assert api.webhook["secret_token"] == "s3cret"
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


# ---------------------------------------------------------------------- messages and files


async def test_edit_message_text_updates_the_stored_message(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    sent = await bot.send_message(
        user.chat_id, "<b>Lịch</b>", parse_mode="HTML", reply_markup=keyboard("a")
    )
    edited = await bot.edit_message_text(
        "Đã <i>xong</i>", chat_id=user.chat_id, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "Đã xong"

    [stored] = api.sent_to(user.chat_id)
    assert (stored.text, stored.source, stored.reply_markup) == ("Đã xong", "Đã <i>xong</i>", None)
    assert stored.entities == [{"type": "italic", "offset": 3, "length": 4}]
    assert [(v.text, v.reply_markup) for v in stored.history] == [
        ("Lịch", {"inline_keyboard": [[{"text": "button 0", "callback_data": "a"}]]})
    ]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Đã <i>xong</i>", chat_id=user.chat_id, message_id=sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.chat_id, message_id=999)

    await bot.edit_message_reply_markup(user.chat_id, sent.message_id, reply_markup=keyboard("b"))
    assert stored.buttons == [{"text": "button 0", "callback_data": "b"}]
    assert stored.edits == 2


async def test_document_upload_and_download_round_trip(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    content = "đơn thư,số lượng\n1,2\n".encode()
    sent = await bot.send_document(
        user.chat_id, content, filename="báo cáo.csv", caption="<b>Quý 1</b>", parse_mode="HTML"
    )
    [stored] = api.sent_to(user.chat_id)
    assert stored.document is not None
    assert (stored.document.filename, stored.document.data) == ("báo cáo.csv", content)
    assert (stored.caption, stored.source) == ("Quý 1", "<b>Quý 1</b>")
    assert sent.document is not None
    assert sent.document.file_name == "báo cáo.csv"

    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content

    upload = await user.send_document("danh sách.xlsx", b"PK\x03\x04 xlsx", caption="bảng")
    document = upload["document"]
    assert (
        document["mime_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    file = await bot.get_file(document["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"PK\x03\x04 xlsx"

    await bot.send_photo(user.chat_id, b"\x89PNG fake", caption="ảnh")
    assert api.sent_to(user.chat_id)[-1].photo is not None

    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_copy_message_from_a_user_chat(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    secretary = api.user(3003, "Thư ký")
    await secretary.send("/start")
    report = await user.send_document("report.pdf", b"%PDF", caption="báo cáo")
    copied = await bot.copy_message(secretary.chat_id, user.chat_id, report["message_id"])
    [stored] = api.sent_to(secretary.chat_id)
    assert stored.message_id == copied.message_id
    assert stored.document is not None
    assert (stored.document.data, stored.caption) == (b"%PDF", "báo cáo")
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(secretary.chat_id, user.chat_id, 999)
    user.delete(report)  # in the user's app: copies of it now fail as on Telegram
    with pytest.raises(BadRequest, match=r"^Message to copy not found$") as refused:
        await bot.copy_message(secretary.chat_id, user.chat_id, report["message_id"])
    assert api.calls_to("copyMessage")[-1].response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message to copy not found",
    }
    assert refused.value.message == "Message to copy not found"


async def test_delete_message_and_chat_action(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    sent = await bot.send_message(user.chat_id, "tạm")
    assert await bot.send_chat_action(user.chat_id, "typing")
    assert await bot.delete_message(user.chat_id, sent.message_id)
    assert api.sent_to(user.chat_id)[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.chat_id, sent.message_id)


async def test_commands_are_stored_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("lich", "Lịch của tôi"), ("baocao", "Báo cáo")])
    await bot.set_my_commands([("agenda", "My agenda")], language_code="en")
    assert [c.command for c in await bot.get_my_commands()] == ["lich", "baocao"]
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["agenda"]
    assert api.commands(language_code="en") == [{"command": "agenda", "description": "My agenda"}]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Lịch", "x")])


async def test_press_answers_callback_query(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    sent = await bot.send_message(user.chat_id, "Đã họp?", reply_markup=keyboard("held:1", "no:1"))
    [stored] = api.sent_to(user.chat_id)
    query_id = await user.press(stored, "button 1")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert (query.id, query.data) == (query_id, "no:1")
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    await query.answer("Đã ghi nhận")
    assert (await api.wait_for_callback_answer(query_id))["text"] == "Đã ghi nhận"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    with pytest.raises(AssertionError, match="no callback button"):
        await user.press(stored, "missing")


async def test_a_callback_answer_holds_200_characters(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    """Telegram: the notification's text is 0-200 characters; longer is refused."""
    await bot.send_message(user.chat_id, "Đã họp?", reply_markup=keyboard("held:1"))
    [stored] = api.sent_to(user.chat_id)
    for text, accepted in (("đ" * 200, True), ("🔔" * 100, True), ("🔔" * 101, False)):
        query_id = await user.press(stored, "button 0")
        query = (await bot.get_updates(offset=-1))[-1].callback_query
        assert query is not None
        assert query.id == query_id
        if accepted:
            await query.answer(text, show_alert=True)
        else:
            with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
                await query.answer(text, show_alert=True)


# ---------------------------------------------------------------------- fault injection


async def test_fail_next_injects_errors(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    api.fail_next("sendmessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    api.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.chat_id, "a")
    assert retry_seconds(caught.value) == 7
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user.chat_id, "b")
    await bot.send_message(user.chat_id, "c")
    assert [m.text for m in api.sent_to(user.chat_id)] == ["c"]
    assert api.rejected_429 == 0  # injected errors are not the rate limiter's
    with pytest.raises(ValueError, match="not a Bot API method"):
        api.fail_next("sendTelepathy", 400, "x")


async def test_delay_makes_the_client_time_out_but_the_send_happens(
    api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    api.delay("sendMessage", 0.5, count=1)
    with pytest.raises(TimedOut):
        await bot.send_message(user.chat_id, "slow", read_timeout=0.1)
    [message] = await api.wait_for_messages(user.chat_id, 1)
    assert message.text == "slow"
    call = await api.wait_for_call("sendMessage", lambda c: c.params["text"] == "slow")
    assert call.ok
    await bot.send_message(user.chat_id, "fast", read_timeout=0.1)


async def test_wait_helpers_report_what_they_saw(api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    await bot.send_message(user.chat_id, "only one")
    with pytest.raises(AssertionError, match=r"got 1: \['only one'\]"):
        await user.wait_for_messages(2, timeout=0.05)
    with pytest.raises(AssertionError, match="no matching sendMessage"):
        await api.wait_for_call("sendMessage", lambda c: c.params["text"] == "other", timeout=0.05)
    assert user.last_message.text == "only one"


async def test_a_long_poll_in_flight_is_found_only_when_asked_for(
    api: FakeBotApi, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    call = await api.wait_for_call("getUpdates", timeout=5, answered=False)
    assert not call.done
    with pytest.raises(AssertionError, match="no matching getUpdates"):
        await api.wait_for_call("getUpdates", timeout=0.05)
    await api.user(1001).send("/start")  # the update answers the long poll at once
    assert len(await poll) == 1
    assert (await api.wait_for_call("getUpdates")) is call


# ---------------------------------------------------------------------- the real Application


async def test_application_replies_over_polling(api: FakeBotApi) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reply pong with a button."""
        if (message := update.effective_message) is not None:
            await message.reply_html("<b>pong</b>", reply_markup=keyboard("again"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the button and edit the message."""
        if (query := update.callback_query) is not None:
            await query.answer("ok")
            await query.edit_message_text(f"pressed {query.data}")

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("ping", ping))
    application.add_handler(CallbackQueryHandler(pressed))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        user = api.user(1001, "Nguyễn Văn A")
        [reply] = await user.send_and_wait("/ping")
        assert (reply.text, reply.source) == ("pong", "<b>pong</b>")

        query_id = await user.press(reply, "again")
        assert (await api.wait_for_callback_answer(query_id))["text"] == "ok"
        await api.wait_until(lambda: reply.text == "pressed again")
        assert reply.reply_markup is None
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    await api.wait_for_updates_consumed()
    assert api.calls_to("deleteWebhook")


def test_vendored_spec_matches_the_shared_one() -> None:
    from tests.fakes.spec import SHARED_SPEC_PATH, VENDORED_SPEC_PATH

    if not SHARED_SPEC_PATH.exists():
        pytest.skip("no ../shared checkout next to this one; the vendored copy is used")
    assert VENDORED_SPEC_PATH.read_bytes() == SHARED_SPEC_PATH.read_bytes()
