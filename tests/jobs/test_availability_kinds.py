"""The availability kinds rendered from the database: the stand-in request the office
sends names it as ``SECRETARIAT_NAME`` says (``registry_for``), the council's office
by default."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from bot.db import SessionFactory
from bot.models import OutboxMessage
from bot.services.availability.standins import AssignOutcome, assign_stand_in
from bot.services.outbox.payloads import SubstituteNewsPayload
from bot.services.outbox.rows import OutboxKind, Outgoing
from jobs.outbox_kinds import KindSpec, Recipient
from jobs.registry import REGISTRY, registry_for
from tests.services.test_availability import (  # noqa: F401 (the fixture)
    NOW,
    ROTA,
    ZONE,
    first_assignment,
    load_schedule,
    people,
    release,
)


async def _assigned_request(sessions: SessionFactory, tmp_path: Path, ids: dict[str, int]) -> int:
    """A's turn released, the office picks B: the id of B's «assigned» news row."""
    await load_schedule(sessions, tmp_path, ROTA)
    released = await release(sessions, await first_assignment(sessions, ids["ML-A"]), ids["ML-A"])
    async with sessions() as session:
        outcome, _context, _chosen = await assign_stand_in(
            session=session, release_id=released.id or 0, delegate_id=ids["ML-B"],
            managed=None, actor="tg:900", now=NOW, zone=ZONE,
        )  # fmt: skip
        await session.commit()
    assert outcome is AssignOutcome.assigned
    async with sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(
                    col(OutboxMessage.kind) == OutboxKind.substitute_news.value,
                    col(OutboxMessage.delegate_id) == ids["ML-B"],
                )
            )
        ).all()
    (row,) = [r for r in rows if SubstituteNewsPayload.unpack(r.payload).news == "assigned"]
    assert row.id is not None
    return row.id


async def _render(sessions: SessionFactory, spec: KindSpec[object], row_id: int) -> Outgoing:
    async with sessions() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        loaded = await spec.load(session, [row], ZONE)
    assert spec.render is not None
    message = spec.render(row, loaded, Recipient(101, "vi", None), NOW)
    assert message is not None
    return message


async def test_the_stand_in_request_names_the_configured_office(
    session_factory: SessionFactory,
    tmp_path: Path,
    people: dict[str, int],  # noqa: F811
) -> None:
    row_id = await _assigned_request(session_factory, tmp_path, people)
    named = await _render(
        session_factory, registry_for("Văn phòng (đ/c Lan)")[OutboxKind.substitute_news], row_id
    )
    assert named.text.startswith("📌 <b>Văn phòng (đ/c Lan) đề nghị đồng chí nhận thay</b>")
    default = await _render(session_factory, REGISTRY[OutboxKind.substitute_news], row_id)
    assert default.text.startswith("📌 <b>Văn phòng HĐND"), default.text
    assert "đ/c Lan" not in default.text
    assert default.keyboard[0][0].text == "Không nhận"
