"""``/app/api/office/petitions``: /donthu's office list, scoped, personal data to secretaries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from bot.db import SessionFactory
from bot.models import Delegate
from bot.models.petitions import Petition
from bot.services.petitions.items import awaited
from tests.factories import NOW, in_session
from tests.web.conftest import headers
from tests.web.seed import (
    ADMIN,
    DELEGATE_A1,
    DELEGATE_B1,
    OFFICE_A,
    OFFICE_B,
    OFFICE_P,
    Seeded,
    seed_province,
)
from tests.web.test_api import Client, status_of

TODAY = date(2026, 11, 26)


async def add_petitions(session_factory: SessionFactory, seeded: Seeded) -> None:
    """A: one overdue, one due in 2 days, one due in 10 days (not listed), one answered;
    B: one overdue."""
    async with session_factory() as session, session.begin():
        a1 = (await session.exec(select(Delegate).where(col(Delegate.code) == "A1"))).one()

        def item(council: int, ref: str, due: int, answered: bool = False) -> Petition:
            return Petition(
                council_id=council, ref=ref, source="reception", received_on=TODAY - timedelta(30),
                delegate_id=a1.id if council == seeded.council_a else None, type="complaint",
                summary=f"Tranh chấp đất đai {ref}", citizen="Ông Nguyễn Văn Dân, thôn 3",
                action="forwarded", agency="UBND xã", forwarded_on=TODAY - timedelta(20),
                due_on=TODAY + timedelta(due), answered_on=TODAY if answered else None,
                created_at=NOW, updated_at=NOW,
            )  # fmt: skip

        session.add_all(
            [
                item(seeded.council_a, "1/2026", -2),
                item(seeded.council_a, "2/2026", 2),
                item(seeded.council_a, "3/2026", 10),
                item(seeded.council_a, "4/2026", -5, answered=True),
                item(seeded.council_b, "9/2026", -1),
            ]
        )


def _refs(body: dict[str, Any]) -> dict[str, list[str]]:
    return {g["group"]: [i["ref"] for i in g["items"]] for g in body["groups"]}


async def test_the_office_sees_donthu_s_list_grouped(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    await add_petitions(session_factory, seeded)
    status, body = await status_of(client, "office/petitions", headers(OFFICE_A)["Authorization"])
    assert status == 200, body
    assert _refs(body) == {"overdue": ["1/2026"], "due_soon": ["2/2026"]}
    bot_list = await in_session(
        session_factory, awaited, council_ids={seeded.council_a}, today=TODAY
    )
    assert body["total"] == len(bot_list) == 2
    [first] = body["groups"][0]["items"]
    assert first["citizen"] == "Ông Nguyễn Văn Dân, thôn 3"
    assert first["summary"] == "Tranh chấp đất đai 1/2026"
    assert first["type_name"] == "khiếu nại"
    assert first["delegate"] == {"code": "A1", "name": "Nguyễn Thị Hoa"}
    assert (first["due_on"], first["council"]) == ("2026-11-24", "HĐND xã Mỹ Lộc")


async def test_delegates_and_other_offices_get_403(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    await add_petitions(session_factory, seeded)
    for user in (DELEGATE_A1, DELEGATE_B1):
        status, body = await status_of(client, "office/petitions", headers(user)["Authorization"])
        assert (status, body) == (403, {"error": "office_only"})
    auth = headers(OFFICE_B)["Authorization"]
    status, body = await status_of(client, f"office/petitions?council={seeded.council_a}", auth)
    assert (status, body) == (403, {"error": "council_not_yours"})
    status, body = await status_of(client, "office/petitions", auth)
    assert _refs(body) == {"overdue": ["9/2026"], "due_soon": []}


async def test_personal_data_only_to_the_council_s_own_secretaries(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    await add_petitions(session_factory, seeded)
    await seed_province(session_factory, seeded)
    for user in (OFFICE_P, ADMIN):
        status, body = await status_of(client, "office/petitions", headers(user)["Authorization"])
        assert status == 200
        assert _refs(body) == {"overdue": ["1/2026", "9/2026"], "due_soon": ["2/2026"]}
        items = [i for g in body["groups"] for i in g["items"]]
        assert all("citizen" not in i and "summary" not in i for i in items), user
        assert "Dân" not in str(body)
