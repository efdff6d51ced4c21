"""Many users' languages at once follow the same rule as one user's identity."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from bot.db import SessionFactory
from bot.models import Delegate, UserPreference
from bot.services.delegates.accounts import identify, languages_of
from tests.factories import add_delegate, in_session


async def test_languages_of_agrees_with_identify(session_factory: SessionFactory) -> None:
    await add_delegate(session_factory, "ML-1", telegram_user_id=1)
    await add_delegate(session_factory, "ML-2", telegram_user_id=2, active=False)
    async with session_factory() as session, session.begin():
        await session.exec(
            update(Delegate).where(col(Delegate.code) == "ML-1").values(language="en")
        )
        session.add(UserPreference(telegram_user_id=2, language="en"))  # inactive record ignored
        session.add(UserPreference(telegram_user_id=4, language="xx"))  # unknown: the default

    users = [1, 2, 3, 4]
    found = await in_session(session_factory, languages_of, telegram_user_ids=users)
    assert found == {1: "en", 2: "en", 3: "vi", 4: "vi"}
    for user in users:
        identity = await in_session(
            session_factory, identify, telegram_user_id=user, admin_ids=frozenset()
        )
        assert identity.language == found[user]
    assert await in_session(session_factory, languages_of, telegram_user_ids=[]) == {}
