"""An in-process fake Telegram Bot API server for end-to-end tests.

The real PTB ``Application`` talks to it over real HTTP::

    async with FakeBotApi() as server:
        application = (
            ApplicationBuilder()
            .token(server.token)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )
        user = server.user(1001, "Nguyễn Văn A")
        await user.send("/start abc")
        [reply] = await user.wait_for_messages(1)

It speaks the Bot API as PTB uses it (POST, form-urlencoded or multipart, complex
parameters as JSON strings; JSON bodies and GET query strings work too), checks every
call against the Bot API spec, and refuses what real Telegram refuses: more than
``rate_limit`` sends in any sliding second (429 with ``retry_after``), chats that never
started the bot or blocked it (403), over-long or malformed text and HTML, invalid
``callback_data`` (400). Every call and every message is recorded; the ``wait_for_*``
helpers let tests wait for the bot without sleeping blindly.

Real Telegram behaviour it reproduces, which bots must cope with:

* ``editMessageText``/``editMessageCaption`` without ``reply_markup`` remove the inline
  keyboard; an edit that changes nothing is 400 ``message is not modified``.
* A second ``getUpdates`` ends the pending one with 409; ``getUpdates`` while a webhook
  is set is 409.
* A call the client gave up on (read timeout) is still carried out.
* Blocking the bot queues a ``my_chat_member`` update (status ``kicked``).

Stricter than Telegram: an unknown ``&name;`` in HTML text is refused, because it nearly
always means a user-supplied string was not escaped.
"""

# ruff: noqa: ASYNC109  (the wait helpers take an explicit timeout by design)

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import math
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from tests.fakes.models import JSON, ApiCall, SentMessage, StoredFile, UploadedFile
from tests.fakes.protocol import (
    NOT_MODIFIED,
    BotApiError,
    bad_request,
    check_commands,
    check_menu_button,
    check_reply_markup,
    checked_text,
    decode_params,
    json_response,
    read_params,
)
from tests.fakes.spec import BotApiSpec, MethodSpec, load_spec
from tests.fakes.telegram_html import FormattedText, utf16_len
from tests.fakes.users import FakeUser

CALLBACK_ANSWER_LIMIT = 200

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_LOGGER = logging.getLogger(__name__)

# what the spec says a message-sending method returns
_MESSAGE_RETURNS = frozenset({"Message", "Array of Message", "MessageId", "Array of MessageId"})
_SENDING_PREFIXES = ("send", "copy", "forward", "editMessage", "stopMessageLiveLocation")

Handler = Callable[[MethodSpec, JSON], Awaitable[Any]]


@dataclass(slots=True)
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass(slots=True)
class _Delay:
    seconds: float
    remaining: int | None


@dataclass(slots=True)
class _CallbackQuery:
    query_id: str
    user_id: int
    message_id: int
    data: str
    answer: JSON | None = None


