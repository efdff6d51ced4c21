"""``/app/api/``: the signature rules, who sees which council, and the 403s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from bot.db import SessionFactory
from bot.domain.quarters import Quarter
from bot.models import Council
from bot.services.broadcasts.progress import recent_broadcasts
from bot.services.reports.records import LOOKBACK, ended_assignments
from bot.services.stats.figures import quarterly_statistics
from bot.web.app import CONTENT_SECURITY_POLICY
from tests.factories import NOW, in_session
from tests.web.conftest import OTHER_TOKEN, headers, init_data
from tests.web.seed import (
    ADMIN,
    DELEGATE_A1,
    DELEGATE_B1,
    DELEGATE_P1,
    OFFICE_A,
    OFFICE_B,
    OFFICE_P,
    STRANGER,
    Seeded,
    seed_province,
)

Client = TestClient[Any, Any]
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_ENDPOINTS = (
    "office/petitions",
    "office/calendar",
    "office/missing",
    "office/broadcasts",
    "office/stats",
    "office/stats/chart.png",
)


async def status_of(client: Client, path: str, authorization: str | None) -> tuple[int, Any]:
    sent = {"Authorization": authorization} if authorization is not None else {}
    async with client.get(f"/app/api/{path}", headers=sent) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


# --- the signature --------------------------------------------------------------------------


async def test_good_init_data_is_accepted(client: Client) -> None:
    status, body = await status_of(client, "me", "tma " + init_data(DELEGATE_A1))
    assert status == 200, body
    assert body["id"] == DELEGATE_A1
    assert body["language"] == "vi"
    assert body["office"] is False
    assert [(c["code"], c["role"]) for c in body["councils"]] == [("HDND-A", "delegate")]


def _tampered(raw: str, **changes: str) -> str:
    fields = dict(parse_qsl(raw))
    fields.update(changes)
    return urlencode(fields)


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing"),
        ("tma ", "missing"),
        ("Bearer " + "x" * 20, "missing"),
        ("tma " + _tampered(init_data(DELEGATE_A1), hash="0" * 64), "bad_signature"),
        # Someone else's id under the delegate's signature.
        (
            "tma " + _tampered(init_data(DELEGATE_A1), user='{"id":100,"first_name":"X"}'),
            "bad_signature",
        ),
        ("tma " + init_data(OFFICE_A, token=OTHER_TOKEN), "bad_signature"),
        ("tma " + init_data(OFFICE_A, auth_date=NOW - timedelta(hours=24, seconds=1)), "expired"),
        ("tma " + init_data(OFFICE_A, auth_date=NOW + timedelta(hours=1)), "expired"),
        ("tma not a query string at all", "malformed"),
    ],
    ids=[
        "no header", "empty", "other scheme", "wrong hash", "another user", "another bot's token",
        "expired", "from the future", "malformed",
    ],
)  # fmt: skip
async def test_bad_init_data_is_401(client: Client, authorization: str | None, reason: str) -> None:
    for path in ("me", "office/calendar", "my/calendar"):
        status, body = await status_of(client, path, authorization)
        assert (status, body) == (401, {"error": reason})


async def test_init_data_of_almost_a_day_is_still_good(client: Client) -> None:
    old = init_data(OFFICE_A, auth_date=NOW - timedelta(hours=23, minutes=59))
    assert (await status_of(client, "me", "tma " + old))[0] == 200


# --- scoping ----------------------------------------------------------------------------------


async def test_delegates_and_strangers_get_403_from_the_office_endpoints(client: Client) -> None:
    for user in (DELEGATE_A1, DELEGATE_B1, STRANGER):
        for path in OFFICE_ENDPOINTS:
            status, body = await status_of(client, path, headers(user)["Authorization"])
            assert status == 403, (user, path, body)
            assert body == {"error": "office_only"}


async def test_a_stranger_has_no_calendar(client: Client) -> None:
    status, body = await status_of(client, "my/calendar", headers(STRANGER)["Authorization"])
    assert (status, body) == (403, {"error": "not_linked"})
    status, body = await status_of(client, "me", headers(STRANGER)["Authorization"])
    assert status == 200
    assert (body["linked"], body["office"], body["councils"]) == (False, False, [])


@pytest.mark.parametrize(
    ("user", "roles", "admin"),
    [
        (OFFICE_A, [("HDND-A", "secretary")], False),
        (ADMIN, [("HDND-A", "secretary"), ("HDND-B", "secretary")], True),
        (DELEGATE_A1, [("HDND-A", "delegate")], False),
    ],
    ids=["office", "admin", "delegate"],
)
async def test_me_names_each_councils_role_in_the_rosters_words(
    client: Client, user: int, roles: list[tuple[str, str]], admin: bool
) -> None:
    """DESIGN: ``/app/api/me`` gives councils with the user's role there, the roster's
    ``secretary``/``delegate``; an admin is marked apart."""
    status, me = await status_of(client, "me", headers(user)["Authorization"])
    assert status == 200
    assert [(c["code"], c["role"]) for c in me["councils"]] == roles
    assert (me["admin"], me["office"]) == (admin, user != DELEGATE_A1)


def _codes(calendar: dict[str, Any]) -> set[str]:
    return {d["code"] for o in calendar["occurrences"] for d in o["delegates"]}


@pytest.mark.parametrize(
    ("user", "councils", "seen"),
    [
        (OFFICE_A, {"HDND-A"}, {"A1", "A2"}),
        (OFFICE_B, {"HDND-B"}, {"B1"}),
        (ADMIN, {"HDND-A", "HDND-B"}, {"A1", "A2", "B1"}),
    ],
)
async def test_each_office_sees_its_own_councils(
    client: Client, user: int, councils: set[str], seen: set[str]
) -> None:
    auth = headers(user)["Authorization"]
    status, me = await status_of(client, "me", auth)
    assert status == 200
    assert {c["code"] for c in me["councils"] if c["role"] == "secretary"} == councils
    status, calendar = await status_of(client, "office/calendar?month=2026-11", auth)
    assert status == 200
    assert _codes(calendar) == seen
    status, missing = await status_of(client, "office/missing", auth)
    assert {i["code"] for u in missing["units"] for i in u["items"]} <= seen
    status, broadcasts = await status_of(client, "office/broadcasts", auth)
    assert len(broadcasts["broadcasts"]) == len(councils)


async def test_an_office_cannot_name_another_council(client: Client, seeded: Seeded) -> None:
    auth = headers(OFFICE_A)["Authorization"]
    status, body = await status_of(client, f"office/calendar?council={seeded.council_b}", auth)
    assert (status, body) == (403, {"error": "council_not_yours"})
    status, _ = await status_of(client, f"office/broadcasts/{seeded.broadcast_b}", auth)
    assert status == 404
    status, _ = await status_of(client, f"office/calendar?council={seeded.council_a}", auth)
    assert status == 200
    # Not ids: refused or not found, never an error of the server or the database.
    for forged in ("²", "٣", "-1", "01", "9999999999"):
        status, body = await status_of(client, f"office/calendar?council={forged}", auth)
        assert (status, body) == (403, {"error": "council_not_yours"}), forged
        status, _ = await status_of(client, f"office/broadcasts/{forged}", auth)
        assert status == 404, forged
    admin = headers(ADMIN)["Authorization"]
    status, calendar = await status_of(
        client, f"office/calendar?council={seeded.council_b}&month=2026-11", admin
    )
    assert _codes(calendar) == {"B1"}


@pytest.mark.parametrize(
    ("user", "offices", "seen"),
    [
        (OFFICE_P, {"HDND-P", "HDND-A", "HDND-B"}, {"P1", "A1", "A2", "B1"}),
        (OFFICE_A, {"HDND-A"}, {"A1", "A2"}),
        (OFFICE_B, {"HDND-B"}, {"B1"}),
        (DELEGATE_P1, set(), None),
    ],
    ids=["province office", "commune office", "sibling office", "province delegate"],
)
async def test_a_parent_councils_office_sees_its_children(
    client: Client,
    session_factory: SessionFactory,
    seeded: Seeded,
    user: int,
    offices: set[str],
    seen: set[str] | None,
) -> None:
    province = await seed_province(session_factory, seeded)
    auth = headers(user)["Authorization"]
    _, me = await status_of(client, "me", auth)
    assert {c["code"] for c in me["councils"] if c["role"] == "secretary"} == offices
    status, calendar = await status_of(client, "office/calendar?month=2026-11", auth)
    if seen is None:
        assert status == 403
        return
    assert _codes(calendar) == seen
    status, missing = await status_of(client, "office/missing", auth)
    assert {i["code"] for u in missing["units"] for i in u["items"]} <= seen
    for council, allowed in (
        (province, user == OFFICE_P),
        (seeded.council_a, user in (OFFICE_P, OFFICE_A)),
        (seeded.council_b, user in (OFFICE_P, OFFICE_B)),
    ):
        status, _ = await status_of(client, f"office/calendar?council={council}", auth)
        assert status == (200 if allowed else 403), (council, status)
    status, _ = await status_of(client, f"office/broadcasts/{seeded.broadcast_a}", auth)
    assert status == (200 if user in (OFFICE_P, OFFICE_A) else 404)


async def test_a_grandchild_council_belongs_to_its_parents_office_not_the_provinces(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    """DESIGN: a parent council's secretaries see its *children*; a council under one of
    those (an older district's commune) is its own parent's to oversee."""
    await seed_province(session_factory, seeded)
    async with session_factory() as session, session.begin():
        grandchild = Council(
            code="HDND-G", name="HĐND xã G", level="commune", parent_id=seeded.council_a,
            created_at=NOW,
        )  # fmt: skip
        session.add(grandchild)
        await session.flush()
        assert grandchild.id is not None
        grandchild_id = grandchild.id
    for user, sees in ((OFFICE_P, False), (OFFICE_A, True), (OFFICE_B, False)):
        auth = headers(user)["Authorization"]
        _, me = await status_of(client, "me", auth)
        assert ("HDND-G" in {c["code"] for c in me["councils"]}) is sees, user
        status, _ = await status_of(client, f"office/calendar?council={grandchild_id}", auth)
        assert status == (200 if sees else 403), user


async def test_a_delegate_sees_only_their_own_calendar(client: Client) -> None:
    status, body = await status_of(client, "my/calendar", headers(DELEGATE_A1)["Authorization"])
    assert status == 200
    states = {(o["date"], o["kind"]): o["delegates"] for o in body["occurrences"]}
    assert all(len(people) == 1 and people[0]["code"] == "A1" for people in states.values())
    assert {key: people[0]["state"] for key, people in states.items()} == {
        ("2026-11-10", "reception"): "reported",
        ("2026-11-20", "voter_meeting"): "not_held",
        ("2026-11-25", "reception"): "unreported",
        ("2026-12-10", "reception"): "waiting",
    }


# --- the same figures as the bot's commands -----------------------------------------------


async def test_the_calendar_shows_each_assigned_delegates_state(client: Client) -> None:
    status, body = await status_of(
        client, "office/calendar?month=2026-11", headers(OFFICE_A)["Authorization"]
    )
    assert status == 200
    states = {
        (o["date"], d["code"]): d["state"] for o in body["occurrences"] for d in o["delegates"]
    }
    assert states == {
        ("2026-11-10", "A1"): "reported",
        ("2026-11-10", "A2"): "unreported",
        ("2026-11-20", "A1"): "not_held",
        ("2026-11-20", "A2"): "unreported",
        ("2026-11-25", "A1"): "unreported",
    }
    status, december = await status_of(
        client, "office/calendar?month=2026-12", headers(OFFICE_A)["Authorization"]
    )
    assert {d["state"] for o in december["occurrences"] for d in o["delegates"]} == {"waiting"}
    assert (
        await status_of(client, "office/calendar?month=13-2026", headers(OFFICE_A)["Authorization"])
    )[0] == 400


async def test_missing_is_what_chuabaocao_lists(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    status, body = await status_of(client, "office/missing", headers(OFFICE_A)["Authorization"])
    assert status == 200
    items = {
        (u["unit"], i["code"], i["date"], i["overdue"]) for u in body["units"] for i in u["items"]
    }
    assert items == {
        ("Phường Hà Đông", "A2", "2026-11-10", True),
        ("Phường Hà Đông", "A2", "2026-11-20", True),
        ("Xã Mỹ Lộc", "A1", "2026-11-25", False),
    }
    overdue_before = NOW - timedelta(days=3)
    bot_list = await in_session(
        session_factory, ended_assignments, now=NOW, zone=ZONE, council_ids={seeded.council_a},
        ended_before=overdue_before, since=overdue_before - LOOKBACK,
    )  # fmt: skip
    assert body["overdue"] == len(bot_list) == 2


async def test_broadcasts_with_counts_and_who_has_not_acknowledged(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    auth = headers(OFFICE_A)["Authorization"]
    status, body = await status_of(client, "office/broadcasts", auth)
    assert status == 200
    [shown] = body["broadcasts"]
    [(_, progress)] = await in_session(
        session_factory, recent_broadcasts, council_ids=frozenset({seeded.council_a})
    )
    assert (shown["total"], shown["delivered"], shown["failed"], shown["acknowledged"]) == (
        progress.total, progress.delivered, 0, progress.acknowledged,
    ) == (2, 2, 0, 1)  # fmt: skip
    status, detail = await status_of(client, f"office/broadcasts/{seeded.broadcast_a}", auth)
    assert [p["code"] for p in detail["not_acknowledged"]] == ["A2"]


async def test_stats_are_thongke_s_figures_and_chart(
    client: Client, session_factory: SessionFactory, seeded: Seeded
) -> None:
    auth = headers(OFFICE_A)["Authorization"]
    status, body = await status_of(client, "office/stats?quarter=2026-4", auth)
    assert status == 200, body
    stats = await in_session(
        session_factory, quarterly_statistics, quarter=Quarter(2026, 4),
        zone=ZONE, now=NOW,
        council_ids=frozenset({seeded.council_a}),
    )  # fmt: skip
    assert body["total"]["held"] == stats.overall.counts.held == 1
    assert body["total"]["citizens"] == 12
    assert body["title"] == "Quý IV/2026"
    assert "HĐND xã Mỹ Lộc" in body["summary"]
    async with client.get(
        "/app/api/office/stats/chart.png?quarter=2026-4", headers={"Authorization": auth}
    ) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")
    assert (await status_of(client, "office/stats?quarter=2026-5", auth))[0] == 400


# --- headers, budget, language -----------------------------------------------------------------


async def test_security_headers(client: Client) -> None:
    async with client.get("/app/api/me", headers=headers(OFFICE_A)) as response:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "Server" not in response.headers
    async with client.get("/app/") as response:
        assert response.status == 200
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' https://web.telegram.org" in csp
        assert "'unsafe-inline'" not in csp
        assert "<script>" not in await response.text()  # nothing inline: the CSP forbids it
    async with client.get("/app/static/app.js") as response:
        assert response.status == 200


async def test_a_user_over_the_budget_gets_429(client: Client) -> None:
    auth = headers(DELEGATE_A1)["Authorization"]
    statuses = [(await status_of(client, "me", auth))[0] for _ in range(25)]
    assert statuses[:20] == [200] * 20
    assert statuses[-1] == 429
    assert (await status_of(client, "me", headers(OFFICE_A)["Authorization"]))[0] == 200


async def test_strings_follow_language_code(client: Client) -> None:
    async with client.get("/app/strings.json?lang=vi") as response:
        vi = await response.json()
    async with client.get("/app/strings.json?lang=en") as response:
        en = await response.json()
    assert (vi["tab_missing"], en["tab_missing"]) == ("Chưa báo cáo", "Not reported")
    assert (vi["title_office"], vi["tab_mine"]) == ("Bảng theo dõi", "Lịch của tôi")
    # DESIGN's Mini App contract: the Lịch tab's states, word for word.
    states = ["waiting", "reported", "unreported", "not_held", "released", "stand_in"]
    assert [vi[f"state_{state}"] for state in states] == [
        "chờ",
        "đã báo cáo",
        "chưa báo cáo",
        "không thực hiện",
        "xin vắng",
        "người thay",
    ]
    _, me = await status_of(client, "me", headers(DELEGATE_A1, language="en")["Authorization"])
    assert me["language"] == "en"
