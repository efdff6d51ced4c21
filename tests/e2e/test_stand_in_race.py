"""The first ``Nhận thay`` wins across processes: two ``run`` processes (webhook, behind
one address) and a ``worker`` (the sender) against one PostgreSQL database.

Each of N released turns is fought over at one moment: two candidates press
``Nhận thay`` on the two ``run`` processes together, while the worker is still sending
that turn's other offers and the office's request. Some turns add a third party at the
same moment: the office's direct choice, a third candidate's ``Không nhận`` (which offers
the next candidate), or the first candidate's double tap reaching both processes.

The database must hold exactly one stand-in per turn (one active assignment, one taken
offer), and every candidate who does not get the place must be told so: their offer
edited, or a message naming who stands in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.db import SessionFactory, create_session_factory
from bot.domain.availability import AwayReason
from bot.domain.buttons import ChooseStandInButton, OfferAnswer, StandInButton
from bot.domain.callbacks import decode
from bot.models import Assignment, Delegate, Occurrence, Release, SubstituteOffer
from bot.services.availability.releases import Released, SubstitutePolicy, release_assignment
from bot.services.schedule.imports import import_schedule
from jobs.wakeup import CHANNEL
from tests.e2e.conftest import TOKEN
from tests.e2e.net import SECRET_HEADER, free_port, get, wait_for_health, wait_for_log
from tests.e2e.processes import BotProcess, bot_processes, logs, start_bot
from tests.e2e.test_failover import wait_for
from tests.factories import add_delegate
from tests.fakes import FakeBotApi, FakeUser
from tests.fakes.models import SentMessage

pytestmark = pytest.mark.slow  # starts python -m bot three times

ZONE_NAME = "Asia/Ho_Chi_Minh"
TURNS = 15
POOL = ("RC-A", "RC-B", "RC-C", "RC-D", "RC-E")
FIRST_USER = 61_001
OFFICE = 61_900
COUNCIL = "HDND-RC"
SECRET = "race-webhook-secret_0123456789abcdefghij"
HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)
TAKE = "Nhận thay"
DECLINE = "Không nhận"
TAKEN_ALERT = "Cảm ơn đồng chí: đã có đại biểu khác nhận thay."
WON = "Cảm ơn đồng chí đã nhận thay"


async def seed(sessions: SessionFactory, tmp_path: Path, now: datetime) -> list[datetime]:
    """Five delegates and the office; a daily rota of one delegate per turn, TURNS turns
    from three days ahead; returns the turns' starts."""
    for number, code in enumerate(POOL):
        await add_delegate(
            sessions, code, full_name=f"Đại biểu {code[-1]}", council=COUNCIL,
            telegram_user_id=FIRST_USER + number,
        )  # fmt: skip
    await add_delegate(
        sessions, "RC-VP", full_name="Văn phòng", role="secretary", council=COUNCIL,
        telegram_user_id=OFFICE,
    )  # fmt: skip
    first = (now + timedelta(days=3)).astimezone(UTC).date()
    last = first + timedelta(days=TURNS - 1)
    row = (
        f"reception,Tiếp công dân,{first} 07:30,{first} 11:00,Trụ sở,{COUNCIL},"
        f"{';'.join(POOL)},FREQ=DAILY,{last},none,1"
    )
    path = tmp_path / "rota.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    async with sessions() as session:
        result = await import_schedule(
            session=session, path=path, now=now, zone=ZoneInfo(ZONE_NAME), dry_run=False
        )
        await session.commit()
    assert result.problems == []
    async with sessions() as session:
        starts = (
            await session.exec(select(Occurrence.starts_at).order_by(col(Occurrence.starts_at)))
        ).all()
    assert len(starts) == TURNS
    return list(starts)


