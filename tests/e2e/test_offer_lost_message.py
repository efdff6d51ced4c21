"""An offer whose send went out but was never recorded with its message id (the outcome
stayed unknown, and the offer closed before a retry): the outbox cannot edit that
message, so a press on its live button edits it, besides the answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from bot.models import Delegate, OutboxMessage
from bot.models.availability import SubstituteOffer
from bot.services.availability.standins import TakeOutcome, take_place
from bot.services.outbox.reminders import ReminderPolicy, plan_outbox
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from tests.e2e.conftest import Harness
from tests.e2e.steps import dispatcher, run_until, schedule
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
from tests.factories import in_session


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
    text = await pressed_and_edited(harness, users["ML-D"], offer_d, "Nhận thay")
    assert "Cảm ơn đồng chí đã nhận thay" in text
    await run_until(harness, policy, harness.clock.now)
    assert offer_b.edits == 0  # nothing the outbox knows of to edit
    late = await press(harness, users["ML-B"], offer_b, "Nhận thay")
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
    await pressed_and_edited(harness, users["ML-D"], offer_d, "Nhận thay")
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


async def _offer_rows(harness: Harness, code: str) -> list[OutboxMessage]:
    async with harness.session_factory() as session:
        return list(
            (
                await session.exec(
                    select(OutboxMessage).where(
                        col(OutboxMessage.delegate_id)
                        == select(Delegate.id).where(col(Delegate.code) == code).scalar_subquery(),
                        col(OutboxMessage.kind).in_(
                            [OutboxKind.substitute_offer.value, OutboxKind.offer_closed.value]
                        ),
                    )
                )
            ).all()
        )


async def test_an_offer_whose_send_is_recorded_after_the_take_is_edited_by_that_record(
    harness: Harness,
    policy: ReminderPolicy,  # noqa: F811
    tmp_path: Path,
) -> None:
    """D takes the place while the dispatcher is still sending B's offer: the edit of B's
    message is planned when the dispatcher records that send (the same transaction), not at
    the planner's next run (none runs here), and the same drain makes it."""
    users, _office = await team(harness)
    await schedule(harness, tmp_path, ROTA)
    await run_until(harness, policy, datetime(2026, 12, 7, 3, tzinfo=UTC))
    await excuse(harness, users["ML-A"], with_text(users["ML-A"], "Tiếp công dân")[0])
    await in_session(harness.session_factory, plan_outbox, policy=policy, now=harness.clock())
    harness.api.delay("sendMessage", 1.0)
    drain = asyncio.create_task(dispatcher(harness).drain())
    b = users["ML-B"].user_id
    await harness.api.wait_until(  # B's offer has reached Telegram, which holds it a second
        lambda: any(
            call.method == "sendMessage"
            and str(call.params.get("chat_id")) == str(b)
            and "nhận thay" in str(call.params.get("text"))
            for call in harness.api.calls
        )
    )
    async with harness.session_factory() as session, session.begin():
        d = (await session.exec(select(Delegate).where(col(Delegate.code) == "ML-D"))).one()
        offer = (
            await session.exec(
                select(SubstituteOffer).where(col(SubstituteOffer.delegate_id) == d.id)
            )
        ).one()
        assert offer.id is not None
        assert d.id is not None
        taken = await take_place(
            session=session, offer_id=offer.id, delegate_ids=[d.id], now=harness.clock()
        )
    assert taken.outcome is TakeOutcome.won
    await drain  # the edit is planned as B's send is recorded, and this drain makes it
    harness.api.delay("sendMessage", 0)
    rows = {row.kind: row.status for row in await _offer_rows(harness, "ML-B")}
    assert rows == {
        OutboxKind.substitute_offer.value: OutboxStatus.sent.value,
        OutboxKind.offer_closed.value: OutboxStatus.sent.value,
    }
    (offer_b,) = with_text(users["ML-B"], "nhận thay")
    await harness.api.wait_until(lambda: offer_b.edits == 1)
    assert (offer_b.text or "").startswith("✔️ Đã có đại biểu nhận thay")
    assert not offer_b.buttons
