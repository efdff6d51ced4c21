"""An offer whose send went out but was never recorded with its message id (the outcome
stayed unknown, and the offer closed before a retry): the outbox cannot edit that
message, so a press on its live button edits it, besides the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from bot.models import Delegate, OutboxMessage
from bot.services.outbox.reminders import ReminderPolicy
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from tests.e2e.conftest import Harness
from tests.e2e.steps import run_until, schedule
from tests.e2e.test_availability import (  # noqa: F401 (the fixture)
    ROTA,
    excuse,
    policy,
    press,
    press_old,
    pressed_and_edited,
    team,
    with_text,
)


async def test_a_press_on_an_offer_the_outbox_cannot_edit_edits_it(
    harness: Harness,
    policy: ReminderPolicy,  # noqa: F811
    tmp_path: Path,
) -> None:
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await run_until(harness, policy, harness.clock.now)
    (offer_b,) = with_text(users["ML-B"], "Đồng chí có nhận thay được không?")
    (offer_d,) = with_text(users["ML-D"], "Đồng chí có nhận thay được không?")
    # B's offer reached B, but the bot never learnt it: its row was cancelled unsent.
    async with harness.session_factory() as session:
        await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
                col(OutboxMessage.delegate_id)
                == select(Delegate.id).where(col(Delegate.code) == "ML-B").scalar_subquery(),
            )
            .values(status=OutboxStatus.cancelled.value, telegram_message_id=None)
        )
        await session.commit()
    text = await pressed_and_edited(harness, users["ML-D"], offer_d, "🙋 Nhận thay")
    assert "Cảm ơn đồng chí đã nhận thay" in text
    await run_until(harness, policy, harness.clock.now)
    assert offer_b.edits == 0  # nothing the outbox knows of to edit
    late = await press(harness, users["ML-B"], offer_b, "🙋 Nhận thay")
    assert "đã có đại biểu khác nhận thay" in late.get("text", "").lower()
    await harness.api.wait_until(lambda: offer_b.edits == 1)
    assert (offer_b.text or "").startswith("✔️ Đã có đại biểu nhận thay")
    assert not offer_b.buttons
    # The planner and the dispatcher leave it alone; a press on the old button is
    # answered, and the message stays as it is.
    await run_until(harness, policy, harness.clock.now)
    await press_old(harness, users["ML-B"], offer_b)
    assert offer_b.edits == 1


async def test_an_offer_in_flight_when_the_place_is_taken_is_edited_once_recorded(
    harness: Harness,
    policy: ReminderPolicy,  # noqa: F811
    tmp_path: Path,
) -> None:
    """B's offer is being sent when D takes the place, and its send is recorded only
    later (past the sender's lease): B's message is then edited, once."""
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await run_until(harness, policy, harness.clock.now)
    (offer_b,) = with_text(users["ML-B"], "Đồng chí có nhận thay được không?")
    (offer_d,) = with_text(users["ML-D"], "Đồng chí có nhận thay được không?")

    async def b_row(**values: object) -> None:
        async with harness.session_factory() as session:
            await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.kind) == OutboxKind.substitute_offer.value,
                    col(OutboxMessage.delegate_id)
                    == select(Delegate.id).where(col(Delegate.code) == "ML-B").scalar_subquery(),
                )
                .values(**values)
            )
            await session.commit()

    await b_row(status=OutboxStatus.sending.value, telegram_message_id=None)
    await pressed_and_edited(harness, users["ML-D"], offer_d, "🙋 Nhận thay")
    harness.clock.now += timedelta(minutes=10)
    await run_until(harness, policy, harness.clock.now)
    assert offer_b.edits == 0  # no message id yet: nothing to edit
    await b_row(status=OutboxStatus.sent.value, telegram_message_id=offer_b.message_id)
    harness.clock.now += timedelta(minutes=5)
    await run_until(harness, policy, harness.clock.now)
    await harness.api.wait_until(lambda: offer_b.edits == 1)
    assert (offer_b.text or "").startswith("✔️ Đã có đại biểu nhận thay")
    assert not offer_b.buttons
    harness.clock.now += timedelta(minutes=5)
    await run_until(harness, policy, harness.clock.now)
    assert offer_b.edits == 1
