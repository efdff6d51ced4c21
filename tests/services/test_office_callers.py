"""Callers of the office rule (``bot.domain.office``) read it, they do not re-derive it:
the Mini App button, the council a notice starts from and the record that speaks for an
account agree with ``Identity.office``."""

from __future__ import annotations

from sqlmodel import select

from bot.db import SessionFactory
from bot.models import Delegate
from bot.services.delegates.accounts import identify
from bot.services.webapp.access import MenuWanted, menu_wanted
from bot.telegram.broadcasts.notice import home_council
from tests.factories import add_delegate, in_session

ADMIN = 900
ADMINS = frozenset({ADMIN, 901})


async def _records(session_factory: SessionFactory) -> dict[str, Delegate]:
    async with session_factory() as session:
        return {d.code: d for d in (await session.exec(select(Delegate))).all()}


async def test_the_mini_app_button_follows_the_office_rule(
    session_factory: SessionFactory,
) -> None:
    await add_delegate(session_factory, "A-1", council="A", telegram_user_id=1)
    # A delegate of A who is the office of B (the delegate record comes first).
    await add_delegate(session_factory, "A-2", council="A", telegram_user_id=2)
    await add_delegate(session_factory, "B-1", council="B", role="secretary", telegram_user_id=2)
    # A deactivated secretary record makes nobody the office.
    await add_delegate(
        session_factory, "B-2", council="B", role="secretary", telegram_user_id=3, active=False
    )
    await add_delegate(session_factory, "B-3", council="B", telegram_user_id=3)
    await add_delegate(session_factory, "A-3", council="A", telegram_user_id=ADMIN)
    async with session_factory() as session, session.begin():
        first = (await session.exec(select(Delegate).where(Delegate.code == "A-2"))).one()
        first.language = "en"
        session.add(first)

    wanted = await in_session(session_factory, menu_wanted, admin_ids=ADMINS)

    assert wanted == {
        1: MenuWanted(office=False, language="vi"),
        2: MenuWanted(office=True, language="en"),  # the first record's language
        3: MenuWanted(office=False, language="vi"),
        ADMIN: MenuWanted(office=True, language="vi"),
        901: MenuWanted(office=True, language="vi"),  # an admin without a record
    }
    for user_id, button in wanted.items():
        identity = await in_session(
            session_factory, identify, telegram_user_id=user_id, admin_ids=ADMINS
        )
        assert button.office is identity.office.is_office, user_id
    only = await in_session(session_factory, menu_wanted, admin_ids=ADMINS, chats=[2, 901])
    assert set(only) == {2, 901}


async def test_a_notice_starts_from_the_council_the_caller_is_the_office_of(
    session_factory: SessionFactory,
) -> None:
    await add_delegate(session_factory, "A-1", council="A", telegram_user_id=2)
    await add_delegate(session_factory, "B-1", council="B", role="secretary", telegram_user_id=2)
    await add_delegate(session_factory, "A-2", council="A", telegram_user_id=ADMIN)
    await add_delegate(session_factory, "A-3", council="A", telegram_user_id=3)
    records = await _records(session_factory)

    async def who(user_id: int) -> int | None:
        identity = await in_session(
            session_factory, identify, telegram_user_id=user_id, admin_ids=ADMINS
        )
        return home_council(identity)

    assert await who(2) == records["B-1"].council_id
    assert await who(ADMIN) == records["A-2"].council_id  # an admin: their first record's
    assert await who(3) is None  # a delegate is nobody's office
    assert await who(901) is None  # an admin without a record


async def test_the_record_that_speaks_for_an_office_account_is_its_office_record(
    session_factory: SessionFactory,
) -> None:
    await add_delegate(session_factory, "A-1", council="A", telegram_user_id=2)
    await add_delegate(session_factory, "B-1", council="B", role="secretary", telegram_user_id=2)
    await add_delegate(session_factory, "A-2", council="A", telegram_user_id=3)
    await add_delegate(session_factory, "C-1", council="C", telegram_user_id=3)
    office = await in_session(session_factory, identify, telegram_user_id=2, admin_ids=ADMINS)
    delegate = await in_session(session_factory, identify, telegram_user_id=3, admin_ids=ADMINS)
    assert [d.code for d in office.delegates] == ["A-1", "B-1"]
    assert getattr(office.delegate, "code", None) == "B-1"
    assert getattr(delegate.delegate, "code", None) == "A-2"  # the first
