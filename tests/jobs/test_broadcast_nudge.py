"""The broadcast deadline's nudge names the office as SECRETARIAT_NAME says, when it is set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from bot.config import Settings
from bot.models import Council, OutboxMessage
from bot.services.broadcasts.copies import Copies
from bot.services.outbox.payloads import BroadcastNudgePayload
from bot.services.outbox.rows import OutboxKind, outbox_row
from bot.telegram.menus import secretariat_menu
from jobs.outbox_kinds import Recipient
from jobs.registry import REGISTRY, registry_for
from jobs.scheduler import JobRunner

NOW = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
SENT = datetime(2026, 12, 7, 8, 14)  # local time, as the loader gives it
COUNCIL = Council(id=3, code="HDND-MH", name="HĐND xã Mỹ Hưng", level="commune", created_at=NOW)


def _nudge() -> tuple[OutboxMessage, Copies]:
    row = OutboxMessage(
        **outbox_row(BroadcastNudgePayload(broadcast=7), "7:5", now=NOW, due_at=NOW, delegate_id=5)
    )
    key = (7, 5)
    copies = Copies(
        sources={7: (100, 200)},
        recipients={key: 41},
        acknowledged={key: False},
        copies={key: 900},
        sent_at={7: SENT},
        councils={7: COUNCIL},
    )
    return row, copies


@pytest.mark.parametrize(
    ("secretariat_name", "opening"),
    [
        ("", "Văn phòng HĐND và UBND xã Mỹ Hưng chưa nhận được xác nhận"),
        ("Văn phòng HĐND xã Mỹ Hưng (đ/c Lan)", "Văn phòng HĐND xã Mỹ Hưng (đ/c Lan) chưa nhận"),
    ],
)
def test_the_nudge_names_the_configured_office(secretariat_name: str, opening: str) -> None:
    row, copies = _nudge()
    render = registry_for(secretariat_name)[OutboxKind.broadcast_nudge].render
    assert render is not None
    message = render(row, copies, Recipient(5005, "vi", None), NOW)
    assert message is not None
    assert message.text.startswith(opening), message.text
    assert "gửi lúc 8h14 ngày 07/12/2026." in message.text
    assert message.reply_to == 900
    assert message.keyboard[0][0].text == "Đã nhận"


def test_the_default_registry_names_the_council_office() -> None:
    row, copies = _nudge()
    render = REGISTRY[OutboxKind.broadcast_nudge].render
    assert render is not None
    message = render(row, copies, Recipient(5005, "vi", None), NOW)
    assert message is not None
    assert message.text.startswith("Văn phòng HĐND và UBND xã Mỹ Hưng ")


async def test_the_job_runner_sends_with_the_deployments_office_name() -> None:
    """The scheduler's dispatcher renders with SECRETARIAT_NAME, not the default registry."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, TIMEZONE="Asia/Ho_Chi_Minh", SECRETARIAT_NAME="Văn phòng (đ/c Lan)"
    )
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        runner = JobRunner(
            settings=settings,
            engine=engine,
            session_factory=async_sessionmaker(engine, class_=AsyncSession),
            bot=Bot("123:ABC"),
            clock=lambda: NOW,
            secretariat_menu=secretariat_menu,
        )
        row, copies = _nudge()
        render = runner.dispatcher._registry[OutboxKind.broadcast_nudge].render
        assert render is not None
        message = render(row, copies, Recipient(5005, "vi", None), NOW)
        assert message is not None
        assert message.text.startswith("Văn phòng (đ/c Lan) chưa nhận"), message.text
    finally:
        await engine.dispose()
