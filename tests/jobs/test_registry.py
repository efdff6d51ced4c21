"""Every kind of outbox row has exactly one registration: a row the dispatcher cannot
render would otherwise be dropped as "nothing to say"."""

from __future__ import annotations

import pytest

from bot.services.outbox import OutboxKind
from jobs.outbox_kinds import KindSpec, build_registry
from jobs.registry import REGISTRY


def test_every_outbox_kind_is_registered() -> None:
    assert set(REGISTRY) == set(OutboxKind)


def test_a_kind_registered_twice_or_half_is_refused() -> None:
    spec = REGISTRY[OutboxKind.reminder]
    with pytest.raises(ValueError, match="twice"):
        build_registry((spec, spec))

    async def load(*_args: object) -> None:
        return None

    with pytest.raises(ValueError, match="exactly one"):
        build_registry((KindSpec(OutboxKind.digest, load),))