async def release_every_turn(sessions: SessionFactory, now: datetime) -> None:
    """Every turn released by the office at once: offers and the office's request queued
    (the turns are inside ``SUBSTITUTE_ESCALATE_BEFORE``)."""
    policy = SubstitutePolicy(
        fanout=3, escalate_before=timedelta(days=30), zone=ZoneInfo(ZONE_NAME)
    )
    async with sessions() as session:
        ids = (await session.exec(select(Assignment.id).order_by(col(Assignment.id)))).all()
        for assignment_id in ids:
            assert assignment_id is not None
            outcome = await release_assignment(
                session=session, assignment_id=assignment_id, delegate_ids=None,
                reason=AwayReason.clash, note="", now=now, policy=policy,
            )  # fmt: skip
            assert isinstance(outcome, Released), outcome
        await session.commit()
        await session.exec(text(f"NOTIFY {CHANNEL}"))  # type: ignore[call-overload]
        await session.commit()


class Presser:
    """Builds a user's callback query and posts it to one ``run`` process's webhook."""

    def __init__(self, api: FakeBotApi, ports: list[int]) -> None:
        self.api = api
        self.ports = ports
        self.queries: list[tuple[int, int, str]] = []  # (release id, user id, query id)

    async def press(
        self, release_id: int, user: FakeUser, message: SentMessage, button: str, to: int
    ) -> str:
        query_id = await user.press(message, button)
        self.queries.append((release_id, user.user_id, query_id))
        update = next(
            u
            for u in self.api.pending_updates
            if "callback_query" in u and u["callback_query"]["id"] == query_id
        )
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{self.ports[to]}/tg/hook",
                json=update,
                headers={SECRET_HEADER: SECRET},
            ) as response,
        ):
            assert response.status == 200
        return query_id


def offers_in(user: FakeUser, offer_release: dict[int, int]) -> dict[int, SentMessage]:
    """Release id → the user's offer message for it (found by its buttons as first sent)."""
    found: dict[int, SentMessage] = {}
    for message in user.messages:
        first = message.history[0].reply_markup if message.history else message.reply_markup
        for row in (first or {}).get("inline_keyboard", []):
            for button in row:
                data = decode(button.get("callback_data"))
                if not isinstance(data, StandInButton) or data.answer is not OfferAnswer.take:
                    continue
                if (release_id := offer_release.get(data.offer_id)) is not None:
                    found.setdefault(release_id, message)
    return found


def escalations_in(office: FakeUser) -> dict[int, tuple[SentMessage, str]]:
    """Release id → the office's request and the text of its first candidate button."""
    found: dict[int, tuple[SentMessage, str]] = {}
    for message in office.messages:
        for button in message.buttons:
            data = decode(button.get("callback_data"))
            if isinstance(data, ChooseStandInButton):
                found.setdefault(data.release_id, (message, str(button["text"])))
    return found


async def offer_map(sessions: SessionFactory) -> dict[int, int]:
    async with sessions() as session:
        return {
            o.id: o.release_id for o in (await session.exec(select(SubstituteOffer))).all() if o.id
        }


async def fight(
    index: int,
    release_id: int,
    users: dict[int, FakeUser],
    office: FakeUser,
    presser: Presser,
    offer_release: dict[int, int],
    processes: list[BotProcess],
) -> None:
    """Once two candidates hold this turn's offer, they press together (plus a third
    party on some turns)."""
    holders: list[tuple[FakeUser, SentMessage]] = []

    async def two_offers() -> bool:
        holders.clear()
        for user in users.values():
            if (message := offers_in(user, offer_release).get(release_id)) is not None:
                holders.append((user, message))
        return len(holders) >= 2

    await wait_for(f"two offers of turn {index}", two_offers, timeout=90, processes=processes)
    (first, first_offer), (second, second_offer), *rest = holders
    one, other = index % 2, (index + 1) % 2
    presses = [
        presser.press(release_id, first, first_offer, TAKE, one),
        presser.press(release_id, second, second_offer, TAKE, other),
    ]
    if index % 3 == 0 and (asked := escalations_in(office).get(release_id)) is not None:
        presses.append(presser.press(release_id, office, asked[0], asked[1], one))
    elif index % 3 == 1 and rest:
        third, third_offer = rest[0]
        presses.append(presser.press(release_id, third, third_offer, DECLINE, other))
    elif index % 3 == 2:
        presses.append(presser.press(release_id, first, first_offer, TAKE, other))  # a double tap
    await asyncio.gather(*presses)


