"""A secretary the roster makes a delegate loses the secretariat's command menu (issue 18,
item 10): the import plans it in its own transaction, the dispatcher deletes the chat's
menus, and the chat shows the delegate's default menu again."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.models import OutboxMessage
from bot.services.delegates.roster import import_roster
from bot.telegram.menus import set_all_menus
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
        return list((await session.exec(select(OutboxMessage))).all())


async def test_a_demoted_secretary_gets_the_delegate_menu_back(
    harness: Harness, tmp_path: Path
) -> None:
    await add_delegate(harness.session_factory, "ML-TK", role="secretary",
                       telegram_user_id=SECRETARY, full_name="Văn phòng HĐND")  # fmt: skip
    harness.api.user(SECRETARY).started = True
    await set_all_menus(harness.application.bot, harness.session_factory, admins=())
    secretariat = {c["command"] for c in harness.api.commands(CHAT, "vi")}
    assert "thongbao" in secretariat
    default = harness.api.commands(None, "vi")

    await _import(harness, roster(tmp_path, "delegate"), dry_run=True)
    await _import(harness, roster(tmp_path, "secretary"))  # nothing changes
    assert await _rows(harness) == []

    await _import(harness, roster(tmp_path, "delegate"))
    (row,) = await _rows(harness)
    assert (row.kind, row.chat_id, row.delegate_id) == ("menu_reset", SECRETARY, None)

    stats = await dispatcher(harness).drain()
    assert stats.failed == 0
    for language in ("", "vi", "en"):
        assert harness.api.commands(CHAT, language) == []
    assert harness.api.commands(None, "vi") == default  # what the chat shows now
    assert harness.api.sent_to(SECRETARY) == []  # no message about it
    (row,) = await _rows(harness)
    assert row.status == "sent"

    await _import(harness, roster(tmp_path, "delegate"))  # already a delegate: nothing more
    assert len(await _rows(harness)) == 1
