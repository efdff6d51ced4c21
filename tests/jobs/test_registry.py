"""Every kind of outbox row has exactly one complete registration: its payload model
(what a row carries, its priority, its revive policy) and its ``KindSpec`` (how to load
and render it). A row the dispatcher cannot render would otherwise be dropped as
"nothing to say"; a planner and a loader that disagree on a payload lose the message."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.outbox.payloads import (
    BULK,
    PAYLOADS,
    URGENT,
    AdditionPayload,
    BroadcastNudgePayload,
    BroadcastPayload,
    CancellationPayload,
    ChangePayload,
    DigestPayload,
    MenuResetPayload,
    OfferClosedPayload,
    Payload,
    PetitionAnswerPayload,
    ReminderPayload,
    ReportPromptPayload,
    Revive,
    SubstituteEscalationPayload,
    SubstituteNewsPayload,
    SubstituteOfferPayload,
    SummaryPayload,
)
from bot.services.outbox.rows import OutboxKind, outbox_row
from jobs.outbox_kinds import KindSpec, build_registry
from jobs.registry import REGISTRY

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
EXAMPLES: dict[OutboxKind, Payload] = {
    OutboxKind.reminder: ReminderPayload(lead="1d"),
    OutboxKind.change: ChangePayload(),
    OutboxKind.cancellation: CancellationPayload(),
    OutboxKind.addition: AdditionPayload(),
    OutboxKind.digest: DigestPayload(day=date(2026, 12, 1)),
    OutboxKind.summary: SummaryPayload(councils=(1, 2), since=NOW, overdue_before=NOW),
    OutboxKind.report_prompt: ReportPromptPayload(step="later", ends=1_796_000_000),
    OutboxKind.broadcast: BroadcastPayload(broadcast=7),
    OutboxKind.broadcast_nudge: BroadcastNudgePayload(broadcast=7),
    OutboxKind.menu_reset: MenuResetPayload(),
    OutboxKind.substitute_offer: SubstituteOfferPayload(offer=3),
    OutboxKind.substitute_escalation: SubstituteEscalationPayload(release=4),
    OutboxKind.substitute_news: SubstituteNewsPayload(release=4, news="assigned"),
    OutboxKind.offer_closed: OfferClosedPayload(offer=3),
    OutboxKind.petition_answer: PetitionAnswerPayload(petition=3, version=2),
}
"""One payload per kind: a new kind needs an example here, and so a round trip."""


def test_every_outbox_kind_is_registered() -> None:
    assert set(REGISTRY) == set(OutboxKind)
    assert set(PAYLOADS) == set(OutboxKind)
    assert set(EXAMPLES) == set(OutboxKind)


@pytest.mark.parametrize("kind", list(OutboxKind), ids=str)
def test_each_registration_has_what_its_kind_needs(kind: OutboxKind) -> None:
    spec = REGISTRY[kind]
    assert spec.kind is kind
    assert spec.payload is PAYLOADS[kind]
    assert spec.priority in (URGENT, BULK)
    assert isinstance(spec.revive, Revive)
    if spec.mergeable:  # a part of the merged notice, and how that part reads
        assert spec.item is not None
        assert spec.block is not None
        assert spec.render is None
    else:  # a message of its own
        assert spec.render is not None
        assert spec.block is None


@pytest.mark.parametrize("kind", list(OutboxKind), ids=str)
def test_what_the_planner_writes_the_loader_reads(kind: OutboxKind) -> None:
    payload = EXAMPLES[kind]
    assert type(payload) is PAYLOADS[kind]
    row = outbox_row(payload, "k", now=NOW, due_at=NOW)
    assert row["kind"] == kind.value
    assert row["priority"] == REGISTRY[kind].priority
    assert REGISTRY[kind].payload.unpack(row["payload"]) == payload


def test_broadcasts_wait_for_what_is_urgent() -> None:
    bulk = {kind for kind, spec in REGISTRY.items() if spec.priority == BULK}
    assert bulk == {OutboxKind.broadcast, OutboxKind.broadcast_nudge}


def test_a_kind_registered_twice_or_half_is_refused() -> None:
    spec = REGISTRY[OutboxKind.reminder]
    with pytest.raises(ValueError, match="twice"):
        build_registry((spec, spec))

    async def load(*_args: object) -> None:
        return None

    with pytest.raises(ValueError, match="exactly one"):
        build_registry((KindSpec(DigestPayload, load),))
    with pytest.raises(ValueError, match="item and block"):
        build_registry((KindSpec(DigestPayload, load, item=spec.item),))
    summary = REGISTRY[OutboxKind.summary]
    with pytest.raises(ValueError, match="item and block"):
        build_registry((KindSpec(SummaryPayload, load, block=spec.block, render=summary.render),))