async def released_turns(sessions: SessionFactory) -> list[Release]:
    async with sessions() as session:
        return list((await session.exec(select(Release).order_by(col(Release.id)))).all())


def environment(postgres_database_url: str, api: FakeBotApi) -> dict[str, str]:
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": postgres_database_url,
        "TELEGRAM_API_URL": api.root,
        "QUIET_HOURS": "off",
        "TIMEZONE": ZONE_NAME,
        "REMINDER_OFFSETS": '{"reception": ["1d"]}',
        "SUBSTITUTE_FANOUT": "3",
        "SUBSTITUTE_ESCALATE_BEFORE": "30d",
        # One public address for both run processes, as behind a load balancer.
        "WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/tg/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "USER_UPDATE_BURST": "10000",  # the test presses faster than people do
    }


async def start_worker_then_runs(
    processes: list[BotProcess], env: dict[str, str], tmp_path: Path, hook_ports: list[int]
) -> None:
    """The worker first, so that it is the sender; then two ``run`` processes that only
    receive updates."""
    health = [free_port() for _ in range(3)]
    worker_env = {**env, "HEALTH_PORT": str(health[2])}
    processes.append(
        await start_bot(["worker"], env=worker_env, cwd=tmp_path, log_path=tmp_path / "worker.log")
    )

    async def worker_sends() -> bool:
        try:
            status, report = await get(health[2])
        except aiohttp.ClientConnectionError:
            return False
        return status == 200 and bool(report.get("sender"))

    await wait_for("the worker is the sender", worker_sends, timeout=60, processes=processes)
    for number in range(2):
        run_env = {**env, "WEBHOOK_PORT": str(hook_ports[number]),
                   "HEALTH_PORT": str(health[number])}  # fmt: skip
        log_path = tmp_path / f"run-{number}.log"
        processes.append(await start_bot(["run"], env=run_env, cwd=tmp_path, log_path=log_path))
    for run, port in zip(processes[1:], health[:2], strict=True):
        await wait_for_log(run, "receiving updates by webhook", timeout=60)
        await wait_for_health(port, run)
    assert not any([(await get(port))[1]["sender"] for port in health[:2]])


