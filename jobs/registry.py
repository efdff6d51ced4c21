"""Every kind of outbox row the dispatcher can send, in one place."""

from __future__ import annotations

from typing import Any

from bot.services.outbox.rows import OutboxKind
from jobs.availability_kinds import availability_kinds
from jobs.broadcast_kinds import broadcast_kinds
from jobs.menu_kinds import MENU_RESET
from jobs.outbox_kinds import NOTICE_KINDS, KindSpec, build_registry
from jobs.petition_answers import PETITION_ANSWER
from jobs.report_prompts import REPORT_PROMPT


def registry_for(secretariat_name: str = "") -> dict[OutboxKind, KindSpec[Any]]:
    """The registry of a deployment: ``secretariat_name`` (``Settings.SECRETARIAT_NAME``)
    names the office in the texts that name it (the broadcast deadline's nudge)."""
    return build_registry(
        (
            *NOTICE_KINDS,
            REPORT_PROMPT,
            *broadcast_kinds(secretariat_name),
            MENU_RESET,
            *availability_kinds(secretariat_name),
            PETITION_ANSWER,
        )
    )


REGISTRY: dict[OutboxKind, KindSpec[Any]] = registry_for()
"""Without ``SECRETARIAT_NAME``: each council's office by its level and name."""