class FakeBotApi:
    """A fake Bot API server for one bot; see the module docstring.

    Args:
        token: the bot token; requests with another token get 401.
        bot_username: the bot's ``username`` (``getMe``, ``/cmd@username``).
        rate_limit: sends accepted in any sliding ``rate_window`` seconds; more get 429.
        bot_first_name: the bot's display name.
        rate_window: the length of the rate-limit window in seconds.
        spec: the Bot API spec (defaults to the shared ``api.min.json``).
        clock: monotonic seconds for the rate limit and call times; tests may pass a
            manual clock to make rate-limit tests exact and sleep-free.

    Attributes tests read:
        calls: every authorised call of a known method, in arrival order.
        sent_messages: every message the bot sent, in order (see :meth:`sent_to`).
        send_times, send_chat_ids: clock time and chat of each accepted send (sends,
            copies and edits count; refused ones do not).
        rejected_429: sends refused by the rate limit (injected 429s not included).
        webhook: the last ``setWebhook`` parameters, or ``None``.
        my_commands: ``setMyCommands`` lists by (scope JSON, language code).
        menu_buttons: ``setChatMenuButton`` buttons by chat id (``None``: the default).
        internal_errors: exceptions raised by the fake itself (answered with 500).
    """

    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "delegate_test_bot",
        rate_limit: int = 30,
        *,
        bot_first_name: str = "Delegate Test Bot",
        rate_window: float = 1.0,
        spec: BotApiSpec | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.spec = spec or load_spec()
        self.clock = clock
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        # what tests inspect
        self.calls: list[ApiCall] = []
        self.sent_messages: list[SentMessage] = []
        self.send_times: list[float] = []
        self.send_chat_ids: list[int] = []
        self.rejected_429 = 0
        self.internal_errors: list[Exception] = []
        self.webhook: JSON | None = None
        self.my_commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}

        # state
        self._users: dict[int, FakeUser] = {}
        self._messages: dict[int, dict[int, SentMessage]] = defaultdict(dict)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._updates: deque[JSON] = deque()
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._callback_counter = itertools.count(1)
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._delays: dict[str, _Delay] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._root: str | None = None

        self._sending_methods = frozenset(
            method.name
            for method in self.spec.methods.values()
            if method.name.startswith(_SENDING_PREFIXES)
            and _MESSAGE_RETURNS.intersection(method.returns)
        )
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_media,
            "sendPhoto": self._send_media,
            "copyMessage": self._copy_message,
            "copyMessages": self._copy_messages,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a free port."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._root = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Answer pending long polls and delayed calls at once, then close the server."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``: the ``TELEGRAM_API_URL`` of the bot under test."""
        if self._root is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._root

    @property
    def base_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ``ApplicationBuilder().base_file_url()``."""
        return f"{self.root}/file/bot"

    # ------------------------------------------------------------------ users

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> FakeUser:
        """The simulated user with this id (created on first use); chat id == user id."""
        if user_id not in self._users:
            self._users[user_id] = FakeUser(
                self,
                user_id,
                first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        return self._users[user_id]

    # ------------------------------------------------------------------ inspection

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to this chat, oldest first (deleted ones included)."""
        return [message for message in self.sent_messages if message.chat_id == chat_id]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of ``method`` (any spelling), oldest first."""
        name = self.spec.canonical_method(method)
        return [call for call in self.calls if call.method == name]

    def max_sends_in_window(self, seconds: float = 1.0, chat_id: int | None = None) -> int:
        """The most sends accepted in any interval of ``seconds`` (for one chat, if given)."""
        times = [
            at
            for at, chat in zip(self.send_times, self.send_chat_ids, strict=True)
            if chat_id is None or chat == chat_id
        ]
        best = 0
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands stored by ``setMyCommands`` for this scope and language."""
        return self.my_commands.get(_commands_key(scope, language_code), [])

    def callback_answer(self, query_id: str) -> JSON | None:
        """The ``answerCallbackQuery`` parameters for this query, if answered."""
        return self._callback_queries[query_id].answer

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a ``getUpdates`` offset."""
        return list(self._updates)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with this error, before any check."""
        self._faults[self.spec.canonical_method(method)].append(
            _Fault(error_code, description, retry_after, count)
        )

    def delay(self, method: str, seconds: float, count: int | None = None) -> None:
        """Hold calls of ``method`` for ``seconds`` before handling them.

        ``count`` limits it to the next ``count`` calls (``None``: until changed;
        ``seconds=0`` removes the delay). As with real Telegram, a call the client gave
        up on is still carried out.
        """
        name = self.spec.canonical_method(method)
        if seconds <= 0:
            self._delays.pop(name, None)
        else:
            self._delays[name] = _Delay(seconds, count)

    # ------------------------------------------------------------------ waiting

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 5.0, message: str = ""
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value; AssertionError on timeout.

        The predicate is re-evaluated whenever the server's state changes.
        """
        if await self._wait(predicate, timeout):
            return predicate()
        raise AssertionError(message or f"condition not met within {timeout}s")

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[SentMessage]:
        """The bot's messages to ``chat_id`` once there are at least ``count`` of them."""

        def enough() -> bool:
            return len(self.sent_to(chat_id)) >= count

        if not await self._wait(enough, timeout):
            received = [message.content for message in self.sent_to(chat_id)]
            raise AssertionError(
                f"expected at least {count} message(s) to chat {chat_id} within {timeout}s, "
                f"got {len(received)}: {received!r}"
            )
        return self.sent_to(chat_id)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
        *,
        start: int = 0,
        answered: bool = True,
    ) -> ApiCall:
        """The first answered call of ``method`` at index >= ``start`` of :attr:`calls`
        that satisfies ``predicate``.

        ``answered=False`` takes a call still in flight too: "the bot has begun long
        polling" is a ``getUpdates`` that arrived, which is answered only when an update
        comes or its ``timeout`` (10 s for the bot's poller) runs out."""
        name = self.spec.canonical_method(method)

        def find() -> ApiCall | None:
            for call in itertools.islice(self.calls, start, None):
                if (
                    call.method == name
                    and (call.done or not answered)
                    and (predicate is None or predicate(call))
                ):
                    return call
            return None

        if not await self._wait(find, timeout):
            seen = [
                (call.method, call.status, call.params)
                for call in itertools.islice(self.calls, start, None)
                if call.method == name
            ]
            raise AssertionError(f"no matching {name} call within {timeout}s; saw {seen!r}")
        found = find()
        assert found is not None
        return found

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """The ``answerCallbackQuery`` parameters for this query, once answered."""
        if not await self._wait(lambda: self.callback_answer(query_id), timeout):
            raise AssertionError(f"callback query {query_id} not answered within {timeout}s")
        answer = self.callback_answer(query_id)
        assert answer is not None
        return answer

    async def wait_for_updates_consumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched and confirmed every update sent so far."""
        if not await self._wait(lambda: not self._updates, timeout):
            raise AssertionError(
                f"{len(self._updates)} update(s) not confirmed within {timeout}s: "
                f"{list(self._updates)!r}"
            )

    def _notify(self) -> None:
        """Wake every waiter so that it re-checks its condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, predicate: Callable[[], Any], timeout: float) -> bool:
        """Whether ``predicate()`` became truthy within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return bool(predicate())
        return True

    # ------------------------------------------------------------------ user-side hooks

    def enqueue_update(self, kind: str, payload: JSON) -> JSON:
        """Queue an update for ``getUpdates`` (used by :class:`FakeUser`)."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify()
        return update

    def new_message_id(self, chat_id: int) -> int:
        """The next message id in this chat (shared by the user's and the bot's messages)."""
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def store_message(self, message: SentMessage) -> None:
        """Keep a message of a chat (the bot's are also listed in :attr:`sent_messages`)."""
        self._messages[message.chat_id][message.message_id] = message
        if message.from_bot:
            self.sent_messages.append(message)
        self._notify()

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A message of this chat, not deleted, by id."""
        message = self._messages[chat_id].get(message_id)
        return None if message is None or message.deleted else message

    def store_file(
        self, data: bytes, filename: str | None, mime_type: str | None, kind: str = "documents"
    ) -> StoredFile:
        """Register file content; ``getFile`` and the file URL serve it."""
        number = next(self._file_counter)
        extension = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        stored = StoredFile(
            file_id=f"FAKE-{kind}-{number}",
            file_unique_id=f"U{number}",
            file_path=f"{kind}/file_{number}.{extension}",
            filename=filename,
            mime_type=mime_type,
            data=data,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def new_callback_query(self, user_id: int, message_id: int, data: str) -> str:
        """Register a button press and return the callback query id."""
        query_id = str(next(self._callback_counter))
        self._callback_queries[query_id] = _CallbackQuery(query_id, user_id, message_id, data)
        return query_id

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response(BotApiError(401, "Unauthorized").payload(), 401)
        method = self.spec.method(request.match_info["method"])
        if method is None:
            return json_response(BotApiError(404, "Not Found").payload(), 404)
        try:
            raw, files = await read_params(request)
        except BotApiError as error:
            return json_response(error.payload(), error.error_code)
        call = ApiCall(method=method.name, params={**raw, **files}, at=self.clock())
        self.calls.append(call)
        self._notify()
        try:
            await self._apply_delay(method.name)
            self._raise_injected_fault(method.name)
            params = decode_params(method, raw, files)
            call.params = params
            result = await self._dispatch(method, params)
        except BotApiError as error:
            call.status, call.response = error.error_code, error.payload()
        except Exception as error:  # a bug in the fake itself: answer 500, keep it visible
            _LOGGER.exception("fake Bot API failed on %s", method.name)
            self.internal_errors.append(error)
            call.status = 500
            call.response = BotApiError(500, f"Internal Server Error: {error!r}").payload()
        else:
            call.status, call.response = 200, {"ok": True, "result": result}
        self._notify()
        return json_response(call.response, call.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return json_response(BotApiError(401, "Unauthorized").payload(), 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return json_response(BotApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _apply_delay(self, method: str) -> None:
        delay = self._delays.get(method)
        if delay is None:
            return
        if delay.remaining is not None:
            delay.remaining -= 1
            if delay.remaining <= 0:
                del self._delays[method]
        await self._wait(lambda: self._closing, delay.seconds)

    def _raise_injected_fault(self, method: str) -> None:
        faults = self._faults.get(method)
        if not faults:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        raise BotApiError(fault.error_code, fault.description, fault.retry_after)

    async def _dispatch(self, method: MethodSpec, params: JSON) -> Any:
        handler = self._handlers.get(method.name)
        if handler is not None:
            return await handler(method, params)
        if method.name in self._sending_methods and "chat_id" in params:
            return self._send_other(method, params)
        return True

    # ------------------------------------------------------------------ checks

    def _chat_user(self, chat_id: Any, *, writing: bool = True) -> FakeUser:
        """The user of a private chat; 400/403 as Telegram answers for unknown or closed chats."""
        user: FakeUser | None = None
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if isinstance(chat_id, int):
            user = self._users.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            user = next(
                (u for u in self._users.values() if u.username and f"@{u.username}" == chat_id),
                None,
            )
        if user is None:
            raise bad_request("chat not found")
        if writing and user.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        if writing and not user.started:
            raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return user

    def _admit_send(self, chat_id: int) -> None:
        """Count a send that passed every other check, or refuse it with 429.

        At most ``rate_limit`` sends are accepted in any ``rate_window``; a refused send
        is not delivered and not counted. Handlers call this last, right before storing
        the message, with no ``await`` in between.
        """
        now = self.clock()
        first_in_window = bisect.bisect_right(self.send_times, now - self.rate_window)
        if len(self.send_times) - first_in_window >= self.rate_limit:
            self.rejected_429 += 1
            oldest = self.send_times[first_in_window]
            retry_after = max(1, math.ceil(oldest + self.rate_window - now))
            raise BotApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        self.send_times.append(now)
        self.send_chat_ids.append(chat_id)

    def _bot_message(self, params: JSON, *, action: str) -> SentMessage:
        """The bot's message addressed by ``chat_id`` + ``message_id``."""
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request(f"message to {action} not found")
        user = self._chat_user(params["chat_id"])
        message = self.message(user.user_id, params["message_id"])
        if message is None or not message.from_bot:
            raise bad_request(f"message to {action} not found")
        return message

    def _check_reply_to(self, user: FakeUser, params: JSON) -> int | None:
        """The id of the message replied to; 400 when it does not exist."""
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if self.message(user.user_id, message_id) is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        """The file of a send: a new upload, a known file_id, or a URL (content unknown)."""
        if isinstance(value, UploadedFile):
            return self.store_file(value.data, value.filename, value.mime_type, kind)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.store_file(b"", value.rsplit("/", 1)[-1], None, kind)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _new_bot_message(self, user: FakeUser, method: MethodSpec, params: JSON) -> SentMessage:
        return SentMessage(
            chat=user.chat_dict(),
            sender=self.bot_user,
            message_id=self.new_message_id(user.user_id),
            date=int(time.time()),
            method=method.name,
            from_bot=True,
            params=params,
        )

    # ------------------------------------------------------------------ methods

    async def _get_me(self, method: MethodSpec, params: JSON) -> JSON:
        return self.bot_user

    async def _get_updates(self, method: MethodSpec, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or []) or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation

        def ready() -> bool:
            return self._closing or generation != self._poll_generation or bool(self._updates)

        if timeout:
            await self._wait(ready, timeout)
        if generation != self._poll_generation and not self._closing:
            raise BotApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return list(itertools.islice(self._updates, limit))

    def _confirm(self, offset: int) -> None:
        """Forget confirmed updates and those the bot does not want."""
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        if self._allowed_updates is not None:
            allowed = set(self._allowed_updates)
            self._updates = deque(u for u in self._updates if allowed.intersection(u))
        self._notify()

    async def _set_webhook(self, method: MethodSpec, params: JSON) -> bool:
        if not params.get("url"):
            return await self._delete_webhook(method, params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {key: value for key, value in params.items() if key != "certificate"}
        self._notify()
        return True

    async def _delete_webhook(self, method: MethodSpec, params: JSON) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _get_webhook_info(self, method: MethodSpec, params: JSON) -> JSON:
        info: JSON = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if self.webhook and key in self.webhook:
                info[key] = self.webhook[key]
        return info

    async def _send_message(self, method: MethodSpec, params: JSON) -> JSON:
        user = self._chat_user(params["chat_id"])
        formatted = checked_text(params, "text", caption=False)
        assert formatted is not None
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        reply_to = self._check_reply_to(user, params)
        self._admit_send(user.user_id)
        message = self._new_bot_message(user, method, params)
        message.text, message.entities = formatted.text, formatted.entities
        message.source, message.parse_mode = params["text"], params.get("parse_mode")
        message.reply_markup, message.reply_to_message_id = markup, reply_to
        self.store_message(message)
        return message.to_dict()

    async def _send_media(self, method: MethodSpec, params: JSON) -> JSON:
        user = self._chat_user(params["chat_id"])
        kind = "photos" if method.name == "sendPhoto" else "documents"
        formatted = checked_text(params, "caption", caption=True)
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        reply_to = self._check_reply_to(user, params)
        stored = self._input_file(params["photo" if kind == "photos" else "document"], kind)
        self._admit_send(user.user_id)
        message = self._new_bot_message(user, method, params)
        if kind == "photos":
            message.photo = stored
        else:
            message.document = stored
        if formatted is not None:
            message.caption, message.entities = formatted.text, formatted.entities
            message.source, message.parse_mode = params["caption"], params.get("parse_mode")
        message.reply_markup, message.reply_to_message_id = markup, reply_to
        self.store_message(message)
        return message.to_dict()

    def _send_other(self, method: MethodSpec, params: JSON) -> Any:
        """Any other sending method: recorded as a message without text."""
        user = self._chat_user(params["chat_id"])
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        self._admit_send(user.user_id)
        message = self._new_bot_message(user, method, params)
        message.reply_markup = markup
        self.store_message(message)
        if "Message" in method.returns:
            return message.to_dict()
        if "Array of Message" in method.returns:
            return [message.to_dict()]
        if "MessageId" in method.returns:
            return {"message_id": message.message_id}
        return [{"message_id": message.message_id}]

    async def _copy_message(self, method: MethodSpec, params: JSON) -> JSON:
        user = self._chat_user(params["chat_id"])
        source_user = self._chat_user(params["from_chat_id"], writing=False)
        source = self.message(source_user.user_id, params["message_id"])
        if source is None:
            raise bad_request("message to copy not found")
        caption = checked_text(params, "caption", caption=True)
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        reply_to = self._check_reply_to(user, params)
        self._admit_send(user.user_id)
        message = self._new_bot_message(user, method, params)
        message.text, message.document, message.photo = source.text, source.document, source.photo
        message.caption, message.entities = source.caption, list(source.entities)
        message.source, message.parse_mode = source.source, source.parse_mode
        if caption is not None and message.text is None:
            message.caption, message.entities = caption.text, caption.entities
            message.source, message.parse_mode = params["caption"], params.get("parse_mode")
        message.reply_markup, message.reply_to_message_id = markup, reply_to
        self.store_message(message)
        return {"message_id": message.message_id}

    async def _copy_messages(self, method: MethodSpec, params: JSON) -> JSON:
        """1–100 messages of one chat, in increasing order of their ids (as the Bot API
        requires); messages that cannot be found are skipped. Albums stay albums."""
        ids = params["message_ids"]
        if isinstance(ids, str):
            ids = json.loads(ids)
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must hold 1-100 message identifiers")
        if ids != sorted(set(ids)):
            raise bad_request("message identifiers must be in a strictly increasing order")
        user = self._chat_user(params["chat_id"])
        source_user = self._chat_user(params["from_chat_id"], writing=False)
        copied = []
        group = f"copy-{user.user_id}-{ids[0]}" if len(ids) > 1 else None
        for message_id in ids:
            source = self.message(source_user.user_id, message_id)
            if source is None:
                continue
            self._admit_send(user.user_id)
            message = self._new_bot_message(user, method, params)
            message.text, message.document, message.photo = (
                source.text, source.document, source.photo
            )  # fmt: skip
            message.caption, message.entities = source.caption, list(source.entities)
            message.source, message.parse_mode = source.source, source.parse_mode
            message.media_group_id = group if source.media_group_id else None
            self.store_message(message)
            copied.append({"message_id": message.message_id})
        return copied

    async def _edit_message_text(self, method: MethodSpec, params: JSON) -> Any:
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params, action="edit")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        formatted = checked_text(params, "text", caption=False)
        assert formatted is not None
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        if (formatted.text, formatted.entities, markup) == (
            message.text,
            message.entities,
            message.reply_markup,
        ):
            raise bad_request(NOT_MODIFIED)
        self._admit_send(message.chat_id)
        message.history.append(message.snapshot())
        message.text, message.entities = formatted.text, formatted.entities
        message.source, message.parse_mode = params["text"], params.get("parse_mode")
        message.reply_markup, message.edit_date = markup, int(time.time())
        self._notify()
        return message.to_dict()

    async def _edit_message_caption(self, method: MethodSpec, params: JSON) -> Any:
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params, action="edit")
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        formatted = checked_text(params, "caption", caption=True) or FormattedText("")
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        if (formatted.text, formatted.entities, markup) == (
            message.caption or "",
            message.entities,
            message.reply_markup,
        ):
            raise bad_request(NOT_MODIFIED)
        self._admit_send(message.chat_id)
        message.history.append(message.snapshot())
        message.caption, message.entities = formatted.text or None, formatted.entities
        message.source, message.parse_mode = params.get("caption"), params.get("parse_mode")
        message.reply_markup, message.edit_date = markup, int(time.time())
        self._notify()
        return message.to_dict()

    async def _edit_message_reply_markup(self, method: MethodSpec, params: JSON) -> Any:
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params, action="edit")
        markup = check_reply_markup(self.spec, params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self._admit_send(message.chat_id)
        message.history.append(message.snapshot())
        message.reply_markup, message.edit_date = markup, int(time.time())
        self._notify()
        return message.to_dict()

    async def _delete_message(self, method: MethodSpec, params: JSON) -> bool:
        user = self._chat_user(params["chat_id"], writing=False)
        message = self.message(user.user_id, params["message_id"])
        if message is None:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._notify()
        return True

    async def _answer_callback_query(self, method: MethodSpec, params: JSON) -> bool:
        query = self._callback_queries.get(str(params["callback_query_id"]))
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        # Telegram: "Text of the notification, 0-200 characters"; longer is refused.
        if utf16_len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answer = params
        return True

    async def _send_chat_action(self, method: MethodSpec, params: JSON) -> bool:
        self._chat_user(params["chat_id"])
        return True

    async def _get_file(self, method: MethodSpec, params: JSON) -> JSON:
        stored = self._files.get(str(params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file_dict()

    async def _get_chat(self, method: MethodSpec, params: JSON) -> JSON:
        user = self._chat_user(params["chat_id"], writing=False)
        return {
            **user.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(self.spec.types["AcceptedGiftTypes"], False),
        }

    async def _set_my_commands(self, method: MethodSpec, params: JSON) -> bool:
        key = _commands_key(params.get("scope"), params.get("language_code", ""))
        self.my_commands[key] = check_commands(params["commands"])
        self._notify()
        return True

    async def _get_my_commands(self, method: MethodSpec, params: JSON) -> list[JSON]:
        return self.commands(params.get("scope"), params.get("language_code", ""))

    async def _delete_my_commands(self, method: MethodSpec, params: JSON) -> bool:
        self.my_commands.pop(
            _commands_key(params.get("scope"), params.get("language_code", "")), None
        )
        self._notify()
        return True

    async def _set_chat_menu_button(self, method: MethodSpec, params: JSON) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat_user(chat_id, writing=False).chat_id
        button = params.get("menu_button", {"type": "default"})
        self.menu_buttons[chat_id] = check_menu_button(button, self.spec)
        self._notify()
        return True

    async def _get_chat_menu_button(self, method: MethodSpec, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat_user(chat_id, writing=False).chat_id
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "commands"}))


# ---------------------------------------------------------------------- helpers


def _commands_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""