async def test_first_take_wins_across_run_and_worker_processes(
    pg_engine: AsyncEngine, postgres_database_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    sessions = create_session_factory(pg_engine)
    now = datetime.now(UTC)
    await seed(sessions, tmp_path, now)
    users = {FIRST_USER + n: fake_api.user(FIRST_USER + n) for n in range(len(POOL))}
    office = fake_api.user(OFFICE)
    for user in (*users.values(), office):
        user.started = True
    hook_ports = [free_port(), free_port()]
    env = environment(postgres_database_url, fake_api)
    async with bot_processes(env=env, cwd=tmp_path) as processes:
        await start_worker_then_runs(processes, env, tmp_path, hook_ports)
        await release_every_turn(sessions, now)
        offer_release = await offer_map(sessions)
        turns = await released_turns(sessions)
        assert len(turns) == TURNS
        presser = Presser(fake_api, hook_ports)
        await asyncio.gather(
            *(
                fight(index, turn.id or 0, users, office, presser, offer_release, processes)
                for index, turn in enumerate(turns)
            )
        )
        found: list[str] = []

        async def settled() -> bool:
            unanswered = [(r, u) for r, u, q in presser.queries if not fake_api.callback_answer(q)]
            found[:] = [f"unanswered presses (turn, user): {unanswered}"] if unanswered else []
            found.extend(await problems(sessions, fake_api, users, presser))
            return not found

        with contextlib.suppress(AssertionError):  # the problems are reported below
            # Long enough for an edit that waits out an in-flight send's lease (2 min).
            await wait_for("one stand-in each, every loser told", settled, timeout=200,
                           processes=processes)  # fmt: skip
        late = await late_offers(sessions)
        print(f"\nstand-in race: {TURNS} turns, {len(presser.queries)} presses; "
              f"{late} offers delivered after their place was taken")  # fmt: skip
        assert not found, "\n".join(found) + "\n" + logs(processes, tail=1500)
        for bot in processes:
            assert await bot.terminate() == 0, logs(processes)


async def late_offers(sessions: SessionFactory) -> int:
    """Offers that reached their chat after the place was taken (the worker had them
    in flight): the race the run processes cannot edit away."""
    async with sessions() as session:
        result = await session.exec(
            text(  # type: ignore[call-overload]
                "SELECT count(*) FROM outbox o"
                " JOIN substitute_offers s ON o.dedupe_key = 'o' || s.id"
                " JOIN assignment_releases r ON r.id = s.release_id"
                " WHERE o.kind = 'substitute_offer' AND o.sent_at > r.taken_at"
            )
        )
        return int(result.one()[0])


async def problems(
    sessions: SessionFactory, api: FakeBotApi, users: dict[int, FakeUser], presser: Presser
) -> list[str]:
    """One stand-in per turn (one active assignment, one taken offer); every other
    candidate who was offered it told (the offer edited, or a message naming the taker);
    no stand-in told that somebody else took the place."""
    turns = await released_turns(sessions)
    offer_release = await offer_map(sessions)
    zone = ZoneInfo(ZONE_NAME)
    async with sessions() as session:
        active = Counter(
            (await session.exec(
                select(Assignment.occurrence_id).where(col(Assignment.cancelled_at).is_(None))
            )).all()
        )  # fmt: skip
        taken_offers = Counter(
            (await session.exec(
                select(SubstituteOffer.release_id).where(col(SubstituteOffer.status) == "taken")
            )).all()
        )  # fmt: skip
        names = {
            d.id: (d.telegram_user_id, d.full_name)
            for d in (await session.exec(select(Delegate))).all()
        }
        days = {
            o.id: f"{o.starts_at.astimezone(zone):%d/%m/%Y}"
            for o in (await session.exec(select(Occurrence))).all()
        }
    found: list[str] = []
    for turn in turns:
        where = f"turn {turn.id} ({days[turn.occurrence_id]})"
        if turn.taken_by is None:
            found.append(f"{where}: nobody stands in")
            continue
        if active[turn.occurrence_id] != 1:
            found.append(f"{where}: {active[turn.occurrence_id]} active assignments")
        if taken_offers[turn.id or 0] != 1:
            found.append(f"{where}: {taken_offers[turn.id or 0]} offers taken")
        taker_user, taker_name = names[turn.taken_by]
        for user in users.values():
            offer = offers_in(user, offer_release).get(turn.id or 0)
            if user.user_id == taker_user or offer is None:
                continue
            current = api.message(user.user_id, offer.message_id)
            assert current is not None
            later = user.messages[user.messages.index(offer) + 1 :]
            told = current.find_button(TAKE) is None or any(
                taker_name in (m.text or "") and days[turn.occurrence_id] in (m.text or "")
                for m in later
            )
            if not told:
                found.append(f"{where}: {user.user_id} holds a live offer and was never told "
                             f"that {taker_user} took the place")  # fmt: skip
    takers = {t.id: names[t.taken_by][0] for t in turns if t.taken_by is not None}
    for release_id, user_id, query in presser.queries:
        said = (api.callback_answer(query) or {}).get("text")
        if takers.get(release_id) == user_id and said == TAKEN_ALERT:
            found.append(f"turn {release_id}: {user_id} stands in, yet was told another "
                         "delegate took the place")  # fmt: skip
    return found
