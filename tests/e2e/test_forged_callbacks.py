"""Any button data a client may send (at most 64 bytes) is answered, never crashes, writes nothing.

Telegram delivers whatever ``callback_data`` a client puts in a query. The data here is
arbitrary, or a registered prefix followed by arbitrary fields, pressed by a delegate who
owns nothing and by an admin; every handler must answer it and leave the database as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import typing
from enum import StrEnum

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.domain import buttons  # registers every button type
from bot.domain.callbacks import MAX_BYTES, MAX_ID, Callback, decode, encode, registered
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.steps import linked_delegate
from tests.factories import add_delegate
from tests.fakes import FakeUser

APOLOGY = "Xin lỗi"
INT4_MAX = 2**31 - 1
"""Every primary key is ``sa.Integer``: int4 on PostgreSQL."""
EXPIRED_VI = (
    "Nút này đã cũ, không còn dùng được. Đồng chí vui lòng gửi lại lệnh vừa dùng, "
    "hoặc gửi /trogiup để xem các lệnh."
)


def _fits(text: str) -> bool:
    return 1 <= len(text.encode()) <= MAX_BYTES


FIELD = st.one_of(
    st.text(max_size=24),
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.sampled_from(["", "0", "-1", "²", "٣", "1e3", " 1", "9" * 19, "all", "ok", "no", "n"]),
)
FORGED = st.one_of(
    st.text(min_size=1, max_size=64),
    st.builds(
        lambda prefix, fields: ":".join([prefix, *fields]),
        st.sampled_from(sorted(registered())),
        st.lists(FIELD, max_size=4),
    ),
).filter(_fits)


@given(st.text(max_size=80))
def test_decode_accepts_only_what_encode_issues(data: str) -> None:
    decoded = decode(data)
    if decoded is not None:
        assert encode(decoded) == data


async def _row_counts(harness: Harness) -> dict[str, int]:
    async with harness.session_factory() as session:
        return {
            table.name: (await session.exec(select(func.count()).select_from(table))).one()[0]  # type: ignore[call-overload]
            for table in SQLModel.metadata.sorted_tables
        }


async def _pressers(harness: Harness) -> tuple[FakeUser, FakeUser]:
    delegate = await linked_delegate(harness, "ML-001", user_id=1001)
    await add_delegate(harness.session_factory, "ML-002")  # someone else's records exist
    admin = harness.api.user(ADMIN_ID)
    admin.started = True
    for user in (delegate, admin):
        await user.send_and_wait("/trogiup")
    return delegate, admin


@pytest.fixture
async def pressers(harness: Harness) -> tuple[FakeUser, FakeUser]:
    return await _pressers(harness)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=FORGED, as_admin=st.booleans())
@example(data="bc:ack:²", as_admin=False)
@example(data="bc:ack:99999999999999999999", as_admin=True)
@example(data="rp:held:99999999999999999999", as_admin=False)
@example(data="bc:nm:1:x", as_admin=True)
@example(data="bc:ack:1", as_admin=True)
@example(data="bc:ack:1", as_admin=False)
@example(data="bc:dl:1:99999999999", as_admin=True)
@example(data="bc:un:7", as_admin=True)
@example(data="bc:stop", as_admin=False)
@example(data="stats:q:1:2026:9", as_admin=True)
async def test_forged_button_data_is_answered_and_writes_nothing(
    harness: Harness,
    pressers: tuple[FakeUser, FakeUser],
    caplog: pytest.LogCaptureFixture,
    data: str,
    as_admin: bool,
) -> None:
    user = pressers[1] if as_admin else pressers[0]
    before = await _row_counts(harness)
    sent_before = len(user.messages)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        query = await user.press_data(user.messages[-1], data)
        await harness.api.wait_for_callback_answer(query)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], data
    assert not any(APOLOGY in (m.text or "") for m in user.messages[sent_before:]), data
    assert await _row_counts(harness) == before, data


async def test_an_issued_button_pressed_twice_is_no_error(
    harness: Harness, pressers: tuple[FakeUser, FakeUser]
) -> None:
    """The second press would edit the message into what it already says."""
    admin = pressers[1]
    for _press in range(2):
        query = await admin.press_data(admin.messages[-1], "stats:c:")
        await harness.api.wait_for_callback_answer(query)
    await admin.send_and_wait("/trogiup")
    assert not any(APOLOGY in (m.text or "") for m in admin.messages), [
        m.text for m in admin.messages
    ]


def _beyond_int4(cls: type[Callback]) -> list[str]:
    """The data of ``cls`` with each of its ids in turn one past int4 (the other fields
    plausible): what a client may forge, which an int4 column cannot even be asked about."""
    fields = [(f.name, typing.get_type_hints(cls)[f.name]) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def plausible(kind: object) -> str:
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
        if kind is int:
            return "1"
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return next(iter(kind)).value
        return "x"

    values = [plausible(kind) for _, kind in fields]
    forged = []
    for index, (_, kind) in enumerate(fields):
        if int in typing.get_args(kind) or kind is int:
            data = ":".join([cls.prefix, *values[:index], str(INT4_MAX + 1), *values[index + 1 :]])
            forged.append(data)
    return forged


BEYOND_INT4 = [data for cls in registered().values() for data in _beyond_int4(cls)]


def test_ids_beyond_int4_do_not_decode() -> None:
    """Every primary key is int4 on PostgreSQL: a larger id was never issued."""
    assert MAX_ID == INT4_MAX
    assert "bc:ack:2147483648" in BEYOND_INT4
    assert "av:pick:1:2147483648" in BEYOND_INT4
    for data in [*BEYOND_INT4, "bc:ack:9999999999", "bc:ack:99999999999999999"]:
        assert decode(data) is None, data
    assert decode("bc:ack:2147483647") is not None
    with pytest.raises(ValueError, match="out of range"):
        encode(buttons.AcknowledgeButton(recipient_id=INT4_MAX + 1))


async def test_ids_beyond_int4_get_the_expired_answer_on_postgresql(
    pg_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """``bc:ack:9999999999`` once reached asyncpg (``DataError``: out of int32 range) and
    got a traceback and an apology; every button's ids now stop at the codec."""
    users = await _pressers(pg_harness)
    before = await _row_counts(pg_harness)
    sent_before = [len(user.messages) for user in users]
    caplog.clear()
    answers = []
    with caplog.at_level(logging.ERROR):
        for data in ["bc:ack:9999999999", *BEYOND_INT4]:
            for user in users:
                query = await user.press_data(user.messages[-1], data)
                answers.append((data, (await pg_harness.api.wait_for_callback_answer(query))))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert {(data, answer.get("text")) for data, answer in answers} == {
        (data, EXPIRED_VI) for data, _ in answers
    }
    for user, count in zip(users, sent_before, strict=True):
        assert [m.text for m in user.messages[count:]] == []
    assert await _row_counts(pg_harness) == before
