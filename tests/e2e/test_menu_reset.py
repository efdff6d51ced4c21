"""A chat's command menu follows its role through the outbox: a secretary the roster
makes a delegate loses the secretariat's commands (issue 18, item 10), a delegate it makes
a secretary gets them without a restart, each planned in the import's own transaction;
start-up sets only the default list. Old rows of the kind still read as they meant."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.domain.menus import CommandMenu, MenuWanted
from bot.models import OutboxMessage
from bot.services.delegates.roster import import_roster
from bot.services.menus.planning import plan_menus
from bot.services.outbox.payloads import MenuResetPayload
from bot.services.outbox.rows import OUTBOX_TABLE, outbox_row
from bot.telegram.app import post_init
from jobs.menu_sync import MenuSync
from tests.e2e.conftest import Harness
from tests.e2e.steps import dispatcher
from tests.factories import add_delegate

SECRETARY = 7001
HEADER = "code,full_name,council,level,unit,constituency,phone,role\n"
CHAT = {"type": "chat", "chat_id": SECRETARY}


def roster(tmp_path: Path, role: str) -> Path:
    path = tmp_path / f"roster-{role}.csv"
    path.write_text(
        HEADER + f"ML-TK,Văn phòng HĐND,HDND-ML,commune,Xã Mỹ Lộc,Đơn vị số 1,,{role}\n",
        encoding="utf-8",
    )
    return path


async def _import(harness: Harness, path: Path, *, dry_run: bool = False) -> None:
    async with harness.session_factory() as session:
        result = await import_roster(
            session=session, path=path, now=harness.clock.now, dry_run=dry_run
        )
    assert result.problems == []


async def _rows(harness: Harness) -> list[OutboxMessage]:
    async with harness.session_factory() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def _drain(harness: Harness) -> None:
    stats = await dispatcher(harness).drain()
    assert stats.failed == 0


def _secretariat(harness: Harness, language: str = "vi") -> set[str]:
    return {c["command"] for c in harness.api.commands(CHAT, language)}


async def test_a_demoted_secretary_gets_the_delegate_menu_back(
    harness: Harness, tmp_path: Path
) -> None:
    await add_delegate(harness.session_factory, "ML-TK", role="secretary",
                       telegram_user_id=SECRETARY, full_name="Văn phòng HĐND")  # fmt: skip
    harness.api.user(SECRETARY).started = True
    await post_init(harness.application)  # the default list only
    assert _secretariat(harness) == set()
    sync = MenuSync(harness.settings, harness.session_factory, harness.clock)
    assert await sync.refresh() == 2  # and the admin's
    await _drain(harness)  # the sync's first look gives the secretary their menu
    assert "thongbao" in _secretariat(harness)
    default = harness.api.commands(None, "vi")
    assert "thongbao" not in {c["command"] for c in default}

    await _import(harness, roster(tmp_path, "delegate"), dry_run=True)
    await _import(harness, roster(tmp_path, "secretary"))  # nothing changes
    assert len(await _rows(harness)) == 2

    await _import(harness, roster(tmp_path, "delegate"))
    row = (await _rows(harness))[-1]
    assert (row.kind, row.chat_id, row.delegate_id) == ("menu_reset", SECRETARY, None)
    assert MenuResetPayload.unpack(row.payload).commands is CommandMenu.delegate

    await _drain(harness)
    for language in ("", "vi", "en"):
        assert harness.api.commands(CHAT, language) == []
    assert harness.api.commands(None, "vi") == default  # what the chat shows now
    assert harness.api.sent_to(SECRETARY) == []  # no message about it
    assert [r.status for r in await _rows(harness)] == ["sent", "sent", "sent"]

    await _import(harness, roster(tmp_path, "delegate"))  # already a delegate: nothing more
    assert await sync.refresh() == 0
    assert len(await _rows(harness)) == 3


async def test_a_promotion_by_roster_gives_the_secretariat_menu_without_a_restart(
    harness: Harness, tmp_path: Path
) -> None:
    await add_delegate(harness.session_factory, "ML-TK", telegram_user_id=SECRETARY,
                       full_name="Văn phòng HĐND")  # fmt: skip
    harness.api.user(SECRETARY).started = True
    await _import(harness, roster(tmp_path, "secretary"))
    (row,) = await _rows(harness)
    assert MenuResetPayload.unpack(row.payload).commands is CommandMenu.secretary
    assert _secretariat(harness) == set()  # nothing until the row goes out
    await _drain(harness)
    assert {"thongbao", "chuabaocao", "thongke"} <= _secretariat(harness, "vi")
    assert "thongbao" in _secretariat(harness, "en")
    assert "thongbao" in _secretariat(harness, "")
    assert harness.api.sent_to(SECRETARY) == []


async def test_the_payload_changes_nothing_it_is_not_told_to_and_old_rows_read_as_meant() -> None:
    # A planner that names only a button leaves the command menu alone.
    assert MenuResetPayload(button=MenuWanted(office=False, language="vi")).commands is None
    # The first rows had no fields: a demoted secretary's menu deleted.
    assert MenuResetPayload.unpack("{}").commands is CommandMenu.delegate
    assert MenuResetPayload.unpack("").commands is CommandMenu.delegate
    # Then ``commands`` was a flag beside the button.
    old = MenuResetPayload.unpack('{"admin": false, "button": "office:vi", "commands": true}')
    assert (old.commands, old.button) == (CommandMenu.delegate, MenuWanted(True, "vi"))
    old = MenuResetPayload.unpack('{"admin": true, "button": "none", "commands": false}')
    assert old.commands is None
    assert old.button is not None
    assert not old.button.linked
    new = MenuResetPayload(commands=CommandMenu.secretary, button=MenuWanted(True, "en"))
    assert MenuResetPayload.unpack(new.pack()) == new


async def test_an_old_reset_row_still_deletes_the_menu(harness: Harness) -> None:
    """A row written before this release (no fields) goes out as it meant."""
    harness.api.user(SECRETARY).started = True
    await harness.application.bot.set_my_commands([("thongbao", "x")], scope=None)
    async with harness.session_factory() as session, session.begin():
        row = outbox_row(MenuResetPayload(), "old", now=harness.clock(), due_at=harness.clock(),
                         chat_id=SECRETARY)  # fmt: skip
        row["payload"] = "{}"
        await session.exec(OUTBOX_TABLE.insert(), params=[row])  # type: ignore[call-overload]
    await _drain(harness)
    assert len(harness.api.calls_to("deleteMyCommands")) == 3
    async with harness.session_factory() as session:
        # Remembered as the delegate's menu: nothing planned again for a delegate's chat.
        await add_delegate(harness.session_factory, "ML-001", telegram_user_id=SECRETARY)
        assert await plan_menus(session=session, chats=[SECRETARY], now=harness.clock(),
                                buttons=False) == 0  # fmt: skip


async def test_a_row_that_keeps_failing_waits_twice_as_long_each_time(harness: Harness) -> None:
    """A lasting 400 is not planned again at every look (one failed row, one error log
    each 10 minutes): 10 minutes, 20, 40 … then a week at most; a success ends it."""
    await add_delegate(harness.session_factory, "ML-TK", role="secretary",
                       telegram_user_id=SECRETARY, full_name="Văn phòng HĐND")  # fmt: skip
    harness.api.user(SECRETARY).started = True
    harness.settings.ADMIN_TELEGRAM_IDS = frozenset()
    failures = 12
    harness.api.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID", count=failures)
    sync = MenuSync(harness.settings, harness.session_factory, harness.clock)
    for failed in range(failures):
        assert await sync.refresh() == 1
        assert (await dispatcher(harness).drain()).failed == 1
        wait = min(timedelta(minutes=10) * 2**failed, timedelta(days=7))
        harness.clock.advance(wait - timedelta(minutes=1))
        assert await sync.refresh() == 0, f"planned again before {wait} after {failed + 1}"
        harness.clock.advance(timedelta(minutes=1))
    assert wait == timedelta(days=7)  # the last waits were capped
    assert [r.status for r in await _rows(harness)] == ["failed"] * failures
    assert await sync.refresh() == 1
    await _drain(harness)
    assert "thongbao" in _secretariat(harness)
    harness.clock.advance(timedelta(days=30))
    assert await sync.refresh() == 0


async def test_a_change_is_planned_at_once_whatever_the_wait(
    harness: Harness, tmp_path: Path
) -> None:
    """The wait holds back the looks, not a change: a demotion goes out at once."""
    await add_delegate(harness.session_factory, "ML-TK", role="secretary",
                       telegram_user_id=SECRETARY, full_name="Văn phòng HĐND")  # fmt: skip
    harness.api.user(SECRETARY).started = True
    harness.settings.ADMIN_TELEGRAM_IDS = frozenset()
    harness.api.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID")
    sync = MenuSync(harness.settings, harness.session_factory, harness.clock)
    assert await sync.refresh() == 1
    assert (await dispatcher(harness).drain()).failed == 1
    assert await sync.refresh() == 0  # waiting
    await _import(harness, roster(tmp_path, "delegate"))
    assert [r.status for r in await _rows(harness)] == ["failed", "pending"]
    await _drain(harness)
    assert harness.api.commands(CHAT, "vi") == []
