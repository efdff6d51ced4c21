"""The delegate's calendar with ``xin vắng`` / ``người thay``, and ``POST my/release``."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.db import SessionFactory
from bot.models import Assignment
from bot.models.availability import Release
from tests.factories import NOW
from tests.web.conftest import headers, init_data
from tests.web.seed import DELEGATE_A1, DELEGATE_A2, OFFICE_A, STRANGER
from tests.web.test_api import Client, status_of


async def post(client: Client, user: int | None, body: object, **kwargs: object) -> tuple[int, Any]:
    sent = headers(user, **kwargs) if user is not None else {}
    data = body if isinstance(body, str) else json.dumps(body)
    async with client.post("/app/api/my/release", data=data, headers=sent) as response:
        return response.status, await response.json()


async def _mine(client: Client, user: int) -> dict[str, dict[str, Any]]:
    """Each of the user's duties by date, its own entry."""
    status, body = await status_of(client, "my/calendar", headers(user)["Authorization"])
    assert status == 200, body
    return {o["date"]: o["delegates"][0] for o in body["occurrences"]}


async def test_only_upcoming_receptions_and_meetings_offer_xin_vang(client: Client) -> None:
    mine = await _mine(client, DELEGATE_A1)
    assert {day: d["releasable"] for day, d in mine.items()} == {
        "2026-11-10": False, "2026-11-20": False, "2026-11-25": False, "2026-12-10": True,
    }  # fmt: skip


async def test_xin_vang_releases_the_duty_as_the_bot_s_button_does(
    client: Client, session_factory: SessionFactory
) -> None:
    duty = (await _mine(client, DELEGATE_A1))["2026-12-10"]["assignment_id"]
    status, body = await post(
        client, DELEGATE_A1, {"assignment_id": duty, "reason": "other", "note": " Đi công tác "}
    )
    assert (status, body) == (200, {"released": True, "assignment_id": duty})
    async with session_factory() as session:
        [release] = (await session.exec(select(Release))).all()
        assignment = await session.get(Assignment, duty)
    assert (release.assignment_id, release.reason, release.note) == (duty, "other", "Đi công tác")
    assert assignment is not None
    assert assignment.cancelled_at is not None
    mine = await _mine(client, DELEGATE_A1)
    assert (mine["2026-12-10"]["state"], mine["2026-12-10"]["releasable"]) == ("released", False)
    status, office = await status_of(
        client, "office/calendar?month=2026-12", headers(OFFICE_A)["Authorization"]
    )
    states = {d["code"]: d["state"] for o in office["occurrences"] for d in o["delegates"]}
    assert states == {"A1": "released", "A2": "waiting"}
    status, body = await post(client, DELEGATE_A1, {"assignment_id": duty, "reason": "clash"})
    assert (status, body) == (409, {"error": "already"})


async def test_a_stand_in_s_duty_reads_nguoi_thay(
    client: Client, session_factory: SessionFactory
) -> None:
    taken = (await _mine(client, DELEGATE_A2))["2026-12-10"]["assignment_id"]
    given_up = (await _mine(client, DELEGATE_A1))["2026-12-10"]["assignment_id"]
    async with session_factory() as session, session.begin():
        original = await session.get(Assignment, given_up)
        assert original is not None
        session.add(
            Release(
                assignment_id=given_up, occurrence_id=original.occurrence_id,
                delegate_id=original.delegate_id, reason="clash", released_at=NOW,
                taken_by=None, stand_in_assignment_id=taken,
            )
        )  # fmt: skip
    entry = (await _mine(client, DELEGATE_A2))["2026-12-10"]
    assert (entry["state"], entry["stand_in"], entry["releasable"]) == ("stand_in", True, True)


async def test_xin_vang_refusals(client: Client) -> None:
    mine = await _mine(client, DELEGATE_A1)
    upcoming, past = mine["2026-12-10"]["assignment_id"], mine["2026-11-25"]["assignment_id"]
    others = (await _mine(client, DELEGATE_A2))["2026-12-10"]["assignment_id"]
    cases = [
        (DELEGATE_A1, {"assignment_id": others, "reason": "clash"}, 403, "not_yours"),
        (DELEGATE_A1, {"assignment_id": 99999, "reason": "clash"}, 404, "not_found"),
        (DELEGATE_A1, {"assignment_id": past, "reason": "clash"}, 409, "started"),
        (DELEGATE_A1, {"assignment_id": upcoming, "reason": "bored"}, 400, "bad_request"),
        (DELEGATE_A1, {"assignment_id": str(upcoming), "reason": "clash"}, 400, "bad_request"),
        (DELEGATE_A1, "not json", 400, "bad_request"),
        (DELEGATE_A1, [1, 2], 400, "bad_request"),
        (STRANGER, {"assignment_id": upcoming, "reason": "clash"}, 403, "not_linked"),
        (OFFICE_A, {"assignment_id": upcoming, "reason": "clash"}, 403, "not_yours"),
        (None, {"assignment_id": upcoming, "reason": "clash"}, 401, "missing"),
    ]
    for user, body, status, error in cases:
        assert await post(client, user, body) == (status, {"error": error}), (user, body)
    forged = {"Authorization": "tma " + init_data(DELEGATE_A1, token="1:other")}
    async with client.post(
        "/app/api/my/release", json={"assignment_id": upcoming, "reason": "clash"}, headers=forged
    ) as response:
        assert response.status == 401
    assert (await _mine(client, DELEGATE_A1))["2026-12-10"]["state"] == "waiting"
